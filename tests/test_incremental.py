"""Rebuilds cost what changed; output is the same bytes whatever the jobs; the cache heals."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from narrate import Project, build_chapter
from narrate.cache import Cache
from narrate.cli import cli

from .measure import decode_mp3


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_rebuild_renders_only_what_changed(tone_project: Path, tone_engine) -> None:
    project = Project(tone_project)
    first = build_chapter(project, 3)
    assert first.rendered == first.turns
    assert len(tone_engine.calls()) == first.turns

    again = build_chapter(project, 3)
    assert again.rendered == 0
    assert len(tone_engine.calls()) == first.turns  # nothing synthesized

    script = project.script_path(3)
    script.write_text(script.read_text(encoding="utf-8").replace("Stay a little longer.", "Stay longer."))
    edited = build_chapter(project, 3)
    assert edited.rendered == 1
    assert tone_engine.calls()[-1] == ("Stay longer.", 300)

    voices = tone_project / "voices.yaml"
    voices.write_text(voices.read_text(encoding="utf-8").replace("frequency: 300", "frequency: 320"))
    recast = build_chapter(project, 3)
    lenin_turns = sum(1 for line in script.read_text(encoding="utf-8").splitlines() if line == "- speaker: lenin")
    assert recast.rendered == lenin_turns
    assert {f for _, f in tone_engine.calls()[-lenin_turns:]} == {320}


def test_output_is_byte_identical_whatever_the_jobs(project: Path) -> None:
    """With the real engine: espeak carries state between utterances, so this fails unless each
    turn is synthesized from a fresh start."""
    p = Project(project)
    build_chapter(p, 3, jobs=1, use_cache=False)
    one = digest(p.mp3_path(3)), p.timings_path(3).read_text()
    build_chapter(p, 3, jobs=2, use_cache=False)
    two = digest(p.mp3_path(3)), p.timings_path(3).read_text()
    build_chapter(p, 3, jobs=3)
    three = digest(p.mp3_path(3)), p.timings_path(3).read_text()
    assert one == two == three
    assert not p.cache_dir.exists() or build_chapter(p, 3).rendered == 0


def test_a_corrupt_cache_entry_is_rendered_again(tone_project: Path, tone_engine) -> None:
    project = Project(tone_project)
    build_chapter(project, 3)
    good = digest(project.mp3_path(3))
    entries = sorted(p for p in project.cache_dir.rglob("*") if p.is_file())
    truncated, flipped = entries[0], entries[-1]
    truncated.write_bytes(truncated.read_bytes()[:100])
    data = bytearray(flipped.read_bytes())
    data[-10] ^= 0xFF
    flipped.write_bytes(bytes(data))
    rebuilt = build_chapter(project, 3)
    assert 1 <= rebuilt.rendered <= 2
    assert digest(project.mp3_path(3)) == good


def test_two_builds_of_one_chapter_at_once(tone_project: Path, tone_engine) -> None:
    project = Project(tone_project)
    build_chapter(project, 3)
    from narrate.build import chapter_lock
    from narrate.errors import NarrateError

    with chapter_lock(project, 3), pytest.raises(NarrateError) as info:
        build_chapter(project, 3)
    assert str(info.value) == (
        "another build of chapter 3 is running (output/.chapter-3.lock is locked); wait for it to finish"
    )


def test_no_cache_and_cache_clear(tone_project: Path, tone_engine) -> None:
    project = Project(tone_project)
    build_chapter(project, 3, use_cache=False)
    assert not project.cache_dir.exists()
    build_chapter(project, 3)
    assert project.cache_dir.exists()
    result = CliRunner().invoke(cli, ["cache", "clear", "--project", str(tone_project)])
    assert result.exit_code == 0
    assert result.output.startswith("Cleared .narrate-cache (")
    assert not project.cache_dir.exists()
    assert Cache(project.cache_dir).clear() == 0


def running_in_group(pgid: int) -> list[int]:
    """The processes of a process group that still run: not the ones that have exited and
    wait to be reaped (a dead parent's workers are reaped by init, in its own time)."""
    running = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        state, group = fields[0], int(fields[2])
        if group == pgid and state != "Z":
            running.append(int(stat.parent.name))
    return running


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_an_interrupted_build_leaves_no_partial_file_and_resumes(project: Path, sig: signal.Signals) -> None:
    """Kill real builds of the short chapter at random moments; the output path only ever holds
    a whole file, and a build after that finishes from the cache."""
    p = Project(project)
    command = [sys.executable, "-m", "narrate", "build", "--chapter", "3", "--project", str(project), "-q"]
    # A plain kill must find workers at work, so each of those builds renders every turn anew
    # (with the cache, a build after the first can end before the kill).
    killed = [*command, "--no-cache"] if sig == signal.SIGTERM else command
    rng = random.Random(sig)
    outcomes = []
    for _ in range(4):
        process = subprocess.Popen(killed, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        # (a build without the cache takes about half a second: a plain kill comes within it)
        time.sleep(rng.uniform(0.15, 0.45) if sig == signal.SIGTERM else rng.uniform(0.05, 1.2))
        if process.poll() is None and sig == signal.SIGTERM:
            process.terminate()  # a plain kill reaches narrate alone: its workers must not outlive it
        elif process.poll() is None:
            os.killpg(process.pid, sig)  # the whole group: Ctrl-C reaches the workers too
        _, stderr = process.communicate(timeout=60)
        outcomes.append(process.returncode)
        if sig != signal.SIGKILL:
            # narrate is gone, and so are its workers: nothing runs on in its process group.
            assert running_in_group(process.pid) == [], "a worker outlived narrate"
        assert b"Traceback" not in stderr, stderr.decode()
        if sig != signal.SIGKILL:
            assert not list(p.output_dir.glob(".*.part")), "a partial file was left behind"
        if p.mp3_path(3).exists():
            decode_mp3(p.mp3_path(3))  # whole and readable
    finished = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr
    assert decode_mp3(p.mp3_path(3)).duration > 5
    # A kill can leave a temporary file beside the output; the next build clears it away.
    assert not list(p.output_dir.glob(".*.part"))
    if sig == signal.SIGINT:
        # 130: narrate caught Ctrl-C; -2: it came before Python could install its handler.
        assert set(outcomes) <= {0, 130, -signal.SIGINT}
    if sig == signal.SIGTERM:
        assert set(outcomes) <= {0, 143, -signal.SIGTERM}
        assert set(outcomes) - {0}, outcomes  # at least one kill found narrate at work
