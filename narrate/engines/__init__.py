"""Speech engines: the interface every engine implements, and the registry that finds them.

Engines register under the entry point group ``narrate.engines`` (see pyproject.toml); the
built-in pyttsx3 engine registers exactly as a third party's engine would.
"""

from __future__ import annotations

from .base import Engine, VoiceInfo
from .registry import ENTRY_POINT_GROUP, get_engine, get_engine_class, get_engine_ids

__all__ = ["ENTRY_POINT_GROUP", "Engine", "VoiceInfo", "get_engine", "get_engine_class", "get_engine_ids"]
