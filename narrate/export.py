"""Write a rendered chapter: the tagged MP3 and the per-turn timings, each atomically."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from .book import BookInfo
from .render import TurnTiming
from .yamlfile import write_atomically, write_text_atomically

if TYPE_CHECKING:
    from mutagen.id3 import Frame


@dataclass(frozen=True)
class Tags:
    """The ID3 tags of a chapter file or of the whole book."""

    title: str
    album: str
    artist: str
    track: int | None = None
    """The chapter's number; None for the book."""
    genre: str = "Audiobook"
    year: int | None = None
    language: str | None = None
    comment: str | None = None


def chapter_tags(book: BookInfo, chapter: int, title: str | None) -> Tags:
    """Tags for a chapter: its heading as the title, the book as album, the author as artist."""
    heading = f"Chapter {chapter}" + (f": {title}" if title else "")
    return replace(book_tags(book), title=heading, track=chapter)


def book_tags(book: BookInfo) -> Tags:
    """Tags for the whole book: its title as title and album, the author as artist."""
    return Tags(
        title=book.title,
        album=book.title,
        artist=book.author,
        genre=book.genre,
        year=book.year,
        language=book.language,
        comment=book.comment,
    )


def write_tags(path: Path, tags: Tags, frames: Iterable[Frame] = ()) -> None:
    """Write ID3v2.4 tags into an MP3 file, with any further frames (the book's chapters)."""
    from mutagen import MutagenError
    from mutagen.id3 import COMM, ID3, TALB, TCON, TDRC, TIT2, TLAN, TPE1, TRCK

    id3 = ID3()
    id3.add(TIT2(encoding=3, text=tags.title))
    id3.add(TALB(encoding=3, text=tags.album))
    id3.add(TPE1(encoding=3, text=tags.artist))
    if tags.track is not None:
        id3.add(TRCK(encoding=3, text=str(tags.track)))
    id3.add(TCON(encoding=3, text=tags.genre))
    if tags.year:
        id3.add(TDRC(encoding=3, text=str(tags.year)))
    if tags.language:
        id3.add(TLAN(encoding=3, text=tags.language))
    if tags.comment:
        id3.add(COMM(encoding=3, lang="eng", desc="", text=tags.comment))
    for frame in frames:
        id3.add(frame)
    try:
        id3.save(path, v2_version=4)
    except MutagenError as exc:
        # mutagen wraps the OSError of a full disk in its own error: unwrap it, so that it is
        # reported like any other failed write (write_atomically) rather than as a traceback.
        if isinstance(exc.__context__, OSError):
            raise exc.__context__ from None
        raise


def write_mp3(path: Path, chunks: Iterable[bytes], tags: Tags) -> None:
    """Write MP3 frames and their tags, then move into place: the path holds the old file or the whole new one."""

    def write(tmp: Path) -> None:
        with tmp.open("wb") as out:
            for chunk in chunks:
                out.write(chunk)
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
        name = vtt_escape(names.get(t.speaker, t.speaker))
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
