"""Errors the library raises; each message says what went wrong, where, and how to fix it."""

from __future__ import annotations


class NarrateError(Exception):
    """Base class: a problem a person can fix, described in one line."""


class TextError(NarrateError):
    """A chapter text could not be read or is unusable."""


class ConfigError(NarrateError):
    """A YAML file a person edits (cast script, voices, book) is malformed or invalid."""


class ScriptError(ConfigError):
    """A cast script is malformed or inconsistent with the cast."""


class VoicesError(ConfigError):
    """voices.yaml is malformed, or names a voice or engine that cannot be used."""


class EngineError(NarrateError):
    """A speech engine is missing, or failed to synthesize a turn."""


class ExportError(NarrateError):
    """The audio or its side files could not be written."""


class ChapterNotFoundError(NarrateError):
    """The project has no text or script for the chapter asked for."""
