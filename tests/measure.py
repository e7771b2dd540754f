"""Measurements the tests make on real audio: decoding, loudness, pitch.

Written apart from narrate.master and narrate.check on purpose, so that a test does not
check narrate's figures with narrate's own code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Decoded:
    samples: np.ndarray
    """Mono float samples in -1..1."""
    sample_rate: int
    channels: int

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sample_rate

    def between(self, start: float, end: float) -> np.ndarray:
        return self.samples[int(start * self.sample_rate) : int(end * self.sample_rate)]


def decode_mp3(path: Path) -> Decoded:
    """Decode an MP3 with miniaudio (no ffmpeg), at its own rate and channel count."""
    import miniaudio

    decoded = miniaudio.mp3_read_file_s16(str(path))
    data = np.frombuffer(decoded.samples, dtype=np.int16).astype(np.float64) / 32768.0
    if decoded.nchannels > 1:
        data = data.reshape(-1, decoded.nchannels).mean(axis=1)
    return Decoded(samples=data, sample_rate=decoded.sample_rate, channels=decoded.nchannels)


def pcm_to_array(raw: bytes) -> np.ndarray:
    return np.frombuffer(raw, dtype=np.int16).astype(np.float64) / 32768.0


def rms_dbfs(samples: np.ndarray) -> float:
    rms = float(np.sqrt(np.mean(samples**2))) if len(samples) else 0.0
    return 20 * np.log10(rms) if rms > 0 else -np.inf


def peak_dbfs(samples: np.ndarray) -> float:
    """The highest sample's level (sample peak, not true peak)."""
    peak = float(np.max(np.abs(samples))) if len(samples) else 0.0
    return 20 * np.log10(peak) if peak > 0 else -np.inf


def edge_silences(decoded: Decoded, threshold_dbfs: float) -> tuple[float, float]:
    """Seconds before the first sample and after the last sample louder than threshold_dbfs."""
    loud = np.nonzero(np.abs(decoded.samples) > 10 ** (threshold_dbfs / 20))[0]
    if not len(loud):
        return decoded.duration, decoded.duration
    return loud[0] / decoded.sample_rate, decoded.duration - (loud[-1] + 1) / decoded.sample_rate


def median_f0(samples: np.ndarray, sample_rate: int, fmin: float = 60.0, fmax: float = 400.0) -> float:
    """Median fundamental frequency of the voiced frames, by autocorrelation."""
    frame = int(0.04 * sample_rate)
    hop = frame // 2
    lo, hi = int(sample_rate / fmax), int(sample_rate / fmin)
    energy_floor = 0.1 * np.sqrt(np.mean(samples**2))
    estimates = []
    for start in range(0, len(samples) - frame, hop):
        x = samples[start : start + frame]
        if np.sqrt(np.mean(x**2)) < energy_floor:
            continue
        x = x - x.mean()
        ac = np.correlate(x, x, mode="full")[frame - 1 :]
        if ac[0] <= 0:
            continue
        lag = lo + int(np.argmax(ac[lo:hi]))
        if ac[lag] / ac[0] > 0.5:  # clearly periodic: a voiced frame
            estimates.append(sample_rate / lag)
    return float(np.median(estimates)) if estimates else 0.0
