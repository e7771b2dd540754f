"""The real pyttsx3 engine on espeak-ng: every turn whole, with its own settings."""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile

import pytest

from narrate.engines import get_engine
from narrate.engines.pyttsx3_espeak import Pyttsx3Settings
from narrate.errors import EngineError

from .measure import median_f0, pcm_to_array

TEXTS = (
    "When do you plan to leave?",
    "Very soon. We only need to get some more information; once we get it, we will leave.",
    "Stay a little longer.",
    "The revolution is an act of force. This is undeniable.",
)
LOW_FAST = Pyttsx3Settings(voice="en-us+m3", rate=220, pitch=15)
HIGH_SLOW = Pyttsx3Settings(voice="en-gb-x-rp+m7", rate=120, pitch=85)


@pytest.fixture(scope="module")
def engine():
    return get_engine("pyttsx3")


def test_two_hundred_alternating_turns_are_whole_and_keep_their_settings(engine) -> None:
    """REFERENCE.md: pyttsx3's driver drops settings or cuts turns short about 1 in 120 times."""
    results: dict[tuple[int, bool], list[tuple[float, float]]] = {}
    for i in range(200):
        high = i % 2 == 1
        text_index = (i // 2) % len(TEXTS)
        audio = engine.synthesize(TEXTS[text_index], HIGH_SLOW if high else LOW_FAST)
        samples = pcm_to_array(audio.raw_data)
        f0 = median_f0(samples, audio.frame_rate)
        results.setdefault((text_index, high), []).append((audio.duration_seconds, f0))

    low_f0 = [f0 for (_, high), rs in results.items() if not high for _, f0 in rs]
    high_f0 = [f0 for (_, high), rs in results.items() if high for _, f0 in rs]
    # Every turn's pitch falls on its own voice's side: no turn kept the other voice's settings.
    assert max(low_f0) < min(high_f0), (max(low_f0), min(high_f0))
    for (text_index, high), rs in results.items():
        durations = [d for d, _ in rs]
        typical = statistics.median(durations)
        # A turn cut short, or spoken at the other voice's rate, would stand out from its peers.
        assert min(durations) > 0.95 * typical, (TEXTS[text_index], high, durations)
        assert max(durations) < 1.05 * typical, (TEXTS[text_index], high, durations)
    # The slow voice really is slower: the rate was applied.
    for text_index in range(len(TEXTS)):
        slow = statistics.median(d for d, _ in results[(text_index, True)])
        fast = statistics.median(d for d, _ in results[(text_index, False)])
        assert slow > 1.4 * fast


def test_synthesis_leaves_no_temporary_files(engine, tmp_path, monkeypatch) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    tempfile.tempdir = None  # let tempfile read TMPDIR again
    try:
        engine.synthesize("Nothing left behind.", Pyttsx3Settings())
    finally:
        tempfile.tempdir = None
    assert list(tmp.iterdir()) == []


def test_engine_reports_its_real_sample_rate(engine) -> None:
    # The driver's WAV header always says 22050: ask a fresh espeak-ng what it produces.
    code = (
        "from narrate.engines.pyttsx3_espeak import load_espeak_library\n"
        "print(load_espeak_library().espeak_Initialize(2, 0, None, 0))  # AUDIO_OUTPUT_SYNCHRONOUS: returns the rate"
    )
    espeak_rate = int(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    assert espeak_rate > 0
    audio = engine.synthesize("Hello.", Pyttsx3Settings())
    assert audio.frame_rate == espeak_rate
    assert audio.channels == 1 and audio.sample_width == 2
    assert 0.3 < audio.duration_seconds < 3


@pytest.mark.parametrize(
    ("voice", "message"),
    [
        ("en-xx", "espeak-ng has no voice 'en-xx'; choose one of"),
        ("en-us+nosuchvariant", "espeak-ng has no voice variant '+nosuchvariant'; choose one of"),
    ],
)
def test_unknown_voice_is_refused_not_silently_replaced(engine, voice: str, message: str) -> None:
    with pytest.raises(EngineError, match=message.replace("+", r"\+")):
        engine.check_settings(Pyttsx3Settings(voice=voice))


def test_voices_lists_english_and_variants(engine) -> None:
    ids = {v.id for v in engine.voices()}
    assert {"en-us", "en-gb-x-rp", "+m3", "+f2"} <= ids
