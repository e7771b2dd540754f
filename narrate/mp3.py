"""MP3 streams: encoding with LAME (in process, no ffmpeg) and reading frame headers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

DEFAULT_BITRATE_KBPS: Final = 192
# LAME's quality 2 is its best and slowest; 5 is what LAME itself recommends for speed and
# keeps speech transparent at 192 kbps.
DEFAULT_LAME_QUALITY: Final = 5
BITRATES_KBPS: Final = {
    # Layer III bitrate tables by index: MPEG-1, and MPEG-2/2.5.
    1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
SAMPLE_RATES: Final = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def samples_per_frame(sample_rate: int) -> int:
    """MPEG-1 Layer III frames hold 1152 samples; MPEG-2 and 2.5 (below 32 kHz) hold 576."""
    return 1152 if sample_rate >= 32000 else 576


def frames_to_seconds(frames: int, sample_rate: int) -> float:
    """How long `frames` Layer III frames at sample_rate play, in seconds."""
    return frames * samples_per_frame(sample_rate) / sample_rate


def encode_mp3(
    pcm16: bytes,
    sample_rate: int,
    *,
    bitrate_kbps: int = DEFAULT_BITRATE_KBPS,
    quality: int = DEFAULT_LAME_QUALITY,
) -> bytes:
    """Constant-bit-rate mono MP3 of 16-bit little-endian PCM."""
    import lameenc

    encoder = lameenc.Encoder()
    encoder.set_bit_rate(bitrate_kbps)
    encoder.set_in_sample_rate(sample_rate)
    encoder.set_out_sample_rate(sample_rate)
    encoder.set_channels(1)
    encoder.set_quality(quality)
    return bytes(encoder.encode(pcm16) + encoder.flush())


def id3v2_size(data: bytes) -> int:
    """Bytes taken by an ID3v2 tag at the start of data (0 when there is none)."""
    if data[:3] != b"ID3" or len(data) < 10:
        return 0
    size = (data[6] << 21) | (data[7] << 14) | (data[8] << 7) | data[9]
    return 10 + size + (10 if data[5] & 0x10 else 0)


def strip_id3(data: bytes) -> bytes:
    """The MPEG audio frames of an MP3 file, without its ID3v2 and ID3v1 tags."""
    end = len(data) - 128 if data[-128:-125] == b"TAG" else len(data)
    return data[id3v2_size(data) : end]


def iter_frames(data: bytes) -> Iterator[tuple[int, int, int]]:
    """(bitrate kbps, sample rate, channels) of each MPEG audio Layer III frame, after any ID3v2 tag."""
    pos = id3v2_size(data)
    n = len(data)
    while pos + 4 <= n:
        b1, b2, b3 = data[pos + 1], data[pos + 2], data[pos + 3]
        if data[pos] != 0xFF or (b1 & 0xE0) != 0xE0:
            if data[pos : pos + 3] == b"TAG":  # ID3v1 at the end
                break
            pos += 1
            continue
        version = (b1 >> 3) & 3  # 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
        layer = (b1 >> 1) & 3  # 1: Layer III
        bitrate_index, rate_index, padding = b2 >> 4, (b2 >> 2) & 3, (b2 >> 1) & 1
        if version == 1 or layer != 1 or bitrate_index in (0, 15) or rate_index == 3:
            pos += 1
            continue
        bitrate = BITRATES_KBPS[1 if version == 3 else 2][bitrate_index]
        sample_rate = SAMPLE_RATES[version][rate_index]
        channels = 1 if (b3 >> 6) == 3 else 2
        yield bitrate, sample_rate, channels
        pos += (144 if version == 3 else 72) * bitrate * 1000 // sample_rate + padding


@dataclass(frozen=True)
class FrameStats:
    """What the frame headers of a stream say."""

    frames: int
    bitrates_kbps: frozenset[int]
    sample_rates: frozenset[int]
    channels: frozenset[int]

    @property
    def duration(self) -> float:
        """Seconds, at the lowest sample rate when frames differ."""
        return frames_to_seconds(self.frames, min(self.sample_rates)) if self.frames else 0.0


def read_frame_stats(data: bytes) -> FrameStats:
    """Count the Layer III frames of an MP3 (tags skipped) and collect their formats."""
    bitrates, rates, channels = set(), set(), set()
    count = 0
    for bitrate, rate, ch in iter_frames(data):
        count += 1
        bitrates.add(bitrate)
        rates.add(rate)
        channels.add(ch)
    return FrameStats(count, frozenset(bitrates), frozenset(rates), frozenset(channels))
