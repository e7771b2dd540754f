"""Mastering primitives: limiter, true peak, levels, room tone, MP3 frame scanning."""

from __future__ import annotations

import math

import numpy as np
import pytest

from narrate.master import (
    active_rms_dbfs,
    db_to_gain,
    edge_silences,
    gain_to_db,
    limit_peaks,
    noise_floor_dbfs,
    rms_dbfs,
    room_tone,
    to_pcm16,
    true_peak_dbfs,
)
from narrate.mp3 import encode_mp3, read_frame_stats

RATE = 44100


def tone(freq: float, seconds: float, amplitude: float, phase: float = 0.0) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return amplitude * np.sin(2 * np.pi * freq * t + phase)


def test_limiter_holds_every_sample_under_the_ceiling_and_leaves_quiet_audio_alone() -> None:
    rng = np.random.default_rng(1)
    speech_like = tone(150, 2, 0.2) + 0.02 * rng.standard_normal(2 * RATE)
    clicks = speech_like.copy()
    clicks[[10_000, 40_000, 70_000]] = [0.95, -0.99, 0.9]
    limited = limit_peaks(clicks, RATE, -6.0)
    assert np.max(np.abs(limited)) <= db_to_gain(-6.0) + 1e-9
    # Far from the clicks the signal is untouched: the limiter acts only around peaks.
    far = slice(20_000, 35_000)
    np.testing.assert_allclose(limited[far], clicks[far])
    np.testing.assert_array_equal(limit_peaks(speech_like * 0.5, RATE, -3.0), speech_like * 0.5)


def test_limiter_gain_changes_smoothly() -> None:
    loud = tone(200, 1, 0.9)
    limited = limit_peaks(loud, RATE, -12.0)
    gain = limited[1:-1] / np.where(np.abs(loud[1:-1]) > 1e-3, loud[1:-1], np.nan)
    steps = np.abs(np.diff(gain[~np.isnan(gain)]))
    assert np.nanmax(steps) < 0.05  # no gain jumps that would click


def test_true_peak_finds_the_peak_between_samples() -> None:
    # A sine at a quarter of the sample rate, sampled 45 degrees off its crests: every sample
    # is at 0.707 of the true amplitude, so the true peak is 3 dB above the sample peak.
    x = tone(RATE / 4, 1, 0.5, phase=math.pi / 4)
    sample_peak = gain_to_db(float(np.max(np.abs(x))))
    assert sample_peak == pytest.approx(gain_to_db(0.5) - 3.01, abs=0.05)
    assert true_peak_dbfs(x) == pytest.approx(gain_to_db(0.5), abs=0.2)


def test_levels() -> None:
    x = np.concatenate([np.zeros(RATE), tone(300, 2, 0.5), np.zeros(2 * RATE)])
    assert rms_dbfs(tone(300, 1, 1.0)) == pytest.approx(-3.01, abs=0.01)
    assert active_rms_dbfs(x, RATE) == pytest.approx(gain_to_db(0.5) - 3.01, abs=0.1)
    head, tail = edge_silences(x, RATE)
    assert head == pytest.approx(1.0, abs=0.02) and tail == pytest.approx(2.0, abs=0.02)
    noise = room_tone(5 * RATE, -72.0, seed=3)
    assert rms_dbfs(noise) == pytest.approx(-72.0, abs=0.3)
    assert noise_floor_dbfs(x + noise, RATE) == pytest.approx(-72.0, abs=1.0)
    np.testing.assert_array_equal(noise, room_tone(5 * RATE, -72.0, seed=3))


@pytest.mark.parametrize(("rate", "kbps"), [(44100, 192), (22050, 64)])
def test_lame_output_is_constant_bit_rate(rate: int, kbps: int) -> None:
    x = tone(220, 3, 0.3) if rate == RATE else tone(220, 3, 0.3)[::2]
    mp3 = encode_mp3(to_pcm16(x), rate, bitrate_kbps=kbps)
    stats = read_frame_stats(mp3)
    assert stats.bitrates_kbps == {kbps}
    assert stats.sample_rates == {rate}
    assert stats.channels == {1}
    per_frame = 1152 if rate == 44100 else 576
    assert stats.frames * per_frame / rate == pytest.approx(3.0, abs=0.1)
