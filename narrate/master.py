"""Mastering: resampling, loudness, a look-ahead peak limiter, room tone, and the measurements
that tell whether a file meets the ACX audiobook requirements."""

from __future__ import annotations

import array
import functools
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
TRUE_PEAK_SEARCH_DB: Final = 3.5
TRUE_PEAK_CHUNK: Final = 1 << 15
TRUE_PEAK_TAPS: Final = 48
TRUE_PEAK_KAISER_BETA: Final = 8.0
ROOM_TONE_LOOP: Final = 7 * 44100 + 1
ROOM_TONE_SEED: Final = 19


def to_float(raw: bytes | array.array) -> np.ndarray:
    """16-bit little-endian PCM to float32 samples in -1..1 (float32 halves the memory traffic
    of mastering; its 24-bit mantissa is far finer than the 16-bit output)."""
    return np.frombuffer(raw, dtype="<i2").astype(np.float32) / np.float32(FULL_SCALE)


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

    Works on 1 ms blocks: each block needs the gain that brings its highest sample to the
    ceiling; a minimum filter spreads that need LOOKAHEAD_MS before and HOLD_MS after; a
    moving average narrower than the look-ahead smooths it, and linear interpolation between
    block centres gives each sample its gain. Each smoothed value is an average of minima that
    all cover the block, so no sample ends above the ceiling.
    """
    ceiling = db_to_gain(ceiling_dbfs)
    magnitude = np.abs(samples)
    if not len(samples) or float(magnitude.max()) <= ceiling:
        return samples
    block = max(1, sample_rate // 1000)
    n_blocks = -(-len(samples) // block)
    padded = np.zeros(n_blocks * block, dtype=magnitude.dtype)
    padded[: len(samples)] = magnitude
    need = np.minimum(1.0, ceiling / np.maximum(padded.reshape(n_blocks, block).max(axis=1), 1e-12))
    ahead = math.ceil(LOOKAHEAD_MS) + 1
    hold = math.ceil(HOLD_MS) + 1
    ext = np.concatenate([np.ones(hold), need, np.ones(ahead)])
    gain = np.lib.stride_tricks.sliding_window_view(ext, hold + ahead + 1).min(axis=1)
    smooth = moving_average(gain, 2 * (ahead - 1) - 1)
    # Only blocks next to one whose gain is below 1 get a gain other than 1.
    touched = np.nonzero(smooth < 1.0)[0]
    touched = np.unique(np.concatenate([touched - 1, touched, touched + 1]).clip(0, n_blocks - 1))
    index = (touched[:, None] * block + np.arange(block)[None, :]).ravel()
    index = index[index < len(samples)]
    centres = (np.arange(n_blocks) + 0.5) * block
    limited = samples.copy()
    limited[index] *= np.interp(index, centres, smooth)
    return limited


def moving_average(x: np.ndarray, width: int) -> np.ndarray:
    """Centred moving average of odd width, in O(n); the edges see their own value repeated."""
    half = width // 2
    padded = np.concatenate([np.full(half + 1, x[0]), x, np.full(half, x[-1])])
    sums = np.cumsum(padded)
    return (sums[width:] - sums[:-width]) / width


def _interpolation_kernels() -> np.ndarray:
    """Kaiser-windowed sinc taps for the three points between two samples (4x oversampling)."""
    half = TRUE_PEAK_TAPS // 2
    offsets = np.arange(-half + 1, half + 1)  # the taps are samples i + offset
    kernels = []
    for phase in range(1, TRUE_PEAK_OVERSAMPLING):
        t = phase / TRUE_PEAK_OVERSAMPLING - offsets  # from each tap to the point i + phase/4
        window = np.i0(TRUE_PEAK_KAISER_BETA * np.sqrt(1 - (t / (half + 1)) ** 2)) / np.i0(TRUE_PEAK_KAISER_BETA)
        kernels.append(np.sinc(t) * window)
    return np.array(kernels)  # (phases, taps)


def true_peak_dbfs(samples: np.ndarray) -> float:
    """True peak (dBTP) as ITU-R BS.1770-4 defines it: the peak of the signal oversampled 4x.

    The points between samples are interpolated with a windowed sinc, but only next to samples
    within TRUE_PEAK_SEARCH_DB of the highest: between two samples a band-limited signal rises
    at most about 3 dB above them (a sine at a quarter of the sample rate, sampled 45 degrees
    off its crests, is the classic worst case).
    """
    if not len(samples):
        return -math.inf
    magnitude = np.abs(samples)
    sample_peak = float(magnitude.max())
    if sample_peak == 0:
        return -math.inf
    near = np.nonzero(magnitude >= sample_peak * db_to_gain(-TRUE_PEAK_SEARCH_DB))[0]
    starts = np.unique(np.concatenate([near - 1, near]).clip(0, len(samples) - 1))
    half = TRUE_PEAK_TAPS // 2
    padded = np.concatenate([np.zeros(half), samples, np.zeros(half)])
    offsets = np.arange(-half + 1, half + 1)
    peak = sample_peak
    for chunk in range(0, len(starts), TRUE_PEAK_CHUNK):
        points = starts[chunk : chunk + TRUE_PEAK_CHUNK] + half
        # einsum, not @: a BLAS matrix product would start OpenBLAS's threads, whose busy
        # waiting cost a 2-core build a third of its CPU time.
        between = np.einsum("pt,kt->pk", padded[points[:, None] + offsets[None, :]], _KERNELS)
        peak = max(peak, float(np.abs(between).max()))
    return gain_to_db(peak)


_KERNELS: Final = _interpolation_kernels()


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

    A few seconds of seeded noise, read from an offset the seed chooses: the same seed gives
    the same bytes, and at this level nobody hears the loop.
    """
    loop = _room_tone_loop()
    start = seed % len(loop)
    return np.resize(np.roll(loop, -start), n) * db_to_gain(level_dbfs)


@functools.cache
def _room_tone_loop() -> np.ndarray:
    loop = np.random.default_rng(ROOM_TONE_SEED).standard_normal(ROOM_TONE_LOOP, dtype=np.float32)
    loop.flags.writeable = False
    return loop


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
        true_peak_dbfs=true_peak_dbfs(samples),
        noise_floor_dbfs=noise_floor_dbfs(samples, sample_rate),
        head_silence_s=head,
        tail_silence_s=tail,
        duration_s=len(samples) / sample_rate,
    )
