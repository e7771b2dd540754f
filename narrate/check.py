"""Measure a built chapter file against the ACX audiobook requirements, and flag suspect turns."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np

from .errors import NarrateError
from .master import active_rms_dbfs, measure_levels, rms_dbfs, to_float
from .mp3 import read_frame_stats

# ACX submission requirements (REFERENCE.md, "ACX audiobook submission requirements").
ACX_SAMPLE_RATE: Final = 44100
ACX_MIN_BITRATE_KBPS: Final = 192
ACX_RMS_RANGE: Final = (-23.0, -18.0)
ACX_MAX_PEAK_DBFS: Final = -3.0
ACX_MAX_NOISE_FLOOR_DBFS: Final = -60.0
ACX_HEAD_RANGE_S: Final = (0.5, 1.0)
ACX_TAIL_RANGE_S: Final = (1.0, 5.0)
ACX_MAX_MINUTES: Final = 120
# No voice reads faster than these, a little above espeak-ng's top rate (450 words a minute,
# about 37 characters a second): a script with more words than ACX_MAX_MINUTES of the first
# cannot fit in one file, and a turn shorter than the second allows was cut short.
FASTEST_WORDS_PER_MINUTE: Final = 500
MAX_CHARS_PER_SECOND: Final = 40.0
SPEAKER_SPREAD_DB: Final = 1.5
# A turn whose speech is quieter than this came out silent.
SILENT_TURN_DBFS: Final = -40.0


@dataclass(frozen=True)
class Figure:
    """One measured figure and whether it meets its requirement."""

    name: str
    value: str
    requirement: str
    passed: bool


@dataclass(frozen=True)
class CheckReport:
    """Everything `narrate check` prints about one file."""

    path: Path
    figures: tuple[Figure, ...]
    flagged_turns: tuple[str, ...]
    """One line per turn that came out silent or much shorter than its text implies."""

    @property
    def passed(self) -> bool:
        return all(f.passed for f in self.figures) and not self.flagged_turns


def decode_mp3(data: bytes, path: Path) -> tuple[np.ndarray, int]:
    """Decode an MP3 file's bytes to mono float samples (miniaudio: no ffmpeg needed)."""
    import miniaudio

    try:
        decoded = miniaudio.mp3_read_s16(data)
    except miniaudio.DecodeError as exc:
        raise NarrateError(f"{path}: not a readable MP3 ({exc}); rebuild it") from None
    samples = to_float(decoded.samples)
    if decoded.nchannels > 1:
        samples = samples.reshape(-1, decoded.nchannels).mean(axis=1)
    return samples, decoded.sample_rate


def within(value: float, low: float, high: float) -> bool:
    return low <= value <= high


def check_mp3(path: Path, timings_path: Path | None = None) -> CheckReport:
    """Measure an MP3 against ACX; with its timings, also each speaker's loudness and each turn."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise NarrateError(f"{path}: cannot read it ({exc.strerror}); build it first") from None
    frames = read_frame_stats(data)
    if not frames.frames:
        raise NarrateError(f"{path}: no MP3 audio frames found; rebuild it")
    samples, rate = decode_mp3(data, path)
    levels = measure_levels(samples, rate)
    bitrate = min(frames.bitrates_kbps)
    cbr = len(frames.bitrates_kbps) == 1
    figures = [
        Figure("sample rate", f"{rate} Hz", f"{ACX_SAMPLE_RATE} Hz", rate == ACX_SAMPLE_RATE),
        Figure("channels", "mono" if frames.channels == {1} else "stereo", "mono", frames.channels == {1}),
        Figure(
            "bit rate",
            f"{bitrate} kbps {'CBR' if cbr else 'VBR'}",
            f">= {ACX_MIN_BITRATE_KBPS} kbps CBR",
            cbr and bitrate >= ACX_MIN_BITRATE_KBPS,
        ),
        Figure("RMS", f"{levels.rms_dbfs:.1f} dBFS", "-23 to -18 dBFS", within(levels.rms_dbfs, *ACX_RMS_RANGE)),
        Figure(
            "true peak",
            f"{levels.true_peak_dbfs:.1f} dBTP",
            f"<= {ACX_MAX_PEAK_DBFS:.0f} dBTP",
            levels.true_peak_dbfs <= ACX_MAX_PEAK_DBFS,
        ),
        Figure(
            "noise floor",
            f"{levels.noise_floor_dbfs:.1f} dBFS",
            f"<= {ACX_MAX_NOISE_FLOOR_DBFS:.0f} dBFS",
            levels.noise_floor_dbfs <= ACX_MAX_NOISE_FLOOR_DBFS,
        ),
        Figure(
            "head room tone",
            f"{levels.head_silence_s:.2f} s",
            "0.5 to 1 s",
            within(levels.head_silence_s, *ACX_HEAD_RANGE_S),
        ),
        Figure(
            "tail room tone",
            f"{levels.tail_silence_s:.2f} s",
            "1 to 5 s",
            within(levels.tail_silence_s, *ACX_TAIL_RANGE_S),
        ),
        Figure(
            "duration",
            f"{levels.duration_s / 60:.1f} min",
            f"<= {ACX_MAX_MINUTES} min",
            levels.duration_s <= ACX_MAX_MINUTES * 60,
        ),
    ]
    flagged: list[str] = []
    if timings_path is not None:
        timings = load_timings(timings_path)
        figures.append(speaker_loudness_figure(samples, rate, timings))
        flagged = flag_turns(samples, rate, timings)
    return CheckReport(path=path, figures=tuple(figures), flagged_turns=tuple(flagged))


def load_timings(path: Path) -> list[dict]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise NarrateError(f"{path}: cannot read the timings ({exc}); rebuild the chapter") from None


def turn_samples(samples: np.ndarray, rate: int, turn: dict) -> np.ndarray:
    return samples[int(turn["start"] * rate) : int(turn["end"] * rate)]


def speaker_loudness_figure(samples: np.ndarray, rate: int, timings: list[dict]) -> Figure:
    """Each speaker's speech level (RMS of voiced frames over all their turns): the spread between voices."""
    by_speaker: dict[str, list[np.ndarray]] = {}
    for turn in timings:
        by_speaker.setdefault(turn["speaker"], []).append(turn_samples(samples, rate, turn))
    levels = {s: active_rms_dbfs(np.concatenate(parts), rate) for s, parts in by_speaker.items()}
    spread = max(levels.values()) - min(levels.values()) if levels else 0.0
    shown = ", ".join(f"{s} {v:.1f}" for s, v in levels.items())
    return Figure("voices' loudness", f"{shown} dBFS", f"within {SPEAKER_SPREAD_DB} dB", spread <= SPEAKER_SPREAD_DB)


def flag_turns(samples: np.ndarray, rate: int, timings: list[dict]) -> list[str]:
    """Turns that came out silent, or far shorter than any voice could read their text."""
    flagged = []
    for turn in timings:
        part = turn_samples(samples, rate, turn)
        duration = len(part) / rate
        text = turn["text"]
        if rms_dbfs(part) < SILENT_TURN_DBFS:
            flagged.append(f"turn {turn['index']} ({turn['speaker']}): silent: {text[:50]!r}")
        elif len(text) >= 10 and duration < len(text) / MAX_CHARS_PER_SECOND:
            needed = len(text) / MAX_CHARS_PER_SECOND
            flagged.append(
                f"turn {turn['index']} ({turn['speaker']}): {duration:.2f} s for {len(text)} characters "
                f"(at least {needed:.2f} s expected): {text[:50]!r}"
            )
    return flagged


def format_report(report: CheckReport) -> list[str]:
    """The report as lines of text."""
    lines = [str(report.path)]
    for f in report.figures:
        lines.append(f"  {f.name:<17} {f.value:<28} {f.requirement:<24} {'pass' if f.passed else 'FAIL'}")
    for line in report.flagged_turns:
        lines.append(f"  FLAG {line}")
    verdict = "passes every ACX check" if report.passed else "fails"
    lines.append(f"{report.path.name} {verdict}.")
    return lines
