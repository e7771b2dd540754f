"""voices.yaml: the cast model, each voice validated against its engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from narrate.engines import get_engine_ids
from narrate.errors import ConfigError
from narrate.voices import NARRATOR, load_cast

from .conftest import REPO


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "voices.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_voices_give_lenin_a_voice_of_his_own() -> None:
    cast = load_cast(REPO / "voices.yaml")
    assert cast.speaker_ids == [NARRATOR, "pestana", "lenin"]
    assert cast.spec.first_person_character == "pestana"
    narrator, pestana, lenin = (cast.voice_for(s) for s in cast.speaker_ids)
    # Pestaña is the first-person narrator: his quoted lines share the narration's voice.
    assert pestana == narrator
    assert lenin.settings.voice != narrator.settings.voice
    assert lenin.settings.pitch - narrator.settings.pitch >= 20
    assert narrator.settings.rate - lenin.settings.rate >= 20


BASE = """\
narrator:
  person: third
  voice: {engine: pyttsx3, voice: en-us}
characters:
  alice:
    name: Alice
    gender: female
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            BASE + "    voise: {engine: pyttsx3}\n",
            "{path}, character 'alice', line 8: unknown key 'voise'; remove it or fix its spelling",
        ),
        (
            BASE + "    voice: {engine: pyttsx3, voice: en-us, rate: 1000}\n",
            "{path}, line 8: 'characters.alice.voice.rate': Input should be less than or equal to 450 (got 1000)",
        ),
        (
            BASE + "    voice: {engine: pyttsx3, voice: en-us, rat: 100}\n",
            "{path}, line 8: unknown key 'rat'; remove it or fix its spelling",
        ),
        (
            BASE + "    voice: {engine: nosuch}\n",
            "{path}, characters.alice.voice, line 8: engine 'nosuch' is not installed (installed: {engines}); "
            "install the package that provides it, for example: pip install 'narrate[nosuch]'",
        ),
        (
            BASE + "    gender: robot\n",
            "{path}, character 'alice', line 7: 'characters.alice.gender': Input should be 'male', 'female' or "
            "'unknown' (got 'robot')",
        ),
        (
            "narrator:\n  person: first\n  character: bob\ncharacters: {}\n",
            "{path}, line 1: narrator.character must name the first-person narrator's character (known: none)",
        ),
        (
            "narrator: {person: third}\ncharacters:\n  narrator: {name: X}\n",
            "{path}, line 2: 'characters': 'narrator' is reserved; give the character another id",
        ),
        (
            "narrator: {person: [third\n",
            "{path}, line 2, column 1: YAML syntax error: expected ',' or ']', but got '<stream end>'; "
            "fix the voices file there",
        ),
    ],
)
def test_invalid_voices(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text.replace("    gender: female\n    gender: robot", "    gender: robot"))
    with pytest.raises(ConfigError) as info:
        load_cast(path)
    assert str(info.value) == message.format(path=path, engines=", ".join(get_engine_ids()))


def test_a_voice_the_engine_lacks_fails_before_synthesis(tmp_path: Path) -> None:
    path = write(tmp_path, BASE + "    voice: {engine: pyttsx3, voice: en-zz}\n")
    with pytest.raises(
        ConfigError, match=r"characters\.alice\.voice, line 8: espeak-ng has no voice 'en-zz'; choose one of en,"
    ):
        load_cast(path)
