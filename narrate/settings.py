"""Pacing and mastering settings (settings.yaml), with defaults that meet ACX as shipped."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .errors import ConfigError
from .yamlfile import read_yaml, validate

DEFAULT_PROFILE: Final = "acx"


class Pacing(BaseModel):
    """Silences between turns, in milliseconds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    head_ms: int = Field(750, ge=0, le=10_000)
    """Room tone before the first word (ACX: 0.5-1 s)."""
    tail_ms: int = Field(2500, ge=0, le=10_000)
    """Room tone after the last word (ACX: 1-5 s)."""
    after_heading_ms: int = Field(2000, ge=0, le=10_000)
    """After the chapter heading."""
    scene_break_ms: int = Field(2500, ge=0, le=10_000)
    """At a scene break (a line of * * * or similar in the text)."""
    paragraph_ms: int = Field(850, ge=0, le=10_000)
    """A new paragraph read by the same voice."""
    speaker_change_ms: int = Field(650, ge=0, le=10_000)
    """A new paragraph read by another voice: the beat between two lines of dialogue."""
    same_speaker_ms: int = Field(350, ge=0, le=10_000)
    """The same speaker going on inside a paragraph."""
    tag_ms: int = Field(220, ge=0, le=10_000)
    """Between a quotation and its narration tag ("he asked us") in the same paragraph."""


class Profile(BaseModel):
    """How a chapter file is mastered and encoded."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sample_rate: int = Field(44100, ge=8000, le=48000)
    bitrate_kbps: int = Field(192, ge=32, le=320)
    speech_rms_dbfs: float = Field(-18.0, ge=-40, le=-6)
    """Each turn's speech is brought to this level (RMS of its voiced frames), whatever its voice."""
    true_peak_dbfs: float = Field(-3.5, ge=-20, le=0)
    """No turn's true peak goes above this (ACX: -3 dB; the margin absorbs MP3 overshoot)."""
    room_tone_dbfs: float | None = Field(-72.0, ge=-120, le=-50)
    """Level of the faint noise under everything, so pauses are not digital zero; null for none."""


def default_profiles() -> dict[str, Profile]:
    return {
        "acx": Profile(),
        "personal": Profile(sample_rate=22050, bitrate_kbps=64),
    }


class Settings(BaseModel):
    """settings.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pacing: Pacing = Pacing()
    profiles: dict[str, Profile] = Field(default_factory=default_profiles)

    @field_validator("profiles", mode="before")
    @classmethod
    def _over_defaults(cls, value: Any) -> Any:
        # A profile named like a built-in one changes only the keys it gives.
        if not isinstance(value, dict):
            return value
        merged: dict[str, Any] = {name: p.model_dump() for name, p in default_profiles().items()}
        for name, given in value.items():
            merged[name] = {**merged.get(name, {}), **given} if isinstance(given, dict) else given
        return merged

    def profile(self, name: str | None) -> Profile:
        """A profile by name; the default when name is None."""
        name = name or DEFAULT_PROFILE
        if name not in self.profiles:
            raise ConfigError(f"no profile '{name}' (profiles: {', '.join(self.profiles)}); use one of them")
        return self.profiles[name]


def load_settings(path: Path) -> Settings:
    """Read settings.yaml; a project without one gets the defaults."""
    if not path.exists():
        return Settings()
    data, lines = read_yaml(path, "settings file")
    return validate(Settings, data or {}, path, lines)
