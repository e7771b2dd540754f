"""Render a chapter: every turn synthesized, mastered and MP3-encoded as its own segment,
in parallel and through the cache, then joined into one stream with exact timings.

A segment is one turn with half the pause before it and half the pause after it, so every
join between segments falls in the middle of a pause. Each segment is encoded on its own (LAME
starts every stream with an empty bit reservoir, so its first frame does not lean on the
previous segment's bytes); the segments' frames are then concatenated. A rebuild after an edit
renders only the segments whose sound changed, and re-encodes nothing else.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import signal
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Final

import numpy as np
from pydantic import BaseModel

from .audio import AudioSegment, to_mono16
from .cache import Cache, make_key
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
from .mp3 import encode_mp3, frames_to_seconds, read_frame_stats, samples_per_frame
from .script import CastScript, Turn, preview
from .settings import Pacing, Profile
from .text import speakable_text
from .voices import NARRATOR, Cast, Voice

log = logging.getLogger(__name__)

# An engine's own leading and trailing silence is cut (to this level), keeping a few
# milliseconds, so that pacing comes from the settings alone.
ENGINE_SILENCE_DBFS: Final = -50.0
KEEP_EDGE_MS: Final = 15
# Where a segment's first sample appears once decoded: LAME's encoder delay (576 samples)
# plus the MP3 decoder's own (529). lameenc writes no LAME tag that would let a player skip it.
DECODER_DELAY_SAMPLES: Final = 1105

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
class SegmentPlan:
    """Everything needed to render one turn's segment, and the cache keys that name it."""

    index: int
    speaker: str
    text: str
    """As printed, for the timings."""
    spoken: str
    """As the engine reads it."""
    engine: str
    settings: BaseModel
    lead_ms: int
    """Pause before the turn inside this segment."""
    trail_ms: int
    """Pause after the turn inside this segment."""
    speech_key: str
    """Names the engine's output for the turn: engine, its version, voice settings and text."""
    segment_key: str
    """Names the encoded segment: the speech, its mastering, its pauses and the encoding."""


@dataclass(frozen=True)
class Segment:
    """A rendered segment: MP3 frames, and where the turn lies in them."""

    mp3: bytes
    frames: int
    lead_samples: int
    """Samples of pause before the turn (after the decoder delay)."""
    turn_samples: int

    def to_bytes(self) -> bytes:
        header = json.dumps({"frames": self.frames, "lead": self.lead_samples, "turn": self.turn_samples}).encode()
        return struct.pack("<I", len(header)) + header + self.mp3

    @classmethod
    def from_bytes(cls, blob: bytes) -> Segment:
        (size,) = struct.unpack_from("<I", blob)
        meta = json.loads(blob[4 : 4 + size])
        return cls(mp3=blob[4 + size :], frames=meta["frames"], lead_samples=meta["lead"], turn_samples=meta["turn"])


@dataclass(frozen=True)
class RenderedChapter:
    """A chapter's encoded audio, segment by segment, and the timing of each turn."""

    segments: tuple[Segment, ...]
    timings: tuple[TurnTiming, ...]
    duration: float
    """Seconds of decoded audio."""
    rendered: int
    """How many segments were rendered rather than taken from the cache."""

    def iter_mp3(self) -> Iterator[bytes]:
        for segment in self.segments:
            yield segment.mp3


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


def plan_segments(script: CastScript, cast: Cast, pacing: Pacing, profile: Profile) -> list[SegmentPlan]:
    """One plan per turn, with the pauses split between neighbouring segments."""
    turns = script.turns
    pauses = [pause_between(a, b, pacing) for a, b in pairwise(turns)]
    plans = []
    for i, turn in enumerate(turns):
        lead = pacing.head_ms if i == 0 else pauses[i - 1] // 2
        trail = pacing.tail_ms if i == len(turns) - 1 else pauses[i] - pauses[i] // 2
        voice = cast.voice_for(turn.speaker)
        plans.append(plan_segment(i + 1, turn.speaker, turn.text, voice, lead_ms=lead, trail_ms=trail, profile=profile))
    return plans


def plan_segment(
    index: int, speaker: str, text: str, voice: Voice, *, lead_ms: int, trail_ms: int, profile: Profile
) -> SegmentPlan:
    """One turn's plan: what is said, with which voice and pauses, and the cache keys that name it."""
    engine = get_engine(voice.engine)
    spoken = speakable_text(text)
    speech_key = make_key("speech", voice.engine, engine.version, engine.cache_identity(voice.settings), spoken)
    segment_key = make_key("segment", speech_key, profile.model_dump(), lead_ms, trail_ms)
    return SegmentPlan(
        index=index,
        speaker=speaker,
        text=text,
        spoken=spoken,
        engine=voice.engine,
        settings=voice.settings,
        lead_ms=lead_ms,
        trail_ms=trail_ms,
        speech_key=speech_key,
        segment_key=segment_key,
    )


def render_chapter(
    script: CastScript,
    cast: Cast,
    *,
    pacing: Pacing,
    profile: Profile,
    cache: Cache,
    jobs: int = 1,
    progress: Progress | None = None,
) -> RenderedChapter:
    """Render every segment not already in the cache, in `jobs` processes, and time the turns."""
    plans = plan_segments(script, cast, pacing, profile)
    segments: dict[int, Segment] = {}
    for plan in plans:
        blob = cache.get("segment", plan.segment_key)
        if blob is not None:
            segments[plan.index] = Segment.from_bytes(blob)
    missing = [p for p in plans if p.index not in segments]
    done = len(segments)
    if progress:
        progress(done, len(plans))
    for index, segment in render_segments(missing, profile, cache, jobs):
        segments[index] = segment
        done += 1
        if progress:
            progress(done, len(plans))
    ordered = tuple(segments[p.index] for p in plans)
    return RenderedChapter(
        segments=ordered,
        timings=tuple(time_turns(plans, ordered, profile.sample_rate)),
        duration=frames_to_seconds(sum(s.frames for s in ordered), profile.sample_rate),
        rendered=len(missing),
    )


def time_turns(plans: list[SegmentPlan], segments: tuple[Segment, ...], rate: int) -> Iterator[TurnTiming]:
    position = 0
    for plan, segment in zip(plans, segments, strict=True):
        start = position + DECODER_DELAY_SAMPLES + segment.lead_samples
        yield TurnTiming(
            index=plan.index,
            speaker=plan.speaker,
            start=round(start / rate, 3),
            end=round((start + segment.turn_samples) / rate, 3),
            text=plan.text,
        )
        position += segment.frames * samples_per_frame(rate)


def render_segments(
    plans: list[SegmentPlan], profile: Profile, cache: Cache, jobs: int
) -> Iterator[tuple[int, Segment]]:
    """Render segments in `jobs` worker processes, one engine each; yields (turn index, segment)
    as each finishes."""
    if not plans:
        return
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    # Ctrl-C and kill are the parent's to handle: it stops the pool and reports once. Workers
    # are forked with both blocked, then ignore SIGINT and die quietly of SIGTERM (which is how
    # the pool stops them), so no worker prints a traceback of its own.
    previous_mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        pool = context.Pool(max(1, min(jobs, len(plans))), initializer=_worker_start)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous_mask)
    with pool:
        try:
            # Longest first, so that no long turn is left to run alone at the end.
            ordered = sorted(plans, key=lambda p: len(p.spoken), reverse=True)
            tasks = [(p, profile, cache.root) for p in ordered]
            yield from pool.imap_unordered(_render_task, tasks, chunksize=1)
        except BaseException:
            pool.terminate()
            raise


def _worker_start() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # also discards a SIGINT pending since the fork
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler, which raises
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})


def _render_task(task: tuple[SegmentPlan, Profile, Path | None]) -> tuple[int, Segment]:
    plan, profile, cache_root = task
    return plan.index, render_segment(plan, profile, Cache(cache_root))


def render_segment(plan: SegmentPlan, profile: Profile, cache: Cache) -> Segment:
    """The turn's speech (from the cache or the engine), mastered, with its pauses, encoded to MP3."""
    audio = render_segment_audio(plan, profile, cache)
    mp3 = encode_mp3(to_pcm16(audio.samples), profile.sample_rate, bitrate_kbps=profile.bitrate_kbps)
    frames = read_frame_stats(mp3).frames
    segment = Segment(mp3=mp3, frames=frames, lead_samples=audio.lead_samples, turn_samples=audio.turn_samples)
    cache.put("segment", plan.segment_key, segment.to_bytes())
    return segment


@dataclass(frozen=True)
class SegmentAudio:
    """A segment before encoding: the mastered turn between its pauses, over the room tone."""

    samples: np.ndarray
    """Float samples at the profile's rate, whole MP3 frames long."""
    lead_samples: int
    turn_samples: int


def render_segment_audio(plan: SegmentPlan, profile: Profile, cache: Cache) -> SegmentAudio:
    """The turn's speech (from the cache or the engine), mastered, with its pauses and room tone."""
    rate = profile.sample_rate
    blob = cache.get("speech", plan.speech_key)
    if blob is None:
        speech = synthesize_turn(plan)
        cache.put("speech", plan.speech_key, struct.pack("<I", speech.frame_rate) + speech.raw_data)
    else:
        (speech_rate,) = struct.unpack_from("<I", blob)
        speech = AudioSegment(data=blob[4:], sample_width=2, frame_rate=speech_rate, channels=1)
    turn = master_turn(speech, profile)
    lead = round(plan.lead_ms * rate / 1000)
    trail = round(plan.trail_ms * rate / 1000)
    # Whole frames: the next segment then starts exactly on this one's last frame boundary.
    frame = samples_per_frame(rate)
    trail += -(lead + len(turn) + trail) % frame
    samples = np.concatenate([np.zeros(lead, dtype=turn.dtype), turn, np.zeros(trail, dtype=turn.dtype)])
    if profile.room_tone_dbfs is not None:
        samples += room_tone(len(samples), profile.room_tone_dbfs, seed=int(plan.segment_key[:8], 16))
    return SegmentAudio(samples=samples, lead_samples=lead, turn_samples=len(turn))


def synthesize_turn(plan: SegmentPlan) -> AudioSegment:
    """One turn as its speaker's engine speaks it."""
    engine = get_engine(plan.engine)
    where = f"turn {plan.index} ({plan.speaker}, {preview(plan.text)})"
    try:
        audio = engine.synthesize(plan.spoken, plan.settings)
    except EngineError as exc:
        raise EngineError(f"{where}: {exc}") from None
    audio = to_mono16(audio)
    if audio.rms == 0:
        raise EngineError(f"{where}: the engine produced silence; check the voice's volume and the text")
    return audio


def master_turn(audio: AudioSegment, profile: Profile) -> np.ndarray:
    """Trim the engine's silence, resample, bring speech to the profile's level, hold peaks down.

    Every turn is mastered on its own, so that voices match in loudness whatever their engine,
    and so that a turn's sound never depends on its neighbours (which is what lets the cache
    keep it).
    """
    samples = trim_edges(to_float(audio.raw_data), audio.frame_rate)
    samples = resample(samples, audio.frame_rate, profile.sample_rate)
    # Limit sample peaks a little under the true-peak ceiling. Limiting lowers the level of a
    # voice with sharp peaks more than a smooth one, so measure again and make up the loss once.
    for _ in range(2):
        gain = profile.speech_rms_dbfs - active_rms_dbfs(samples, profile.sample_rate)
        samples = limit_peaks(samples * db_to_gain(gain), profile.sample_rate, profile.true_peak_dbfs - 0.5)
    excess = true_peak_dbfs(samples) - profile.true_peak_dbfs
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
    keep = round(KEEP_EDGE_MS * rate / 1000)
    start = max(0, loud[0] * per_frame - keep)
    end = min(len(samples), (loud[-1] + 1) * per_frame + keep)
    return samples[start:end]
