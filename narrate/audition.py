"""Audition a voice: a short sample of any text, spoken as a build would speak it.

A sample goes through the build's own path (plan_segment, then render_segment or
render_segment_audio: the engine, the same mastering, the same encoder), so what a person hears
before recasting a character is what the chapter will sound like.
"""

from __future__ import annotations

import re
import wave
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from .cache import Cache
from .errors import ExportError, TextError
from .master import to_pcm16
from .mp3 import frames_to_seconds
from .project import Project
from .render import plan_segment, render_segment, render_segment_audio
from .settings import Profile, load_settings
from .voices import Voice, VoiceSpec, load_cast, voice_from_options
from .yamlfile import write_atomically

SAMPLE_FORMATS: Final = (".mp3", ".wav")
# A sample is for hearing a voice: the chapter's head and tail room tone (0.75 s and 2.5 s by
# default) would only make the listener wait.
SAMPLE_LEAD_MS: Final = 250
SAMPLE_TRAIL_MS: Final = 500
# As in voices.yaml, a voice that names no engine is spoken by this one.
DEFAULT_ENGINE: Final = VoiceSpec.model_fields["engine"].default


@dataclass(frozen=True)
class Sample:
    """A written audition sample."""

    path: Path
    duration: float
    """Seconds of audio, pauses included."""
    voice: Voice


def write_sample(
    project: Project,
    text: str,
    *,
    speaker: str | None = None,
    engine: str | None = None,
    settings: Mapping[str, Any] | None = None,
    voices_path: Path | None = None,
    output: Path | None = None,
    profile: str | None = None,
) -> Sample:
    """Speak text with a speaker's voice from the cast, or with an engine and settings given
    explicitly, and write it to output (.mp3 or .wav).

    Settings given with a speaker change that speaker's voice for the sample: a way to hear a
    change before making it in voices.yaml. Settings are validated as voices.yaml's are, and the
    voice and profile are checked before any synthesis. The default output is
    output/say-<speaker>.mp3 in the project; it is written atomically, so it holds the old sample
    or the new one, never part of one.
    """
    if speaker is not None and engine is not None:
        raise ValueError("a speaker brings their own engine; give a speaker or an engine, not both")
    if speaker is None and engine is None and not settings:
        raise ValueError("give a speaker, or an engine or settings")
    check_sample_text(text)
    if output is not None:
        check_sample_path(output)
    mastering = load_settings(project.settings_path).profile(profile)
    if speaker is not None:
        voice = load_cast(voices_path or project.voices_path).voice_for(speaker)
        if settings:
            voice = voice_from_options(voice.engine, {**voice.settings.model_dump(), **settings})
        label = speaker
    else:
        voice = voice_from_options(engine or DEFAULT_ENGINE, settings or {})
        label = sample_label(voice)
    path = output or project.output_dir / f"say-{label}.mp3"
    duration = render_sample(text, voice, path, mastering, label)
    return Sample(path=path, duration=duration, voice=voice)


def render_sample(text: str, voice: Voice, path: Path, profile: Profile, label: str) -> float:
    """Speak text as one turn of a build and write it; returns its duration in seconds."""
    plan = plan_segment(1, label, text, voice, lead_ms=SAMPLE_LEAD_MS, trail_ms=SAMPLE_TRAIL_MS, profile=profile)
    # No cache: a sample is a one-off, and keeping it would only grow the project's cache.
    nothing_kept = Cache(None)
    if path.suffix.lower() == ".wav":
        audio = render_segment_audio(plan, profile, nothing_kept)
        write_atomically(path, lambda tmp: write_wav(tmp, to_pcm16(audio.samples), profile.sample_rate))
        return len(audio.samples) / profile.sample_rate
    segment = render_segment(plan, profile, nothing_kept)
    write_atomically(path, lambda tmp: tmp.write_bytes(segment.mp3))
    return frames_to_seconds(segment.frames, profile.sample_rate)


def check_sample_text(text: str) -> None:
    """Refuse a text with nothing to speak."""
    if not text.strip():
        raise TextError("there is nothing to say; give the text to speak")


def check_sample_path(path: Path) -> None:
    """Refuse an output whose suffix names a format narrate does not write."""
    if path.suffix.lower() not in SAMPLE_FORMATS:
        raise ExportError(
            f"{path}: a sample is written as {' or '.join(SAMPLE_FORMATS)}; end the file name with one of them"
        )


def sample_label(voice: Voice) -> str:
    """engine-voice, fit for a file name: pyttsx3-en-gb-x-rp+m7, piper-en_US-joe-medium."""
    name = getattr(voice.settings, "voice", None)
    if not isinstance(name, str) or not name:
        return voice.engine
    # A voice given as a model path is named by its file.
    name = Path(name).name.removesuffix(".onnx")
    return re.sub(r"[^\w.+-]", "_", f"{voice.engine}-{name}")


def write_wav(path: Path, pcm16: bytes, sample_rate: int) -> None:
    try:
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(sample_rate)
            out.writeframes(pcm16)
    except wave.Error as exc:
        raise ExportError(f"{path}: cannot write the WAV file ({exc})") from None
