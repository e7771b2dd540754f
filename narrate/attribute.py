"""Attribute each quotation of a chapter to a character: the script builder's rules.

A sieve in the spirit of Muzny et al. (2017, "A Two-stage Sieve Approach for Quote
Attribution"), from the most precise cue to the least:

1. a speech tag beside the quotation: "Lenin responded", "said the Hatter", "he asked us",
   "we said" (first person goes to the narrator's own character), "was my reply"; a rank in
   a name describes its owner ("said the captain" for Captain Smollett), and so does the head
   of a descriptive name ("the gentleman" for "The portly gentleman"); a person described
   but not named ("said the young woman") fixes only a gender, and the conversation chooses;
2. a tag in the narration just before it: "Holmes turned to me and said:", also at the end of
   the previous paragraph;
3. an action beat: a sentence of narration in the same paragraph whose subject is a character
   ("Quist took off her gloves.");
4. a speech left open at the end of the previous paragraph goes on with the same speaker;
5. the conversation: who has been speaking and who is present. An untagged paragraph usually
   answers the previous speaker, above all after a question, or when it opens with an answer
   ("No.", "Very much."); it usually continues the same speech when it opens with a connective
   ("However,", "As for") or when one speaker is in the middle of a long argument. A name
   inside a quotation, or the one the narration has someone turn to ("she said to Mary"), is
   the person addressed (a vocative), never the speaker; a bare quotation after a paragraph of
   narration about one character is likeliest theirs; a first-person narrator, or the
   character a third-person scene's narration names most, takes part in most of the
   conversations they are heard in.

One paragraph, one speaker. A pronoun goes to the most salient character of its gender
(Salience: subjects over objects, recent sentences over old ones); with nobody of its gender in
mind, or when that is the one who spoke just before, the conversation chooses. Each
quotation's confidence is how clearly the conversation model prefers its speaker.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Final

from .script import CHECK_BELOW, UNCAST_NOTE, CastScript, Turn
from .text import SPEECH_VERBS, Chapter, Paragraph, Segment, require_words
from .voices import NARRATOR, UNKNOWN, CastSpec

# "struck in Biggs's boy", "broke in the Hatter": irregular verbs that speak only with their particle.
PHRASAL_VERBS: Final = r"(?:(?:struck|broke|chimed|cut|put|burst|spoke|sang|rang)\s+(?:in|out|up|forth)|went\s+on)"
# "My name is", "I am": what a speaker says before their own name.
SELF_NAMING: Final = re.compile(r"\b(?:[Mm]y name is|[Mm]y name['’]s|I am|I['’]m|[Cc]all me)\s+$")
# A question asking the listener's name ("What is your name?", "Your name, sir?", "First name?").
ASKS_NAME: Final = re.compile(
    r"\b(?:your|thy|yer)\s+(?:\w+\s+)?name\b[^.!]*\?\s*$|^\W*(?:\w+\s+)?name\W*\?\s*$", re.IGNORECASE
)
# "said nothing", "made no answer", "did not reply": kept silent.
SILENCE: Final = (
    r"(?:(?:said|answered|replied|returned|spoke|uttered)\s+(?:nothing|not\s+a\s+word|never\s+a\s+word)"
    r"|(?:made|gave|returned)\s+no\s+(?:answer|reply|response)"
    r"|(?:did|could|would)(?:\s+not|n['’]t)\s+(?:answer|reply|respond|speak|say\s+(?:anything|a\s+word)))\b"
)
# "I was asked.", "he was told": the subject is the one spoken to. Only speech verbs: "Ada was
# surprised." is a beat like any other.
PASSIVE: Final = (
    r"\s+(?:was|were|is|are|been|being)\s+(?:\w+ly\s+)?"
    r"(?:asked|told|questioned|addressed|answered|called|greeted|hailed|interrupted|informed|ordered|"
    r"commanded|warned|begged|urged|bidden|bid|assured|reminded|thanked)\b"
)
# "“Ah,” thought I to myself": a tag for what someone thinks, not says. The thinker is no party
# to the conversation for having thought it.
THOUGHT_VERBS: Final = frozenset({"thought", "wondered", "mused", "reflected"})
THINKING: Final = re.compile(
    r"^[\s,;—–-]*(?:(?:I|we|he|she|they|(?!(?:This|That|The|It|There)\b)[A-Z][\w.]*(?:\s+[A-Z][\w.]*)?)(?:\s+had)?\s+)?"
    rf"(?:{'|'.join(sorted(THOUGHT_VERBS))})\b(?!\s+(?:that|of|about|it|so)\b)"
    r"|^[\s,;—–-]*(?:\w+\s+){0,3}?(?:said|murmured|muttered|whispered|cried|sighed|exclaimed|repeated|gabbled)\b"
    r"[^.!?]{0,30}?\bto\s+(?:my|him|her|them|our)sel(?:f|ves)\b"
)
# ...and narration that tags speech: a speech verb within its first few words.
SPOKEN: Final = re.compile(
    rf"^[\s,;—–-]*(?:\w+\s+){{0,3}}?(?:{'|'.join(sorted(SPEECH_VERBS - THOUGHT_VERBS, key=len, reverse=True))})\b"
)
# "“No,” was my reply.", "came the answer": a tag without a speech verb. Whose reply it is comes
# from the possessive; "the reply" only says someone answered.
REPLY_TAG: Final = re.compile(
    r"^(?:was|came)\s+(?P<whose>my|our|his|her|their|the)\s+(?:[a-z]+\s+){0,2}?"
    r"(?:reply|answer|response|rejoinder|retort)\b",
    re.IGNORECASE,
)
REPLY_SUBJECT: Final = {"my": "I", "our": "we", "his": "he", "her": "she", "their": "they"}
# Verbs that carry a speaker's own speech on: "he continued" is not someone answering.
CONTINUING_VERBS: Final = frozenset(
    {"continued", "continues", "went", "added", "resumed", "repeated", "pursued", "persisted"}
)
# ...and said in a tag, a speaker going on after a pause: "he then added:", "Holmes went on".
# Before a quotation the verb ends the narration, give or take a few words ("he continued,
# smiling:", "as the chief continued his introductions."), so "He added sugar to his tea and
# said:" is no such tag.
_CARRYING_ON_VERBS = "|".join(sorted(CONTINUING_VERBS - {"went", "repeated"}))
CARRYING_ON: Final = re.compile(rf"\b(?:{_CARRYING_ON_VERBS}|went on|goes on)\b", re.IGNORECASE)
CARRYING_ON_BEFORE: Final = re.compile(rf"{CARRYING_ON.pattern}[^.!?]{{0,20}}\W*$", re.IGNORECASE)
# "turned to Mary", "said to the Dormouse", "looked at her husband": whoever follows is spoken to.
TURNING_VERBS: Final = (
    "turned|said|spoke|whispered|replied|called|cried|looked|glanced|nodded|bowed|smiled|asked|answered|"
    "appealing|appealed|went up"
)
# Verbs that tell of a turn taken in a conversation without quoting it.
REPORTED_VERBS: Final = "told|gave him|gave her|explained|informed|answered|replied|said|asked"
FIRST_PERSON: Final = frozenset({"i", "we"})
PRONOUNS: Final = frozenset("i me my myself we us our ourselves you he him his she her they them their".split())
# The cue a tag gets from how its subject was resolved.
# "gender" is a pronoun with no character of its gender in mind (see Salience): only its
# gender is certain, and the conversation chooses among the characters who fit.
TAG_CUES: Final = {
    "name": "tag",
    "pronoun": "pronoun tag",
    "gender": "gendered pronoun",
    "first-person": "first-person tag",
    "described": "described",
    "group": "many voices",
}
SOFT_CUES: Final = frozenset({"gendered pronoun", "described"})
# The cues the text itself gives a quotation (a tag, a label), not the conversation's guesses.
TEXT_CUES: Final = frozenset({"tag", "preceding tag", "speaker label", "pronoun tag"})
BEFORE_CUES: Final = {**TAG_CUES, "name": "preceding tag"}
GROUP_NOTE: Final = "many voices at once: give it to a character of the cast, or leave it unknown"
PRONOUN_GENDER: Final = {"he": "male", "she": "female"}
TITLE_NOTE: Final = "a name or title in the narration, nobody's speech: give it to the narrator"
# The note a quotation's cue becomes in the built script, where it tells a person what to do.
CUE_NOTES: Final = {"title": TITLE_NOTE, "many voices": GROUP_NOTE}
# "He was always called “Mad Joe”": speech verbs that also name.
NAMING_VERBS: Final = frozenset({"called"})
NOT_NAMING_VERBS: Final = SPEECH_VERBS - NAMING_VERBS
# "I, José da Silvestra, who am now dying...": a document's writer names themselves.
WRITER: Final = re.compile(r"\bI,\s$")
# A name or title in title case: "The Blue Boar", "The Shame of the Sun.", "Jack Straw's Castle".
QUOTED_TITLE: Final = re.compile(
    r"(?:The |A |An )?[A-Z][\w'’-]*(?:\s+(?:of|the|and|in|on|a|an|at|to|for|de|la|[A-Z][\w'’.-]*)){0,5}[.,;:]?"
)
# A colon at the end of narration, before a quotation ("and spoke:--", "as follows:").
INTRODUCES: Final = re.compile(r":\W*$")
# ...or a comma or a dash: "Babbitt snorted, “...”".
INTRODUCES_ANY: Final = re.compile(r"[:,—–]\W*$|--\s*$")
# (what follows the mark is a few quotes or dashes at most: looking at the end only keeps a
# paragraph of ten thousand colons linear)
INTRODUCTION_TAIL: Final = 40
SENTENCE_PRONOUNS: Final = frozenset({"He", "She", "They", "We"})  # ("I" is a capital anywhere)
# "said the amiable hostess", "the young man answered": a person described, not named. Only
# their gender is sure; the conversation chooses among the characters who fit.
PERSON_NOUNS: Final = {
    **dict.fromkeys(
        """man gentleman boy lad fellow husband father son brother uncle nephew king prince lord
        host landlord widower grandfather youth""".split(),
        "male",
    ),
    **dict.fromkeys(
        """woman lady girl lass wife mother daughter sister aunt niece queen princess hostess
        landlady widow maid maiden mistress grandmother dame governess duchess countess bride""".split(),
        "female",
    ),
}
SUBJECT_PRONOUNS: Final = FIRST_PERSON | set(PRONOUN_GENDER) | {"they"}
# "And Beth looked at her hands": a sentence's subject may follow a conjunction.
CONJUNCTION: Final = r"(?:(?:[Aa]nd|[Bb]ut|[Tt]hen|[Ss]o)\s+)?"
ADVERB: Final = r"(?:,?\s+(?:then|again|now|also|at last|once more|still|\w+ly),?)?"
# A paragraph opening with one of these goes on with the same speech.
CONNECTIVES: Final = re.compile(
    r"^(?:however|moreover|furthermore|besides|therefore|thus|hence|consequently|as for|as to|"
    r"naturally|finally|and so|in addition|on the other hand|speaking|nevertheless|indeed,|"
    r"in short|in fact|for example|for instance|that is why|this is why|above all)\b",
    re.IGNORECASE,
)
# A paragraph opening with one of these answers the previous speaker. ("That is..." goes on
# with a speech about as often as it answers one.)
ANSWERS: Final = re.compile(
    r"^(?:yes|yeah|yep|no|nope|not|nor|never|very|quite|possibly|perhaps|maybe|certainly|"
    r"of course|indeed|ok|okay|well|oh|ah|why|true|right|wrong|exactly|sure|thank|thanks|"
    r"by no means|not at all|nothing|nobody|none|both|neither|either|i see|i agree|i don't|"
    r"i do|so you|so,? you|you)\b",
    re.IGNORECASE,
)
# "My dear, ...", "Sir, ...": a paragraph that opens by addressing someone answers them.
ADDRESS: Final = re.compile(
    r"^(?:my (?:dear|dearest|love|friend|good \w+)|sir|madam|ma'am|miss|mister|dear|comrade|"
    r"gentlemen|ladies|father|mother|uncle|aunt|doctor|captain|colonel)\b[^.!?]{0,20}?[,!]",
    re.IGNORECASE,
)
# "cried all the boys", "said everybody": many voices the cast does not name as one.
GROUP_WORDS: Final = (
    r"\b(?:(?:[Aa]ll\s+|[Bb]oth\s+)?[Tt]he\s+(?:[a-z]+\s+)?(?:boys|girls|lads|men|women|children|company|crowd|guests"
    r"|ladies|gentlemen|servants|voices|sailors|soldiers|people)|[Ee]very(?:body|one)|[Ss]everal\s+voices)\b"
)
GROUP: Final = re.compile(GROUP_WORDS)
# "the", "his old", "a young": what may stand before a name that does not carry its own article.
DETERMINER: Final = (
    r"(?:\b(?:[Tt]he|[Aa]n?|[Mm]y|[Hh]is|[Hh]er|[Oo]ur|[Tt]heir|[Tt]hat|[Tt]his)\s+"
    # up to two adjectives, never a word that starts another clause or phrase
    r"(?:(?!(?:and|or|but|nor|until|when|while|where|that|who|whom|which|to|of|in|on|at|by|with|for|from|as|if|"
    r"then|than|so|is|was|were|had|has|said)\b)[a-z][\w-]*\s+){0,2})"
)
DETERMINER_ONLY: Final = re.compile(DETERMINER)
# What opens a description of a person: "the young woman", "his wife", "my host".
DESCRIBING: Final = r"(?:[Tt]he|[Hh]is|[Hh]er|[Tt]heir|[Mm]y|[Oo]ur)"
ARTICLES: Final = frozenset({"The", "A", "An"})
# Words of a name that name nobody in particular (two-letter ones like "Mr" are skipped anyway).
TITLES: Final = (
    frozenset(
        """Mrs Miss Sir Lady Lord Old Young Little Poor Madam Madame Mademoiselle Monsieur Mister Master
        Herr Frau Fräulein Signor Signora Signorina Señor Señora Señorita Don Doña Dona Dame Saint Mme
        Mlle Messrs""".split()
    )
    | ARTICLES
)
# Heads of a description that fit anyone: no alias to suggest ("said the other").
NOBODY_IN_PARTICULAR: Final = frozenset("other others former latter first second last one same voice".split())
# Words of a name that also describe its owner: "Captain Smollett" is "the captain". (Not
# "general", "major", "count", "dean": "the general opinion" names nobody.)
RANKS: Final = frozenset(
    """captain colonel admiral commander lieutenant sergeant corporal inspector constable
    superintendent detective doctor professor judge bishop archdeacon vicar rector parson father
    mother sister brother uncle aunt cousin grandfather grandmother king queen prince princess duke
    duchess countess baron baroness marquis earl emperor empress squire governor senator mayor""".split()
)
# "Harry Haydock and his wife, Juanita.": a name after a description of its owner is that
# description's apposition, not a listener addressed.
APPOSITION: Final = re.compile(
    # (not "my friend," or "your": "Goodbye, my friend, Jim." calls Jim)
    r"\b(?:his|her|our|their|the)\s+(?:[a-z-]+\s+)?(?:"
    + "|".join(sorted({*PERSON_NOUNS, *RANKS, "partner", "servant", "name"}))
    + r"),$"
)
# "Miss Mary, Mr. Harwell, Kate the cook, Molly, and myself": names joined by commas or "and",
# three items or more, are a list, not a call. ("As much as you're Mr Gresham, Master Frank."
# calls Frank by two names.)
JOINS: Final = re.compile(r",?\s+(?:and|or|nor)\s+|,\s*")
MORE_AFTER: Final = re.compile(r",?\s*(?:and|or|nor)\s+\w|,\s*(?!I\b)[A-Z]")


def listed(text: str, hits: Sequence[tuple[int, int, str]]) -> set[int]:
    """Which of the names found in text (Names.find) are items of a list of names."""
    items: set[int] = set()
    first = 0
    for n in range(1, len(hits) + 1):
        if n < len(hits) and JOINS.fullmatch(text[hits[n - 1][1] : hits[n][0]]):
            continue
        # hits[first:n] is a run of joined names, with the text around it
        more = bool(MORE_AFTER.match(text, hits[n - 1][1]))
        if n - first >= 2 and n - first + more >= 3:
            items.update(range(first, n))
        first = n
    return items


MAX_PARTICIPANTS: Final = 10
# A speaker tagged within this many turns is still in the conversation, not a newcomer.
ACTIVE_SPAN: Final = 4
# Tagged questions from one party, and statements from the other who asks none, that make a
# two-party conversation an interview (Attributor.interview_roles).
INTERVIEW_QUESTIONS: Final = 2
# After this many other speakers' tags without one of the lead's (Attributor.lead_talking), the
# narrator or the one the scene follows is watching, not talking.
WATCHING: Final = 4
# How often a scene's third-person narration must name a character, more than anyone else, to
# be following them.
FOCAL_MIN: Final = 3
# How many characters back from a quotation tag_before reads.
TAG_REACH: Final = 300
# How many paragraphs of narration end a conversation.
CONVERSATION_GAP: Final = 3
LONG_SPEECH_WORDS: Final = 40
# ...and of a paragraph that carries an argument on (TurnEvidence.long_run): a sentence or more.
ARGUMENT_WORDS: Final = 15
# What turns a speech to its listener: a question, or "you".
TURNS_TO_LISTENER: Final = re.compile(r"\?|\byou(?:r|rs|rself|rselves)?\b", re.IGNORECASE)


@dataclass(frozen=True)
class Weights:
    """The conversation model's scores (log-odds-like), all in one place so they can be fitted.

    The values are set by hand. benchmarks/fit_attribution.py can fit the float ones to the
    annotated corpus, but a fit has not scored better on passages it did not see (the held-out
    set, or each development passage held out in turn), so none is shipped.
    """

    switch_prior: float = 1.0
    """Any new paragraph: a change of speaker over the same speaker going on."""
    second_speaker: float = 0.3
    """Early in a conversation, someone new answering the first speaker (a third speaker
    later pays third_speaker instead)."""
    opener_named: float = 0.3
    """The character the narration named last opens the conversation."""
    opener_answers: float = 0.5
    """Against a conversation's first quotation answering someone unseen."""
    after_question: float = 2.0
    """The previous paragraph ended with a question."""
    answer: float = 1.5
    """The paragraph opens like an answer ("No.", "Very much,")."""
    addresses: float = 1.5
    """It opens by addressing someone ("Sir, ...")."""
    connective: float = 2.5
    """It opens with a connective that carries a speech on ("However,")."""
    long_run: float = 1.5
    """A long speech with no question at its end, and after it a long one or one that carries
    the argument on (TurnEvidence.long_run)."""
    after_narration: float = 0.5
    """Narration came between: the same speaker becomes likelier (a beat, then more words)."""
    carries_on: float = 1.5
    """...more when its tag says the speaker goes on ("he then added:", "continued Holmes"): after
    narration, the one who spoke before it (62 % of such turns in dev, against 30 % after any
    narration). Right after another paragraph of speech, "went on" more often follows someone
    else's interjection, and counts for nothing."""
    third_speaker: float = 1.5
    """Turning to someone who is neither of the last two speakers."""
    third_active: float = 1.0
    """...or, less, to one of them tagged in the last few turns (ACTIVE_SPAN): in a three-way
    conversation the answer often comes from the one who spoke before last ("“What is the
    difficulty?” I asked." — the Prefect answers, not Dupin who spoke just before)."""
    narrator_bonus: float = 1.0
    """A first-person narrator heard (tagged) in a conversation takes part in most of its turns;
    so does the character a third-person narration names most around it. Only while they are
    talking, not watching others talk (Attributor.lead_talking)."""
    pronoun_antecedent: float = 2.0
    """For "she said": the woman the pronoun was resolved to, over any other woman present."""
    unknown: float = 2.0
    """Choosing 'unknown' over a name."""
    addressed: float = 6.0
    """The person a quotation addresses by name is not its speaker."""
    addressee_answers: float = 2.0
    """...and is the likeliest to speak next, even as a third speaker (third_speaker)."""
    in_mind: float = 2.0
    """A bare quotation after a paragraph of narration is likeliest from whom that narration is about."""
    named_self: float = 2.0
    """A quotation in which someone gives their own name is likeliest theirs."""
    interview: float = 0.75
    """In an interview, two people where one asks and the other answers (interview_roles), an
    untagged question is likelier the asker's and a statement the answerer's."""
    anchors: tuple[tuple[str, float], ...] = (
        ("tag", 12.0),
        ("speaker label", 12.0),
        ("first-person tag", 12.0),
        ("many voices", 12.0),
        ("preceding tag", 8.0),
        ("pronoun tag", 5.0),
        ("gendered pronoun", 5.0),
        ("described", 5.0),
        ("open quotation", 6.0),
        ("beat", 3.0),
    )
    """How strongly a paragraph's own cue pins its speaker."""

    @cached_property
    def _anchor_weights(self) -> dict[str, float]:
        return dict(self.anchors)

    def anchor(self, cue: str) -> float:
        return self._anchor_weights[cue]


DEFAULT_WEIGHTS: Final = Weights()

CONFIDENCE: Final = {
    "title": 0.0,
    "many voices": 0.5,
    "tag": 0.95,
    "speaker label": 0.95,
    "first-person tag": 0.95,
    "pronoun tag": 0.85,
    "gendered pronoun": 0.75,
    "described": 0.75,
    "preceding tag": 0.85,
    "open quotation": 0.9,
    "beat": 0.8,
    "vocative": 0.75,
    "narration before": 0.75,
    "answer": 0.7,
    "continuation": 0.6,
    "alternation": 0.6,
    "mention": 0.4,
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


def found(speaker: str, cue: str) -> Attribution:
    return Attribution(speaker, CONFIDENCE[cue], cue)


# Fitted once (session 4, logistic regression of right or wrong on the margin, over the
# development passages then): a speaker chosen by a margin m (the best path with them against
# the best path with anyone else) is right about 1 / (1 + e^-(0.27 + 0.56 m)) of the time:
# 57 % at m = 0, 80 % at 2, 96 % at 5. benchmarks/attribution.py prints how well the
# confidences it gives match accuracy.
MARGIN_FIT: Final = (0.27, 0.56)


def margin_confidence(margin: float) -> float:
    """How often a speaker the conversation model prefers by this margin is right."""
    a, b = MARGIN_FIT
    return 1.0 / (1.0 + math.exp(-(a + b * max(-50.0, min(margin, 50.0)))))


def introduces(text: str, colon_only: bool = True) -> bool:
    """Whether narration ends by introducing a quotation: a colon ("and went on:--"), or, not
    colon_only, a comma or a dash too ("Babbitt snorted,")."""
    return bool((INTRODUCES if colon_only else INTRODUCES_ANY).search(text[-INTRODUCTION_TAIL:]))


def apostrophes(text: str) -> str:
    return text.replace("’", "'")


VOICE: Final = r"['’]s\s+(?:[a-z][\w-]*,?\s+){0,3}voice\b"
# Abbreviated titles, printed "Mr." in one edition and "Mr" in another.
ABBREVIATED_TITLES: Final = (
    "Mr",
    "Mrs",
    "Ms",
    "Dr",
    "St",
    "Messrs",
    "Mme",
    "Mlle",
    "Prof",
    "Rev",
    "Capt",
    "Col",
    "Gen",
    "Lt",
    "Sgt",
)
ABBREVIATIONS: Final = re.compile(rf"\b({'|'.join(ABBREVIATED_TITLES)})\b\.?")
# What may stand before a name without being one: "Madame", "Mr.".
HONORIFICS: Final = TITLES - ARTICLES | set(ABBREVIATED_TITLES)


def name_key(text: str) -> str:
    """A name as typed in a cast or printed in a text, reduced to what both spellings share."""
    return ABBREVIATIONS.sub(r"\1", " ".join(apostrophes(text).split()))


def name_pattern(form: str) -> str:
    """A regex for a name that matches it with either apostrophe, with or without the full stop
    of "Mr.", and across a line break."""
    words = [re.escape(w).replace("'", "['’]") for w in name_key(form).split()]
    return r"\s+".join(rf"{w}\.?" if ABBREVIATIONS.fullmatch(w) else w for w in words)


# A full stop, question or exclamation mark and the space after it, or the dash that runs the
# next sentence on ("...slow, constant, and methodical.—Before this second looking over...").
SENTENCE_END: Final = re.compile(r"([.!?])(?:\s+|(?=[—–]|--))")
# The word before a full stop (a title is a few letters: looking no further back than this keeps
# a run of thousands of characters with no space linear).
WORD_BEFORE: Final = re.compile(r"\S{0,12}$")


def sentence_ends(text: str) -> Iterator[re.Match[str]]:
    """Each full stop, question or exclamation mark that ends a sentence (group 1), with the
    space after it; not the full stop of an abbreviated title ("Mrs. Hubble shook her head")."""
    for m in SENTENCE_END.finditer(text):
        if m[1] == ".":
            word = WORD_BEFORE.search(text, max(0, m.start() - 12), m.start())
            if word and ABBREVIATIONS.fullmatch(word[0] + "."):
                continue
        yield m


def sentences(text: str) -> list[str]:
    """text split after each sentence end (sentence_ends)."""
    result, start = [], 0
    for m in sentence_ends(text):
        result.append(text[start : m.end(1)])
        start = m.end()
    result.append(text[start:])
    return result


# A speaker's name alone before the speech, as plays, transcripts and some memoirs print dialogue.
SPEAKER_LABEL: Final = re.compile(r"(?P<name>[^\W\d_][\w'’ .-]{0,60}?)\s*[.:]")
# ...which is this long at most, with an aside before it ("(smiling disdainfully.) BOSWELL.").
LABEL_REACH: Final = 120
AFTER_ASIDE: Final = re.compile(r"^.*[)\]]\s+")


# Where a description's head noun ends: "The auctioneer | in the tent", "A newcomer | asking the way".
DESCRIPTION_END: Final = re.compile(
    r"\s+(?:(?:in|of|at|on|with|from|for|to|by|near|next|who|whom|that|which|and)\b|\w+ing\s+\w).*$|\s*\(.*$"
)


def description_head(name: str) -> str | None:
    """The noun a description used as a name stands for ("gentleman" of "The portly
    gentleman"); None for a proper name ("The Hatter" is a name, found as one)."""
    words = DESCRIPTION_END.sub("", name.strip()).split()
    if len(words) < 2 or words[0] not in ARTICLES or not re.fullmatch(r"[a-z][a-z-]+", words[-1]):
        return None
    return words[-1]


# What follows the first word of someone else's name: "Flint" of "Captain Flint", "O'Brien",
# "Émile", across a no-break space too.
NEXT_NAME: Final = r"[ \t\u00a0]+[^\W\d_a-z]"


class Names:
    """Finds the cast's names, aliases and pronouns in text."""

    def __init__(self, cast: CastSpec) -> None:
        forms: dict[str, set[str]] = {}
        owners: dict[str, set[str]] = {}
        for cid, character in cast.characters.items():
            # A pronoun in the aliases ("we" for the narrator's party, "they" for a group) is
            # not a name ("He shows us" has no subject "us"): Attributor.resolve reads them.
            names = {n.strip() for n in (character.name, *character.aliases) if n.strip()}
            names = {n for n in names if n.lower() not in PRONOUNS}
            forms[cid] = set(names)
            for name in names:
                for token in re.findall(r"[A-Z][\w’'-]+", name):
                    # ("Bixby's" of "Mr. Bixby's partner" names somebody else)
                    if len(token) > 2 and token not in TITLES and not re.search(r"['’]s?$", token):
                        owners.setdefault(token, set()).add(cid)
        # A character the cast names by a description ("The portly gentleman", "The auctioneer
        # in the tent") is "the gentleman", "the auctioneer" too, when nobody else is.
        heads: dict[str, set[str]] = {}
        for cid, character in cast.characters.items():
            head = description_head(character.name)
            if head:
                heads.setdefault(head, set()).add(cid)
        for token in owners:
            if token.lower() in RANKS:
                # a rank or kinship in a name describes its owner: "Captain Smollett" is "the captain"
                heads.setdefault(token.lower(), set()).update(owners[token])
        # A description names its one owner, and only when no character has it for an alias.
        given = {name_key(form).lower() for fs in forms.values() for form in fs}
        described = {head: cids for head, cids in heads.items() if len(cids) == 1 and f"the {head}" not in given}
        # One word of a full name ("Quist" of "Inspector Mara Quist") names its owner when no
        # other character shares it.
        partial: set[str] = set()
        for token, cids in owners.items():
            if len(cids) == 1:
                if token not in forms[next(iter(cids))]:
                    partial.add(token)
                forms[next(iter(cids))].add(token)
        for head, cids in described.items():
            forms[next(iter(cids))].add(f"the {head}")
        pairs = []
        for cid, fs in forms.items():
            for form in fs:
                pairs.append((form, cid))
                # "the Hatter" also opens a sentence as "The Hatter"; a cast's "The sergeant" is
                # "the sergeant" inside one, and "sergeant" after any determiner ("the gallant
                # sergeant") or when addressed ("Convicts, sergeant?").
                if form[:1].islower():
                    pairs.append((form[:1].upper() + form[1:], cid))
                elif form.split()[0] in ARTICLES and len(form.split()) > 1:
                    pairs.append((form[:1].lower() + form[1:], cid))
                    pairs.append((form.split(maxsplit=1)[1], cid))
        pairs.sort(key=lambda p: -len(p[0]))  # longest first: "Mr. Holmes" before "Holmes"
        # A word of a full name is not that name when another name follows it: "Captain Flint"
        # is not Captain Smollett, "Anna Pavlovna" not Anna Karenina. Only those words carry a
        # lookahead of their own; the word boundaries are one pair around all the names (a pair
        # per name made this, the builder's hot path, ten times slower).
        names = "|".join(
            rf"{name_pattern(form)}(?!{NEXT_NAME})" if form in partial else name_pattern(form) for form, _ in pairs
        )
        self.alternatives = rf"(?<![\w’'])(?:{names})(?![\w’'])" if pairs else ""
        # "said Laurie's warm, boyish voice" is Laurie speaking; the whole phrase is the subject
        # of what follows ("Laurie's voice came from the hall").
        self.voice = rf"(?<![\w’'])(?:{names}){VOICE}" if pairs else ""
        self.owner = {name_key(form): cid for form, cid in pairs}
        # A label may be printed in capitals ("JOHNSON."): labels are looked up whatever their case,
        # among the names no two characters share in some case.
        by_case: dict[str, set[str]] = {}
        for key, cid in self.owner.items():
            by_case.setdefault(key.lower(), set()).add(cid)
        self.labelled = {key: next(iter(cids)) for key, cids in by_case.items() if len(cids) == 1}
        self.pattern = re.compile(self.alternatives) if pairs else None
        # "Lenin’s study" mentions Lenin too, though "said Mr. Buchanan's wife" is not his tag.
        self.possessed = re.compile(rf"(?<![\w’'])(?:{names})(?=['’]s\b|['’](?!\w)|(?![\w’']))") if pairs else None

    def narration_mentions(self, paragraph: Paragraph) -> list[str]:
        """The characters a paragraph's narration names, in order, possessives included."""
        return [cid for s in paragraph.segments if s.kind == "narration" for _, _, cid in self.mentions(s.text)]

    @staticmethod
    def most_named(named: Iterable[Sequence[str]]) -> str | None:
        """The character named most in these paragraphs' narration (narration_mentions of each):
        in a third-person narration that follows one character through a scene (Emma at Box
        Hill, Carol at the party), that one."""
        counts = Counter(cid for mentions in named for cid in mentions)
        (first, most), (_, second) = [*counts.most_common(2), (None, 0), (None, 0)][:2]
        # (a tie, or a passage too short to tell, follows nobody)
        return first if most >= FOCAL_MIN and most > second else None

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, character id) of each name in text, in order, longest match first."""
        return self._hits(self.pattern, text)

    def mentions(self, text: str) -> list[tuple[int, int, str]]:
        """Like find, and a name in the possessive ("Lenin’s study") counts too."""
        return self._hits(self.possessed, text)

    def _hits(self, pattern: re.Pattern[str] | None, text: str) -> list[tuple[int, int, str]]:
        if pattern is None:
            return []
        return [(m.start(), m.end(), self.owner[name_key(m.group(0))]) for m in pattern.finditer(text)]

    def label(self, narration: str, alone: bool = False) -> str | None:
        """The character a speaker label ending this narration names: a name that is a sentence
        of its own, followed by a full stop or a colon ("...mark his character. JOHNSON. 'Sir,
        ...'", "Lenin: “...”"). alone: only when the label is all the narration there is.

        A name alone is a label wherever it stands before a quotation; narration says more than
        a name ("It was Johnson."), and someone hailed is inside the quotation ("“Johnson!”")."""
        text = narration.strip()
        if alone and len(text) > LABEL_REACH:
            return None
        # (a label is short: the end of the narration is enough, however long it is)
        parts = sentences(text[-LABEL_REACH:])
        last = parts[-1].strip()
        if not alone:
            last = AFTER_ASIDE.sub("", last)  # "'...' (smiling disdainfully.) BOSWELL. '...'"
        elif len(parts) > 1:
            return None
        m = SPEAKER_LABEL.fullmatch(last)
        return self.alone(m["name"]) if m else None

    def alone(self, text: str) -> str | None:
        """The character text names and nothing else, printed in any case ("JOHNSON", "Van
        Helsing"), among the names no two characters share in some case."""
        return self.labelled.get(name_key(text.strip()).lower())

    def subject(self) -> str:
        """A regex group 'who' matching a name (after a determiner: "the gallant sergeant" for
        a cast that calls him "sergeant") or a personal pronoun."""
        names = f"{DETERMINER}?(?:{self.voice}|{self.alternatives})|" if self.alternatives else ""
        nouns = "|".join(PERSON_NOUNS)
        described = rf"\b{DESCRIBING}\s+(?:[a-z][\w-]*\s+){{0,2}}?(?:{nouns})\b(?![’'])"
        return rf"(?P<who>{names}\b(?:[Hh]e|[Ss]he|I|[Ww]e|[Tt]hey|[Ss]ome(?:one|body))\b|{GROUP_WORDS}|{described})"

    def leading(self, text: str) -> str | None:
        """The character text names first, when only a determiner comes before the name."""
        hits = self.find(re.sub(VOICE, "", text))
        if hits and (hits[0][0] == 0 or DETERMINER_ONLY.fullmatch(text[: hits[0][0]])):
            return hits[0][2]
        return None


# A referring expression opens its clause, after at most a conjunction and a determiner: the
# clause's subject, which a following pronoun most likely continues.
CLAUSE_OPENING: Final = re.compile(
    r"(?:^|[,:—(]|\b(?:and|but|or|though|although|when|while|as|then|so|if|because|until|till|before|after|"
    r"yet|where|whereupon|once|now|still)\b)\W*" + DETERMINER + r"?$",
    re.IGNORECASE,
)
# Words that may follow a name without it being their clause's subject ("gave Colin a book",
# "looked at Colin with surprise").
NOT_A_VERB: Final = re.compile(
    r"\s+(?:and|or|but|nor|of|in|on|at|by|with|for|from|to|into|onto|upon|as|than|that|who|whom|whose|which|"
    r"when|where|while|a|an|the|his|her|their|its|my|our|your|him|them|me|us|himself|herself|back|too|"
    r"again|also|alone|only|up|down|out|off|over|about|after|before|so|then|if|because|though|"
    r"although|once|now|still|yet|just|here|there|away|home|instead|together|all|both|quite|very|"
    r"something|anything|nothing|everything|some|any|no|this|these|those|what|how|why|whether|till|"
    r"until|since|through|across|along|round|around|behind|beside|between|beyond|near|under|against|"
    r"toward|towards|without|within)\b"
)


SENTENCE_OVER: Final = re.compile(r"[.!?](?:\s|$)")
# A name ends the quotation, or punctuation follows it: "Wrong, Pestaña." (matched at the name's end).
SET_OFF_AFTER: Final = re.compile(r"\s*(?:$|[,.!?;—…])")


def verb_follows(text: str, end: int) -> bool:
    """Whether the word after text[:end] can be a verb ("Colin had", not "Colin with")."""
    return bool(re.match(r"\s+[a-z]", text[end:])) and not NOT_A_VERB.match(text[end:])


OBJECT_PRONOUNS: Final = {"him": "male", "his": "male", "her": "female", "hers": "female"}
OBJECT_SUBJECT: Final = {"him": "he", "her": "she", "them": "they"}


def names_someone(hit: tuple[str, str]) -> bool:
    """Whether a resolved subject (Attributor.resolve) is someone in particular: not "someone",
    nor a description that fixes only a gender ("The boy brought the tea.")."""
    return hit[0] != UNKNOWN and hit[1] != "described"


def heard_subject(tag: re.Match[str]) -> str:
    """Who a tag's match names as speaking: its subject, or the one heard ("I heard him say")
    when the match has an 'object' group (Attributor.heard)."""
    heard = tag.groupdict().get("object")
    return OBJECT_SUBJECT[heard] if heard else tag["who"]


GENDERED_PRONOUNS: Final = {**PRONOUN_GENDER, **OBJECT_PRONOUNS}


def opens_clause(text: str, start: int) -> bool:
    """Whether what stands at text[start] opens its clause (CLAUSE_OPENING)."""
    # A conjunction, a determiner and two adjectives fit in 60 characters; looking no further
    # back keeps a long sentence with many names linear.
    tail = text[max(0, start - 60) : start]
    return bool(CLAUSE_OPENING.search(tail if start <= 60 else "x" + tail))  # x: not the sentence's start


# A protagonist (Salience.protagonist) has been named or heard this often, and this many times
# as often as anyone else of their gender.
PROTAGONIST_MIN: Final = 5
PROTAGONIST_LEAD: Final = 2.0


class Salience:
    """How much each character is in the reader's mind, for resolving "he" and "she".

    After Lappin and Leass (1994), much simplified: every mention in the narration adds to a
    character's salience, a subject more than an object, a pronoun adds to whoever it
    resolves to, and everything halves at each new sentence. "Mr. Hyde shrank back... though
    he did not look the lawyer in the face, he answered" keeps Hyde, the subject, ahead of
    the lawyer named last.
    """

    SUBJECT: Final = 180.0
    MENTION: Final = 100.0
    DECAY: Final = 0.5
    FLOOR: Final = 20.0
    """Below this a character is no longer in mind: about three sentences after a mention."""

    def __init__(self, names: Names, gender: Callable[[str], str], narrator: str | None) -> None:
        self.names = names
        self.gender = gender
        self.narrator = narrator
        self.scores: dict[str, float] = {}
        self.last_subject: str | None = None
        """The subject of the last sentence read, its first if it has several: "Dan stole up and
        plucked Harvey by the elbow." A pronoun in the next sentence most likely continues it
        (centering), though Harvey, mentioned in every sentence before, is more salient."""
        pronouns = "|".join(GENDERED_PRONOUNS)
        self.pronoun = re.compile(rf"\b(?:{pronouns})\b", re.IGNORECASE)
        self.prominence: Counter[str] = Counter()
        """How often the text so far has named each character in its narration or heard them speak."""

    def forget(self) -> None:
        """A new scene: nobody is in mind."""
        self.scores.clear()
        self.last_subject = None

    def ranked(self) -> list[str]:
        """Characters in mind, the most salient first."""
        return [c for c, v in sorted(self.scores.items(), key=lambda kv: -kv[1]) if v >= self.FLOOR]

    def antecedent(self, pronoun: str, exclude: str | None = None) -> str | None:
        """The most salient character a pronoun fits, other than the narrator and exclude."""
        gender = GENDERED_PRONOUNS[pronoun.lower()]
        fits = (c for c in self.ranked() if c not in (self.narrator, exclude) and self.gender(c) == gender)
        return next(fits, None)

    def protagonist(self, gender: str, exclude: str | None = None) -> str | None:
        """With nobody of a pronoun's gender in mind, the one it most likely means: the character
        of that gender the text has named or heard far more than any other (the man a memoir is
        about, "he" for pages on end: "He sat on the stone bench... he whistled")."""
        ranked = [
            (c, n)
            for c, n in self.prominence.most_common()
            if c not in (self.narrator, exclude) and self.gender(c) == gender
        ]
        if not ranked or ranked[0][1] < PROTAGONIST_MIN:
            return None
        if len(ranked) > 1 and ranked[0][1] < PROTAGONIST_LEAD * ranked[1][1]:
            return None
        return ranked[0][0]

    def read(self, text: str) -> None:
        """Take in a stretch of narration."""
        for sentence in sentences(text):
            self.last_subject = None
            self.scores = {c: v * self.DECAY for c, v in self.scores.items() if v * self.DECAY >= 1.0}
            before_sentence = dict(self.scores)
            # (start, end, character id, pronoun): a name has its id, a pronoun is resolved in turn.
            mentions = [(start, end, cid, None) for start, end, cid in self.names.mentions(sentence)]
            mentions += [(m.start(), m.end(), None, m.group(0).lower()) for m in self.pronoun.finditer(sentence)]
            # A character mentioned twice in a sentence is not twice as salient: each gets the
            # weight of their most prominent mention.
            weights: dict[str, float] = {}
            subject = None
            for start, end, cid, pronoun in sorted(mentions, key=lambda m: m[:2]):
                if pronoun is not None:
                    # "Mr. Utterson touched him": him is not the one doing the touching.
                    exclude = subject if pronoun == "him" else None
                    cid = self.antecedent(pronoun, exclude) or self.protagonist(GENDERED_PRONOUNS[pronoun], exclude)
                if cid is None:
                    continue
                possessive = sentence[end : end + 1] in ("'", "’")
                # "Colin had been so surprised": a name with a verb after it is most likely that
                # clause's subject, wherever it stands; so is one that starts its sentence (not
                # Harris in "I met Harris at the Club").
                first_word = not re.search(r"\w", sentence[:start]) and re.match(r"\s+[a-z]", sentence[end:])
                leads = opens_clause(sentence, start) or first_word or verb_follows(sentence, end)
                opens = leads and not possessive
                if opens and pronoun not in OBJECT_PRONOUNS:
                    subject = cid
                    if self.last_subject is None:
                        self.last_subject = cid
                    weights[cid] = self.SUBJECT
                else:
                    weights[cid] = max(weights.get(cid, 0.0), self.MENTION)
                self.scores[cid] = before_sentence.get(cid, 0.0) + weights[cid]


@dataclass
class Conversation:
    """What the builder remembers while reading forward."""

    mentions: list[str] = field(default_factory=list)
    """Characters named in the narration or heard speaking, most recent last."""
    speakers: list[str] = field(default_factory=list)
    """Speakers of the current conversation, one entry per paragraph whose speaker is known, most recent last."""
    narration_gap: int = 0
    open_speaker: str | None = None
    last_paragraph: Paragraph | None = None

    def mention(self, cids: Iterable[str]) -> None:
        for cid in cids:
            if cid in self.mentions:
                self.mentions.remove(cid)
            self.mentions.append(cid)

    @property
    def is_over(self) -> bool:
        """Enough narration has passed since the last quotation that the next one starts anew."""
        return self.narration_gap >= CONVERSATION_GAP

    def reset(self) -> None:
        self.speakers.clear()
        self.open_speaker = None


@dataclass(frozen=True)
class TurnEvidence:
    """What a paragraph's opening and the paragraph before it say about a change of speaker."""

    after_question: bool
    """The previous paragraph's last quotation asked something."""
    answer: bool
    """The paragraph opens like an answer ("No.", "Very much,")."""
    addresses: bool
    """It opens by addressing someone ("My dear, ...", "Sir, ...")."""
    connective: bool
    """It opens with a connective that carries a speech on ("However,", "As for")."""
    long_run: bool
    """The previous paragraph is a long speech with no question at its end, and this one is long
    too, or carries the argument on without turning to the listener: no question, no "you", no
    name, no answer. A reply turns to the one it answers; an argument carried over several
    paragraphs, each closing its quotation, does not."""
    after_narration: bool
    """Narration came between it and the previous quotation."""
    carries_on: bool = False
    """...and its tag says its speaker goes on ("Following a brief pause, he then added:")."""

    def switch_score(self, w: Weights) -> float:
        return (
            w.switch_prior
            + w.after_question * self.after_question
            + w.answer * self.answer
            + w.addresses * self.addresses
        )

    def stay_score(self, w: Weights) -> float:
        return (
            w.connective * self.connective
            + w.long_run * self.long_run
            + w.after_narration * self.after_narration
            + w.carries_on * self.carries_on
        )


@dataclass(frozen=True)
class Record:
    """A quotation paragraph as the forward pass saw it."""

    index: int | None
    """Position in the chapter's paragraphs; None for a turn told in narration ("I told him.")."""
    anchor: Attribution | None
    """Its own cue (tag, beat, open quotation), if it had one."""
    addressed: frozenset[str]
    turn: TurnEvidence
    new_conversation: bool
    present: tuple[str, ...]
    """The last three characters named in the narration or heard speaking, most recent first."""
    in_mind: str | None = None
    """For a bare quotation right after a paragraph of narration: the character that
    narration is clearly about, if any ("Mrs. Sheridan could not imagine where it was.")."""
    named_self: frozenset[str] = frozenset()
    """Whoever gives their own name in it ("My name is Hareton Earnshaw,")."""
    called: frozenset[str] = frozenset()
    """Those addressed where a speaker turns to a listener, and so likeliest to answer: in the
    first sentence of one of the paragraph's quotations, or in the last two of its last. A name
    set off in the middle of a speech ("...is Jack Elder—Jackson Elder—owns the mill") is seldom
    a call for an answer."""
    asks: bool = False
    """Its last quotation ends with a question mark."""

    @property
    def tagged(self) -> str | None:
        """The character its own cue names for sure: not a pronoun or description that fixes only
        a gender, nor 'unknown' ("said someone", "cried all the boys")."""
        anchor = self.anchor
        return anchor.speaker if anchor and anchor.cue not in SOFT_CUES and anchor.speaker != UNKNOWN else None


State = tuple[str, str | None]
"""(speaker, previous speaker) in the conversation model."""


class Attributor:
    """Applies the sieve to a chapter, paragraph by paragraph."""

    def __init__(self, cast: CastSpec, weights: Weights = DEFAULT_WEIGHTS) -> None:
        self.weights = weights
        self.records: list[Record] = []
        self.results: list[list[Attribution]] = []
        self.cast = cast
        self.names = Names(cast)
        self.narrator = cast.first_person_character
        self.pronoun_owner = {
            alias.strip().lower(): cid
            for cid, character in cast.characters.items()
            for alias in character.aliases
            if alias.strip().lower() in SUBJECT_PRONOUNS
        }
        # A character the cast gives "we" or "they" is a group: never "he" or "she".
        self.groups = {cid for alias, cid in self.pronoun_owner.items() if alias in ("we", "they")}
        # The characters whose name or an alias has a word, for a group tag to find its owner.
        self.named_with: dict[str, set[str]] = {}
        for cid, c in cast.characters.items():
            for word in {w.lower() for n in (c.name, *c.aliases) for w in re.findall(r"[\w'’-]+", n)}:
                self.named_with.setdefault(word, set()).add(cid)
        subject = self.names.subject()
        verbs = "|".join(sorted(SPEECH_VERBS, key=len, reverse=True))
        self.after_subject = re.compile(
            rf"^{CONJUNCTION}{subject}{ADVERB}\s+(?P<verb>[a-z]+(?:\s+(?:in|on|out|up))?)\b"
        )
        # Right after a quotation, a verb before a name is a tag whatever the verb: "advised Jo",
        # "sang Beth", "returned the lawyer".
        self.after_verb = re.compile(rf"^(?P<verb>{verbs}|{PHRASAL_VERBS}|[a-z]+ed){ADVERB}\s+{subject}")
        self.before = re.compile(rf"{subject}\b[^.!?:;]*?\b(?P<verb>{verbs})\b[^.!?]*[:,—–-]\s*$")
        self.subject = re.compile(subject)
        self.listener = re.compile(
            rf"\b(?:{TURNING_VERBS})\s+(?:to|at|towards|toward)\s+{DETERMINER}?(?P<who>{self.names.alternatives})"
            if self.names.alternatives
            else r"(?!)"
        )
        # "John Cavendish had turned to Poirot.": who turns to whom (the listener a name, or the
        # first-person narrator's "me"). Only turning: someone "looked at" may be the one answered.
        self.turning = re.compile(
            rf"{subject}{ADVERB}\s+(?:had\s+)?(?:\w+ly\s+)?(?:turned|wheeled|swung)(?:\s+(?:round|around|back))?{ADVERB}"
            rf"\s+(?:to|towards|toward)\s+(?:{DETERMINER}?(?P<listener>{self.names.alternatives})|(?:me|us)\b)"
            if self.names.alternatives
            else r"(?!)"
        )
        words = r"\s+[a-z][\w'’-]*(?:\s+[a-z][\w'’-]*){0,3})"
        honorific = "|".join(sorted(HONORIFICS))
        # (not "Mr. Keeper's": a possessive is somebody else's)
        proper = rf"(?P<name>(?:(?:{honorific})\.?\s+)?[A-Z][\w-]+(?:\s+[A-Z][\w-]+){{0,2}})(?![\w'’-])"
        self.verb_name = re.compile(rf"^(?:{verbs}|{PHRASAL_VERBS}){ADVERB}\s+{proper}")
        self.name_verb = re.compile(rf"^{CONJUNCTION}{proper}\s+(?:{verbs})\b")
        self.verb_description = re.compile(rf"^(?:{verbs}|{PHRASAL_VERBS}){ADVERB}\s+(?P<desc>{DESCRIBING}{words}")
        self.description_verb = re.compile(rf"^(?P<desc>{DESCRIBING}{words}\s+(?:{verbs})\b")
        self.heard = re.compile(rf"\s+(?:(?P<object>him|her|them)|{subject})\s+(?P<verb>{verbs}|say|speak|talk)\b")
        # ...and before the quotation: "Then I heard him say, “…”"
        self.heard_before = re.compile(
            rf"\b(?:hear|heard|overheard){self.heard.pattern}(?:[^.!?]*[:,—–-]|\s+that)?\s*$"
        )
        # "... he said to her, " or, right against the quotation, "Everybody then murmured" and
        # "I heard Mr. Hubble remark that".
        self.before_adjacent = re.compile(rf"{subject}{ADVERB}\s+(?P<verb>{verbs})\b(?:[^.!?]*[:,—–-]|\s+that)?\s*$")
        # 'Babbitt snorted, “…”': a clause of nothing but a subject and a verb, right before the
        # quotation, is its tag whatever the verb (like after_verb after one).
        self.bare_tag = re.compile(rf"^\s*{CONJUNCTION}{subject}{ADVERB}\s+(?P<verb>[a-z]+ed)(?:\s+\w+ly)?\s*[,:]\s*$")
        self.sentence_subject = re.compile(rf"(?:^|[.!?;]\s+|—\s*){CONJUNCTION}{subject}(?!{PASSIVE}){ADVERB}\s+[a-z]")
        # "Sam made no answer.", "The man writhed with pain, but said not a word." (a clause
        # between is short: a bounded look keeps a long run-on sentence linear)
        self.silent = re.compile(rf"{subject}{ADVERB}(?:[^.!?;]{{0,60}}?,\s+(?:but|and)\s+|\s+){SILENCE}")
        self.reported = re.compile(rf"(?:^|[.!?;]\s+){subject}{ADVERB}\s+(?:{verbs}|{REPORTED_VERBS})\b")
        self.uncast: dict[tuple[int, int], str] = {}
        """(paragraph, quotation) -> the description its tag used that names no character
        ("the lawyer"), for a person to add to the cast."""
        self.named: list[list[str]] = []
        """For every paragraph read so far, in order, the characters its narration names
        (Record.index points into it)."""
        self.state = Conversation()
        self.salience = Salience(self.names, self.gender, self.narrator)

    # -- resolving who a subject is -------------------------------------------------

    def resolve(
        self, who: str, expected: str | None = None, nearby: Sequence[str] = (), answering: str | None = None
    ) -> tuple[str, str] | None:
        """(character id, cue kind) for a name or pronoun; None when it names nobody in the cast.

        nearby: the likeliest antecedents of a pronoun, first the paragraph's own tags, then
        the characters most in mind (Salience.ranked). answering: who spoke the paragraph
        before, when this is the first tag of a paragraph that may answer them.
        """
        lower = who.lower()
        if lower in self.pronoun_owner:
            # The cast gave this pronoun to a character: "we" to the narrator's party rather
            # than the narrator, "they" to a group.
            owner = self.pronoun_owner[lower]
            return owner, "first-person" if lower in FIRST_PERSON else "pronoun"
        if lower in FIRST_PERSON:
            return (self.narrator, "first-person") if self.narrator else None
        cid = self.names.leading(who)
        if cid is None and GROUP.fullmatch(who):
            # "cried the soldiers": a character the cast names with that word ("Red Army
            # soldiers", "the crowd"), or nobody the cast names.
            owners = self.named_with.get(who.split()[-1].lower(), set())
            return (next(iter(owners)), "name") if len(owners) == 1 else (UNKNOWN, "group")
        if lower in ("someone", "somebody"):
            # "said someone": a voice the text does not name, not a guess at one it does.
            return UNKNOWN, "name"
        if lower == "they":
            # "they would shout": the group (or character of no gender) most in mind.
            # Soft: in a cast without genders anyone may be "they"; the conversation decides.
            fits = [cid for cid in nearby if cid in self.groups or self.gender(cid) == "unknown"]
            return (fits[0], "gender") if fits else None
        if lower in PRONOUN_GENDER:
            gender = PRONOUN_GENDER[lower]
            # "he" is the man most in mind; only with no man in mind the one the conversation
            # expects, or the last one mentioned.
            fits = [cid for cid in nearby if cid != self.narrator and self.gender(cid) == gender]
            if fits and fits[0] == answering:
                # "“Where were you?” said Keeper. / “Out,” he said.": the man most in mind is
                # the one who just spoke, but a new paragraph is usually someone else: let the
                # conversation choose among the men.
                return fits[0], "gender"
            if fits:
                return fits[0], "pronoun"
            # ...or the one the conversation expects, or, before any has been named, any of the
            # cast (the conversation chooses).
            cid = self.of_gender(gender, expected)
            return (cid, "gender") if cid else None
        if cid:
            return cid, "name"
        gender = PERSON_NOUNS.get(who.split()[-1].lower())
        cid = self.of_gender(gender, *nearby, expected) if gender else None
        return (cid, "described") if cid else None

    def of_gender(self, gender: str, *likeliest: str | None) -> str | None:
        """The first character of this gender, other than the narrator: among likeliest, then
        the last mentioned or heard, then the whole cast in order."""
        candidates = [*likeliest, *reversed(self.state.mentions + self.state.speakers[-2:]), *self.cast.characters]
        return next(
            (c for c in candidates if c and c not in (self.narrator, UNKNOWN) and self.gender(c) == gender), None
        )

    def gender(self, cid: str) -> str:
        """A character's gender for "he" and "she"; a group has none."""
        character = self.cast.characters.get(cid)
        if character is None or cid in self.groups:
            return "unknown"
        return character.gender

    # -- cues -------------------------------------------------------------------------

    def tag_openings(self, quote: Segment, after: Segment) -> Iterator[tuple[re.Match[str], bool]]:
        """Each way the narration right after a quotation may open with its tag or a beat:
        (match with 'who' and 'verb', whether it is a speech tag rather than a beat)."""
        for pattern in (self.after_verb, self.after_subject):
            m = pattern.match(after.text)
            if not m:
                continue
            if re.match(PASSIVE, after.text[m.end("who") :]):
                return
            verb = m["verb"].split()[0]
            # After a quotation that does not end on a full stop ("?", "!", a dash), a lower-case
            # pronoun goes on with the sentence ("“Why?” he frowned."), a capital starts one ("“Are
            # you mad?” He raised his head."): a beat.
            new_sentence = m["who"] in SENTENCE_PRONOUNS
            speech = verb in SPEECH_VERBS or not (quote.text.rstrip().endswith(".") or new_sentence)
            # "and the Dormouse remarked," goes on with the narration: the tag of what follows.
            joined = m.start("who") > 0 and pattern is self.after_subject
            yield m, pattern is self.after_verb or (speech and not joined)

    def tag_after(
        self,
        quote: Segment,
        after: Segment,
        expected: str | None,
        nearby: Sequence[str] = (),
        answering: str | None = None,
    ) -> Attribution | None:
        """A tag or beat opening the narration right after a quotation."""
        reply = REPLY_TAG.match(after.text.lstrip())
        if reply and reply["whose"].lower() in REPLY_SUBJECT:
            hit = self.resolve(REPLY_SUBJECT[reply["whose"].lower()], expected, nearby, answering)
            return found(hit[0], TAG_CUES[hit[1]]) if hit else None
        for m, speech in self.tag_openings(quote, after):
            if m["verb"] in ("heard", "overheard") and (heard := self.heard.match(after.text, m.end("verb"))):
                # "I heard him say.": the one heard is the speaker, and it is a tag.
                m, speech = heard, True
            continuing = m["verb"].split()[0] in CONTINUING_VERBS
            hit = self.resolve(heard_subject(m), expected, nearby, None if continuing else answering)
            if hit and (speech or self.acts_as_speaker(hit)):
                return found(hit[0], TAG_CUES[hit[1]] if speech else "beat")
        return None

    def uncast_description(self, after: Segment) -> str | None:
        """The description or name a tag gives its speaker when it names nobody in the cast:
        "said the lawyer quietly" -> "the lawyer", "said Captain Flint" -> "Captain Flint"."""
        named = self.verb_name.match(after.text) or self.name_verb.match(after.text)
        # (not "Mr" of "said Mr. Keeper's wife", nor "We said")
        if named and named["name"] not in HONORIFICS and named["name"].lower() not in SUBJECT_PRONOUNS:
            return None if self.names.find(named["name"]) else named["name"]
        m = self.verb_description.match(after.text)
        before_verb = m is None and (m := self.description_verb.match(after.text))
        if m is None:
            return None
        words = m["desc"].split()
        # "the old man in the tent" ends at "in"; "the lawyer quietly" at "quietly".
        for n, word in enumerate(words[1:], start=1):
            if NOT_A_VERB.match(" " + word) or word.endswith(("ly", "ing")):
                if before_verb:
                    return None  # ("their smile seemed to say" is no speaker)
                words = words[:n]
                break
        if len(words) < 2 or words[-1] in NOBODY_IN_PARTICULAR or self.names.find(" ".join(words)):
            return None
        return " ".join([words[0].lower(), *words[1:]])  # ("The lawyer said" and "said the lawyer" alike)

    def tag_before(
        self, before: Segment, expected: str | None, nearby: Sequence[str] = (), answering: str | None = None
    ) -> Attribution | None:
        """A tag ending the narration just before a quotation: "Holmes turned to me and said:"."""
        clause = sentences(before.text)[-1]
        # A tag is the end of the narration before its quotation: looking back no further than a
        # long sentence keeps a page-long run-on sentence (Molly Bloom's) from costing minutes.
        if len(clause) > TAG_REACH:
            cut = len(clause) - TAG_REACH
            space = clause.find(" ", cut)
            clause = clause[space + 1 if space >= 0 else cut :]  # (at a word's start, if any)
        if heard := self.heard_before.search(clause):
            # "Then I heard him say," is his speech, not mine.
            hit = self.resolve(heard_subject(heard), expected, nearby, answering)
            return found(hit[0], BEFORE_CUES[hit[1]]) if hit else None
        # The subject right before the verb ("... and then he said:") before any earlier one
        # ("I gave him the details he asked for and then he said:"); then the last one with no
        # comma before the verb ("the company, until Mr. Hubble solved it by saying,"), not one
        # inside a clause set off by commas ("Mrs. Hubble, sure that I would come to no good,
        # asked,").
        m = self.bare_tag.match(clause)
        for subject in [] if m else reversed(list(self.subject.finditer(clause))):
            if m := self.before_adjacent.match(clause, subject.start()):
                break
        said = m["verb"] if m else None
        if m is None and (m := self.before.search(clause)):
            said = m["verb"]
            verb = m.start("verb")
            subjects = list(self.subject.finditer(clause, m.start(), verb))
            # "..., and Jo tossed up her napkin, crying," hangs the participle on the nearest
            # subject, not on an object ("Alice turned to the Queen, crying,").
            openers = [s for s in subjects if opens_clause(clause, s.start())]
            if m["verb"].endswith("ing") and openers:
                m = openers[-1]
            else:
                # "the charwoman, who, when asked if she could stand it, replied,": the verb is
                # the relative clause's, whose subject is the one "who" stands for.
                relative = [s for s in subjects if re.match(r",?\s+who\b", clause[s.end() : verb])]
                m = next((s for s in reversed(subjects) if "," not in clause[s.end() : verb]), None) or (
                    relative[-1] if relative else m
                )
        if m:
            # "W came in, and he said": a pronoun that opens a clause continues the subject of
            # the clause before it in the same sentence, over anyone more salient.
            prior = self.names.find(clause[: m.start("who")])
            # ("the Lion and Toto; and as they walked he sang" is not Toto: a subject has a verb)
            parallel = [cid for start, end, cid in prior if opens_clause(clause, start) and verb_follows(clause, end)]
            nearby = [*parallel[-1:], *nearby]
            hit = self.resolve(m["who"], expected, nearby, None if said in CONTINUING_VERBS else answering)
            if hit:
                return found(hit[0], BEFORE_CUES[hit[1]])
        return None

    def answering(self, paragraph: Paragraph) -> str | None:
        """Who spoke the paragraph just before, when this paragraph opens with a quotation that
        may answer them: no narration between, and the paragraph before ended on speech or its
        tag ("said Holmes."), not on narration that put its subject in mind ("He looked at the
        fire.", and then "he" is him)."""
        state, last = self.state, self.state.last_paragraph
        if (
            paragraph.segments[0].kind != "quote"
            or last is None
            or not state.speakers
            or state.narration_gap
            or state.open_speaker
            or state.is_over
        ):
            return None
        end = last.segments[-1]  # the paragraph before has a quotation, so segments[-2] exists
        if end.kind == "narration" and (
            len(sentences(end.text)) > 1 or not any(speech for _, speech in self.tag_openings(last.segments[-2], end))
        ):
            return None
        return state.speakers[-1]

    def turned_to(self, narration: str) -> set[str]:
        """Characters the narration has someone turn or speak to: "she said to Mary"."""
        return {cid for m in self.listener.finditer(narration) if (cid := self.names.leading(m["who"]))}

    def read_as_narration(self, paragraph: Paragraph, named: list[str]) -> None:
        """What a paragraph that takes no turn leaves the conversation: who it names, and one
        more paragraph since anyone spoke."""
        self.state.mention(c for c in named if c != self.narrator)
        self.state.narration_gap += 1
        self.state.last_paragraph = paragraph

    @staticmethod
    def thinks(segments: Sequence[Segment]) -> bool:
        """Whether a paragraph's tags are for thoughts: narration after one of its quotations
        opens with one ("thought I to myself", "said Dorothea to herself"), and none after another
        opens with speech ("“Go,” said Alice. “Fool,” thought the Queen." is Alice's turn)."""
        after = [b.text for a, b in itertools.pairwise(segments) if a.kind == "quote" and b.kind == "narration"]
        thought = [bool(THINKING.search(text)) for text in after]
        spoken = any(SPOKEN.search(text) for text, t in zip(after, thought, strict=True) if not t)
        return any(thought) and not spoken

    def turned(self, sentence: str) -> tuple[str, str] | None:
        """(who turned, to whom) when a sentence of narration has someone turn to someone: "John
        Cavendish had turned to Poirot." Ending a paragraph, it says who speaks next, and to
        whom, more surely than who is most in mind (Poirot, named in every sentence before)."""
        m = self.turning.search(sentence)
        if not m:
            return None
        hit = self.resolve(m["who"], None, self.salience.ranked())
        listener = self.names.leading(m["listener"]) if m["listener"] else self.narrator
        if hit is None or not names_someone(hit) or listener is None or hit[0] == listener:
            return None
        return hit[0], listener

    def kept_silent(self, narration: str) -> set[str]:
        """Characters the narration names as keeping silent: "Sam said nothing." Whatever was
        said in the paragraph was not theirs, and most likely said to them."""
        return {hit[0] for m in self.silent.finditer(narration) if (hit := self.resolve(m["who"])) and hit[1] == "name"}

    def beat(self, segments: Sequence[Segment], expected: str | None) -> Attribution | None:
        """A character doing something in the paragraph's narration is usually the one who speaks."""
        for segment in segments:
            m = self.sentence_subject.search(segment.text) if segment.kind == "narration" else None
            hit = self.resolve(m["who"], expected, self.salience.ranked()) if m else None
            if hit and self.acts_as_speaker(hit):
                return found(hit[0], "beat")
        return None

    def acts_as_speaker(self, hit: tuple[str, str]) -> bool:
        """Whether the subject of a beat points at the speaker: someone named or resolved, but
        not a first-person narrator, who is the subject of most sentences of their narration
        while listening as much as talking (in dev, 8 of the 48 beats that named the narrator
        were right; most of the rest were words quoted inside the narration, "a 'Penang
        lawyer.'")."""
        return names_someone(hit) and hit[0] != self.narrator

    def addressed(self, quotes: Sequence[Segment]) -> tuple[set[str], set[str], set[str], list[set[str]]]:
        """Characters named as the person spoken to: "you are mistaken, Pestaña"; not one
        giving their own name ("My name is Hareton Earnshaw," or, asked it, "Van Weyden, sir."),
        who is likely the speaker, nor a description's apposition ("his wife, Juanita"):
        (addressed, named themselves, called: see Record.called, those addressed in each quotation)."""
        named_self: set[str] = set()
        called: set[str] = set()
        each: list[set[str]] = []
        previous = self.state.last_paragraph
        asked_name = bool(previous and previous.quotes and ASKS_NAME.search(previous.quotes[-1].text))
        for i, quote in enumerate(quotes):
            text = quote.text
            # Where the quotation's sentences end, found once: a long speech full of names stays linear.
            ends = [m.start(1) for m in sentence_ends(text)]
            each.append(set())
            hits = self.names.find(text)
            items = listed(text, hits)
            for n, (start, end, cid) in enumerate(hits):
                # "Miss Mary, Mr. Harwell, Kate the cook, and myself": a name in a list is no call.
                if n in items:
                    continue
                # (what comes just before a name is all that tells; the windows keep it linear)
                lead_in = text[max(0, start - 20) : start]
                if SELF_NAMING.search(lead_in) or WRITER.search(lead_in) or (asked_name and i == 0 and start < 3):
                    named_self.add(cid)
                    continue
                before = text[max(0, start - 60) : start].rstrip()
                set_off = start == 0 or not before or before.endswith((",", "!", "?", "—", ";", "."))
                closed = bool(SET_OFF_AFTER.match(text, end))
                if set_off and closed and not APPOSITION.search(before):
                    each[-1].add(cid)
                    opening = bisect.bisect_left(ends, start) == 0
                    closing = i == len(quotes) - 1 and len(ends) - bisect.bisect_left(ends, end) <= 1
                    if opening or closing:
                        called.add(cid)
        each = [e - named_self for e in each]
        return set().union(*each), named_self, called - named_self, each

    # -- the conversation -------------------------------------------------------------

    def expected_speaker(self, evidence: TurnEvidence, addressed: set[str]) -> str | None:
        """A first guess at who speaks an untagged paragraph, from the conversation so far.

        It only helps resolve "he said" while reading forward: decode_conversation makes the
        choice that counts, with the whole conversation in view.
        """
        # The last few turns are the conversation that matters (and keep long chapters linear).
        speakers = [] if self.state.is_over else self.state.speakers[-2 * MAX_PARTICIPANTS :]
        last = speakers[-1] if speakers else None
        if (
            last is not None
            and last not in addressed
            and evidence.stay_score(self.weights) > evidence.switch_score(self.weights)
        ):
            return last
        others = [c for c in reversed(speakers[:-1]) if c != last]
        narrator = [self.narrator] if self.narrator and self.narrator != last else []
        mentioned = [c for c in reversed(self.state.mentions) if c != last]
        present = [c for c in dict.fromkeys([*others, *narrator, *mentioned]) if c not in addressed]
        return present[0] if present else None

    def replies(self, paragraph: Paragraph) -> bool:
        """Whether the paragraph opens with a quotation tagged as an answer: "was the reply"."""
        segments = paragraph.segments
        if len(segments) < 2 or segments[0].kind != "quote" or segments[1].kind != "narration":
            return False
        return bool(REPLY_TAG.match(segments[1].text.lstrip()))

    def turn_evidence(self, paragraph: Paragraph, replied: bool) -> TurnEvidence:
        """What the paragraph's opening and the one before say about a change of speaker;
        replied: its first quotation is tagged as a reply (replies)."""
        previous = self.state.last_paragraph
        first = apostrophes(paragraph.quotes[0].text.lstrip("—-–… "))
        prior = previous.quotes[-1].text.rstrip() if previous is not None and previous.quotes else ""
        words = lambda p: sum(len(q.text.split()) for q in p.quotes)  # noqa: E731
        after_question = prior.endswith("?")
        answer = bool(ANSWERS.match(first)) or replied
        addresses = bool(ADDRESS.match(first)) or any(start < 3 for start, _, _ in self.names.find(first[:40]))
        long_run = False
        if prior and not after_question and words(previous) >= LONG_SPEECH_WORDS:
            length = words(paragraph)
            speech = " ".join(q.text for q in paragraph.quotes)
            long_run = length >= LONG_SPEECH_WORDS or (
                length >= ARGUMENT_WORDS
                and not (answer or addresses or TURNS_TO_LISTENER.search(speech) or self.names.find(speech))
            )
        return TurnEvidence(
            after_question=after_question,
            answer=answer,
            addresses=addresses,
            connective=bool(CONNECTIVES.match(first)),
            long_run=long_run,
            after_narration=self.state.narration_gap > 0,
            carries_on=self.state.narration_gap > 0 and self.tag_carries_on(paragraph, previous),
        )

    @staticmethod
    def tag_carries_on(paragraph: Paragraph, previous: Paragraph | None) -> bool:
        """Whether the tag of the paragraph's first quotation says its speaker goes on: at the
        end of the narration just before it (this paragraph's, or the paragraph before's when it
        opens with the quotation) or in the clause just after it."""
        segments = paragraph.segments
        first = next(i for i, segment in enumerate(segments) if segment.kind == "quote")
        before = segments[first - 1].text if first > 0 else None
        if before is None and previous is not None and not previous.quotes:
            before = previous.text
        if before is not None and CARRYING_ON_BEFORE.search(before.rstrip()):
            return True
        if first + 1 < len(segments) and segments[first + 1].kind == "narration":
            clause = re.split(r"[,.!?;:—]", segments[first + 1].text, maxsplit=1)[0]
            return bool(CARRYING_ON.search(clause))
        return False

    def decode_conversation(self, records: list[Record]) -> None:
        """Choose every paragraph's speaker in one conversation at once (Viterbi).

        States are (speaker, previous speaker). A paragraph's own cue pins its speaker; a
        character it addresses cannot be its speaker; between paragraphs, the evidence for a
        change of speaker (a question before, an answer) or for the same speech going on (a
        connective, a long argument) scores staying, going back to the previous speaker, or
        turning to a third. Paragraphs with their own cue keep it; the others get the path's
        choice.
        """
        if not records:
            return
        w = self.weights
        people = [r.tagged for r in records if r.tagged]
        for r in records:
            people.extend(r.present)
            people.extend(sorted(r.addressed | r.named_self))  # someone named in a quotation is there
        if self.narrator:
            people.append(self.narrator)
        # "she said": the woman the pronoun was resolved to is in mind if the conversation already
        # has her; with no woman in it at all, any woman of the cast may be the one, equally.
        known = set(people)
        for r in records:
            if r.anchor and r.anchor.cue in SOFT_CUES:
                gender = self.gender(r.anchor.speaker)
                if any(self.gender(p) == gender and p != self.narrator for p in known):
                    people.append(r.anchor.speaker)
                else:
                    people.extend(c for c in self.cast.characters if self.gender(c) == gender and c != self.narrator)
        # "unknown" stands for someone the text has not named: better than a wrong name.
        participants = [*list(dict.fromkeys(people))[:MAX_PARTICIPANTS], UNKNOWN]
        # ...but only one who is heard in it: a narrator who just watches gets no say.
        # In third-person narration, the one the scene follows: the character its narration
        # (from a little before the conversation to its end) names most.
        indices = [r.index for r in records if r.index is not None]
        scene = self.named[max(0, min(indices) - CONVERSATION_GAP) : max(indices) + 1] if indices else []
        lead = self.narrator or self.names.most_named(scene)
        heard = any(r.anchor and r.anchor.speaker == lead for r in records)
        lead_bonus = [w.narrator_bonus if heard and talking else 0.0 for talking in self.lead_talking(records, lead)]
        states: list[State] = [(a, b) for a in participants for b in [None, *participants] if a != b]

        roles = self.interview_roles(records)

        def emission(k: int, speaker: str) -> float:
            record = records[k]
            score = -w.unknown if speaker == UNKNOWN else 0.0
            if k > 0 and speaker in records[k - 1].called:
                score += w.addressee_answers
            anchor = record.anchor
            if anchor and anchor.cue in SOFT_CUES:
                # "she said": any woman of the conversation fits; the nearest mention a little more.
                fits = self.gender(speaker) == self.gender(anchor.speaker) and speaker != self.narrator
                nearest = speaker == anchor.speaker and speaker in known and anchor.cue == "gendered pronoun"
                score += (w.pronoun_antecedent if nearest else 0.0) if fits else -w.anchor(anchor.cue)
            elif anchor:
                score += 0.0 if speaker == anchor.speaker else -w.anchor(anchor.cue)

            if speaker in record.addressed:
                score -= w.addressed
            if speaker == record.in_mind:
                score += w.in_mind
            if speaker in record.named_self:
                score += w.named_self
            if speaker in roles and not (anchor and anchor.cue not in SOFT_CUES):
                score += w.interview if roles[speaker] == record.asks else -w.interview
            return score

        first = records[0]
        emitted = [{speaker: emission(k, speaker) for speaker in participants} for k in range(len(records))]

        def transitions(k: int, sources: Iterable[State]) -> Iterator[tuple[State, State, float]]:
            """(state at k-1, state at k, score of the step and of paragraph k's speaker)."""
            switch, stay = records[k].turn.switch_score(w), records[k].turn.stay_score(w)
            calls_other = bool(records[k - 1].called - {lead})
            recent = records[max(0, k - ACTIVE_SPAN) : k]
            # (not the lead, whose own bonus already brings them back)
            active = {r.tagged for r in recent if r.tagged} - {lead}
            anchor = records[k].anchor
            if anchor and anchor.cue == "open quotation":
                # The paragraph before left its quotation open: whoever the path gives it goes
                # on speaking here (the emission still leans to the forward pass's guess).
                switch -= w.anchor(anchor.cue)
            for cur, prev in sources:
                for speaker in participants:
                    if speaker == cur:
                        target, step = (cur, prev), stay
                    elif speaker == prev:
                        target, step = (speaker, cur), switch
                    else:
                        third = (w.third_active if speaker in active else w.third_speaker) if prev else w.second_speaker
                        target, step = (speaker, cur), switch - third
                    if speaker == lead and speaker != cur and prev in (None, speaker) and not calls_other:
                        # A first-person narrator takes part in nearly every conversation they
                        # tell, and so does the one a third-person narration follows: the
                        # likeliest one to answer whoever they are talking with. Not a
                        # reward for cutting in between two others, or a path through the narrator
                        # would beat every three-person exchange; nor when the speaker before
                        # called on someone else by name.
                        step += lead_bonus[k]
                    yield (cur, prev), target, step + emitted[k][speaker]

        # Forward: the best score of a path to each state (Viterbi), with back pointers.
        forward = [
            {
                st: emitted[0][st[0]]
                + (w.opener_named if first.present and st[0] == first.present[0] else 0.0)
                - (0.0 if st[1] is None else w.opener_answers)
                for st in states
            }
        ]
        back: list[dict[State, State]] = []
        for k in range(1, len(records)):
            scores: dict[State, float] = {}
            pointers: dict[State, State] = {}
            for source, target, score in transitions(k, forward[-1]):
                total = forward[-1][source] + score
                if total > scores.get(target, -1e18):
                    scores[target] = total
                    pointers[target] = source
            forward.append(scores)
            back.append(pointers)
        # Backward: the best score from each state to the end. Forward plus backward is the best
        # whole path through a state, so a paragraph's margin (its speaker's best path against
        # the best path giving it to anyone else) says how sure the choice is.
        backward: list[dict[State, float]] = [dict.fromkeys(states, 0.0)]
        for k in range(len(records) - 1, 0, -1):
            scores = {}
            for source, target, score in transitions(k, states):
                total = score + backward[0][target]
                if total > scores.get(source, -1e18):
                    scores[source] = total
            backward.insert(0, scores)
        state = max(forward[-1], key=forward[-1].__getitem__)
        path = [state]
        for pointers in reversed(back):
            state = pointers[state]
            path.append(state)
        path.reverse()
        for k, (record, (speaker, _)) in enumerate(zip(records, path, strict=True)):
            if record.index is None:
                continue
            results = self.results[record.index]
            if record.anchor and record.anchor.cue in SOFT_CUES:
                results = [found(speaker, a.cue) if a.cue in SOFT_CUES else a for a in results]
            elif record.anchor and record.anchor.cue == "open quotation":
                results = [found(speaker, a.cue) if a.cue == "open quotation" else a for a in results]
            elif record.anchor:
                # A kept anchor may set the paragraph against the path's choice; a second speaker
                # tagged in the same paragraph keeps their own tag's confidence.
                speaker = record.anchor.speaker
            else:
                # Without a cue of its own, nothing in the paragraph named a speaker.
                # (but a labelled quotation later in it: "'...' BOSWELL. '...'")
                cue = found(speaker, self.decoded_cue(records, path, k))
                results = [a if a.cue == "speaker label" else cue for a in results]
            # The best whole path giving the paragraph to its speaker, against the best giving
            # it to anyone else; someone else's line in the same paragraph keeps its own tag's.
            best: dict[str, float] = {}
            for st, score in forward[k].items():
                best[st[0]] = max(best.get(st[0], -1e18), score + backward[k][st])
            rivals = [v for c, v in best.items() if c != speaker]
            sure = margin_confidence(best.get(speaker, -1e18) - max(rivals, default=-1e18))
            self.results[record.index] = [
                replace(a, confidence=min(a.confidence, sure)) if a.speaker == speaker else a for a in results
            ]

    def introduced(self, before: Segment, opening: bool = False) -> Attribution | None:
        """ "He saw my hesitation, and went on:--", "He could only stammer out:": a colon hands
        the floor to the subject of its sentence (the last one read), whatever the verb. opening:
        only a subject that opens the sentence ("The answer came back in the deepest voice Harvey
        had ever heard:" is not Harvey's), as inside a paragraph, where narration before a
        quotation more often sets a scene than hands over."""
        subject = self.salience.last_subject
        if not introduces(before.text) or subject is None:
            return None
        if opening:
            m = self.sentence_subject.match(sentences(before.text)[-1].lstrip())
            hit = self.resolve(m["who"], None, self.salience.ranked()) if m else None
            if hit is None or hit[0] != subject:
                return None
        return found(subject, "preceding tag")

    def quotes_a_title(self, segments: Sequence[Segment], i: int) -> bool:
        """Whether the quotation segments[i] is a name or title set in the narration's sentence
        ("dined at “Jack Straw's Castle” along with", "the last paragraph in “Overdue”"): in
        title case, after a word of narration that is no speech verb ("Ada said “Good
        Morning.”" is speech), after "the", "in", "at" or "of" when it is one word, and no
        character's name. (paragraph() takes a paragraph for narration only when all its
        quotations are such names: next to speech, a title-case line is more likely speech.)"""
        text = segments[i].text.strip()
        before = segments[i - 1].text.rstrip() if i and segments[i - 1].kind == "narration" else ""
        last_word = before.rsplit(None, 1)[-1].lower() if before else ""
        if not re.search(r"[A-Za-z]$", before) or last_word in NOT_NAMING_VERBS:
            return False
        if not QUOTED_TITLE.fullmatch(text) or self.names.find(text):
            return False
        return len(text.split()) > 1 or last_word in ("the", "in", "at", "of")

    def signature(self, paragraph: Paragraph) -> str | None:
        """The character whose name is all a paragraph holds, as a closed quotation not called out
        ("“VAN HELSING.”", not "“Ada!” he shouted."), if any."""
        segments = paragraph.segments
        if len(segments) != 1 or segments[0].kind != "quote" or not segments[0].closed:
            return None
        text = segments[0].text.strip()
        if text.endswith(("!", "?")):
            return None
        return self.names.alone(re.sub(r"^\W+|\W+$", "", text))

    @staticmethod
    def interview_roles(records: Sequence[Record]) -> dict[str, bool]:
        """For a conversation that is an interview, each party's role (True: the one who asks):
        exactly two people tagged, one with INTERVIEW_QUESTIONS or more tagged questions, the
        other with none and as many tagged statements ("“Are you pleased?” he asked." / "“Very
        much,” we answered."). Empty for any other conversation."""
        asked: Counter[str] = Counter()
        told: Counter[str] = Counter()
        for r in records:
            if r.index is not None and r.tagged:
                (asked if r.asks else told)[r.tagged] += 1
        people = set(asked) | set(told)
        if len(people) != 2:
            return {}
        first, second = sorted(people)
        for asker, answerer in ((first, second), (second, first)):
            if asked[asker] >= INTERVIEW_QUESTIONS and not asked[answerer] and told[answerer] >= INTERVIEW_QUESTIONS:
                return {asker: True, answerer: False}
        return {}

    @staticmethod
    def lead_talking(records: Sequence[Record], lead: str | None) -> list[bool]:
        """Per record, whether the lead is still talking there rather than watching: fewer than
        WATCHING other speakers tagged between it and the lead's nearest own tag, before or after.
        Watson, tagged at the start, only watches while Holmes questions a client in a run of
        tags; Twain arguing with Harris over forty untagged turns is talking all along."""
        hard = [r.tagged for r in records]
        lead_tags = [n for n, speaker in enumerate(hard) if speaker is not None and speaker == lead]
        # others[i]: how many of records[:i] are other speakers' tags
        others = list(itertools.accumulate((speaker is not None and speaker != lead for speaker in hard), initial=0))
        talking = []
        for k in range(len(records)):
            i = bisect.bisect_left(lead_tags, k)
            gaps = []
            if i < len(lead_tags):
                after = lead_tags[i]
                gaps.append(0 if after == k else others[after] - others[k + 1])
            if i > 0:
                before = lead_tags[i - 1]
                gaps.append(others[k] - others[before + 1])
            talking.append(bool(gaps) and min(gaps) < WATCHING)
        return talking

    def decoded_cue(self, records: list[Record], path: list[State], k: int) -> str:
        """What the conversation model based an untagged paragraph's speaker on."""
        record, speaker, before = records[k], path[k][0], path[k - 1][0] if k else None
        if speaker == UNKNOWN:
            return "none"
        if k == 0:
            return "mention"
        if speaker == record.in_mind and self.weights.in_mind > 0:
            return "narration before"
        if speaker == before:
            return "continuation"
        if before in record.addressed or speaker in records[k - 1].addressed:
            return "vocative"
        if record.turn.after_question or record.turn.answer:
            return "answer"
        return "alternation"

    # -- one paragraph ------------------------------------------------------------------

    def reported_turn(self, paragraph: Paragraph) -> None:
        """Narration that tells of a turn in words ("I told him.", "She answered that she
        would.") between quotations: whoever took it is not the likeliest to speak next."""
        state = self.state
        text = paragraph.text.rstrip()
        if state.is_over or not state.speakers:
            return
        # A sentence that is over: not "I said--", the tag of the quotation that follows.
        matches = [m for m in self.reported.finditer(text) if SENTENCE_OVER.search(text, m.end())]
        hit = self.resolve(matches[-1]["who"]) if matches else None
        if hit is None or hit[1] == "described":
            return
        anchor = found(hit[0], "preceding tag")
        self.records.append(
            Record(
                index=None,
                anchor=anchor,
                addressed=frozenset(),
                turn=TurnEvidence(
                    after_question=False,
                    answer=False,
                    addresses=False,
                    connective=False,
                    long_run=False,
                    after_narration=state.narration_gap > 0,
                ),
                new_conversation=False,
                present=tuple(reversed(state.mentions[-3:])),
            )
        )
        state.speakers.append(hit[0])

    def paragraph(self, paragraph: Paragraph) -> list[Attribution]:
        named = self.names.narration_mentions(paragraph)
        self.named.append(named)
        state = self.state
        if paragraph.scene_break:
            state.reset()
            self.salience.forget()
        quotes = paragraph.quotes
        segments = paragraph.segments
        if quotes and all(self.quotes_a_title(segments, i) for i, s in enumerate(segments) if s.kind == "quote"):
            # "We dined at “Jack Straw's Castle”": a name or title quoted in the narration is
            # nobody's speech, and the paragraph is narration.
            paragraph = replace(paragraph, segments=(Segment(kind="narration", text=paragraph.text),))
        if not paragraph.quotes:
            self.reported_turn(paragraph)
            self.salience.read(paragraph.text)
            self.read_as_narration(paragraph, named)
            return [found(UNKNOWN, "title")] * len(quotes)
        addressed, named_self, called, each = self.addressed(quotes)
        signer = self.signature(paragraph) if state.open_speaker else None
        if signer:
            # A letter quoted over several paragraphs, signed at its end: all of it is the signer's.
            for n in range(len(self.records) - 1, -1, -1):
                record = self.records[n]
                if not (record.anchor and record.anchor.cue == "open quotation"):
                    break
                self.records[n] = replace(record, anchor=found(signer, "open quotation"))
            state.open_speaker = signer
            named_self.add(signer)
            addressed.discard(signer)
            called.discard(signer)
            each = [e - {signer} for e in each]
        # "She turned to her husband and murmured": the one turned to is spoken to, as if named
        # in the quotation, so neither its speaker nor anyone but the likeliest to answer.
        turned_to = {cid for seg in paragraph.segments if seg.kind == "narration" for cid in self.turned_to(seg.text)}
        addressed |= turned_to - named_self
        called |= turned_to - named_self
        silent = {cid for seg in paragraph.segments if seg.kind == "narration" for cid in self.kept_silent(seg.text)}
        addressed |= silent
        replied = self.replies(paragraph)
        evidence = self.turn_evidence(paragraph, replied)
        # A paragraph of narration and then a bare quotation: the narration was most likely
        # about its speaker, when one character clearly dominates it (twice anyone else's salience).
        previous = state.last_paragraph
        after_narration = previous is not None and not previous.quotes  # (a paragraph of it just before)
        in_mind = None
        if after_narration and all(seg.kind == "quote" for seg in paragraph.segments):
            ranked = self.salience.ranked()
            if ranked and (len(ranked) == 1 or self.salience.scores[ranked[0]] >= 2 * self.salience.scores[ranked[1]]):
                in_mind = ranked[0]
            turn = self.turned(sentences(previous.text)[-1])
            if turn:
                in_mind, listener = turn
                addressed.add(listener)
                called.add(listener)
        hint = self.expected_speaker(evidence, addressed)
        # "as I said to him:--" at the end of the paragraph before speaks for its first quotation
        # (read before this paragraph's own narration puts anyone else in mind).
        introduced = None
        if after_narration:
            last = previous.segments[-1] if previous.segments else None
            if last is not None and (label := self.names.label(previous.text, alone=True)):
                introduced = found(label, "speaker label")  # a play's "HAMLET." over its speech
            elif last is not None and introduces(last.text, colon_only=False):
                introduced = self.tag_before(last, hint, self.salience.ranked()) or self.introduced(last)
        answering = self.answering(paragraph)
        per_quote: list[Attribution | None] = []
        said: list[str] = []  # speakers named by this paragraph's tags so far
        tagged_after = False  # the last quotation's tag was the narration after it
        for i, segment in enumerate(segments):
            if segment.kind != "quote":
                self.salience.read(segment.text)
                continue
            # "Mrs. Sheridan joined them." just before a quotation: she is who "she said" means,
            # even when a character mentioned more often is more salient.
            narration_before = segments[i - 1].kind == "narration" if i else after_narration
            subject = [self.salience.last_subject] if narration_before and self.salience.last_subject else []
            nearby = [*reversed(said), *subject, *self.salience.ranked()]
            after = segments[i + 1] if i + 1 < len(segments) and segments[i + 1].kind == "narration" else None
            if after is not None and i + 2 < len(segments) and re.fullmatch(r"[^,;:.!?—]*\w", after.text.strip()):
                after = None  # "Everybody then murmured" runs on into the next quotation: its tag
            before = segments[i - 1] if i > 0 and segments[i - 1].kind == "narration" else None
            if after is not None and self.names.label(after.text, alone=True):
                after = None  # "'...' BOSWELL. '...'": the label between is the next speech's
            if before is not None and (label := self.names.label(before.text)):
                # "JOHNSON. 'Sir, ...'": a label names its speech's speaker as plainly as a tag.
                per_quote.append(found(label, "speaker label"))
                most_recent_last(said, label)
                tagged_after = False
                continue
            # Only the paragraph's first tag may be the answer to the speaker before.
            answers = answering if i == 0 else None
            # '“For,” said he, “you are then sure not to get drunk.” I said, ...': a sentence
            # broken by its tag goes on in the same voice, whatever the narration after it says.
            interrupted = (
                tagged_after
                and before is not None
                and not re.search(r"[.!?…]\W*$", segments[i - 2].text)
                and re.search(r"[,—–-]\s*$", before.text) is not None
            )
            if interrupted:
                per_quote.append(None)  # (carried gives it the tag before)
                tagged_after = False
                continue
            # 'Babbitt snorted, “Oh, you do!” Verona protested, “Oh, you do!”': a quotation
            # introduced by its own tag leaves the narration after it to the next one.
            # ('“For,” said he, “you are then sure.” I said, ...': "said he" comes after its
            # quotation only, and never hands it over to the narration after.)
            own_tag = (
                before is not None
                and after is not None
                and i + 2 < len(segments)
                and introduces(before.text, colon_only=False)
                and introduces(after.text, colon_only=False)
                and not self.after_verb.match(after.text)
            )
            before_tag = self.tag_before(before, hint, nearby, answers) if own_tag and before else None
            if before_tag:
                after = None
            attribution = self.tag_after(segment, after, hint, nearby, answers) if after else None
            tagged_after = attribution is not None and attribution.cue != "beat"
            unplaced = after is not None and (attribution is None or attribution.cue in SOFT_CUES)
            if unplaced and (described := self.uncast_description(after)):
                self.uncast[(len(self.results), len(per_quote))] = described
            if (attribution is None or attribution.cue == "beat") and before is not None:
                attribution = (
                    (before_tag if own_tag else self.tag_before(before, hint, nearby, answers))
                    or self.introduced(before, opening=True)
                    or attribution
                )
            if attribution is not None and attribution.cue in ("tag", "pronoun tag", "gendered pronoun", "described"):
                most_recent_last(said, attribution.speaker)
            per_quote.append(attribution)
        if introduced is not None and (per_quote[0] is None or per_quote[0].cue == "beat"):
            per_quote[0] = introduced
        # A name set off inside the quotation is the listener: a beat or pronoun pointing at
        # that character points at the wrong one. A paragraph may hold two speakers, though:
        # "“Are you mad, Van Helsing?” He looked up. “Would I were!” he said." A tag answers
        # only for the quotations its speaker speaks, up to a tag naming someone else.
        spoken_to = [addressed] * len(quotes)
        if len(quotes) > 1:
            # Who speaks each quotation as the tags have it (the first tag's for those before any).
            first = next((a for a in per_quote if a and a.cue != "beat"), None)
            voices = [a.speaker if a else None for a in carried(per_quote, first)]
            if len(set(voices)) > 1:
                heard_by: dict[str | None, set[str]] = {}
                for voice, names in zip(voices, each, strict=True):
                    heard_by.setdefault(voice, set(turned_to)).update(names)
                spoken_to = [heard_by[voice] for voice in voices]
        per_quote = [
            None
            if a
            and (
                a.speaker in silent
                or (a.cue not in ("tag", "speaker label", "first-person tag") and a.speaker in spoken_to[j])
            )
            else a
            for j, a in enumerate(per_quote)
        ]
        tags = [a for a in per_quote if a and a.cue != "beat"]
        chosen = tags[0] if tags else introduced
        if chosen is not None and chosen.cue == "speaker label" and per_quote[0] is None:
            # "'He puts a very common thing...' BOSWELL. 'That is owing...'": a label speaks for
            # its own quotation and those after it, and the quotation before it is the paragraph's
            # turn in the conversation, for the conversation to decide.
            chosen = None
        if chosen is None:
            # A quotation tagged as someone's answer ("was the reply") has its speaker; someone
            # acting later in the paragraph is not a clue to who.
            beat = None if replied else self.beat(segments, hint)
            chosen = next((a for a in per_quote if a and a.cue != "speaker label"), None) or beat
            if chosen is not None and chosen.speaker in addressed:
                chosen = None
        if chosen is None and state.open_speaker:
            chosen = found(state.open_speaker, "open quotation")
        if chosen is not None and chosen.cue in TAG_CUES.values() and self.thinks(segments):
            # "“Ah,” thought I to myself, “a model servant.”": thinking is not taking a turn. The
            # conversation goes on around it as around narration, and the thinker is no party to
            # it for having thought.
            self.read_as_narration(paragraph, named)
            return [a or chosen for a in carried(per_quote, chosen)]
        self.records.append(
            Record(
                index=len(self.results),
                anchor=chosen,
                addressed=frozenset(addressed),
                called=frozenset(called),
                named_self=frozenset(named_self),
                turn=evidence,
                new_conversation=paragraph.scene_break or state.is_over,
                present=tuple(reversed(state.mentions[-3:])),
                in_mind=in_mind,
                asks=quotes[-1].text.rstrip().endswith("?"),
            )
        )
        if chosen is None:
            chosen = found(hint or UNKNOWN, "alternation" if hint else "none")  # decode_conversation decides
        # (carried leaves none out once chosen is set; "or" only tells the type checker)
        result = [a or chosen for a in carried(per_quote, chosen)]

        state.mention(named)
        self.salience.prominence.update(named)
        # (a speaker the text tags, not one guessed: a wrong guess would feed on itself)
        self.salience.prominence.update(a.speaker for a in result if a.cue in TEXT_CUES)
        speaker = result[-1].speaker
        if speaker != UNKNOWN:
            if state.is_over:
                state.speakers.clear()
            state.speakers.append(speaker)
            if speaker != self.narrator:
                state.mention([speaker])
        state.open_speaker = speaker if not quotes[-1].closed and speaker != UNKNOWN else None
        state.narration_gap = 0
        state.last_paragraph = paragraph
        return result


def most_recent_last(seen: list[str], cid: str) -> None:
    """Put cid at the end of seen, once: a paragraph of a thousand tags keeps a short list."""
    if cid in seen:
        seen.remove(cid)
    seen.append(cid)


def carried(per_quote: Sequence[Attribution | None], before_first: Attribution | None) -> list[Attribution | None]:
    """Each quotation's attribution as its paragraph's tags carry it: its own tag (not a beat), else
    the last tag before it ("“No,” the Pessimist retorted. “Where?”"), else before_first."""
    result, last = [], None
    for a in per_quote:
        last = a if a and a.cue != "beat" else last
        result.append(last or before_first)
    return result


def attribute_chapter(chapter: Chapter, cast: CastSpec, weights: Weights = DEFAULT_WEIGHTS) -> list[list[Attribution]]:
    """One Attribution per quotation of each paragraph, in order.

    A forward pass finds each paragraph's own cues; a second pass decodes each conversation
    as a whole (decode_conversation), so that a tag further on fixes the turns before it.
    """
    return attribute(chapter, cast, weights).results


def attribute(chapter: Chapter, cast: CastSpec, weights: Weights = DEFAULT_WEIGHTS) -> Attributor:
    """attribute_chapter, keeping the Attributor for what else it learned (Attributor.uncast)."""
    attributor = Attributor(cast, weights)
    for p in chapter.paragraphs:
        attributor.results.append(attributor.paragraph(p))
    conversation: list[Record] = []
    for record in [*attributor.records, None]:
        if record is None or (record.new_conversation and conversation):
            attributor.decode_conversation(conversation)
            conversation = []
        if record is not None:
            conversation.append(record)
    return attributor


def build_script(chapter: Chapter, cast: CastSpec, source: str | None = None) -> CastScript:
    """The cast script of a chapter: narration to the narrator, quotations to characters."""
    require_words(chapter, source or "the chapter")
    turns: list[Turn] = []
    if chapter.heading:
        turns.append(Turn(speaker=NARRATOR, text=chapter.heading, paragraph=0))
    attributor = attribute(chapter, cast)
    for p, (paragraph, attributions) in enumerate(zip(chapter.paragraphs, attributor.results, strict=True)):
        quote_attributions = iter(enumerate(attributions))
        for i, segment in enumerate(paragraph.segments):
            scene_break = paragraph.scene_break and i == 0
            if segment.kind == "narration":
                turns.append(
                    Turn(speaker=NARRATOR, text=segment.text, paragraph=paragraph.number, scene_break=scene_break)
                )
                continue
            q, a = next(quote_attributions)
            cue = CUE_NOTES.get(a.cue, a.cue)
            check = a.confidence < CHECK_BELOW
            if segment.never_closes:
                cue, check = f"{cue}; the quotation never closes: check where it ends", True
            if segment.never_opens:
                cue, check = f"{cue}; the quotation never opens: check where it starts", True
            if uncast := attributor.uncast.get((p, q)):
                cue, check = cue + UNCAST_NOTE.format(uncast), True
            turns.append(
                Turn(
                    speaker=a.speaker,
                    text=segment.text,
                    paragraph=paragraph.number,
                    confidence=a.confidence,
                    cue=cue,
                    guess=a.speaker,
                    check=check,
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
