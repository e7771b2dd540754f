"""`narrate book`: one MP3 with ID3 CHAP/CTOC frames and one M4B with chapters, read back."""

from __future__ import annotations

import re
import struct
import subprocess
import zlib
from itertools import pairwise
from pathlib import Path

import pytest
from click.testing import CliRunner
from mutagen.id3 import ID3
from mutagen.mp4 import MP4

from narrate import Project, build_chapter
from narrate.assemble import find_ffmpeg
from narrate.cli import cli
from narrate.errors import ExportError

from .conftest import SHORT_CHAPTER
from .measure import decode_mp3


def tiny_png(path: Path) -> None:
    """A valid 2x2 red PNG, written without an imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    )


@pytest.fixture
def three_chapters(tone_project: Path) -> Project:
    for n, title in ((1, "The Journey"), (2, "Moscow")):
        text = SHORT_CHAPTER.replace("Chapter 3", f"Chapter {n}").replace("A Short Visit", title)
        (tone_project / "texts" / f"chapter-{n}.txt").write_text(text, encoding="utf-8")
    tiny_png(tone_project / "cover.png")
    with (tone_project / "book.yaml").open("a", encoding="utf-8") as f:
        f.write("cover: cover.png\n")
    project = Project(tone_project)
    for n in (1, 2, 3):
        build_chapter(project, n)
    return project


def test_book_mp3_and_m4b_carry_every_chapter(three_chapters: Project) -> None:
    result = CliRunner().invoke(cli, ["book", "--project", str(three_chapters.root)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "Wrote output/book.mp3 and output/book.m4b: 3 chapters"
    chapter_lengths = [decode_mp3(three_chapters.mp3_path(n)).duration for n in (1, 2, 3)]

    tags = ID3(three_chapters.output_dir / "book.mp3")
    assert str(tags["TIT2"]) == str(tags["TALB"]) == "Seventy Days in Russia: What I Saw"
    chapter_tags = ID3(three_chapters.mp3_path(1))
    for frame in ("TALB", "TPE1", "TCON", "TDRC", "TLAN", "COMM::eng"):  # the book's tags, as each chapter has them
        assert str(tags[frame]) == str(chapter_tags[frame]), frame
    assert "TRCK" not in tags
    (toc,) = tags.getall("CTOC")
    assert toc.child_element_ids == ["chp1", "chp2", "chp3"]
    assert toc.flags == 3  # top level and ordered
    chaps = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
    assert [str(c.sub_frames["TIT2"]) for c in chaps] == [
        "Chapter 1: The Journey",
        "Chapter 2: Moscow",
        "Chapter 3: A Short Visit",
    ]
    assert chaps[0].start_time == 0
    for before, after in pairwise(chaps):
        assert before.end_time == after.start_time
    for chap, length in zip(chaps, chapter_lengths, strict=True):
        assert (chap.end_time - chap.start_time) / 1000 == pytest.approx(length, abs=0.1)
    book_length = decode_mp3(three_chapters.output_dir / "book.mp3").duration
    assert book_length == pytest.approx(sum(chapter_lengths), abs=0.2)

    m4b = three_chapters.output_dir / "book.m4b"
    mp4 = MP4(m4b)
    assert [c.title for c in mp4.chapters] == [str(c.sub_frames["TIT2"]) for c in chaps]
    assert [round(c.start, 1) for c in mp4.chapters] == [round(c.start_time / 1000, 1) for c in chaps]
    assert mp4.tags["\xa9nam"] == ["Seventy Days in Russia: What I Saw"]
    assert mp4.tags["\xa9ART"] == ["Ángel Pestaña"]
    assert "covr" in mp4.tags
    assert mp4.info.length == pytest.approx(book_length, abs=0.5)
    # And as ffmpeg (ffprobe's library) reads the file:
    probe = subprocess.run([find_ffmpeg(), "-hide_banner", "-i", str(m4b)], capture_output=True, text=True).stderr
    starts = [float(s) for s in re.findall(r"Chapter #0:\d+: start (\d+\.\d+)", probe)]
    assert starts == pytest.approx([c.start for c in mp4.chapters], abs=0.01)


def test_without_ffmpeg_the_error_says_what_to_install(
    three_chapters: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    import builtins

    real_import = builtins.__import__

    def no_imageio(name: str, *args, **kwargs):
        if name == "imageio_ffmpeg":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr("shutil.which", lambda name: None)
    monkeypatch.setattr(builtins, "__import__", no_imageio)
    with pytest.raises(ExportError) as info:
        find_ffmpeg()
    assert str(info.value) == (
        "the M4B needs ffmpeg and there is none; install ffmpeg (apt install ffmpeg) or the bundled one: "
        "pip install 'narrate[m4b]', or pass --no-m4b"
    )
    result = CliRunner().invoke(cli, ["book", "--project", str(three_chapters.root)])
    assert result.exit_code == 1
    assert result.output == f"Error: {info.value}\n"
    only_mp3 = CliRunner().invoke(cli, ["book", "--no-m4b", "--project", str(three_chapters.root)])
    assert only_mp3.exit_code == 0
    assert only_mp3.output.startswith("Wrote output/book.mp3: 3 chapters")


def test_book_needs_built_chapters(tone_project: Path) -> None:
    result = CliRunner().invoke(cli, ["book", "--no-m4b", "--project", str(tone_project)])
    assert result.exit_code == 1
    assert result.output == "Error: no built chapters in output; run: narrate build --chapter N\n"
