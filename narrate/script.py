"""The cast script: every turn of a chapter, who says it, in reading order (scripts/chapter-N.yaml)."""

from __future__ import annotations

import difflib
import re
from collections import Counter
from pathlib import Path
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .errors import ScriptError, VoicesError
from .voices import UNKNOWN, Cast
from .yamlfile import Location, dump_yaml, read_yaml, validate, write_text_atomically

SURE: Final = 0.9
# Below this confidence a quotation is marked 'check: true' for a person to review.
CHECK_BELOW: Final = 0.7

# A quotation's cue ends with this when its tag names or describes someone the cast lacks
# ("said the lawyer", "said Captain Flint"): the summary gathers them so a person can add them.
UNCAST_NOTE: Final = "; the tag's “{}” is no character's name or alias"
UNCAST: Final = re.compile(re.escape(UNCAST_NOTE).replace(r"\{\}", "(.+?)"))

SCRIPT_HEADER = """\
# Cast script: one entry per turn, in reading order. Edit 'speaker' to recast a line
# ('narrator' or a character id from voices.yaml); 'check: true' marks a guess to review and
# 'guess' is the builder's own (leave it). 'paragraph' groups turns for pauses (0: heading).
"""


class Turn(BaseModel):
    """One stretch of narration or one quotation."""

    model_config = ConfigDict(extra="forbid")

    speaker: str = Field(min_length=1)
    """'narrator', a character id, or 'unknown' for a quotation nobody could be found for."""
    text: str
    """What is read, as printed in the book (without the quotation marks)."""
    paragraph: int | None = Field(None, ge=0)
    """The paragraph the turn belongs to; 0 is the heading; missing means a paragraph of its own."""
    confidence: float | None = Field(None, ge=0.0, le=1.0)
    """For quotations: how sure the script builder was of the speaker."""
    cue: str | None = None
    """For quotations: what the builder based the speaker on."""
    guess: str | None = None
    """For quotations: the builder's own speaker. A person edits 'speaker' and leaves this, so a
    rebuild tells their correction (speaker differs from guess) from a guess it may now make
    better (keep_corrections)."""
    check: bool = False
    """True when a person should review the speaker."""
    scene_break: bool = False
    """True on the first turn after a scene break."""

    @field_validator("text")
    @classmethod
    def _not_blank(cls, text: str) -> str:
        if not text.strip():
            raise ValueError("the text is empty; write the words or delete the turn")
        return text


class CastScript(BaseModel):
    """A chapter's cast script."""

    model_config = ConfigDict(extra="forbid")

    chapter: int
    title: str | None = None
    source: str | None = None
    """The chapter text it was built from, relative to the project."""
    source_sha256: str | None = None
    """Hash of that text when the script was built."""
    turns: list[Turn] = Field(min_length=1)


def load_script(path: Path) -> CastScript:
    """Read and validate a cast script."""
    data, lines = read_yaml(path, "cast script")
    if isinstance(data, dict) and data.get("turns") == []:
        chapter = data.get("chapter")
        command = (
            f"narrate script --chapter {chapter} --force" if isinstance(chapter, int) else "narrate script --force"
        )
        raise ScriptError(f"{path}: the script has no turns; add turns or rebuild it with '{command}'")

    def describe(loc: Location) -> str:
        return f"turn {loc[1] + 1}" if len(loc) >= 2 and loc[0] == "turns" and isinstance(loc[1], int) else ""

    return validate(CastScript, data, path, lines, describe)


def script_to_data(script: CastScript) -> dict[str, Any]:
    """The script as plain data, leaving out fields at their defaults so the file stays short."""
    data = script.model_dump(exclude_none=True)
    for turn in data["turns"]:
        for flag in ("check", "scene_break"):
            if not turn.get(flag):
                turn.pop(flag, None)
    return data


def dump_script(script: CastScript) -> str:
    return SCRIPT_HEADER + dump_yaml(script_to_data(script))


def save_script(script: CastScript, path: Path) -> None:
    """Write a cast script atomically."""
    write_text_atomically(path, dump_script(script))


def keep_corrections(built: CastScript, edited: CastScript) -> tuple[CastScript, int]:
    """The new script, keeping the person's speaker on every turn whose text did not change.

    Turns are matched in order on their text (difflib), so corrections survive edits to the
    chapter elsewhere. A turn the person corrected (its speaker is not its guess) is kept whole,
    guess and all, so it stays a correction whatever later builds guess. Any other turn is taken
    from the new build: its speaker, confidence and cue notes are the builder's latest, after a
    cast fix ("add the lawyer to the aliases and run again") as much as after a text change or a
    better builder. A turn with no guess (a script written by hand, or before guesses were kept)
    counts as corrected where its speaker is neither the builder's new one nor 'unknown', which
    nobody sets since a build refuses it. Returns the merged script and how many turns kept a
    speaker other than the builder's.
    """
    old_texts = [t.text for t in edited.turns]
    new_texts = [t.text for t in built.turns]
    turns = list(built.turns)
    kept = 0
    matcher = difflib.SequenceMatcher(a=old_texts, b=new_texts, autojunk=False)
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            old, new = edited.turns[block.a + k], built.turns[block.b + k]
            # (a correction is kept whole even where the builder now agrees, so its old guess
            # still says it was one when a later build guesses otherwise)
            legacy = old.speaker not in (new.speaker, UNKNOWN)
            corrected = legacy if old.guess is None else old.speaker != old.guess
            if not corrected:
                continue
            turns[block.b + k] = old.model_copy(update={"paragraph": new.paragraph, "scene_break": new.scene_break})
            kept += old.speaker != new.speaker
    return built.model_copy(update={"turns": turns}), kept


def summarize(script: CastScript) -> str:
    """How many quotations the builder is sure of, fairly sure of, could not place, and marks
    'check: true' (a guess, or a quotation that never closes) for a person to review."""
    quotes = sure = likely = unsure = unknown = 0
    for turn in script.turns:
        if turn.confidence is None:
            continue
        quotes += 1
        if turn.speaker == UNKNOWN:
            unknown += 1
        elif turn.check:
            unsure += 1
        elif turn.confidence >= SURE:
            sure += 1
        else:
            likely += 1
    summary = (
        f"{len(script.turns)} turns, {quotes} quotations: {sure} sure (confidence >= {SURE}), "
        f"{likely} likely, {unsure} to check, {unknown} unknown"
    )
    uncast = Counter(m[1] for turn in script.turns if turn.cue and (m := UNCAST.search(turn.cue)))
    if uncast:
        named = ", ".join(f"“{desc}” ×{n}" for desc, n in uncast.most_common(5))
        more = f" and {len(uncast) - 5} more" if len(uncast) > 5 else ""
        summary += (
            f"\nTags name or describe people the cast lacks: {named}{more}. Add each to its character's "
            "aliases in the cast (or add the character) and run again."
        )
    return summary


def check_speakers(script: CastScript, cast: Cast, path: Path) -> None:
    """Every turn's speaker must be in the cast and have a voice; say which turn is wrong."""
    for i, turn in enumerate(script.turns, start=1):
        if turn.speaker == UNKNOWN:
            raise ScriptError(
                f"{path}, turn {i}: the speaker of {preview(turn.text)} is unknown; "
                f"set it to one of {', '.join(cast.speaker_ids)}"
            )
        try:
            cast.voice_for(turn.speaker)
        except VoicesError as exc:
            raise ScriptError(f"{path}, turn {i}: {exc}") from None


def preview(text: str, width: int = 40) -> str:
    return repr(text if len(text) <= width else text[: width - 1] + "…")
