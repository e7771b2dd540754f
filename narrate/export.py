"""Write a rendered chapter: the tagged MP3 and the per-turn timings, each atomically."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Final

from .audio import AudioSegment
from .book import BookInfo
from .errors import ExportError
from .render import TurnTiming
from .yamlfile import write_atomically, write_text_atomically

DEFAULT_BITRATE_KBPS: Final = 192
# LAME's quality 2 is its best and slowest; 5 is what LAME itself recommends for speed and
# keeps speech transparent at 192 kbps.
DEFAULT_LAME_QUALITY: Final = 5


@dataclass(frozen=True)
class ChapterTags:
    """The ID3 tags of one chapter file."""

    title: str
    album: str
    artist: str
    track: int
    genre: str = "Audiobook"
    year: int | None = None
    language: str | None = None
    comment: str | None = None


def chapter_tags(book: BookInfo, chapter: int, title: str | None) -> ChapterTags:
    """Tags for a chapter: its heading as the title, the book as album, the author as artist."""
    heading = f"Chapter {chapter}" + (f": {title}" if title else "")
    return ChapterTags(
        title=heading,
        album=book.title,
        artist=book.author,
        track=chapter,
        genre=book.genre,
        year=book.year,
        language=book.language,
        comment=book.comment,
    )


def encode_mp3(
    audio: AudioSegment, *, bitrate_kbps: int = DEFAULT_BITRATE_KBPS, quality: int = DEFAULT_LAME_QUALITY
) -> bytes:
    """Constant-bit-rate MP3 of mono 16-bit audio, in process with LAME (no ffmpeg needed)."""
    import lameenc

    if audio.channels != 1 or audio.sample_width != 2:
        raise ExportError("internal: encode_mp3 expects mono 16-bit audio")
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(bitrate_kbps)
    encoder.set_in_sample_rate(audio.frame_rate)
    encoder.set_out_sample_rate(audio.frame_rate)
    encoder.set_channels(1)
    encoder.set_quality(quality)
    return bytes(encoder.encode(audio.raw_data) + encoder.flush())


def write_tags(path: Path, tags: ChapterTags) -> None:
    """Write ID3v2.4 tags into an MP3 file."""
    from mutagen.id3 import COMM, ID3, TALB, TCON, TDRC, TIT2, TLAN, TPE1, TRCK

    id3 = ID3()
    id3.add(TIT2(encoding=3, text=tags.title))
    id3.add(TALB(encoding=3, text=tags.album))
    id3.add(TPE1(encoding=3, text=tags.artist))
    id3.add(TRCK(encoding=3, text=str(tags.track)))
    id3.add(TCON(encoding=3, text=tags.genre))
    if tags.year:
        id3.add(TDRC(encoding=3, text=str(tags.year)))
    if tags.language:
        id3.add(TLAN(encoding=3, text=tags.language))
    if tags.comment:
        id3.add(COMM(encoding=3, lang="eng", desc="", text=tags.comment))
    id3.save(path, v2_version=4)


def write_mp3(path: Path, audio: AudioSegment, tags: ChapterTags, *, bitrate_kbps: int = DEFAULT_BITRATE_KBPS) -> None:
    """Encode, tag and move into place: the path holds either the old file or the whole new one."""
    data = encode_mp3(audio, bitrate_kbps=bitrate_kbps)

    def write(tmp: Path) -> None:
        tmp.write_bytes(data)
        write_tags(tmp, tags)

    write_atomically(path, write)


def format_vtt_time(seconds: float) -> str:
    ms = round(seconds * 1000)
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    secs, ms = divmod(ms, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{ms:03d}"


def vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write_subtitles(path: Path, timings: Sequence[TurnTiming], names: Mapping[str, str]) -> None:
    """WebVTT: one cue per turn, its text in a <v Speaker> voice span."""
    lines = ["WEBVTT", ""]
    for t in timings:
        name = vtt_escape(names.get(t.speaker, t.speaker)).replace(">", "")
        lines += [
            str(t.index),
            f"{format_vtt_time(t.start)} --> {format_vtt_time(t.end)}",
            f"<v {name}>{vtt_escape(t.text)}",
            "",
        ]
    write_text_atomically(path, "\n".join(lines))


def write_timings(path: Path, timings: Sequence[TurnTiming]) -> None:
    """The per-turn timings as JSON: index, speaker, start, end (seconds) and text."""
    entries = [asdict(t) for t in timings]
    write_text_atomically(path, json.dumps(entries, ensure_ascii=False, indent=1) + "\n")
