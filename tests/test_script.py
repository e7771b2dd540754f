"""The cast script file: round trip, validation errors with their lines, speakers against the cast."""

from __future__ import annotations

from pathlib import Path

import pytest

from narrate.errors import ConfigError, ScriptError
from narrate.script import CastScript, Turn, check_speakers, dump_script, load_script, save_script
from narrate.voices import load_cast

from .conftest import REPO


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "chapter-1.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_round_trip_keeps_every_field_and_unicode(tmp_path: Path) -> None:
    script = CastScript(
        chapter=1,
        title="Ünïcode: “quotes” — and: colons",
        turns=[
            Turn(speaker="narrator", text="Chapter 1. Ünïcode.", paragraph=0),
            Turn(
                speaker="lenin", text="Wrong; you are mistaken, Pestaña.", paragraph=1, confidence=0.75, cue="vocative"
            ),
            Turn(speaker="unknown", text="'Who' — “is” it? " * 20, paragraph=2, confidence=0.0, cue="none", check=True),
        ],
    )
    path = tmp_path / "s.yaml"
    save_script(script, path)
    assert load_script(path) == script
    text = path.read_text(encoding="utf-8")
    assert "Pestaña" in text and "\\u" not in text
    assert text.index("speaker") < text.index("text:")


def test_the_shipped_script_loads_and_dumps_back_unchanged() -> None:
    path = REPO / "scripts" / "chapter-19.yaml"
    assert dump_script(load_script(path)) == path.read_text(encoding="utf-8")


def test_minimal_hand_written_script(tmp_path: Path) -> None:
    path = write(tmp_path, "chapter: 1\nturns:\n- speaker: narrator\n  text: Hello.\n")
    script = load_script(path)
    assert script.turns[0].paragraph is None and not script.turns[0].check


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "chapter: 1\nturns:\n- speaker: narrator\n  text: [unclosed\n",
            "{path}, line 5, column 1: YAML syntax error: expected ',' or ']', but got '<stream end>'; "
            "fix the cast script there",
        ),
        (
            "chapter: 1\nturns:\n- speaker: narrator\n  txt: Hello.\n",
            "2 problems: {path}, turn 1, line 3: 'turns.0.text' is missing; add it; "
            "{path}, turn 1, line 4: unknown key 'txt'; remove it or fix its spelling",
        ),
        (
            "chapter: 1\nturns:\n- speaker: narrator\n  text: Hello.\n- speaker: lenin\n  text: '  '\n",
            "{path}, turn 2, line 6: 'turns.1.text': the text is empty; write the words or delete the turn (got '  ')",
        ),
        (
            "chapter: one\nturns:\n- speaker: narrator\n  text: Hello.\n",
            "{path}, line 1: 'chapter': Input should be a valid integer, "
            "unable to parse string as an integer (got 'one')",
        ),
        (
            "chapter: 1\nturns: []\n",
            "{path}: the script has no turns; add turns or rebuild it with 'narrate script --chapter 1 --force'",
        ),
        ("- just\n- a list\n", "{path}, line 1: expected a mapping at the top of the file"),
    ],
)
def test_invalid_scripts_name_file_line_and_fix(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_script(path)
    assert str(info.value) == message.format(path=path)


def test_speaker_not_in_the_cast() -> None:
    cast = load_cast(REPO / "voices.yaml", check_voices=False)
    script = CastScript(chapter=1, turns=[Turn(speaker="narrator", text="Hi."), Turn(speaker="lennin", text="Hi.")])
    with pytest.raises(ScriptError) as info:
        check_speakers(script, cast, Path("scripts/chapter-1.yaml"))
    assert str(info.value) == (
        "scripts/chapter-1.yaml, turn 2: speaker 'lennin' is not in "
        f"{REPO / 'voices.yaml'} (known: narrator, pestana, lenin); add the character or fix the speaker"
    )


def test_unknown_speaker_must_be_resolved_before_a_build() -> None:
    cast = load_cast(REPO / "voices.yaml", check_voices=False)
    script = CastScript(chapter=1, turns=[Turn(speaker="unknown", text="Who is there?", confidence=0.0)])
    with pytest.raises(
        ScriptError,
        match=r"turn 1: the speaker of 'Who is there\?' is unknown; set it to one of narrator, pestana, lenin",
    ):
        check_speakers(script, cast, Path("s.yaml"))
