"""Properties of the text parser and the cast script, for any input (hypothesis).

1. The turns cover the text: the letters and digits of the source, in order, are exactly those
   of the turns after the heading; nothing is dropped or read twice. "Letters and digits" leaves
   out what the parser may rightly drop or change: whitespace, quotation marks, the
   punctuation of a run between two quotations that holds no word ("—"), and Unicode
   normalization (NFC). A 'Chapter N' heading may take the first block or two as the heading
   turn, which reads them normalized ("CHAPTER IV" is "Chapter 4"): the body's letters are then
   the source's without that prefix.
2. A cast script dumped and loaded again is the same script.
3. Quoting never swallows narration: a paragraph made of narration (without any quotation
   mark or apostrophe) and quotations splits back into exactly those pieces.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from narrate.attribute import build_script
from narrate.script import CastScript, Turn, load_script, save_script
from narrate.text import parse_chapter, split_quotations
from narrate.voices import CastSpec

CAST = CastSpec.model_validate(
    {
        "narrator": {"person": "third"},
        "characters": {
            "alice": {"name": "Alice", "gender": "female"},
            "rabbit": {"name": "White Rabbit", "aliases": ["the Rabbit"], "gender": "male"},
        },
    }
)
FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

QUOTE_MARKS = "\"'“”„«»‘’"
WORDS = (
    "Alice Rabbit the Queen said asked she he I we you it was a late very No Yes and "
    "don't Dawsons’ o'clock 1920 _so_ Mr. café"
).split()
PUNCTUATION = [",", ".", ";", ":", "!", "?", "—", "…", "(", ")", "-", " — "]


def letters(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFC", text) if c.isalnum())


@st.composite
def chapters(draw: st.DrawFn) -> str:
    """Texts shaped like chapters: words, punctuation and every kind of quotation mark, in
    paragraphs, hard-wrapped lines, scene breaks, and maybe a heading."""
    token = st.one_of(st.sampled_from(WORDS), st.sampled_from(PUNCTUATION), st.sampled_from(list(QUOTE_MARKS)))
    paragraph = st.lists(token, min_size=1, max_size=25).map(" ".join)
    joins = st.sampled_from(["\n\n", "\n", "\n\n* * *\n\n", " ", "\r\n\r\n", "\n\n\n"])
    blocks = draw(st.lists(st.tuples(paragraph, joins), min_size=1, max_size=8))
    text = "".join(p + j for p, j in blocks)
    heading = draw(st.sampled_from(["", "Chapter 4\n\n", "CHAPTER IV. The Trial\n\n", "Chapter four\n\nA Title\n\n"]))
    return heading + text


def check_coverage(text: str) -> None:
    chapter = parse_chapter(text)
    # load_chapter refuses a text without a word to read; build_script needs one.
    readable = any(p.segments for p in chapter.paragraphs)
    script_turns = build_script(chapter, CAST).turns if readable else []
    body = letters("".join(t.text for t in script_turns if t.paragraph != 0))
    # A guard rather than a finding: build_script makes one turn per segment, and must drop none.
    assert body == letters("".join(s.text for p in chapter.paragraphs for s in p.segments))
    source = letters(text)
    if chapter.heading is None:
        assert body == source
    else:
        assert source.endswith(body)
        assert source[: len(source) - len(body)].lower().startswith("chap")
    for turn in script_turns:
        assert turn.text == turn.text.strip() and turn.text
    # A paragraph without a quotation mark is narration, whatever the paragraphs around it.
    for paragraph in chapter.paragraphs:
        if not any(mark in paragraph.text for mark in QUOTE_MARKS) and letters(paragraph.text):
            assert [s.kind for s in paragraph.segments] == ["narration"]


@FAST
@given(chapters())
@example("“It was the Dawsons’ dog,” she said.\n\n‘Off with her head’ the Queen said.\n")
@example("")
def test_turns_cover_a_chapter_shaped_text(text: str) -> None:
    check_coverage(text)


@FAST
@given(st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from(list(QUOTE_MARKS + "\n\n\n  ")), max_size=300))
def test_turns_cover_any_text(text: str) -> None:
    check_coverage(text)


# Round trip of the cast script.

texts = st.text(min_size=1).filter(lambda t: t.strip())
turns = st.builds(
    Turn,
    speaker=texts,
    text=texts,
    paragraph=st.none() | st.integers(min_value=0, max_value=10**6),
    confidence=st.none() | st.floats(min_value=0.0, max_value=1.0),
    cue=st.none() | st.text(),
    check=st.booleans(),
    scene_break=st.booleans(),
)
scripts = st.builds(
    CastScript,
    chapter=st.integers(min_value=-(2**63), max_value=2**63),
    title=st.none() | st.text(),
    source=st.none() | st.text(),
    source_sha256=st.none() | st.text(alphabet="0123456789abcdef", min_size=64, max_size=64),
    turns=st.lists(turns, min_size=1, max_size=8),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scripts)
def test_a_script_dumped_and_loaded_is_the_same(tmp_path: Path, script: CastScript) -> None:
    path = tmp_path / "chapter.yaml"
    save_script(script, path)
    assert load_script(path) == script


# Quoting never swallows narration.

MARKS = {
    "double": [("“", "”"), ('"', '"'), ("«", "»"), ("„", "”")],
    "single": [("‘", "’"), ("'", "'")],
}
NARRATION_WORDS = [w for w in WORDS if not any(m in w for m in QUOTE_MARKS)]
# Inside a quotation: apostrophes between letters in either style; nested marks of the other
# kind; a plural possessive ("Dawsons’") only before another word, since right before the
# closing mark it cannot be told from it.
QUOTED_WORDS = {
    "double": [*NARRATION_WORDS, "don't", "it’s", "Dawsons’", "‘nested’", "'em"],
    "single": [*NARRATION_WORDS, "don't", "it’s", "Dawsons’", "“nested”"],
}


@st.composite
def paragraphs(draw: st.DrawFn, style: str) -> tuple[str, list[tuple[str, str]]]:
    """A paragraph alternating narration and quotations, and the segments it is made of."""
    narration = st.lists(st.sampled_from(NARRATION_WORDS + PUNCTUATION), max_size=8).map(" ".join)
    first = st.sampled_from(NARRATION_WORDS)
    rest = st.lists(st.sampled_from(QUOTED_WORDS[style] + PUNCTUATION), max_size=8)
    pieces: list[str] = []
    expected: list[tuple[str, str]] = []
    quote_first = draw(st.booleans())
    for i in range(draw(st.integers(min_value=1, max_value=6))):
        if (i % 2 == 0) == quote_first:
            opening, closing = draw(st.sampled_from(MARKS[style]))
            words = [draw(first), *draw(rest)]
            if words[-1] == "Dawsons’":
                words.append("dog")
            content = " ".join(words)
            pieces.append(opening + content + closing)
            expected.append(("quote", content.strip()))
        else:
            text = draw(narration)
            pieces.append(text)
            kept = text.strip().lstrip(",;: ").strip()
            if any(c.isalnum() for c in kept):
                expected.append(("narration", kept))
    return " ".join(pieces), expected


@FAST
@given(st.sampled_from(["double", "single"]).flatmap(lambda style: st.tuples(st.just(style), paragraphs(style))))
@example(
    (
        "single",
        ("‘Off with her head’ the Queen said", [("quote", "Off with her head"), ("narration", "the Queen said")]),
    )
)
def test_quoting_never_swallows_narration(case: tuple[str, tuple[str, list[tuple[str, str]]]]) -> None:
    style, (paragraph, expected) = case
    segments = split_quotations(paragraph, style)  # type: ignore[arg-type]
    assert [(s.kind, s.text) for s in segments] == expected
    assert all(s.closed and not s.never_closes for s in segments)
