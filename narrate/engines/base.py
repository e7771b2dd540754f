"""The small contract between narrate and a speech engine."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from pydantic import BaseModel

from ..audio import AudioSegment


@dataclass(frozen=True)
class VoiceInfo:
    """One voice an engine offers."""

    id: str
    """What voices.yaml writes to choose it."""
    name: str
    """A human-readable name."""
    language: str | None = None
    """BCP-47-ish language code, when the engine says."""
    gender: str | None = None
    """'male', 'female' or None when the engine does not say."""


class Engine(ABC):
    """A text-to-speech engine.

    Subclasses set ``id`` and ``Settings`` (a pydantic model of the voice settings a character
    may give in voices.yaml) and import their backend lazily, in ``__init__`` or later, so that
    listing and validating work without it.
    """

    id: ClassVar[str]
    """The name voices.yaml uses in ``engine:``."""
    Settings: ClassVar[type[BaseModel]]
    """The voice settings this engine accepts; unknown keys must be rejected."""
    install_hint: ClassVar[str] = ""
    """How to install the backend, for error messages."""

    @property
    @abstractmethod
    def version(self) -> str:
        """Changes whenever the same text and settings could sound different."""

    def cache_identity(self, settings: BaseModel) -> object:
        """What, with version, names this engine's output for these settings in the cache:
        by default the settings themselves. An engine whose settings point at a file adds what
        tells that file's versions apart."""
        return settings.model_dump()

    @abstractmethod
    def voices(self) -> list[VoiceInfo]:
        """The voices this engine can speak with."""

    @abstractmethod
    def check_settings(self, settings: BaseModel) -> None:
        """Raise EngineError if the settings name a voice this engine does not have."""

    @abstractmethod
    def synthesize(self, text: str, settings: BaseModel) -> AudioSegment:
        """Speak text with the settings; mono 16-bit audio at the engine's own rate.

        The same text and settings must give the same audio whatever was spoken before: builds
        cache turns and promise the same bytes whatever the number of jobs.
        """
