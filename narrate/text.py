"""Load a chapter of plain text: clean it, find its heading, split paragraphs and quotations."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from .errors import TextError

# Lines that web copies add around a text and that a listener must not hear.
BOILERPLATE_PATTERNS: Final = (
    re.compile(r"^(submitted|posted) by .{1,80}? on .{3,40}$", re.IGNORECASE),
    re.compile(r"^(log in|login) or register to post comments\.?$", re.IGNORECASE),
    re.compile(r"^printer-friendly version$", re.IGNORECASE),
    re.compile(r"^share (this|on \w+)\.?$", re.IGNORECASE),
)
GUTENBERG_START: Final = re.compile(r"^\*\*\* ?START OF (THE|THIS) PROJECT GUTENBERG.*$", re.I | re.M)
GUTENBERG_END: Final = re.compile(r"^\*\*\* ?END OF (THE|THIS) PROJECT GUTENBERG.*$", re.I | re.M)

NUMBER_WORDS: Final = """one two three four five six seven eight nine ten eleven twelve thirteen
fourteen fifteen sixteen seventeen eighteen nineteen twenty""".split()
HEADING: Final = re.compile(
    r"^(?:chapter|chap\.)\s+(?P<number>\d+|[ivxlcdm]+|" + "|".join(NUMBER_WORDS) + r")\b"
    r"[.:\-—–]?\s*(?P<title>.*)$",
    re.IGNORECASE,
)
# A line of asterisks, dashes or the like between two scenes.
SCENE_BREAK: Final = re.compile(r"^[*#~•·—–\-_=+ ]{1,40}$")
# A hard-wrapped (Gutenberg) line is short; a web copy puts a whole paragraph on one line.
HARD_WRAP_MAX_LINE: Final = 100
TITLE_MAX_CHARS: Final = 100

OPEN_DOUBLE: Final = "“„«"
CLOSE_DOUBLE: Final = "”»"
OPEN_SINGLE: Final = "‘"
CLOSE_SINGLE: Final = "’"


@dataclass(frozen=True)
class Segment:
    """A run of a paragraph that is either narration or one quotation."""

    kind: Literal["narration", "quote"]
    """Whether the run is the narrator's or a quotation's."""
    text: str
    """The run's text, without its quotation marks or surrounding spaces."""
    closed: bool = True
    """False for a quotation still open at the end of the paragraph."""


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of the chapter, split into narration and quotations."""

    number: int
    """1-based position among the chapter's paragraphs (the heading is 0)."""
    text: str
    """The paragraph as printed, on one line."""
    segments: tuple[Segment, ...]
    """Narration and quotations in reading order."""
    scene_break: bool = False
    """True when a scene break (a line of * * * or the like) comes just before it."""

    @property
    def quotes(self) -> tuple[Segment, ...]:
        return tuple(s for s in self.segments if s.kind == "quote")


@dataclass(frozen=True)
class Chapter:
    """A cleaned chapter, ready for attribution."""

    number: int | None
    """The chapter's number, when its heading gives one."""
    title: str | None
    """The chapter's title, when it has one."""
    paragraphs: tuple[Paragraph, ...]
    """The body, heading and boilerplate removed."""
    source_sha256: str
    """Hash of the source text, to notice when a script's text changed under it."""

    @property
    def heading(self) -> str | None:
        """What the narrator reads first: 'Chapter 19. An Interview with Lenin.'"""
        parts = []
        if self.number is not None:
            parts.append(f"Chapter {self.number}")
        if self.title:
            parts.append(self.title)
        if not parts:
            return None
        return ". ".join(p.rstrip(".") for p in parts) + "."


def hash_text(text: str) -> str:
    """The SHA-256 of a text, as hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_text(path: Path, encoding: str = "utf-8") -> str:
    """Read a text file, with an error that says how to fix a wrong encoding."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise TextError(f"{path}: no such file") from None
    except OSError as exc:
        raise TextError(f"{path}: cannot read it ({exc.strerror})") from None
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise TextError(
            f"{path}, line {line}: the text is not valid {encoding}; "
            "convert it to UTF-8 or pass --encoding (for example --encoding cp1252)"
        ) from None
    except LookupError:
        raise TextError(f"unknown encoding '{encoding}'; use a Python codec name such as utf-8 or cp1252") from None


def load_chapter(path: Path, encoding: str = "utf-8") -> Chapter:
    """Read and parse a chapter file."""
    text = read_text(path, encoding)
    chapter = parse_chapter(text)
    if not chapter.paragraphs:
        raise TextError(f"{path}: the text is empty; put the chapter's paragraphs in it")
    return chapter


def parse_chapter(text: str) -> Chapter:
    """Clean a chapter's text and split it into heading, title and paragraphs."""
    source_sha256 = hash_text(text)
    blocks = [b for b in split_blocks(clean_text(text)) if not is_boilerplate(b)]
    number, title, blocks = take_heading(blocks)
    style = quote_style("\n".join(blocks))
    paragraphs: list[Paragraph] = []
    after_break = False
    for block in blocks:
        if SCENE_BREAK.match(block):
            after_break = bool(paragraphs)
            continue
        paragraphs.append(
            Paragraph(
                number=len(paragraphs) + 1,
                text=block,
                segments=tuple(split_quotations(block, style)),
                scene_break=after_break,
            )
        )
        after_break = False
    return Chapter(number=number, title=title, paragraphs=tuple(paragraphs), source_sha256=source_sha256)


def clean_text(text: str) -> str:
    """Normalize line endings and odd spaces; cut a Project Gutenberg header and footer."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\u00a0", " ").replace("\u200b", "")
    start = GUTENBERG_START.search(text)
    if start:
        text = text[start.end() :]
    end = GUTENBERG_END.search(text)
    if end:
        text = text[: end.start()]
    return text


def split_blocks(text: str) -> list[str]:
    """Split text into paragraphs, each joined onto one line.

    Blank lines separate paragraphs. Inside a block, short lines are a hard-wrapped
    paragraph (Gutenberg) and are joined; long lines are paragraphs of their own (web copies
    that put one paragraph per line without blank lines between).
    """
    blocks: list[str] = []
    for raw_block in re.split(r"\n\s*\n", text):
        lines = [line.strip() for line in raw_block.split("\n") if line.strip()]
        if not lines:
            continue
        if len(lines) > 1 and any(len(line) > HARD_WRAP_MAX_LINE for line in lines[:-1]):
            blocks.extend(lines)
        else:
            blocks.append(" ".join(lines))
    return [re.sub(r"[ \t]+", " ", b) for b in blocks]


def is_boilerplate(block: str) -> bool:
    return any(p.match(block) for p in BOILERPLATE_PATTERNS)


def take_heading(blocks: list[str]) -> tuple[int | None, str | None, list[str]]:
    """Find a 'Chapter N' heading at the top, and the title on its line or the next."""
    if not blocks:
        return None, None, blocks
    match = HEADING.match(blocks[0])
    if not match:
        return None, None, blocks
    number = parse_number(match["number"])
    title = match["title"].strip() or None
    rest = blocks[1:]
    if title is None and rest and looks_like_title(rest[0]):
        title, rest = rest[0], rest[1:]
    if title:
        title = title.rstrip(".").strip()
    return number, title, rest


def looks_like_title(block: str) -> bool:
    if len(block) > TITLE_MAX_CHARS or block[-1] in ".,;:!?\"”'’":
        return False
    return not any(c in block for c in OPEN_DOUBLE + '"')


def parse_number(word: str) -> int | None:
    word = word.lower()
    if word.isdigit():
        return int(word)
    if word in NUMBER_WORDS:
        return NUMBER_WORDS.index(word) + 1
    values = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}
    total = 0
    for i, ch in enumerate(word):
        value = values[ch]
        if i + 1 < len(word) and values[word[i + 1]] > value:
            total -= value
        else:
            total += value
    return total or None


def quote_style(text: str) -> Literal["double", "single"]:
    """Which marks open a top-level quotation in this text: decided once for a whole chapter.

    Most books quote with double marks and nest single ones; British books often do the
    reverse. Curly marks say which by how often each opens; with straight marks only, single
    quotes are the main ones only when there is no double mark at all (an apostrophe at the
    start of a word, as in 'em or '83, is not a quotation).
    """
    doubles = sum(text.count(c) for c in OPEN_DOUBLE)
    singles = len(re.findall(r"(?:^|(?<=[\s(\[—–-]))‘", text))
    if singles or doubles:
        return "single" if singles > doubles else "double"
    if '"' in text:
        return "double"
    if re.search(r"(^|\s)'\w", text):
        return "single"
    return "double"


def split_quotations(paragraph: str, style: Literal["double", "single"] | None = None) -> list[Segment]:
    """Split a paragraph into narration and quotations, in order.

    Handles curly and straight marks, quotations nested one level inside (kept as part of the
    outer quotation), apostrophes, and a quotation left open at the end of the paragraph (a
    speech that goes on in the next paragraph, or a missing closing mark).
    """
    style = style or quote_style(paragraph)
    segments: list[Segment] = []
    buf: list[str] = []
    inside = False

    def flush(kind: Literal["narration", "quote"], closed: bool = True) -> None:
        text = "".join(buf).strip()
        buf.clear()
        if kind == "narration":
            text = text.lstrip(",;: ").strip()
        if any(c.isalnum() for c in text):
            segments.append(Segment(kind=kind, text=text, closed=closed))

    n = len(paragraph)
    for i, ch in enumerate(paragraph):
        prev = paragraph[i - 1] if i > 0 else " "
        nxt = paragraph[i + 1] if i + 1 < n else " "
        if is_opening_mark(ch, prev, nxt, style) and not inside:
            flush("narration")
            inside = True
        elif inside and is_closing_mark(ch, prev, nxt, style):
            flush("quote")
            inside = False
        else:
            buf.append(ch)
    flush("quote" if inside else "narration", closed=not inside)
    return segments


def is_opening_mark(ch: str, prev: str, nxt: str, style: str) -> bool:
    if style == "double":
        if ch in OPEN_DOUBLE:
            return True
        # A straight mark opens when it starts a word.
        return ch == '"' and (prev.isspace() or prev in "([—–-") and not nxt.isspace()
    if ch == OPEN_SINGLE:
        return True
    return ch == "'" and (prev.isspace() or prev in "([—–-") and (nxt.isalnum() or nxt in "_…")


def is_closing_mark(ch: str, prev: str, nxt: str, style: str) -> bool:
    if style == "double":
        return ch in CLOSE_DOUBLE or ch == '"'
    if ch not in (CLOSE_SINGLE, "'"):
        return False
    # An apostrophe sits between letters (don't, o'clock), or after a word and before the
    # next (the Dawsons' dog, goin' home); a closing mark follows punctuation (,' .' ?') or
    # ends the run of text.
    if prev.isalpha() and nxt.isalpha():
        return False
    return not (prev.isalnum() and nxt.isspace())


def speakable_text(text: str) -> str:
    """The text as an engine should read it: markup and typography an engine stumbles on removed."""
    text = re.sub(r"(?<!\w)_([^_]+)_(?!\w)", r"\1", text)  # Gutenberg _italics_
    text = text.replace("…", "...").replace("’", "'").replace("‘", "'")
    text = re.sub(r"\s*[—–]\s*", ", ", text)  # espeak runs words on across a dash
    text = text.replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text).strip()
