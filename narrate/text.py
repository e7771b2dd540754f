"""Load a chapter of plain text: clean it, find its heading, split paragraphs and quotations."""

from __future__ import annotations

import codecs
import hashlib
import re
import unicodedata
from dataclasses import dataclass, replace
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
# A line break between two lines of text, after a line without closing punctuation: espeak-ng
# (for every engine here) reads it as a space, so a heading or a list runs on into the next
# line as one sentence (rhasspy/piper #349).
LINE_END_WITHOUT_STOP: Final = re.compile(r"(?<=[^\s.!?,;:\"'”’)\]])(?=[ \t]*\n\s*\S)")
# A hard-wrapped (Gutenberg) line is short; a web copy puts a whole paragraph on one line.
HARD_WRAP_MAX_LINE: Final = 100
TITLE_MAX_CHARS: Final = 100

OPEN_DOUBLE: Final = "“„«"
CLOSE_DOUBLE: Final = "”»"
OPEN_SINGLE: Final = "‘"
CLOSE_SINGLE: Final = "’"
# A quotation mark opens after a space or one of these: (“, [‘, —“.
OPENS_AFTER: Final = "([—–-"
# ...and so at the start of a word: what a regex puts before an opening mark.
WORD_START: Final = rf"(?:^|(?<=[\s{re.escape(OPENS_AFTER)}]))"
STRAIGHT_SINGLE_CLOSE: Final = re.compile(r"'(?!\w)")
NEXT_CURLY_DOUBLE: Final = re.compile("[" + OPEN_DOUBLE + CLOSE_DOUBLE + "]")
ANY_MARK: Final = re.compile("[" + re.escape(OPEN_DOUBLE + CLOSE_DOUBLE + OPEN_SINGLE + CLOSE_SINGLE + "\"'") + "]")

# Verbs that tell of speech: what a tag says its speaker did.
SPEECH_VERBS: Final = frozenset(
    """said say says asked ask asks answered answer answers replied reply replies responded respond
    responds told tell tells added add adds continued continue continues cried cries exclaimed
    shouted whispered murmured muttered called declared remarked observed inquired enquired
    demanded retorted rejoined repeated insisted began went explained suggested protested objected
    agreed admitted interrupted returned shrieked screamed sobbed sighed laughed growled snapped
    thought wondered pleaded urged ventured concluded announced stated proposed questioned
    roared yelled bellowed gasped breathed grumbled snarled chuckled giggled stammered faltered
    whimpered moaned groaned hissed sneered scoffed mumbled drawled purred barked blurted
    confessed conceded acknowledged assented persisted resumed corrected warned begged implored
    commanded ordered cautioned counted recited read sang echoed mused reflected reasoned
    pursued ejaculated quoth remark remarks exclaim exclaims cry whisper whispers murmur murmurs
    mutter mutters observe observes declare declares inquire inquires enquire shout shouts
    repeat repeats retort retorts explain explains interrupt interrupts saying asking answering
    replying adding crying exclaiming whispering murmuring muttering calling shouting remarking""".split()
)
# "'He puts (said he,) a very common thing in a strange dress'": a tag set in parentheses inside
# the quotation, as eighteenth-century prose prints it (Boswell's Johnson). It is narration, and
# the quotation goes on after it. Only a past tense and no "they" or "I" before the verb: a
# speaker's own aside ("(they say)", "(I told you so)", "(as I said)") is part of the speech.
_TAG_NAME: Final = r"[A-Z][\w'’-]+(?:\.?\s+[A-Z][\w'’-]+){0,2}"
_TAG_PAST: Final = "|".join(
    sorted({v for v in SPEECH_VERBS if v.endswith("ed")} | {"said", "quoth"}, key=len, reverse=True)
)
INNER_TAG: Final = re.compile(
    rf"\s*\(\s*(?P<tag>(?:(?:{_TAG_PAST})\s+(?:he|she|I|we|{_TAG_NAME})|(?:he|she|{_TAG_NAME})\s+(?:{_TAG_PAST}))"
    rf"\b[^()]{{0,80}})\)\s*"
)


@dataclass(frozen=True)
class Segment:
    """A run of a paragraph that is either narration or one quotation."""

    kind: Literal["narration", "quote"]
    """Whether the run is the narrator's or a quotation's."""
    text: str
    """The run's text, without its quotation marks or surrounding spaces."""
    closed: bool = True
    """False for a quotation still open at the end of the paragraph."""
    never_closes: bool = False
    """True for a quotation left open at the end of its paragraph when the next paragraph does
    not open with a quotation mark (nor is there one): a missing closing mark, not a speech
    that goes on over several paragraphs."""
    never_opens: bool = False
    """True for a quotation guessed from a closing mark that nothing opened: where it starts
    is a guess (the whole paragraph up to the mark)."""


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


def hash_bytes(data: bytes) -> str:
    """The SHA-256 of bytes, as hex."""
    return hashlib.sha256(data).hexdigest()


def hash_text(text: str) -> str:
    """The SHA-256 of a text's UTF-8 bytes, as hex."""
    return hash_bytes(text.encode("utf-8"))


def hash_file(path: Path) -> str:
    """The SHA-256 of a file's bytes, as hex: for a UTF-8 text, the same as hash_text of its text."""
    return hash_bytes(read_bytes(path))


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise TextError(f"{path}: no such file") from None
    except OSError as exc:
        raise TextError(f"{path}: cannot read it ({exc.strerror})") from None


def decode_text(raw: bytes, path: Path, encoding: str) -> str:
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        example = " (for example --encoding cp1252)" if codecs.lookup(encoding).name == "utf-8" else ""
        raise TextError(
            f"{path}, line {line}: the text is not valid {encoding}; "
            f"convert it to UTF-8 or pass the encoding it was saved in with --encoding{example}"
        ) from None
    except LookupError:
        raise TextError(f"unknown encoding '{encoding}'; use a Python codec name such as utf-8 or cp1252") from None


def load_chapter(path: Path, encoding: str = "utf-8") -> Chapter:
    """Read and parse a chapter file.

    Its source_sha256 is the hash of the file's bytes, so that a build can tell whether the
    file changed without knowing the encoding it was read with.
    """
    raw = read_bytes(path)
    chapter = parse_chapter(decode_text(raw, path, encoding))
    require_words(chapter, path)
    return replace(chapter, source_sha256=hash_bytes(raw))


def require_words(chapter: Chapter, source: str | Path) -> None:
    """Refuse a chapter with nothing to read (an empty file, or one with only a heading)."""
    if not any(p.segments for p in chapter.paragraphs):
        raise TextError(f"{source}: the text has no words to read; put the chapter's text in it")


def parse_chapter(text: str) -> Chapter:
    """Clean a chapter's text and split it into heading, title and paragraphs."""
    source_sha256 = hash_text(text)
    blocks = [b for b in split_blocks(clean_text(text)) if not is_boilerplate(b)]
    number, title, blocks = take_heading(blocks)
    style = quote_style("\n".join(blocks))
    breaks = [bool(SCENE_BREAK.match(block)) for block in blocks]
    paragraphs: list[Paragraph] = []
    after_break = False
    for i, block in enumerate(blocks):
        if breaks[i]:
            after_break = bool(paragraphs)
            continue
        # Gutenberg style leaves each paragraph of a long speech open and opens the next
        # with a quotation mark; only a quotation that the next paragraph does not take up
        # is missing its closing mark.
        continues = i + 1 < len(blocks) and not breaks[i + 1] and opens_quotation(blocks[i + 1], style)
        paragraphs.append(
            Paragraph(
                number=len(paragraphs) + 1,
                text=block,
                segments=tuple(split_quotations(block, style, continues=continues)),
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


# Words that start with an apostrophe ('em, 'tis, 'cause): inside a sentence the mark is not a
# quotation mark. At a sentence's start it may be one ("'Twas brillig,' said Jo.").
ELISION_WORDS: Final = r"(?:em|tis|tisn|twas|twere|twould|tain|twon|cause|ud|un)\b"
ELISION: Final = re.compile(ELISION_WORDS, re.IGNORECASE)
STRAIGHT_DOUBLE_OPENING: Final = re.compile(rf"""{WORD_START}"\w""", re.MULTILINE)
# Counted for the style only: a capital (or a dash) after the mark, so 'em and 'ud do not count.
STRAIGHT_SINGLE_OPENING: Final = re.compile(rf"""{WORD_START}'(?!(?i:{ELISION_WORDS}))[A-Z—–-]""", re.MULTILINE)


def quote_style(text: str) -> Literal["double", "single"]:
    """Which marks open a top-level quotation in this text: decided once for a whole chapter.

    Most books quote with double marks and nest single ones; British books often do the
    reverse. Curly marks say which by how often each opens; so do straight marks, where an
    apostrophe at the start of a word ('em, 'Tis, '83) is not counted as an opening.
    """
    doubles = sum(text.count(c) for c in OPEN_DOUBLE)
    singles = len(re.findall(rf"{WORD_START}‘", text))
    if singles or doubles:
        return "single" if singles > doubles else "double"
    # Straight marks: whichever opens more quotations is the main one, so that a British
    # book's nested "..." does not turn its '...' into narration. An apostrophe that starts
    # a word is lower case ('em, 'ud) or one of a few words ('Tis, 'Twas).
    doubles = len(STRAIGHT_DOUBLE_OPENING.findall(text))
    singles = len(STRAIGHT_SINGLE_OPENING.findall(text))
    if singles or doubles:
        return "single" if singles > doubles else "double"
    if '"' in text:
        return "double"
    if re.search(r"(^|\s)'\w", text):
        return "single"
    return "double"


def split_quotations(
    paragraph: str, style: Literal["double", "single"] | None = None, *, continues: bool = False
) -> list[Segment]:
    """Split a paragraph into narration and quotations, in order.

    Handles curly and straight marks, quotations nested inside (kept as part of the outer
    quotation; curly double marks to any depth), apostrophes, and a quotation left open at the
    end of the paragraph: a speech that goes on in the next paragraph (continues: the next
    paragraph opens with a quotation mark), or else a missing closing mark (never_closes).

    With single marks, a closing mark after a word and before a space may be an apostrophe
    (the Dawsons’ dog, goin’ home). It is taken as one while a later mark can still close the
    quotation; if none does before the paragraph ends (and the speech does not go on) or
    before another quotation opens, the quotation ended at the last such mark.
    """
    style = style or quote_style(paragraph)
    segments: list[Segment] = []
    buf: list[str] = []
    inside = False
    maybe_closed_at: int | None = None  # where in buf the last mark that may close the quotation is
    nested = 0  # curly double marks opened inside the quotation and not yet closed
    nested_straight = 0  # ...and straight ones (straight_nests)
    # Each worked out only for the style that reads it. In single style: where the last straight
    # ' that could close a quotation is (one not before a letter). In double style: where the
    # outer quotation can close at the latest.
    last_close = (
        max((m.start() for m in STRAIGHT_SINGLE_CLOSE.finditer(paragraph)), default=-1) if style == "single" else -1
    )
    outer_end = len(paragraph) if continues or style == "single" else max(paragraph.rfind(c) for c in CLOSE_DOUBLE)

    def flush(kind: Literal["narration", "quote"], closed: bool = True) -> None:
        text = "".join(buf).strip()
        buf.clear()
        if kind == "narration":
            text = text.lstrip(",;: ").strip()
        if any(c.isalnum() for c in text):
            segments.append(Segment(kind=kind, text=text, closed=closed, never_closes=not closed and not continues))

    def close_quotation() -> None:
        nonlocal inside, maybe_closed_at, nested, nested_straight
        flush("quote")
        # (a nested quotation left open closes with the one around it)
        inside, maybe_closed_at, nested, nested_straight = False, None, 0, 0

    def close_at_last_maybe() -> None:
        assert maybe_closed_at is not None
        after = buf[maybe_closed_at + 1 :]
        del buf[maybe_closed_at:]
        close_quotation()
        buf.extend(after)

    n = len(paragraph)
    done = 0
    # Only quotation marks and apostrophes decide anything: the text between them is copied
    # whole (a 5 MB chapter parses in 0.5 s instead of 1.4 s with a loop over every character).
    for mark in ANY_MARK.finditer(paragraph):
        i = mark.start()
        buf.append(paragraph[done:i])
        done = i + 1
        ch = paragraph[i]
        prev = paragraph[i - 1] if i > 0 else " "
        nxt = paragraph[i + 1] if i + 1 < n else " "
        opening = opens_at(paragraph, i, style)
        if (
            opening
            and ch == "'"
            and not straight_single_opens(paragraph, i, inside, maybe_closed_at is not None, last_close)
        ):
            opening = False  # "in 'em hills", "the 'scape pipes": an apostrophe
        if inside and maybe_closed_at is not None and opening:
            close_at_last_maybe()
        if opening and not inside:
            flush("narration")
            inside = True
        elif inside and ch in OPEN_DOUBLE and style == "double" and closes_before_next_opening(paragraph, i, outer_end):
            # “ ‘What is “Suliman” but Solomon?’ ”: a curly mark says it opens, so a quotation
            # nested two deep does not close the outer one. (A stray “ with no ” of its own
            # before the next “, as in “Come here,“ said Alice, nests nothing.)
            nested += 1
            buf.append(ch)
        elif (
            inside
            and ch == '"'
            and style == "double"
            and opens_nested(paragraph, i)
            and straight_nests(paragraph, i, continues)
        ):
            # "...old man Hasken he would hev it that the "East Wind" was a man-o'-war...": a
            # straight mark that opens a word inside a quotation, closed again before the
            # quotation's own closing mark, nests.
            nested_straight += 1
            buf.append(ch)
        elif inside and nested_straight and ch == '"':
            nested_straight -= 1
            buf.append(ch)
        elif inside and nested and ch in CLOSE_DOUBLE:
            nested -= 1
            buf.append(ch)
        elif inside and is_closing_mark(ch, prev, nxt, style):
            close_quotation()
        else:
            if inside and may_be_apostrophe(ch, prev, nxt, style):
                maybe_closed_at = len(buf)
            buf.append(ch)
    buf.append(paragraph[done:])
    if inside and maybe_closed_at is not None and not continues:
        close_at_last_maybe()
    flush("quote" if inside else "narration", closed=not inside)
    end = paragraph.rstrip()
    closing = CLOSE_DOUBLE + '"' if style == "double" else CLOSE_SINGLE + "'"
    if segments and all(s.kind == "narration" for s in segments) and end[-1:] in closing and end[-2:-1] in ".!?,…":
        # No quotation opened, yet the paragraph ends with a closing mark after the speech's
        # last words: the source left out its opening mark ("We know business is eager for it.”).
        return [Segment(kind="quote", text=end[:-1].strip().lstrip("`'\"‘“ "), never_opens=True)]
    return set_off_inner_tags(segments)


def set_off_inner_tags(segments: list[Segment]) -> list[Segment]:
    """Each quotation with a tag in parentheses inside it (INNER_TAG) split into its quotation,
    the tag as narration, and the rest of the quotation."""
    result: list[Segment] = []
    for segment in segments:
        tags = list(INNER_TAG.finditer(segment.text)) if segment.kind == "quote" and "(" in segment.text else []
        if not tags:
            result.append(segment)
            continue
        pieces, start = [], 0
        for m in tags:
            pieces.append(Segment(kind="quote", text=segment.text[start : m.start()].strip()))
            pieces.append(Segment(kind="narration", text=m["tag"].strip()))
            start = m.end()
        pieces.append(Segment(kind="quote", text=segment.text[start:].strip()))
        spoken = [k for k, p in enumerate(pieces) if p.kind == "quote" and any(c.isalnum() for c in p.text)]
        if not spoken:
            result.append(segment)
            continue
        # (a quotation left open, or whose opening mark was guessed, stays so at its end and start)
        pieces[spoken[-1]] = replace(segment, text=pieces[spoken[-1]].text, never_opens=False)
        pieces[spoken[0]] = replace(pieces[spoken[0]], never_opens=segment.never_opens)
        result.extend(p for k, p in enumerate(pieces) if p.kind == "narration" or k in spoken)
    return result


def straight_single_opens(paragraph: str, i: int, inside: bool, maybe_closed: bool, last_close: int) -> bool:
    """Whether a straight ' at paragraph[i] that may open a quotation does.

    Before a capital it does. Before an elided word ('em, 'Twas) or a small letter ('scape
    pipes) only outside a quotation, when a mark further on can close it, and for an elided
    word only at the start of a sentence ("'Twas brillig,' said Jo.", "'and so,' said he").
    Inside a quotation that may already have closed ("'Stupid I was' (he said), 'now...'"),
    a small letter opens the next one.
    """
    elided = ELISION.match(paragraph, i + 1)
    if not elided and not paragraph[i + 1 : i + 2].islower():
        return True
    if inside:
        return maybe_closed and not elided
    if elided:
        j = i - 1
        while j >= 0 and paragraph[j].isspace():
            j -= 1
        if j >= 0 and paragraph[j] not in ".!?:;" + OPENS_AFTER:
            return False
    return last_close > i  # (a mark further on can close it)


def closes_before_next_opening(paragraph: str, i: int, outer_end: int) -> bool:
    """Whether the curly opening mark at paragraph[i] has a closing mark of its own, before the
    next opening mark, and the outer quotation still has one after it: outer_end is where the
    paragraph's last closing mark is (or its length, when the speech goes on in the next)."""
    found = NEXT_CURLY_DOUBLE.search(paragraph, i + 1)
    return bool(found and found[0] in CLOSE_DOUBLE and found.start() < outer_end)


def word_starts_after(prev: str) -> bool:
    """Whether a word starts after this character: a space or one of OPENS_AFTER."""
    return prev.isspace() or prev in OPENS_AFTER


def opens_nested(paragraph: str, i: int) -> bool:
    """Whether the straight " at paragraph[i] starts a word inside a quotation: after a space or
    a dash, or after a single mark that does ("'"First Principles" is...,' said one")."""
    if opens_at(paragraph, i, "double"):
        return True
    if i == 0 or paragraph[i - 1] not in "'‘" or i + 1 >= len(paragraph) or paragraph[i + 1].isspace():
        return False
    return i == 1 or word_starts_after(paragraph[i - 2])


def straight_nests(paragraph: str, i: int, continues: bool) -> bool:
    """Whether the straight " at paragraph[i], opening a word inside a quotation, opens a nested
    one: the next straight mark closes (it ends a word), and the one after it, or the next
    paragraph, can still close the outer quotation (it does not open a word)."""

    def closes(j: int) -> bool:
        return j > 0 and not word_starts_after(paragraph[j - 1])

    inner = paragraph.find('"', i + 1)
    if inner < 0 or not closes(inner):
        return False
    outer = paragraph.find('"', inner + 1)
    return continues if outer < 0 else closes(outer)


def opens_quotation(paragraph: str, style: Literal["double", "single"]) -> bool:
    """Whether a paragraph starts with a quotation mark that opens a quotation."""
    return bool(paragraph) and opens_at(paragraph, 0, style)


# `" 'It's wonderful…,' as Polonius says," laughed Ivan.`: a straight " set off by a space from
# the quotation nested in it still opens it.
SPACED_NESTED_OPENING: Final = re.compile(r"[ \u00a0\u200a\u2009]+['‘]\w")


def opens_at(paragraph: str, i: int, style: Literal["double", "single"]) -> bool:
    """Whether the mark at paragraph[i], outside any quotation, opens one."""
    prev = paragraph[i - 1] if i > 0 else " "
    nxt = paragraph[i + 1] if i + 1 < len(paragraph) else " "
    if is_opening_mark(paragraph[i], prev, nxt, style):
        return True
    return (
        style == "double"
        and paragraph[i] == '"'
        and word_starts_after(prev)
        and bool(SPACED_NESTED_OPENING.match(paragraph, i + 1))
    )


def is_opening_mark(ch: str, prev: str, nxt: str, style: str) -> bool:
    if style == "double":
        if ch in OPEN_DOUBLE:
            return True
        # A straight mark opens when it starts a word.
        return ch == '"' and word_starts_after(prev) and not nxt.isspace()
    if ch == OPEN_SINGLE:
        return True
    # 'Go!', '_You_ did', '...well', '--So you' open; 'em and goin' do not.
    return ch == "'" and word_starts_after(prev) and (nxt.isalnum() or nxt in "_…—–-")


def is_closing_mark(ch: str, prev: str, nxt: str, style: str) -> bool:
    if style == "double":
        return ch in CLOSE_DOUBLE or ch == '"'
    if ch not in (CLOSE_SINGLE, "'"):
        return False
    if ch == "'" and prev.isspace() and nxt.isalpha():
        return False  # 'em: a straight mark between a space and a word opens or elides, never closes
    # An apostrophe sits between letters (don't, o'clock), or after a word and before the
    # next (the Dawsons' dog, goin' home); a closing mark follows punctuation (,' .' ?') or
    # ends the run of text.
    if prev.isalpha() and nxt.isalpha():
        return False
    return not may_be_apostrophe(ch, prev, nxt, style)


def may_be_apostrophe(ch: str, prev: str, nxt: str, style: str) -> bool:
    """A single closing mark after a word and before a space: the Dawsons’ dog, or ‘Go’ she said."""
    return style == "single" and ch in (CLOSE_SINGLE, "'") and prev.isalnum() and nxt.isspace()


def speakable_text(text: str) -> str:
    """The text as an engine should read it: markup and typography an engine stumbles on removed."""
    text = re.sub(r"(?<!\w)_([^_]+)_(?!\w)", r"\1", text)  # Gutenberg _italics_
    text = text.replace("…", "...").replace("’", "'").replace("‘", "'")
    text = re.sub(r"\s*[—–]\s*", ", ", text)  # espeak runs words on across a dash
    text = text.replace("“", '"').replace("”", '"')
    text = LINE_END_WITHOUT_STOP.sub(".", text)
    return re.sub(r"\s+", " ", text).strip()
