"""Synthesize every turn of a cast script and stitch the chapter, with pauses and timings."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from .audio import AudioSegment, dbfs, silence, to_format, trim_silence
from .engines import get_engine
from .errors import EngineError
from .script import CastScript, Turn, preview
from .text import speakable_text
from .voices import Cast

log = logging.getLogger(__name__)

DEFAULT_SAMPLE_RATE: Final = 44100
# Each turn is brought to the same speech loudness so that voices match whatever their
# engine's level, then held under the peak ceiling (ACX: peaks at most -3 dB).
TURN_RMS_DBFS: Final = -18.0
PEAK_CEILING_DBFS: Final = -3.5
ENGINE_SILENCE_DBFS: Final = -50.0
KEEP_EDGE_MS: Final = 20

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Pacing:
    """Silences between turns, in milliseconds."""

    head_ms: int = 750
    """Room tone before the first word (ACX: 0.5-1 s)."""
    tail_ms: int = 2500
    """Room tone after the last word (ACX: 1-5 s)."""
    after_heading_ms: int = 1800
    """After the chapter heading."""
    paragraph_ms: int = 850
    """Between paragraphs."""
    within_paragraph_ms: int = 320
    """Between a quotation and its tag, or two quotations of one paragraph."""


@dataclass(frozen=True)
class TurnTiming:
    """Where a turn sits in the chapter's audio."""

    index: int
    """1-based position in the cast script."""
    speaker: str
    start: float
    """Seconds from the start of the file."""
    end: float
    text: str


@dataclass(frozen=True)
class RenderedChapter:
    """A chapter's audio and the timing of each turn in it."""

    audio: AudioSegment
    timings: tuple[TurnTiming, ...]


def render_chapter(
    script: CastScript,
    cast: Cast,
    *,
    pacing: Pacing = Pacing(),
    sample_rate: int = DEFAULT_SAMPLE_RATE,
    progress: Progress | None = None,
) -> RenderedChapter:
    """Synthesize each turn with its speaker's voice and join them into one mono track."""
    chunks: list[bytes] = [silence(pacing.head_ms, sample_rate)]
    position = len(chunks[0]) // 2
    timings: list[TurnTiming] = []
    total = len(script.turns)
    previous: Turn | None = None
    for index, turn in enumerate(script.turns, start=1):
        if previous is not None:
            gap = silence(pause_between(previous, turn, pacing), sample_rate)
            chunks.append(gap)
            position += len(gap) // 2
        audio = synthesize_turn(turn, index, cast, sample_rate)
        chunks.append(audio.raw_data)
        frames = len(audio.raw_data) // 2
        timings.append(
            TurnTiming(
                index=index,
                speaker=turn.speaker,
                start=round(position / sample_rate, 3),
                end=round((position + frames) / sample_rate, 3),
                text=turn.text,
            )
        )
        position += frames
        previous = turn
        if progress:
            progress(index, total)
    chunks.append(silence(pacing.tail_ms, sample_rate))
    # One join of raw frames: repeated AudioSegment + copies the whole track each time.
    audio = AudioSegment(data=b"".join(chunks), sample_width=2, frame_rate=sample_rate, channels=1)
    return RenderedChapter(audio=audio, timings=tuple(timings))


def pause_between(previous: Turn, turn: Turn, pacing: Pacing) -> int:
    """The silence before turn, given the turn before it."""
    if previous.paragraph == 0 and turn.paragraph != 0:
        return pacing.after_heading_ms
    if turn.paragraph is None or turn.paragraph != previous.paragraph:
        return pacing.paragraph_ms
    return pacing.within_paragraph_ms


def synthesize_turn(turn: Turn, index: int, cast: Cast, sample_rate: int) -> AudioSegment:
    """One turn's audio: synthesized, edges trimmed, loudness matched, at sample_rate."""
    voice = cast.voice_for(turn.speaker)
    engine = get_engine(voice.engine)
    text = speakable_text(turn.text)
    try:
        audio = engine.synthesize(text, voice.settings)
    except EngineError as exc:
        raise EngineError(f"turn {index} ({turn.speaker}, {preview(turn.text)}): {exc}") from None
    audio = trim_silence(to_format(audio, audio.frame_rate), ENGINE_SILENCE_DBFS, KEEP_EDGE_MS)
    if audio.rms == 0:
        raise EngineError(
            f"turn {index} ({turn.speaker}, {preview(turn.text)}): the engine produced silence; "
            "check the voice's volume and the text"
        )
    return to_format(match_loudness(audio), sample_rate)


def match_loudness(audio: AudioSegment) -> AudioSegment:
    """Bring speech to TURN_RMS_DBFS, unless that would push peaks over PEAK_CEILING_DBFS."""
    gain = TURN_RMS_DBFS - dbfs(audio.rms)
    headroom = PEAK_CEILING_DBFS - dbfs(audio.max)
    return audio.apply_gain(min(gain, headroom))
