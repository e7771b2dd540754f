"""Assemble built chapters into one book: an MP3 with ID3 chapter frames, and an M4B."""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from .book import BookInfo, load_book
from .errors import ExportError, NarrateError
from .export import book_tags, write_tags
from .mp3 import read_frame_stats, strip_id3
from .project import Project
from .yamlfile import write_atomically

log = logging.getLogger(__name__)

DEFAULT_AAC_KBPS: Final = 96
FFMPEG_HINT: Final = "install ffmpeg (apt install ffmpeg) or the bundled one: pip install 'narrate[m4b]'"


@dataclass(frozen=True)
class BookChapter:
    """One built chapter as it goes into the book."""

    number: int
    title: str
    mp3: Path
    start_ms: int
    end_ms: int


@dataclass(frozen=True)
class BookResult:
    """What `narrate book` wrote."""

    mp3: Path | None
    m4b: Path | None
    chapters: tuple[BookChapter, ...]


def find_ffmpeg() -> str:
    """A system ffmpeg, else the one in the imageio-ffmpeg wheel; an error says how to get one."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    try:
        import imageio_ffmpeg
    except ImportError:
        raise ExportError(f"the M4B needs ffmpeg and there is none; {FFMPEG_HINT}, or pass --no-m4b") from None
    try:
        return imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError as exc:
        raise ExportError(f"imageio-ffmpeg has no usable ffmpeg ({exc}); {FFMPEG_HINT}") from None


def chapter_title(path: Path) -> str | None:
    from mutagen.id3 import ID3, ID3NoHeaderError

    try:
        tags = ID3(path)
    except ID3NoHeaderError:
        return None
    title = tags.get("TIT2")
    return str(title) if title else None


def collect_chapters(project: Project) -> list[BookChapter]:
    """The built chapters in order, checked to share one encoding, with their place in the book."""
    numbers = [n for n in project.chapters() if project.mp3_path(n).exists()]
    if not numbers:
        raise NarrateError(
            f"no built chapters in {project.relative(project.output_dir)}; run: narrate build --chapter N"
        )
    chapters: list[BookChapter] = []
    fmt: tuple[frozenset[int], ...] | None = None
    position = 0.0
    for n in numbers:
        path = project.mp3_path(n)
        stats = read_frame_stats(path.read_bytes())
        if not stats.frames:
            raise NarrateError(f"{project.relative(path)} holds no MP3 audio; rebuild it: narrate build --chapter {n}")
        kind = (stats.bitrates_kbps, stats.sample_rates, stats.channels)
        if any(len(values) != 1 for values in kind) or (fmt is not None and kind != fmt):
            raise NarrateError(
                f"{project.relative(path)} is not encoded like the other chapters; rebuild every chapter "
                "with the same --profile"
            )
        fmt = kind
        start_ms, end_ms = round(position * 1000), round((position + stats.duration) * 1000)
        chapters.append(BookChapter(n, chapter_title(path) or f"Chapter {n}", path, start_ms, end_ms))
        position += stats.duration
    return chapters


def assemble_book(
    project: Project, *, mp3: bool = True, m4b: bool = True, aac_kbps: int = DEFAULT_AAC_KBPS
) -> BookResult:
    """Join every built chapter into output/book.mp3 (ID3 CHAP + CTOC) and output/book.m4b."""
    book = load_book(project.book_path)
    ffmpeg = find_ffmpeg() if m4b else None  # fail before any work when it is missing
    chapters = collect_chapters(project)
    mp3_path = project.output_dir / "book.mp3" if mp3 else None
    m4b_path = project.output_dir / "book.m4b" if m4b else None
    if mp3_path:
        write_book_mp3(mp3_path, chapters, book)
    if m4b_path and ffmpeg:
        write_book_m4b(m4b_path, ffmpeg, chapters, book, project, aac_kbps)
    return BookResult(mp3=mp3_path, m4b=m4b_path, chapters=tuple(chapters))


def write_book_mp3(path: Path, chapters: list[BookChapter], book: BookInfo) -> None:
    """Frames joined as they are (no re-encoding), tagged with one CHAP per chapter and a CTOC.

    One chapter is in memory at a time, however long the book.

    Several players (BookPlayer, Prologue, Overcast) ignore CHAP frames without a CTOC.
    """
    from mutagen.id3 import CHAP, CTOC, TIT2, CTOCFlags

    ids = [f"chp{c.number}" for c in chapters]
    toc = CTOC(
        element_id="toc",
        flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
        child_element_ids=ids,
        sub_frames=[TIT2(encoding=3, text=book.title)],
    )
    marks = [
        CHAP(
            element_id=element_id,
            start_time=chapter.start_ms,
            end_time=chapter.end_ms,
            sub_frames=[TIT2(encoding=3, text=chapter.title)],
        )
        for element_id, chapter in zip(ids, chapters, strict=True)
    ]

    def write(tmp: Path) -> None:
        with tmp.open("wb") as out:
            for chapter in chapters:
                out.write(strip_id3(chapter.mp3.read_bytes()))
        write_tags(tmp, book_tags(book), [toc, *marks])

    write_atomically(path, write)


def concat_quote(path: Path) -> str:
    """A path quoted for ffmpeg's concat list: in single quotes, each quote written '\\''."""
    return "'" + str(path.resolve()).replace("'", "'\\''") + "'"


def ffmetadata(chapters: list[BookChapter], book: BookInfo) -> str:
    """ffmpeg's metadata file: the book's tags and a [CHAPTER] section per chapter."""

    def esc(value: object) -> str:
        text = str(value)
        for ch in "\\=;#\n":
            text = text.replace(ch, "\\" + ch)
        return text

    lines = [";FFMETADATA1", f"title={esc(book.title)}", f"album={esc(book.title)}", f"artist={esc(book.author)}"]
    lines += [f"album_artist={esc(book.author)}", f"genre={esc(book.genre)}"]
    if book.year:
        lines.append(f"date={book.year}")
    if book.comment:
        lines.append(f"comment={esc(book.comment)}")
    for c in chapters:
        lines += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={c.start_ms}", f"END={c.end_ms}", f"title={esc(c.title)}"]
    return "\n".join(lines) + "\n"


def write_book_m4b(
    path: Path, ffmpeg: str, chapters: list[BookChapter], book: BookInfo, project: Project, aac_kbps: int
) -> None:
    """AAC in an M4B with chapter markers, the book's tags, and the cover when book.yaml names one."""
    cover = project.root / book.cover if book.cover else None
    if cover is not None and not cover.is_file():
        raise ExportError(f"{project.relative(project.book_path)}: cover '{book.cover}' does not exist; fix the path")
    with tempfile.TemporaryDirectory(prefix="narrate-book-") as tmp_dir:
        tmp = Path(tmp_dir)
        (tmp / "chapters.txt").write_text(ffmetadata(chapters, book), encoding="utf-8")
        (tmp / "list.txt").write_text("".join(f"file {concat_quote(c.mp3)}\n" for c in chapters), encoding="utf-8")
        command = [ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-y"]
        command += ["-f", "concat", "-safe", "0", "-i", str(tmp / "list.txt"), "-i", str(tmp / "chapters.txt")]
        if cover:
            command += ["-i", str(cover)]
        command += ["-map", "0:a", "-map_metadata", "1", "-map_chapters", "1"]
        if cover:
            command += ["-map", "2:v", "-c:v", "copy", "-disposition:v:0", "attached_pic"]
        command += ["-c:a", "aac", "-b:a", f"{aac_kbps}k", "-movflags", "+faststart", "-f", "mp4"]

        def run(out: Path) -> None:
            try:
                subprocess.run([*command, str(out)], check=True, capture_output=True, text=True)
            except subprocess.CalledProcessError as exc:
                detail = (exc.stderr or "").strip().splitlines()[-1:] or ["no message"]
                raise ExportError(f"ffmpeg could not write {path.name}: {detail[0]}") from None

        write_atomically(path, run)
