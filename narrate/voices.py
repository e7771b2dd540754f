"""The cast: who the narrator is, the characters, and the voice each one speaks with (voices.yaml)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .engines import get_engine, get_engine_class
from .errors import EngineError, VoicesError
from .yamlfile import LineIndex, Location, format_validation_error, read_yaml, validate

NARRATOR = "narrator"
UNKNOWN = "unknown"
RESERVED_IDS = frozenset({NARRATOR, UNKNOWN})


class VoiceSpec(BaseModel):
    """A voice as written in voices.yaml: an engine and that engine's own settings."""

    model_config = ConfigDict(extra="allow", frozen=True)

    engine: str = "pyttsx3"

    @property
    def settings_data(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class NarratorSpec(BaseModel):
    """Who tells the story."""

    model_config = ConfigDict(extra="forbid")

    person: Literal["first", "third"] = "third"
    character: str | None = None
    """In first-person narration, the narrator's own character id."""
    voice: VoiceSpec | None = None


class CharacterSpec(BaseModel):
    """One character of the cast."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    aliases: list[str] = []
    gender: Literal["male", "female", "unknown"] = "unknown"
    voice: VoiceSpec | None = None


class CastSpec(BaseModel):
    """voices.yaml, as a person writes it."""

    model_config = ConfigDict(extra="forbid")

    narrator: NarratorSpec = NarratorSpec()
    characters: dict[str, CharacterSpec] = {}

    @field_validator("characters")
    @classmethod
    def _no_reserved_ids(cls, characters: dict[str, CharacterSpec]) -> dict[str, CharacterSpec]:
        for cid in characters:
            if cid in RESERVED_IDS:
                raise ValueError(f"'{cid}' is reserved; give the character another id")
        return characters

    @property
    def first_person_character(self) -> str | None:
        """The character id of a first-person narrator; None in third-person narration."""
        n = self.narrator
        return n.character if n.person == "first" else None

    @model_validator(mode="after")
    def _first_person_has_character(self) -> CastSpec:
        n = self.narrator
        if n.person == "first" and n.character not in self.characters:
            known = ", ".join(self.characters) or "none"
            raise ValueError(f"narrator.character must name the first-person narrator's character (known: {known})")
        return self


@dataclass(frozen=True)
class Voice:
    """A validated voice: the engine to use and its settings."""

    engine: str
    """The engine id."""
    settings: BaseModel
    """The engine's settings model, validated."""


@dataclass(frozen=True)
class Cast:
    """The loaded cast, with every voice validated against its engine."""

    spec: CastSpec
    """What the file says."""
    path: Path | None
    """Where it came from, for messages."""
    voices: dict[str, Voice]
    """Voice per speaker id, narrator included, for every speaker that has one."""

    @property
    def speaker_ids(self) -> list[str]:
        return [NARRATOR, *self.spec.characters]

    def display_name(self, speaker: str) -> str:
        """How subtitles and reports name a speaker."""
        if speaker in self.spec.characters:
            return self.spec.characters[speaker].name
        return speaker.capitalize()

    def voice_for(self, speaker: str) -> Voice:
        """The voice a speaker's turns are read with.

        A character without a voice of its own is read by the narrator's voice when it is the
        first-person narrator (their quoted lines are their own narration's voice).
        """
        if speaker in self.voices:
            return self.voices[speaker]
        where = self.path or "voices.yaml"
        if speaker != NARRATOR and speaker not in self.spec.characters:
            raise VoicesError(
                f"speaker '{speaker}' is not in {where} (known: {', '.join(self.speaker_ids)}); "
                "add the character or fix the speaker"
            )
        raise VoicesError(f"'{speaker}' has no voice in {where}; give '{speaker}' a 'voice:' entry there")


def load_cast(path: Path, *, check_voices: bool = True) -> Cast:
    """Load voices.yaml (or a cast file of the same schema) and validate each voice's settings.

    With check_voices, each voice is also checked against its engine (which starts the
    engine), so a voice the engine lacks fails before any synthesis.
    """
    data, lines = read_yaml(path, "voices file")
    if data is None:
        data = {}
    spec = validate(CastSpec, data, path, lines, describe_cast_location)
    specs: dict[str, tuple[Location, VoiceSpec]] = {}
    if spec.narrator.voice:
        specs[NARRATOR] = (("narrator", "voice"), spec.narrator.voice)
    for cid, character in spec.characters.items():
        if character.voice:
            specs[cid] = (("characters", cid, "voice"), character.voice)
    voices = {sid: resolve_voice(vs, path, lines, loc, check_voices) for sid, (loc, vs) in specs.items()}
    first = spec.first_person_character
    if first and first not in voices and NARRATOR in voices:
        voices[first] = voices[NARRATOR]
    return Cast(spec=spec, path=path, voices=voices)


def dump_voice(voice: Voice) -> str:
    """The voice as one voices.yaml line, ready to paste under a speaker:
    `voice: {engine: pyttsx3, voice: en-us, rate: 175, pitch: 50, volume: 1.0}`."""
    entry = {"voice": {"engine": voice.engine, **voice.settings.model_dump(mode="json")}}
    # Flow style for the settings (all scalars), on one line however long.
    line = yaml.safe_dump(entry, sort_keys=False, allow_unicode=True, default_flow_style=None, width=10**6)
    return line.rstrip("\n")


def resolve_voice(spec: VoiceSpec, path: Path, lines: LineIndex, loc: Location, check: bool) -> Voice:
    where = f"{path}, {'.'.join(map(str, loc))}"
    line = lines.line(loc)
    if line:
        where += f", line {line}"
    return validate_voice(
        spec,
        check=check,
        engine_where=where,
        voice_where=where,
        describe_invalid=lambda exc: format_validation_error(exc, path, lines, prefix=loc),
    )


def voice_from_options(engine: str, settings: Mapping[str, Any]) -> Voice:
    """A voice given on the command line (narrate say's --engine, --voice and --set), validated
    and checked exactly as a voice in voices.yaml is; each message names the option to fix."""
    if "engine" in settings:
        raise VoicesError("--set: 'engine' is not a voice setting; choose the engine with --engine")
    return validate_voice(
        VoiceSpec.model_validate({**settings, "engine": engine}),
        check=True,
        engine_where="--engine",
        voice_where="--voice",
        describe_invalid=lambda exc: format_validation_error(exc, "--set", LineIndex(None)),
    )


def validate_voice(
    spec: VoiceSpec,
    *,
    check: bool,
    engine_where: str,
    voice_where: str,
    describe_invalid: Callable[[ValidationError], str],
) -> Voice:
    """The engine's settings model validates the voice's settings; with check, the engine (started)
    also confirms it has the voice. The *_where strings say where to fix each kind of problem."""
    try:
        engine_cls = get_engine_class(spec.engine)
    except EngineError as exc:
        raise VoicesError(f"{engine_where}: {exc}") from None
    try:
        settings = engine_cls.Settings.model_validate(spec.settings_data)
    except ValidationError as exc:
        raise VoicesError(describe_invalid(exc)) from None
    if check:
        try:
            engine = get_engine(spec.engine)
        except EngineError as exc:
            raise VoicesError(f"{engine_where}: {exc}") from None
        try:
            engine.check_settings(settings)
        except EngineError as exc:
            raise VoicesError(f"{voice_where}: {exc}") from None
    return Voice(engine=spec.engine, settings=settings)


def describe_cast_location(loc: Location) -> str:
    if len(loc) >= 2 and loc[0] == "characters":
        return f"character '{loc[1]}'"
    return ""
