"""pydub, imported quietly."""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    # pydub warns at import when ffmpeg is missing (narrate never asks pydub to use it) and
    # on Python 3.11-3.12 about audioop's deprecation (audioop-lts replaces it on 3.13).
    warnings.simplefilter("ignore", RuntimeWarning)
    warnings.simplefilter("ignore", DeprecationWarning)
    from pydub import AudioSegment

__all__ = ["AudioSegment", "to_mono16"]


def to_mono16(audio: AudioSegment) -> AudioSegment:
    """The same audio as mono 16-bit samples, at its own rate."""
    if audio.channels != 1:
        audio = audio.set_channels(1)
    if audio.sample_width != 2:
        audio = audio.set_sample_width(2)
    return audio
