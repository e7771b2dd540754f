"""End to end with the real engine (espeak-ng through pyttsx3) and the real encoder (LAME):
build, decode the MP3, and measure it."""

from __future__ import annotations

import json
import shutil
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from mutagen.mp3 import MP3

from narrate import Project, build_chapter

from .conftest import REPO
from .measure import decode_mp3, median_f0, rms_dbfs


def build_and_decode(project: Path, chapter: int):
    result = build_chapter(Project(project), chapter)
    timings = json.loads(result.timings.read_text(encoding="utf-8"))
    return result, timings, decode_mp3(result.mp3)


def check_timings_and_duration(result, timings: list[dict], decoded, script_turns: int) -> None:
    # Every turn, in order, without overlaps, inside the file.
    assert [t["index"] for t in timings] == list(range(1, script_turns + 1))
    for before, after in pairwise(timings):
        assert before["start"] < before["end"] <= after["start"]
    assert timings[0]["start"] >= 0.5  # room tone before the first word
    assert decoded.duration - timings[-1]["end"] >= 1.0  # and after the last
    # The decoded MP3 is as long as the timings say (LAME adds well under 0.1 s of padding).
    assert abs(decoded.duration - result.duration) < 0.1
    # Each turn really holds speech, and the pauses between them are silent.
    for t in timings:
        assert rms_dbfs(decoded.between(t["start"], t["end"])) > -30, t
    for before, after in pairwise(timings):
        gap = decoded.between(before["end"] + 0.03, after["start"] - 0.03)
        if len(gap):
            assert rms_dbfs(gap) < -50, (before, after)


def test_short_chapter_two_voices_measurably_apart(project: Path) -> None:
    result, timings, decoded = build_and_decode(project, 3)
    assert decoded.sample_rate == 44100 and decoded.channels == 1
    check_timings_and_duration(result, timings, decoded, result.turns)

    def pitch(speaker: str) -> float:
        speech = [decoded.between(t["start"], t["end"]) for t in timings if t["speaker"] == speaker]
        return median_f0(np.concatenate(speech), decoded.sample_rate)

    narrator, lenin, pestana = pitch("narrator"), pitch("lenin"), pitch("pestana")
    assert lenin > 1.2 * narrator, (lenin, narrator)
    assert abs(pestana - narrator) < 0.1 * narrator, (pestana, narrator)

    mp3 = MP3(result.mp3)
    assert mp3.info.bitrate == 192000
    assert str(mp3.tags["TIT2"]) == "Chapter 3: A Short Visit"
    assert str(mp3.tags["TALB"]) == "Seventy Days in Russia: What I Saw"
    assert str(mp3.tags["TPE1"]) == "Ángel Pestaña"
    assert str(mp3.tags["TRCK"]) == "3"
    assert str(mp3.tags["TCON"]) == "Audiobook"
    assert not list(project.joinpath("output").glob(".*.part"))


@pytest.fixture
def chapter_19_project(tmp_path: Path) -> Path:
    root = tmp_path / "book"
    for name in ("texts", "scripts"):
        shutil.copytree(REPO / name, root / name)
    for name in ("voices.yaml", "book.yaml"):
        shutil.copy(REPO / name, root / name)
    return root


def test_chapter_19_builds_whole(chapter_19_project: Path) -> None:
    result, timings, decoded = build_and_decode(chapter_19_project, 19)
    assert result.duration >= 15 * 60
    check_timings_and_duration(result, timings, decoded, result.turns)
    assert timings[0]["text"] == "Chapter 19. An Interview with Lenin."
    lenin = [t for t in timings if t["speaker"] == "lenin"]
    assert lenin[0]["text"] == "When do you plan to leave?"
    assert str(MP3(result.mp3).tags["TRCK"]) == "19"
