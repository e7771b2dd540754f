"""ACX figures measured on real builds: `narrate check`, pacing settings, subtitles."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from narrate import Project, build_chapter
from narrate.check import check_mp3
from narrate.cli import cli
from narrate.errors import ConfigError
from narrate.settings import load_settings

from .measure import decode_mp3, edge_silences, peak_dbfs, rms_dbfs


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The short chapter, built once with the real engine and encoder at the ACX profile."""
    from .conftest import make_project

    project = Project(make_project(tmp_path_factory.mktemp("acx") / "book"))
    build_chapter(project, 3)
    return project


def test_a_default_build_passes_every_acx_figure(built: Project) -> None:
    report = check_mp3(built.mp3_path(3), built.timings_path(3))
    figures = {f.name: f for f in report.figures}
    assert all(f.passed for f in report.figures), [f for f in report.figures if not f.passed]
    assert not report.flagged_turns
    assert figures["bit rate"].value == "192 kbps CBR"
    assert figures["sample rate"].value == "44100 Hz"
    # And measured apart from narrate.master: sample peak, plain RMS, sample-exact room tone.
    decoded = decode_mp3(built.mp3_path(3))
    assert peak_dbfs(decoded.samples) <= -3.0
    assert -23.0 <= rms_dbfs(decoded.samples) <= -18.0
    head, tail = edge_silences(decoded, -50.0)
    assert 0.5 <= head <= 1.0, head
    assert 1.0 <= tail <= 5.0, tail


def test_voices_are_matched_in_loudness(built: Project) -> None:
    # Measured independently of narrate's own figures: plain RMS over each speaker's turns.
    decoded = decode_mp3(built.mp3_path(3))
    timings = json.loads(built.timings_path(3).read_text())
    levels = {}
    for speaker in ("narrator", "pestana", "lenin"):
        parts = [decoded.between(t["start"], t["end"]) for t in timings if t["speaker"] == speaker]
        levels[speaker] = rms_dbfs(np.concatenate(parts))
    assert max(levels.values()) - min(levels.values()) <= 1.5, levels


def test_check_command_prints_each_figure_and_passes(built: Project) -> None:
    result = CliRunner().invoke(cli, ["check", "--chapter", "3", "--project", str(built.root)])
    assert result.exit_code == 0, result.output
    for name in ("sample rate", "bit rate", "RMS", "true peak", "noise floor", "head room tone", "tail room tone"):
        assert f"  {name}" in result.output
    assert result.output.rstrip().endswith("chapter-3.mp3 passes every ACX check.")


def test_check_fails_the_personal_profile_and_flags_silent_turns(built: Project, tmp_path: Path) -> None:
    build_chapter(built, 3, profile="personal")
    try:
        timings = json.loads(built.timings_path(3).read_text())
        # Pretend one turn sits in the tail's room tone: it came out silent.
        end = timings[-1]["end"]
        timings.append({"index": 99, "speaker": "lenin", "start": end + 0.2, "end": end + 0.9, "text": "Nothing here."})
        fake = tmp_path / "chapter-3.json"
        fake.write_text(json.dumps(timings))
        mp3 = tmp_path / "chapter-3.mp3"
        mp3.write_bytes(built.mp3_path(3).read_bytes())
        result = CliRunner().invoke(cli, ["check", str(mp3)])
        assert result.exit_code == 1
        assert "22050 Hz                     44100 Hz                 FAIL" in result.output
        assert "64 kbps CBR" in result.output
        assert "FLAG turn 99 (lenin): silent: 'Nothing here.'" in result.output
        assert result.output.rstrip().endswith("chapter-3.mp3 fails.")
    finally:
        build_chapter(built, 3)


def test_check_needs_a_file_or_a_chapter(built: Project) -> None:
    result = CliRunner().invoke(cli, ["check"])
    assert result.exit_code == 2
    assert "Error: give either an MP3 file or --chapter N" in result.output
    missing = CliRunner().invoke(cli, ["check", "--chapter", "4", "--project", str(built.root)])
    assert missing.exit_code == 1
    assert missing.output == "Error: output/chapter-4.mp3 does not exist; build it with: narrate build --chapter 4\n"


def test_subtitles_have_a_voice_span_per_turn(built: Project) -> None:
    vtt = built.subtitles_path(3).read_text(encoding="utf-8")
    timings = json.loads(built.timings_path(3).read_text())
    assert vtt.startswith("WEBVTT\n\n1\n00:00:00.7")
    assert vtt.count(" --> ") == len(timings)
    assert "<v Lenin>When do you plan to leave?\n" in vtt
    assert "<v Pestaña>Very soon,\n" in vtt
    assert "<v Narrator>he asked us.\n" in vtt


def test_pacing_comes_from_settings_yaml(tone_project: Path) -> None:
    (tone_project / "settings.yaml").write_text("pacing:\n  head_ms: 500\n  after_heading_ms: 3000\n")
    build_chapter(Project(tone_project), 3)
    timings = json.loads((tone_project / "output" / "chapter-3.json").read_text())
    assert timings[0]["start"] == pytest.approx(0.5 + 1105 / 44100, abs=0.001)  # plus the MP3 decoder delay
    assert 3.0 <= timings[1]["start"] - timings[0]["end"] <= 3.053


def test_settings_reject_unknown_keys(tmp_path: Path) -> None:
    path = tmp_path / "settings.yaml"
    path.write_text("pacing:\n  paragraf_ms: 900\n")
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    assert str(info.value) == f"{path}, line 2: unknown key 'paragraf_ms'; remove it or fix its spelling"


def test_a_profile_overrides_only_what_it_gives(tmp_path: Path) -> None:
    path = tmp_path / "settings.yaml"
    path.write_text("profiles:\n  acx: {bitrate_kbps: 256}\n")
    settings = load_settings(path)
    assert settings.profile("acx").bitrate_kbps == 256
    assert settings.profile("acx").sample_rate == 44100
    assert settings.profile("personal").bitrate_kbps == 64
    with pytest.raises(ConfigError, match=r"no profile 'podcast' \(profiles: acx, personal\); use one of them"):
        settings.profile("podcast")
