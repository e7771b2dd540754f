"""Attribute each quotation of a chapter to a character: the script builder's rules.

A sieve in the spirit of Muzny et al. (2017), from the most precise cue to the least:
an explicit tag beside the quotation ("Lenin responded", "he asked us", "we said"), a tag in
the narration just before it ("then he said:"), a speech left open in the previous paragraph,
a vocative (a name inside a quotation is the person addressed, not the speaker), and turn
alternation in a two-person exchange. All functions are pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

from .script import CastScript, Turn
from .text import Chapter, Paragraph, Segment
from .voices import NARRATOR, UNKNOWN, CastSpec

SPEECH_VERBS: Final = frozenset(
    """said say says asked ask asks answered answer answers replied reply replies responded respond
    responds told tell tells added add adds continued continue continues cried exclaimed shouted
    whispered murmured muttered called declared remarked observed inquired enquired demanded
    retorted rejoined repeated insisted began went explained suggested protested objected agreed
    admitted interrupted returned shrieked screamed sobbed sighed laughed growled snapped thought
    wondered pleaded urged ventured concluded announced stated proposed questioned""".split()
)
FIRST_PERSON: Final = frozenset({"i", "we"})
PRONOUN_GENDER: Final = {"he": "male", "she": "female"}
# Words that may sit between subject and verb: "he then added", "Lenin quickly replied".
FILLER: Final = r"(?:\s+(?:then|again|now|also|finally|at last|once more|\w+ly))?"
# How many narration paragraphs end a conversation, for alternation.
CONVERSATION_GAP: Final = 2
CHECK_BELOW: Final = 0.7

CONFIDENCE: Final = {
    "tag": 0.95,
    "first-person tag": 0.95,
    "pronoun tag": 0.85,
    "preceding tag": 0.85,
    "open quotation": 0.9,
    "vocative": 0.75,
    "alternation": 0.6,
    "none": 0.0,
}


@dataclass(frozen=True)
class Attribution:
    """Who says a quotation, how sure the builder is, and why."""

    speaker: str
    """A character id, or 'unknown'."""
    confidence: float
    """0 to 1."""
    cue: str
    """The rule that decided."""


@dataclass
class _Names:
    """Matches the cast's names, aliases and pronouns in text."""

    cast: CastSpec
    patterns: list[tuple[re.Pattern[str], str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        forms: dict[str, set[str]] = {}
        token_owners: dict[str, set[str]] = {}
        for cid, character in self.cast.characters.items():
            names = {character.name, *character.aliases}
            forms[cid] = {n for n in names if n.strip()}
            for name in names:
                for token in name.split():
                    if token[:1].isupper() and len(token) > 2:
                        token_owners.setdefault(token, set()).add(cid)
        # A single word of a full name ("Vladimir" of "Vladimir Ilyich") names its owner when
        # no other character shares it.
        for token, owners in token_owners.items():
            if len(owners) == 1:
                forms[next(iter(owners))].add(token)
        pairs = [(form, cid) for cid, fs in forms.items() for form in fs]
        pairs.sort(key=lambda p: -len(p[0]))  # longest first: "Mr. Smith" before "Smith"
        self.patterns = [(re.compile(rf"(?<!\w){re.escape(form)}(?!\w)"), cid) for form, cid in pairs]

    def find(self, text: str) -> list[tuple[int, str]]:
        """(position, character id) of each name in text, in order."""
        taken: list[tuple[int, int]] = []
        found = []
        for pattern, cid in self.patterns:
            for m in pattern.finditer(text):
                if any(s < m.end() and m.start() < e for s, e in taken):
                    continue
                taken.append((m.start(), m.end()))
                found.append((m.start(), cid))
        return sorted(found)

    def subject_pattern(self) -> str:
        names = "|".join(p.pattern for p, _ in self.patterns)
        return rf"(?P<who>{names + '|' if names else ''}\b[Hh]e\b|\b[Ss]he\b|\bI\b|\b[Ww]e\b)"


@dataclass
class _State:
    """What the builder remembers while reading forward."""

    last_male: str | None = None
    last_female: str | None = None
    last_speaker: str | None = None
    other_speaker: str | None = None
    narration_since_quote: int = 0
    open_speaker: str | None = None


def attribute_chapter(chapter: Chapter, cast: CastSpec) -> list[list[Attribution]]:
    """One Attribution per quotation of each paragraph, in order."""
    names = _Names(cast)
    subject = names.subject_pattern()
    verbs = "|".join(sorted(SPEECH_VERBS))
    after_res = (
        re.compile(rf"^{subject}{FILLER}\s+(?:{verbs})\b"),  # "Lenin responded", "he asked us"
        re.compile(rf"^(?:{verbs})\s+{subject}"),  # "said the Cat"
    )
    before_re = re.compile(rf"{subject}{FILLER}\s+(?:{verbs})\b[^.!?]*[:,]?\s*$")
    narrator_character = cast.narrator.character if cast.narrator.person == "first" else None
    state = _State()
    result: list[list[Attribution]] = []
    previous: Paragraph | None = None

    def resolve(who: str) -> tuple[str, str] | None:
        lower = who.lower()
        if lower in FIRST_PERSON:
            return (narrator_character, "first-person tag") if narrator_character else None
        if lower in PRONOUN_GENDER:
            ref = state.last_male if PRONOUN_GENDER[lower] == "male" else state.last_female
            return (ref, "pronoun tag") if ref else None
        for pos, cid in names.find(who):
            if pos == 0:
                return cid, "tag"
        return None

    def note_mentions(text: str) -> None:
        for _, cid in names.find(text):
            if cid == narrator_character:
                continue
            gender = cast.characters[cid].gender
            if gender == "male":
                state.last_male = cid
            elif gender == "female":
                state.last_female = cid

    for paragraph in chapter.paragraphs:
        quotes = paragraph.quotes
        if not quotes:
            note_mentions(paragraph.text)
            state.narration_since_quote += 1
            result.append([])
            previous = paragraph
            continue

        per_quote: list[Attribution | None] = []
        segments = paragraph.segments
        for i, segment in enumerate(segments):
            if segment.kind != "quote":
                continue
            found: Attribution | None = None
            after = segments[i + 1] if i + 1 < len(segments) else None
            before = segments[i - 1] if i > 0 else None
            if after is not None and after.kind == "narration":
                for tag_re in after_res:
                    m = tag_re.search(after.text[:80])
                    hit = resolve(m["who"]) if m else None
                    if hit:
                        found = Attribution(hit[0], CONFIDENCE[hit[1]], hit[1])
                        break
            if found is None and before is not None and before.kind == "narration":
                found = _tag_before(before, before_re, resolve)
            per_quote.append(found)
            if before is not None:
                note_mentions(before.text)

        paragraph_speaker = next((a for a in per_quote if a), None)
        if paragraph_speaker is None and previous is not None and not previous.quotes:
            last = previous.segments[-1] if previous.segments else None
            if last is not None and last.text.rstrip().endswith(":"):
                paragraph_speaker = _tag_before(last, before_re, resolve)
        if paragraph_speaker is None and state.open_speaker:
            paragraph_speaker = Attribution(state.open_speaker, CONFIDENCE["open quotation"], "open quotation")
        if paragraph_speaker is None:
            paragraph_speaker = _vocative(quotes, names, state, narrator_character)
        if paragraph_speaker is None and state.narration_since_quote < CONVERSATION_GAP:
            other = _other_participant(state, narrator_character)
            if other:
                paragraph_speaker = Attribution(other, CONFIDENCE["alternation"], "alternation")
        if paragraph_speaker is None:
            paragraph_speaker = Attribution(UNKNOWN, CONFIDENCE["none"], "none")

        attributions = [a or paragraph_speaker for a in per_quote]
        result.append(attributions)
        for segment in segments:
            if segment.kind == "narration":
                note_mentions(segment.text)
        speaker = attributions[-1].speaker
        if speaker != UNKNOWN:
            if speaker != state.last_speaker:
                state.other_speaker = state.last_speaker
            state.last_speaker = speaker
            gender = cast.characters[speaker].gender if speaker in cast.characters else "unknown"
            if speaker != narrator_character and gender == "male":
                state.last_male = speaker
            elif speaker != narrator_character and gender == "female":
                state.last_female = speaker
        state.open_speaker = speaker if not quotes[-1].closed and speaker != UNKNOWN else None
        state.narration_since_quote = 0
        previous = paragraph
    return result


def _tag_before(segment: Segment, before_re: re.Pattern[str], resolve) -> Attribution | None:
    # Only the narration's last clause speaks for the quotation that follows it.
    clause = re.split(r"[.!?;]\s+", segment.text)[-1]
    m = before_re.search(clause)
    if not m:
        return None
    hit = resolve(m["who"])
    if not hit:
        return None
    cue = "preceding tag" if hit[1] != "first-person tag" else hit[1]
    return Attribution(hit[0], CONFIDENCE[cue], cue)


def _vocative(quotes: tuple[Segment, ...], names: _Names, state: _State, narrator: str | None) -> Attribution | None:
    # "you are mistaken, Pestaña": the name set off by commas or ending the sentence is the
    # person addressed, so in a two-person exchange the speaker is the other one.
    for quote in quotes:
        for pos, cid in names.find(quote.text):
            before = quote.text[:pos].rstrip()
            if pos == 0 or before.endswith((",", "!", "?", "—")):
                other = _other_than(cid, state, narrator)
                if other:
                    return Attribution(other, CONFIDENCE["vocative"], "vocative")
    return None


def _other_than(addressed: str, state: _State, narrator: str | None) -> str | None:
    candidates = [narrator, state.last_speaker, state.other_speaker, state.last_male, state.last_female]
    for c in candidates:
        if c and c != addressed:
            return c
    return None


def _other_participant(state: _State, narrator: str | None) -> str | None:
    last = state.last_speaker
    if last is None:
        return None
    if narrator and last != narrator:
        return narrator
    if narrator and last == narrator:
        return state.other_speaker or state.last_male or state.last_female
    return state.other_speaker


def build_script(chapter: Chapter, cast: CastSpec, source: str | None = None) -> CastScript:
    """The cast script of a chapter: narration to the narrator, quotations to characters."""
    turns: list[Turn] = []
    if chapter.heading:
        turns.append(Turn(speaker=NARRATOR, text=chapter.heading, paragraph=0))
    for paragraph, attributions in zip(chapter.paragraphs, attribute_chapter(chapter, cast), strict=True):
        quote_attributions = iter(attributions)
        for i, segment in enumerate(paragraph.segments):
            scene_break = paragraph.scene_break and i == 0
            if segment.kind == "narration":
                turns.append(
                    Turn(speaker=NARRATOR, text=segment.text, paragraph=paragraph.number, scene_break=scene_break)
                )
                continue
            a = next(quote_attributions)
            turns.append(
                Turn(
                    speaker=a.speaker,
                    text=segment.text,
                    paragraph=paragraph.number,
                    confidence=round(a.confidence, 2),
                    cue=a.cue,
                    check=a.confidence < CHECK_BELOW,
                    scene_break=scene_break,
                )
            )
    return CastScript(
        chapter=chapter.number or 0,
        title=chapter.title,
        source=source,
        source_sha256=chapter.source_sha256,
        turns=turns,
    )
