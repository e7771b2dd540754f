"""Mastering: resampling, loudness, a look-ahead peak limiter, room tone, and the measurements
that tell whether a file meets the ACX audiobook requirements."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import numpy as np

FULL_SCALE: Final = 32768.0
# Speech is "active" in 20 ms frames louder than this; quieter frames are pauses.
ACTIVE_FRAME_MS: Final = 20
ACTIVE_THRESHOLD_DBFS: Final = -45.0
# The limiter reacts this far ahead of a peak, and holds its gain this long after it.
LOOKAHEAD_MS: Final = 4.0
HOLD_MS: Final = 40.0
SILENCE_THRESHOLD_DBFS: Final = -50.0
NOISE_WINDOW_MS: Final = 500
# ITU-R BS.1770-4 measures true peak on the signal oversampled four times.
TRUE_PEAK_OVERSAMPLING: Final = 4
TRUE_PEAK_SEARCH_DB: Final = 6.0
ROOM_TONE_LOOP: Final = 7 * 44100 + 1


def to_float(raw: bytes) -> np.ndarray:
    """16-bit little-endian PCM to float64 samples in -1..1."""
    return np.frombuffer(raw, dtype="<i2").astype(np.float64) / FULL_SCALE


def to_pcm16(samples: np.ndarray) -> bytes:
    """Float samples to 16-bit PCM, rounded and clipped."""
    scaled = samples.astype(np.float32) * np.float32(FULL_SCALE)
    np.rint(scaled, out=scaled)
    return np.clip(scaled, -32768, 32767).astype("<i2").tobytes()


def db_to_gain(db: float) -> float:
    return 10 ** (db / 20)


def gain_to_db(gain: float) -> float:
    return 20 * math.log10(gain) if gain > 0 else -math.inf


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """High-quality sample-rate conversion (libsoxr); pydub's audioop.ratecv aliases audibly."""
    if from_rate == to_rate:
        return samples
    import soxr

    return soxr.resample(samples, from_rate, to_rate, quality="HQ")


def rms_dbfs(samples: np.ndarray) -> float:
    """RMS level of the whole signal, dBFS (a full-scale square wave is 0)."""
    if not len(samples):
        return -math.inf
    return gain_to_db(float(np.sqrt(np.mean(np.square(samples)))))


def frame_rms(samples: np.ndarray, sample_rate: int, frame_ms: float) -> np.ndarray:
    """RMS of consecutive frames (the last partial frame is dropped)."""
    n = max(1, int(sample_rate * frame_ms / 1000))
    frames = len(samples) // n
    if frames == 0:
        return np.array([math.sqrt(float(np.mean(np.square(samples))))]) if len(samples) else np.zeros(0)
    blocks = samples[: frames * n].reshape(frames, n)
    return np.sqrt(np.mean(np.square(blocks), axis=1))


def active_rms_dbfs(samples: np.ndarray, sample_rate: int) -> float:
    """RMS of the frames that hold speech, so that pauses inside a turn do not lower its level."""
    rms = frame_rms(samples, sample_rate, ACTIVE_FRAME_MS)
    active = rms[rms > db_to_gain(ACTIVE_THRESHOLD_DBFS)]
    if not len(active):
        return rms_dbfs(samples)
    return gain_to_db(float(np.sqrt(np.mean(np.square(active)))))


def limit_peaks(samples: np.ndarray, sample_rate: int, ceiling_dbfs: float) -> np.ndarray:
    """A look-ahead peak limiter: no sample above the ceiling, smooth gain changes around peaks.

    The gain each sample needs is spread by a minimum filter (LOOKAHEAD_MS before, HOLD_MS
    after) and then smoothed by a moving average no wider than the look-ahead, so the smoothed
    gain never exceeds what any peak needs. Work is O(n): the minimum filter runs on 1 ms blocks.
    """
    ceiling = db_to_gain(ceiling_dbfs)
    peak = float(np.max(np.abs(samples))) if len(samples) else 0.0
    if peak <= ceiling:
        return samples
    need = np.minimum(1.0, ceiling / np.maximum(np.abs(samples), 1e-12))
    block = max(1, sample_rate // 1000)
    n_blocks = -(-len(need) // block)
    padded = np.ones(n_blocks * block)
    padded[: len(need)] = need
    block_min = padded.reshape(n_blocks, block).min(axis=1)
    ahead = math.ceil(LOOKAHEAD_MS) + 1
    hold = math.ceil(HOLD_MS) + 1
    # Block b's gain is the minimum over blocks [b - hold, b + ahead].
    ext = np.concatenate([np.ones(hold), block_min, np.ones(ahead)])
    windows = np.lib.stride_tricks.sliding_window_view(ext, hold + ahead + 1)
    gain = np.repeat(windows.min(axis=1), block)[: len(samples)]
    width = block * (ahead - 1) | 1  # odd, and narrower than the look-ahead
    smooth = np.minimum(moving_average(gain, width), need)  # the minimum guards rounding at block edges
    return samples * smooth


def moving_average(x: np.ndarray, width: int) -> np.ndarray:
    """Centred moving average of odd width, in O(n); the edges see the signal extended by ones."""
    half = width // 2
    padded = np.concatenate([np.ones(half + 1), x, np.ones(half)])
    sums = np.cumsum(padded)
    return (sums[width:] - sums[:-width]) / width


def true_peak_dbfs(samples: np.ndarray, sample_rate: int) -> float:
    """True peak (dBTP) as ITU-R BS.1770-4 measures it: the peak of the 4x oversampled signal.

    Between two samples the waveform rises at most a few dB above them, so only the stretches
    around samples within TRUE_PEAK_SEARCH_DB of the highest one are oversampled.
    """
    if not len(samples):
        return -math.inf
    magnitude = np.abs(samples)
    sample_peak = float(magnitude.max())
    if sample_peak == 0:
        return -math.inf
    candidates = np.nonzero(magnitude >= sample_peak * db_to_gain(-TRUE_PEAK_SEARCH_DB))[0]
    margin = sample_rate // 200  # the resampling filter's reach, in samples
    peak = sample_peak
    start = end = -1
    for i in [*candidates.tolist(), None]:
        if i is not None and i - margin <= end:
            end = i + margin
            continue
        if end >= 0:
            window = samples[max(0, start) : end + 1]
            up = resample(window, sample_rate, sample_rate * TRUE_PEAK_OVERSAMPLING)
            peak = max(peak, float(np.max(np.abs(up))))
        if i is not None:
            start, end = i - margin, i + margin
    return gain_to_db(peak)


def noise_floor_dbfs(samples: np.ndarray, sample_rate: int) -> float:
    """The RMS of the quietest half second: the level of the room tone between words."""
    rms = frame_rms(samples, sample_rate, NOISE_WINDOW_MS)
    return gain_to_db(float(rms.min())) if len(rms) else -math.inf


def edge_silences(samples: np.ndarray, sample_rate: int) -> tuple[float, float]:
    """Seconds before the first and after the last sound louder than SILENCE_THRESHOLD_DBFS."""
    rms = frame_rms(samples, sample_rate, 10)
    loud = np.nonzero(rms > db_to_gain(SILENCE_THRESHOLD_DBFS))[0]
    total = len(samples) / sample_rate
    if not len(loud):
        return total, total
    return loud[0] * 0.01, total - (loud[-1] + 1) * 0.01


def room_tone(n: int, level_dbfs: float, seed: int) -> np.ndarray:
    """Faint, steady noise, so that pauses sound like a quiet room, not a dropout to digital zero.

    Seeded, so the same build gives the same bytes. A few seconds of noise repeat: at this
    level nobody hears the period, and drawing an hour of random numbers costs seconds.
    """
    rng = np.random.default_rng(seed)
    loop = rng.standard_normal(min(n, ROOM_TONE_LOOP)) * db_to_gain(level_dbfs)
    return np.resize(loop, n)


@dataclass(frozen=True)
class LevelReport:
    """The figures ACX checks, measured on a whole file."""

    rms_dbfs: float
    true_peak_dbfs: float
    noise_floor_dbfs: float
    head_silence_s: float
    tail_silence_s: float
    duration_s: float


def measure_levels(samples: np.ndarray, sample_rate: int) -> LevelReport:
    """Measure a whole file's loudness, peak, noise floor and edge silences."""
    head, tail = edge_silences(samples, sample_rate)
    return LevelReport(
        rms_dbfs=rms_dbfs(samples),
        true_peak_dbfs=true_peak_dbfs(samples, sample_rate),
        noise_floor_dbfs=noise_floor_dbfs(samples, sample_rate),
        head_silence_s=head,
        tail_silence_s=tail,
        duration_s=len(samples) / sample_rate,
    )
