"""pydub, imported quietly, and the few audio measurements narrate needs."""

from __future__ import annotations

import math
import warnings

with warnings.catch_warnings():
    # pydub warns at import when ffmpeg is missing (narrate never asks pydub to use it) and
    # on Python 3.11-3.12 about audioop's deprecation (audioop-lts replaces it on 3.13).
    warnings.simplefilter("ignore", RuntimeWarning)
    warnings.simplefilter("ignore", DeprecationWarning)
    from pydub import AudioSegment
    from pydub.silence import detect_leading_silence

__all__ = ["AudioSegment", "dbfs", "silence", "to_format", "trim_silence"]


def to_format(audio: AudioSegment, sample_rate: int) -> AudioSegment:
    """Mono, 16-bit, at sample_rate."""
    if audio.channels != 1:
        audio = audio.set_channels(1)
    if audio.sample_width != 2:
        audio = audio.set_sample_width(2)
    if audio.frame_rate != sample_rate:
        audio = audio.set_frame_rate(sample_rate)
    return audio


def silence(ms: float, sample_rate: int) -> bytes:
    """Raw frames of digital silence, mono 16-bit."""
    return b"\x00\x00" * round(ms * sample_rate / 1000)


def trim_silence(audio: AudioSegment, threshold_dbfs: float, keep_ms: int) -> AudioSegment:
    """Cut an engine's own leading and trailing silence, keeping keep_ms of it at each end."""
    start = detect_leading_silence(audio, silence_threshold=threshold_dbfs)
    end = len(audio) - detect_leading_silence(audio.reverse(), silence_threshold=threshold_dbfs)
    if end <= start:
        return audio
    return audio[max(0, start - keep_ms) : min(len(audio), end + keep_ms)]


def dbfs(rms: float, sample_width: int = 2) -> float:
    """RMS amplitude in dB relative to full scale."""
    full_scale = float(1 << (8 * sample_width - 1))
    return 20 * math.log10(rms / full_scale) if rms > 0 else -math.inf
