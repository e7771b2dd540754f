"""Synthesize every turn of a cast script, master it, and join the chapter with pauses and timings."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import numpy as np

from .audio import AudioSegment, to_mono16
from .engines import get_engine
from .errors import EngineError
from .master import (
    active_rms_dbfs,
    db_to_gain,
    frame_rms,
    limit_peaks,
    resample,
    room_tone,
    to_float,
    to_pcm16,
    true_peak_dbfs,
)
from .script import CastScript, Turn, preview
from .settings import Pacing, Profile
from .text import speakable_text
from .voices import NARRATOR, Cast

log = logging.getLogger(__name__)

# An engine's own leading and trailing silence is cut (to this level), keeping a few
# milliseconds, so that pacing comes from the settings alone.
ENGINE_SILENCE_DBFS: Final = -50.0
KEEP_EDGE_MS: Final = 15
ROOM_TONE_SEED: Final = 19

Progress = Callable[[int, int], None]


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
    """A chapter's mastered audio and the timing of each turn in it."""

    audio: AudioSegment
    timings: tuple[TurnTiming, ...]


def render_chapter(
    script: CastScript,
    cast: Cast,
    *,
    pacing: Pacing,
    profile: Profile,
    progress: Progress | None = None,
) -> RenderedChapter:
    """Synthesize each turn with its speaker's voice and join them into one mastered mono track."""
    rate = profile.sample_rate
    parts: list[np.ndarray] = [np.zeros(ms_to_samples(pacing.head_ms, rate))]
    position = len(parts[0])
    timings: list[TurnTiming] = []
    previous: Turn | None = None
    for index, turn in enumerate(script.turns, start=1):
        if previous is not None:
            gap = np.zeros(ms_to_samples(pause_between(previous, turn, pacing), rate))
            parts.append(gap)
            position += len(gap)
        samples = master_turn(synthesize_turn(turn, index, cast), profile)
        parts.append(samples)
        timings.append(
            TurnTiming(
                index=index,
                speaker=turn.speaker,
                start=round(position / rate, 3),
                end=round((position + len(samples)) / rate, 3),
                text=turn.text,
            )
        )
        position += len(samples)
        previous = turn
        if progress:
            progress(index, len(script.turns))
    parts.append(np.zeros(ms_to_samples(pacing.tail_ms, rate)))
    track = np.concatenate(parts)  # one join: repeated AudioSegment + copies the track each time
    if profile.room_tone_dbfs is not None:
        track += room_tone(len(track), profile.room_tone_dbfs, ROOM_TONE_SEED)
    audio = AudioSegment(data=to_pcm16(track), sample_width=2, frame_rate=rate, channels=1)
    return RenderedChapter(audio=audio, timings=tuple(timings))


def ms_to_samples(ms: float, rate: int) -> int:
    return round(ms * rate / 1000)


def pause_between(previous: Turn, turn: Turn, pacing: Pacing) -> int:
    """The silence before turn, given the turn before it, in milliseconds."""
    if previous.paragraph == 0 and turn.paragraph != 0:
        return pacing.after_heading_ms
    if turn.scene_break:
        return pacing.scene_break_ms
    if turn.paragraph is None or turn.paragraph != previous.paragraph:
        return pacing.paragraph_ms if turn.speaker == previous.speaker else pacing.speaker_change_ms
    if turn.speaker == previous.speaker:
        return pacing.same_speaker_ms
    if NARRATOR in (turn.speaker, previous.speaker):
        return pacing.tag_ms
    return pacing.speaker_change_ms


def synthesize_turn(turn: Turn, index: int, cast: Cast) -> AudioSegment:
    """One turn as its speaker's engine speaks it."""
    voice = cast.voice_for(turn.speaker)
    engine = get_engine(voice.engine)
    try:
        audio = engine.synthesize(speakable_text(turn.text), voice.settings)
    except EngineError as exc:
        raise EngineError(f"turn {index} ({turn.speaker}, {preview(turn.text)}): {exc}") from None
    audio = to_mono16(audio)
    if audio.rms == 0:
        raise EngineError(
            f"turn {index} ({turn.speaker}, {preview(turn.text)}): the engine produced silence; "
            "check the voice's volume and the text"
        )
    return audio


def master_turn(audio: AudioSegment, profile: Profile) -> np.ndarray:
    """Trim the engine's silence, resample, bring speech to the profile's level, hold peaks down.

    Every turn is mastered on its own, so that voices match in loudness whatever their engine,
    and so that a turn's sound never depends on its neighbours.
    """
    samples = trim_edges(to_float(audio.raw_data), audio.frame_rate)
    samples = resample(samples, audio.frame_rate, profile.sample_rate)
    # Limit sample peaks a little under the true-peak ceiling. Limiting lowers the level of a
    # voice with sharp peaks more than a smooth one, so measure again and make up the loss once.
    for _ in range(2):
        gain = profile.speech_rms_dbfs - active_rms_dbfs(samples, profile.sample_rate)
        samples = limit_peaks(samples * db_to_gain(gain), profile.sample_rate, profile.true_peak_dbfs - 0.5)
    excess = true_peak_dbfs(samples, profile.sample_rate) - profile.true_peak_dbfs
    if excess > 0:
        samples = samples * db_to_gain(-excess - 0.05)
    return samples


def trim_edges(samples: np.ndarray, rate: int) -> np.ndarray:
    """Cut leading and trailing silence below ENGINE_SILENCE_DBFS, keeping KEEP_EDGE_MS of it."""
    frame_ms = 5
    rms = frame_rms(samples, rate, frame_ms)
    loud = np.nonzero(rms > db_to_gain(ENGINE_SILENCE_DBFS))[0]
    if not len(loud):
        return samples
    per_frame = max(1, rate * frame_ms // 1000)
    keep = ms_to_samples(KEEP_EDGE_MS, rate)
    start = max(0, loud[0] * per_frame - keep)
    end = min(len(samples), (loud[-1] + 1) * per_frame + keep)
    return samples[start:end]
