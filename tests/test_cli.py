"""The command line, through click's CliRunner: exact messages, exit codes, no tracebacks."""

from __future__ import annotations

import errno
import json
import os
import re
from itertools import pairwise
from pathlib import Path

import pytest
from click.testing import CliRunner

from narrate.cli import cli
from narrate.script import load_script


def run(*args: str | Path):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    # A NarrateError must reach the user as a message, never as a traceback.
    assert not (result.exception and not isinstance(result.exception, SystemExit)), result.output
    return result


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_help(command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0
    assert cli.commands[command].help, f"{command} has no help text"
    assert "Usage: cli " + command in result.output


def test_unknown_chapter_lists_the_chapters_there_are(project: Path) -> None:
    result = run("build", "--chapter", "99", "--project", project)
    assert result.exit_code == 1
    assert result.output == (
        "Error: there is no chapter 99: no texts/chapter-99.txt or scripts/chapter-99.yaml (chapters: 3)\n"
    )


def test_chapter_must_be_a_number(project: Path) -> None:
    result = run("build", "--chapter", "nineteen", "--project", project)
    assert result.exit_code == 2
    assert "Invalid value for '--chapter' / '-c': 'nineteen' is not a valid integer" in result.output


def test_script_keeps_a_persons_corrections_unless_forced(project: Path, tmp_path: Path) -> None:
    first = run("script", "--chapter", "3", "--project", project)
    assert first.exit_code == 0
    assert first.output == (
        "Wrote scripts/chapter-3.yaml: 9 turns, 5 quotations: 2 sure (confidence >= 0.9), 2 likely, "
        "1 to check, 0 unknown\n"
    )
    path = project / "scripts" / "chapter-3.yaml"
    text = path.read_text(encoding="utf-8")
    # A person recasts "Stay a little longer." and the chapter text changes elsewhere.
    stay = text.index("text: Stay a little longer.")
    speaker = text.rindex("speaker:", 0, stay)
    edited = text[:speaker] + "speaker: pestana\n  " + text[stay:]
    path.write_text(edited, encoding="utf-8")
    chapter = project / "texts" / "chapter-3.txt"
    chapter.write_text(chapter.read_text(encoding="utf-8").replace("at the Kremlin", "in the Kremlin"))
    again = run("script", "--chapter", "3", "--project", project)
    assert again.exit_code == 0
    assert again.output.endswith("; kept your speaker where it differs from the builder's on 1 unchanged turn\n")
    rewritten = load_script(path)
    assert next(t for t in rewritten.turns if t.text == "Stay a little longer.").speaker == "pestana"
    assert any(t.text == "We went to see Lenin in the Kremlin." for t in rewritten.turns)
    # --output writes the builder's own attribution elsewhere and leaves the corrected script alone.
    own = run("script", "--chapter", "3", "--project", project, "--output", tmp_path / "own.yaml")
    assert own.exit_code == 0, own.output
    assert own.output.startswith(f"Wrote {tmp_path / 'own.yaml'}: 9 turns")
    assert (
        next(t for t in load_script(tmp_path / "own.yaml").turns if t.text == "Stay a little longer.").speaker
        == "lenin"
    )
    assert next(t for t in load_script(path).turns if t.text == "Stay a little longer.").speaker == "pestana"
    forced = run("script", "--chapter", "3", "--project", project, "--force")
    assert forced.exit_code == 0
    assert next(t for t in load_script(path).turns if t.text == "Stay a little longer.").speaker == "lenin"


def story(tmp_path: Path, text: str, characters: str) -> tuple[Path, Path, Path]:
    """A text, a third-person cast with these characters (YAML lines), and where its script goes."""
    (path := tmp_path / "story.txt").write_text(text, encoding="utf-8")
    (cast := tmp_path / "cast.yaml").write_text(
        f"narrator: {{person: third}}\ncharacters:\n{characters}", encoding="utf-8"
    )
    return path, cast, tmp_path / "story.yaml"


def test_script_for_any_text_writes_the_builders_own_attribution(project: Path, tmp_path: Path) -> None:
    text, cast, out = story(
        tmp_path,
        "“Come here,” said Alice.\n\n“Why?” asked the Rabbit.\n",
        "  alice: {name: Alice, gender: female}\n  rabbit: {name: White Rabbit, aliases: [the Rabbit], gender: male}\n",
    )
    result = run("script", text, "--cast", cast, "--output", out)
    assert result.exit_code == 0, result.output
    assert [(t.speaker, t.text) for t in load_script(out).turns if t.confidence] == [
        ("alice", "Come here,"),
        ("rabbit", "Why?"),
    ]
    no_output = run("script", text, "--cast", cast)
    assert no_output.exit_code == 2
    assert no_output.output.endswith("Error: with a TEXT file, say where the script goes: --output FILE.yaml\n")
    neither = run("script", "--project", project)
    assert neither.exit_code == 2
    assert neither.output.endswith("Error: give either a TEXT file or --chapter N\n")


def test_script_names_the_descriptions_the_cast_lacks(tmp_path: Path) -> None:
    text, cast, out = story(
        tmp_path,
        "“Did you see that door?” asked Mr. Enfield.\n\n“Yes,” said the lawyer quietly.\n\n"
        "“And?” said Mr. Enfield.\n\n“It is Jekyll’s,” the lawyer replied.\n",
        "  utterson: {name: Mr. Utterson, gender: male}\n  enfield: {name: Mr. Enfield, gender: male}\n",
    )
    result = run("script", text, "--cast", cast, "--output", out)
    assert result.exit_code == 0, result.output
    assert result.output.endswith(
        "Tags name or describe people the cast lacks: “the lawyer” ×2. Add each to its character's aliases "
        "in the cast (or add the character) and run again.\n"
    )
    lawyer = [t for t in load_script(out).turns if t.cue and "the lawyer" in t.cue]
    assert [(t.text, t.check) for t in lawyer] == [("Yes,", True), ("It is Jekyll’s,", True)]
    # ...and once the cast has it, the tags are tags
    cast.write_text(
        cast.read_text(encoding="utf-8").replace("gender: male}", "aliases: [the lawyer], gender: male}", 1),
        encoding="utf-8",
    )
    result = run("script", text, "--cast", cast, "--output", out)
    assert "Tags name" not in result.output
    assert [(t.speaker, t.cue) for t in load_script(out).turns if t.confidence] == [
        ("enfield", "tag"),
        ("utterson", "tag"),
        ("enfield", "tag"),
        ("utterson", "tag"),
    ]


def test_build_with_a_misspelt_speaker_names_the_turn(tone_project: Path) -> None:
    assert run("script", "--chapter", "3", "--project", tone_project).exit_code == 0
    path = tone_project / "scripts" / "chapter-3.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("speaker: lenin", "speaker: lennin", 1))
    result = run("build", "--chapter", "3", "--project", tone_project)
    assert result.exit_code == 1
    assert result.output == (
        "Error: scripts/chapter-3.yaml, turn 3: speaker 'lennin' is not in "
        f"{tone_project / 'voices.yaml'} (known: narrator, pestana, lenin); add the character or fix the speaker\n"
    )


def test_build_with_the_fake_engine_gives_exact_timings(tone_project: Path, tone_engine) -> None:
    result = run("build", "--chapter", "3", "--project", tone_project, "--quiet")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Wrote the cast script scripts/chapter-3.yaml\nWrote output/chapter-3.mp3 (0:")
    timings = json.loads((tone_project / "output" / "chapter-3.json").read_text())
    # The tone engine speaks 100 ms per word.
    assert [round(t["end"] - t["start"], 3) for t in timings] == [
        round(0.1 * len(t["text"].split()), 3) for t in timings
    ]
    # Head room tone, then the default pauses: 2000 after the heading, 650 to a new paragraph
    # in another voice, 220 between a quotation and its tag. MP3 framing may add up to two
    # frames (52 ms) to a pause, and the decoder's delay (1105 samples) shifts everything.
    assert timings[0]["start"] == pytest.approx(0.75 + 1105 / 44100, abs=0.001)
    gaps = [b["start"] - a["end"] for a, b in pairwise(timings)]
    for gap, pause in zip(gaps[:3], (2.0, 0.65, 0.22), strict=True):
        assert pause <= gap <= pause + 0.053
    assert [t["text"] for t in timings[:4]] == [
        "Chapter 3. A Short Visit.",
        "We went to see Lenin at the Kremlin.",
        "When do you plan to leave?",
        "he asked us.",
    ]
    spoken = tone_engine.calls()
    assert sorted(text for text, _ in spoken) == sorted(t["text"] for t in timings)
    assert dict(spoken)["When do you plan to leave?"] == 300
    assert dict(spoken)["he asked us."] == 150


def test_cache_clear_reports_what_it_freed_and_what_it_could_not_delete(
    tone_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run("build", "--chapter", "3", "--project", tone_project, "-q").exit_code == 0
    cache = tone_project / ".narrate-cache"
    entry = next(p for p in cache.rglob("*") if p.is_file())

    def not_permitted(path: Path) -> None:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(entry))

    with monkeypatch.context() as patched:
        patched.setattr("narrate.cache.shutil.rmtree", not_permitted)
        refused = run("cache", "clear", "--project", tone_project)
    assert refused.exit_code == 1
    assert refused.output == (
        f"Error: {entry}: cannot clear the cache (Permission denied); make {cache} writable, or delete it by hand\n"
    )
    cleared = run("cache", "clear", "--project", tone_project)
    assert cleared.exit_code == 0
    assert re.fullmatch(r"Cleared \.narrate-cache \(\d+\.\d MB\)\n", cleared.output), cleared.output
    assert not cache.exists()


def test_voices_lists_the_engines_voices() -> None:
    result = run("voices")
    assert result.exit_code == 0
    assert "\npyttsx3 (pyttsx3-2.99/espeak-ng-" in "\n" + result.output
    assert "\n  en-us                    English (America) [en-us]\n" in result.output
    assert "\n  +m3 " in result.output
