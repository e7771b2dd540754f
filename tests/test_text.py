"""Text cleanup, headings, paragraphs and quotation splitting."""

from __future__ import annotations

import pytest

from narrate.errors import TextError
from narrate.text import Segment, load_chapter, parse_chapter, speakable_text, split_quotations

from .conftest import REPO

N = "narration"
Q = "quote"


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        # curly quotes, tag after the closing mark and its comma
        ("“When do you plan to leave?”, he asked us.", [(Q, "When do you plan to leave?"), (N, "he asked us.")]),
        # an interrupted quotation: two quotations around a tag
        (
            "“Very much,” we answered. “You have taken care of us.”",
            [(Q, "Very much,"), (N, "we answered."), (Q, "You have taken care of us.")],
        ),
        # straight double quotes, the Gutenberg way
        ('"Stay," said Alice, "a little longer."', [(Q, "Stay,"), (N, "said Alice,"), (Q, "a little longer.")]),
        # nested single quotes stay inside the quotation; apostrophes are not quotes
        (
            "“The people will not ‘compel’ anything; it’s the people’s right.”",
            [(Q, "The people will not ‘compel’ anything; it’s the people’s right.")],
        ),
        ("\"Don't say 'never,' Tom's friend,\" she said.", [(Q, "Don't say 'never,' Tom's friend,"), (N, "she said.")]),
        # a straight double mark that opens a word inside a quotation nests, when its own closing
        # mark comes before the outer one's...
        (
            '"He would hev it that the "East Wind" was a man-o\'-war," said Troop.',
            [(Q, 'He would hev it that the "East Wind" was a man-o\'-war,'), (N, "said Troop.")],
        ),
        # ...and so does one inside a single-quoted citation within the quotation
        (
            '"Yappers! \'"First Principles" is not destitute,\' said one of them. Yappers!" he said.',
            [(Q, "Yappers! '\"First Principles\" is not destitute,' said one of them. Yappers!"), (N, "he said.")],
        ),
        # ...but one with no closing mark after its own opens the next quotation, and so does one
        # whose mark after its own opens a word
        ('"Yes," said he. "Come.', [(Q, "Yes,"), (N, "said he."), (Q, "Come.")]),
        (
            '"Go," said Ada. "Tell him "no" now, she said. "Fine," he said.',
            [(Q, "Go,"), (N, "said Ada."), (Q, "Tell him"), (N, 'no" now, she said.'), (Q, "Fine,"), (N, "he said.")],
        ),
        # a straight double mark set off by a space from the single mark nested in it opens
        (
            '" \'It\'s wonderful how you turn words,\' as Polonius says," laughed Ivan. "Well."',
            [(Q, "'It's wonderful how you turn words,' as Polonius says,"), (N, "laughed Ivan."), (Q, "Well.")],
        ),
        # curly marks say which way they face: a quotation nested two deep does not close the outer one
        (
            "“ ‘What is “Suliman” but Solomon?’ he said.” He laughed.",
            [(Q, "‘What is “Suliman” but Solomon?’ he said."), (N, "He laughed.")],
        ),
        # ...and one left open when a straight mark closes the outer quotation ends with it
        (
            '“A “B" C” D. “E,” said F. He left.',
            [(Q, "A “B"), (N, "C” D."), (Q, "E,"), (N, "said F. He left.")],
        ),
        # ...but a stray opening mark typed for a closing one nests nothing
        (
            "“Come here,“ said Alice. “Now.” She left.",
            [(Q, "Come here,“ said Alice. “Now."), (N, "She left.")],
        ),
        # em dashes and ellipses are kept as printed
        ("“I agree, Pestaña, I agree … although—”", [(Q, "I agree, Pestaña, I agree … although—")]),
        # narration only
        ("Lenin appeared.", [(N, "Lenin appeared.")]),
        # narration, then a quotation after a colon
        ("Then he said: “So be it.”", [(N, "Then he said:"), (Q, "So be it.")]),
        # a tag set in parentheses inside the quotation (Boswell) is narration
        (
            "“For (said he,) you are then sure. Then (Dr. Taylor observed) it is so.”",
            [(Q, "For"), (N, "said he,"), (Q, "you are then sure. Then"), (N, "Dr. Taylor observed"), (Q, "it is so.")],
        ),
        ("“It is so (said I).”", [(Q, "It is so"), (N, "said I")]),
        # ...but a speaker's own aside in parentheses is speech
        ("“It is, (they say,) and (as I told you) it was.”", [(Q, "It is, (they say,) and (as I told you) it was.")]),
    ],
)
def test_split_quotations(paragraph: str, expected: list[tuple[str, str]]) -> None:
    assert [(s.kind, s.text) for s in split_quotations(paragraph)] == expected


def test_quotation_left_open_runs_to_the_end_of_the_paragraph() -> None:
    goes_on = split_quotations('"It was a long speech, and it goes on', continues=True)
    assert goes_on == [Segment(kind="quote", text="It was a long speech, and it goes on", closed=False)]
    # Without a next paragraph that opens with a quotation mark, the closing mark is missing.
    missing = split_quotations('"It was a long speech, and it goes on')
    assert missing == [
        Segment(kind="quote", text="It was a long speech, and it goes on", closed=False, never_closes=True)
    ]


def test_only_a_quotation_the_next_paragraph_does_not_take_up_never_closes() -> None:
    chapter = parse_chapter(
        "“A speech over two paragraphs,” he said, “goes on\n\n"
        "“here, and ends.”\n\n"
        "He said “this never closes.\n\n"
        "Narration.\n\n"
        "“Nor this one, open at a scene break\n\n* * *\n\n"
        "“Nor the last."
    )
    assert [[(s.text, s.closed, s.never_closes) for s in p.quotes] for p in chapter.paragraphs] == [
        [("A speech over two paragraphs,", True, False), ("goes on", False, False)],
        [("here, and ends.", True, False)],
        [("this never closes.", False, True)],
        [],
        [("Nor this one, open at a scene break", False, True)],
        [("Nor the last.", False, True)],
    ]


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        # a closing mark after a word and before a space closes when nothing later does
        ("‘Off with her head’ the Queen shouted.", [(Q, "Off with her head"), (N, "the Queen shouted.")]),
        ("He called it a ‘plan’ and left.", [(N, "He called it a"), (Q, "plan"), (N, "and left.")]),
        ("‘Go’ she said. ‘Now.’", [(Q, "Go"), (N, "she said."), (Q, "Now.")]),
        ("'Off with her head'", [(Q, "Off with her head")]),
        # ... and is an apostrophe when a later mark closes the quotation
        ("‘The Dawsons’ dog,’ she said.", [(Q, "The Dawsons’ dog,"), (N, "she said.")]),
        ("'I'm goin' home,' he said.", [(Q, "I'm goin' home,"), (N, "he said.")]),
    ],
)
def test_single_marks_after_a_word(paragraph: str, expected: list[tuple[str, str]]) -> None:
    assert [(s.kind, s.text) for s in split_quotations(paragraph, "single")] == expected


def test_british_single_quotes_are_quotations_when_there_are_no_double_quotes() -> None:
    segments = split_quotations("‘Off with her head!’ the Queen shouted. ‘Isn’t it?’")
    assert [(s.kind, s.text) for s in segments] == [
        (Q, "Off with her head!"),
        (N, "the Queen shouted."),
        (Q, "Isn’t it?"),
    ]


def test_british_straight_single_quotes_with_double_quotes_nested_inside() -> None:
    # A few nested "..." must not make the whole chapter double-quoted; 'Tis and 'em are not quotations.
    chapter = parse_chapter(
        "'They call it \"the Wild Wood\",' said the Rat. 'Tis a bad place.\n\n"
        "'I shan't go,' said the Mole. 'Not for all the gold in 'em hills.'\n\n"
        "'--So you had better stay,' concluded the Badger."
    )
    assert [[(s.kind, s.text) for s in p.segments] for p in chapter.paragraphs] == [
        [(Q, 'They call it "the Wild Wood",'), (N, "said the Rat. 'Tis a bad place.")],
        [(Q, "I shan't go,"), (N, "said the Mole."), (Q, "Not for all the gold in 'em hills.")],
        [(Q, "--So you had better stay,"), (N, "concluded the Badger.")],
    ]


def test_a_straight_mark_before_a_small_letter_opens_only_what_can_close() -> None:
    chapter = parse_chapter(
        "'Go,' said Ann.\n\nSteam came out of the 'scape pipes, and we ran aground.\n\n"
        "'Foolish me' (he said), 'now I see it.'"
    )
    assert [[(s.kind, s.text) for s in p.segments] for p in chapter.paragraphs] == [
        [(Q, "Go,"), (N, "said Ann.")],
        [(N, "Steam came out of the 'scape pipes, and we ran aground.")],
        [(Q, "Foolish me"), (N, "(he said),"), (Q, "now I see it.")],
    ]


def test_a_paragraph_with_only_a_closing_mark_is_a_quotation_missing_its_opening() -> None:
    chapter = parse_chapter(
        "“We must go on,” he said. “If the Allies agree, we shall trade.\n\nWe know they want it.”\n\nHe nodded."
    )
    assert [[(s.kind, s.text) for s in p.segments] for p in chapter.paragraphs] == [
        [(Q, "We must go on,"), (N, "he said."), (Q, "If the Allies agree, we shall trade.")],
        [(Q, "We know they want it.")],
        [(N, "He nodded.")],
    ]
    # Where it starts is a guess, for a person to check.
    assert [s.never_opens for p in chapter.paragraphs for s in p.segments] == [False, False, False, True, False]


def test_a_quotation_may_open_with_an_elided_word() -> None:
    chapter = parse_chapter("'Twas brillig,' said Jo. 'And 'tis late.'\n\n'Cause I said so,' said Jo.")
    assert [[(s.kind, s.text) for s in p.segments] for p in chapter.paragraphs] == [
        [(Q, "Twas brillig,"), (N, "said Jo."), (Q, "And 'tis late.")],
        [(Q, "Cause I said so,"), (N, "said Jo.")],
    ]


def test_chapter_19_heading_title_and_boilerplate() -> None:
    chapter = load_chapter(REPO / "texts" / "chapter-19.txt")
    assert chapter.number == 19
    assert chapter.title == "An Interview with Lenin"
    assert chapter.heading == "Chapter 19. An Interview with Lenin."
    texts = [p.text for p in chapter.paragraphs]
    assert not any(t.startswith("Submitted by") for t in texts)
    assert texts[0] == "The Second Congress of the Third International had come to an end."
    assert texts[-1].startswith("That is more or less what we could deduce")


def test_gutenberg_layout_joins_hard_wrapped_lines_and_cuts_the_licence() -> None:
    text = (
        "The Project Gutenberg eBook of a Book\n\n"
        "*** START OF THE PROJECT GUTENBERG EBOOK A BOOK ***\n\n"
        "CHAPTER I. Down the Rabbit-Hole\n\n"
        "Alice was beginning to get very tired of sitting by her sister on the\n"
        "bank, and of having nothing to do.\n\n"
        '"Oh dear!" said the Rabbit.\n\n'
        "*** END OF THE PROJECT GUTENBERG EBOOK A BOOK ***\n"
        "Licence text.\n"
    )
    chapter = parse_chapter(text)
    assert chapter.number == 1
    assert chapter.title == "Down the Rabbit-Hole"
    assert [p.text for p in chapter.paragraphs] == [
        "Alice was beginning to get very tired of sitting by her sister on the bank, and of having nothing to do.",
        '"Oh dear!" said the Rabbit.',
    ]


def test_one_paragraph_per_line_without_blank_lines() -> None:
    long = "word " * 30
    chapter = parse_chapter(f"{long}one.\n{long}two.\n{long}three.\n")
    assert len(chapter.paragraphs) == 3


def test_text_without_a_heading_has_no_heading() -> None:
    chapter = parse_chapter("It was a dark night.\n\nNothing happened.\n")
    assert chapter.number is None and chapter.heading is None
    assert len(chapter.paragraphs) == 2


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("But—and this was curious—when", "But, and this was curious, when"),
        ("I agree … although", "I agree ... although"),
        ("It was _very_ odd", "It was very odd"),
        ("the people ‘expropriates’ it’s", "the people 'expropriates' it's"),
        # a line break is no pause to espeak (rhasspy/piper #349): a line without punctuation ends a sentence
        ("Chapter One\nThe Ferry", "Chapter One. The Ferry"),
        ("We want:\nApple\nPear\n", "We want: Apple. Pear"),
        ("Stay,\n“a little longer”\nhe said", 'Stay, "a little longer" he said'),
    ],
)
def test_speakable_text(text: str, spoken: str) -> None:
    assert speakable_text(text) == spoken


def test_a_text_that_is_not_utf8_says_how_to_fix_it(tmp_path) -> None:
    path = tmp_path / "chapter-1.txt"
    path.write_bytes("Chapter 1\n\nCaf\xe9 au lait.\n".encode("cp1252"))
    with pytest.raises(TextError) as info:
        load_chapter(path)
    assert str(info.value) == (
        f"{path}, line 3: the text is not valid utf-8; convert it to UTF-8 or pass the encoding it was saved in "
        "with --encoding (for example --encoding cp1252)"
    )
    assert load_chapter(path, encoding="cp1252").paragraphs[0].text == "Café au lait."
    # The cp1252 example is for a text read as UTF-8, not after another encoding failed.
    with pytest.raises(TextError) as info:
        load_chapter(path, encoding="ascii")
    assert str(info.value) == (
        f"{path}, line 3: the text is not valid ascii; convert it to UTF-8 or pass the encoding it was saved in "
        "with --encoding"
    )
