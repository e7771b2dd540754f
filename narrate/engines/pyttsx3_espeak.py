"""The default engine: pyttsx3's espeak driver on the espeak-ng library shipped in the
espeakng-loader wheel, so no system package is needed.

pyttsx3 2.99's espeak driver runs espeak asynchronously and races with it (see
../shared/REFERENCE.md, "pyttsx3 (2.99) espeak driver"): settings queued behind a cancel are
dropped, the first runAndWait returns before the file exists, an unknown voice is ignored. This
module drives the public pyttsx3 API one utterance at a time and closes each race: it waits
until espeak is idle before and after changing settings, reads the settings back, waits for
the finished-utterance event and its ``completed`` flag, and retries a turn that still fails.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import logging
import os
import select
import signal
import struct
import tempfile
import threading
import time
import wave
from functools import cached_property
from pathlib import Path
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field

from ..audio import AudioSegment
from ..errors import EngineError
from .base import Engine, VoiceInfo

log = logging.getLogger(__name__)

MAX_ATTEMPTS: Final = 3
UTTERANCE_TIMEOUT_S: Final = 120.0
IDLE_POLL_S: Final = 0.001
# espeak_PARAMETER values from speak_lib.h.
ESPEAK_RATE: Final = 1
ESPEAK_PITCH: Final = 3


class Pyttsx3Settings(BaseModel):
    """A voice for pyttsx3 on espeak-ng, as written in voices.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    voice: str = Field("en-us", min_length=1)
    """An espeak-ng voice (en-us, en-gb-x-rp, gmw/en) with an optional variant (en-us+m3)."""
    rate: int = Field(175, ge=80, le=450)
    """Words per minute."""
    pitch: int = Field(50, ge=0, le=99)
    """espeak's base pitch, 0-99; 50 is the voice's own."""
    volume: float = Field(1.0, ge=0.0, le=1.0)
    """Amplitude before mastering, 0-1."""


def load_espeak_library() -> Any:
    """Make pyttsx3 use the espeakng-loader wheel's libespeak-ng and data; return its ctypes handle.

    pyttsx3 opens the library by its soname, libespeak-ng.so.1; the dynamic loader hands back an
    already-loaded library with that soname, so loading the wheel's copy first makes pyttsx3 use
    it. Not RTLD_GLOBAL: that makes piper-tts, imported later, crash (REFERENCE.md).
    Without ESPEAK_DATA_PATH, espeak-ng calls exit(1) on initialisation.
    """
    try:
        import espeakng_loader
    except ImportError:
        raise EngineError(
            "the pyttsx3 engine needs espeakng-loader; install it with: pip install espeakng-loader"
        ) from None
    os.environ["ESPEAK_DATA_PATH"] = espeakng_loader.get_data_path()
    try:
        return ctypes.CDLL(espeakng_loader.get_library_path())
    except OSError as exc:
        raise EngineError(f"cannot load libespeak-ng from espeakng-loader ({exc}); reinstall it") from None


class Pyttsx3Engine(Engine):
    """pyttsx3 with espeak-ng: fast, robotic, always available.

    espeak-ng carries state from one utterance to the next (the same text comes out a few
    samples longer or shorter depending on what was spoken before; espeak_ng_SetRandSeed does
    not reset it). So each synthesis starts espeak afresh in a forked child (about 20 ms): the
    same turn always gives the same bytes, however many jobs run and in whatever order.
    Listing and checking voices read espeak-ng's data files; this process never starts the
    synthesizer, so it has no espeak thread for a later fork to lose.
    """

    id = "pyttsx3"
    Settings = Pyttsx3Settings
    install_hint = "pip install pyttsx3 espeakng-loader"

    def __init__(self) -> None:
        self._lib = load_espeak_library()
        self._data = Path(os.environ["ESPEAK_DATA_PATH"])
        self._engine: Any = None

    def _start(self) -> None:
        """Initialise espeak through pyttsx3, once, on the first synthesis."""
        try:
            import pyttsx3
            from pyttsx3.drivers import _espeak
        except (ImportError, RuntimeError) as exc:
            raise EngineError(f"cannot start pyttsx3 ({exc}); install it with: {self.install_hint}") from None
        self._espeak = _espeak
        self._engine = pyttsx3.init("espeak")
        self._finished = threading.Event()
        self._completed = False
        self._errors: list[Exception] = []
        self._engine.connect("finished-utterance", self._on_finished)
        self._engine.connect("error", self._on_error)
        self._sample_rate = self._read_sample_rate()
        # The driver starts "busy" and only queues setProperty calls until a run loop marks it
        # idle; _speak needs them to reach espeak at once. Marking it idle here is what the
        # first runAndWait would do, without that loop's stop(), which cancels espeak while it
        # applies the driver's start-up settings and so cut the first turn short (about 1 in
        # 50 fresh starts), and without its 10 ms of sleeping.
        self._wait_idle()
        self._engine.proxy.setBusy(False)

    def _on_finished(self, name: object = None, completed: bool = True) -> None:
        self._completed = completed
        self._finished.set()

    def _on_error(self, name: object = None, exception: Exception | None = None) -> None:
        self._errors.append(exception or RuntimeError("unknown pyttsx3 error"))

    def _read_sample_rate(self) -> int:
        # The driver writes 22050 into every WAV header whatever espeak really produced; espeak-ng
        # knows its rate once initialised (every libespeak-ng in espeakng-loader 0.2 has this call).
        return int(self._lib.espeak_ng_GetSampleRate())

    @cached_property
    def version(self) -> str:
        from importlib.metadata import version

        info = self._lib.espeak_Info
        info.restype = ctypes.c_char_p
        return f"pyttsx3-{version('pyttsx3')}/espeak-ng-{info(None).decode()}"

    def voices(self) -> list[VoiceInfo]:
        found = []
        for path in (self._data / "lang").rglob("*"):
            if not path.is_file():
                continue
            fields = read_voice_file(path)
            gender = fields.get("gender", "").split(" ")[0] or None
            language = fields.get("language", "").split(" ")[0] or None
            name = fields.get("name", path.name)
            found.append(VoiceInfo(id=path.name.lower(), name=name, language=language, gender=gender))
        found.sort(key=lambda info: info.id)
        for variant in self.variants():
            found.append(VoiceInfo(id=f"+{variant}", name=f"variant {variant} (append to a voice: en-us+{variant})"))
        return found

    def variants(self) -> list[str]:
        """Voice variants (m3, f2, Annie, ...); espeak-ng lists them only as data files."""
        return sorted(p.name for p in (self._data / "voices" / "!v").iterdir() if p.is_file())

    def check_settings(self, settings: BaseModel) -> None:
        assert isinstance(settings, Pyttsx3Settings)
        base, _, variant = settings.voice.partition("+")
        known = [v.id for v in self.voices() if not v.id.startswith("+")]
        if base.lower().split("/")[-1] not in known:
            english = sorted(k for k in known if k.startswith("en"))
            raise EngineError(
                f"espeak-ng has no voice '{base}'; choose one of {', '.join(english)} "
                "(or run 'narrate voices' for every language)"
            )
        if variant and variant not in self.variants():
            raise EngineError(
                f"espeak-ng has no voice variant '+{variant}'; choose one of "
                f"{', '.join('+' + v for v in self.variants())}"
            )

    def synthesize(self, text: str, settings: BaseModel) -> AudioSegment:
        assert isinstance(settings, Pyttsx3Settings)
        if not text.strip():
            raise EngineError("cannot synthesize an empty text")
        problem = ""
        for attempt in range(1, MAX_ATTEMPTS + 1):
            result = self._speak_in_child(text, settings)
            if isinstance(result, AudioSegment):
                return result
            problem = result
            log.warning("pyttsx3 attempt %d/%d failed: %s", attempt, MAX_ATTEMPTS, problem)
        raise EngineError(f"pyttsx3 failed {MAX_ATTEMPTS} times to speak {text[:40]!r}: {problem}")

    def _speak_in_child(self, text: str, settings: Pyttsx3Settings) -> AudioSegment | str:
        """Start espeak afresh in a forked child, speak once there, and read the audio back.

        A fresh start makes the turn's bytes independent of what was spoken before, and keeps
        this process free of espeak's thread, which a later fork would lose mid-work.
        """
        import pyttsx3.drivers._espeak  # noqa: F401 - imported here, so the child need not take the import lock

        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            status = 1
            try:
                os.close(read_end)
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                # The driver only writes to files; os._exit skips cleanup, so the folder goes here.
                with tempfile.TemporaryDirectory(prefix="narrate-pyttsx3-") as folder:
                    self._wav_path = Path(folder) / "turn.wav"
                    self._start()
                    problem = self._speak(text, settings)
                    payload = b"E" + problem.encode() if problem else b"A" + self._wav_payload()
                with os.fdopen(write_end, "wb") as out:
                    out.write(payload)
                status = 0
            finally:
                os._exit(status)
        os.close(write_end)
        payload: bytes | None = None
        try:
            payload = read_with_timeout(read_end, UTTERANCE_TIMEOUT_S)
        finally:
            os.close(read_end)
            if payload is None:
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        if payload is None:
            return "timed out"
        if payload[:1] == b"A":
            (rate,) = struct.unpack_from("<I", payload, 1)
            return AudioSegment(data=payload[5:], sample_width=2, frame_rate=rate, channels=1)
        return payload[1:].decode(errors="replace") or "espeak stopped without a word"

    def _wav_payload(self) -> bytes:
        with wave.open(str(self._wav_path), "rb") as wav:
            frames = wav.readframes(wav.getnframes())
        return struct.pack("<I", self._sample_rate) + frames

    def _wait_idle(self) -> None:
        deadline = time.monotonic() + UTTERANCE_TIMEOUT_S
        while self._espeak.IsPlaying():
            if time.monotonic() > deadline:
                self._espeak.Cancel()
                break
            time.sleep(IDLE_POLL_S)

    def _speak(self, text: str, settings: Pyttsx3Settings) -> str:
        """One utterance into self._wav_path; returns what went wrong, or '' when it came out whole."""
        self._errors.clear()
        self._wait_idle()
        engine = self._engine
        engine.setProperty("voice", settings.voice)
        engine.setProperty("rate", settings.rate)
        engine.setProperty("pitch", settings.pitch)
        engine.setProperty("volume", settings.volume)
        # Parameter changes go through espeak's command queue: let them land before speaking,
        # or the cancel inside runAndWait can drop them.
        self._wait_idle()
        if self._errors:
            return f"setting the voice failed: {self._errors[0]}"
        mismatch = self._settings_mismatch(settings)
        if mismatch:
            return mismatch
        self._wav_path.unlink(missing_ok=True)
        self._finished.clear()
        self._completed = False
        # The driver prints "Audio saved to ..." for every file; the library must not print.
        with contextlib.redirect_stdout(io.StringIO()):
            engine.save_to_file(text, str(self._wav_path))
            engine.runAndWait()
            finished = self._finished.wait(UTTERANCE_TIMEOUT_S)
        if not finished:
            self._espeak.Cancel()
            return "timed out"
        if not self._completed:
            return "the utterance was cut short"
        if self._errors:
            return str(self._errors[0])
        if not self._wav_path.exists() or self._wav_path.stat().st_size <= 44:
            return "no audio was written"
        return ""

    def _settings_mismatch(self, settings: Pyttsx3Settings) -> str:
        get = self._lib.espeak_GetParameter
        rate, pitch = get(ESPEAK_RATE, 1), get(ESPEAK_PITCH, 1)
        if rate != settings.rate or pitch != settings.pitch:
            return f"espeak kept rate {rate} and pitch {pitch} instead of {settings.rate} and {settings.pitch}"
        return ""


def read_with_timeout(fd: int, timeout: float) -> bytes | None:
    """Everything written to a pipe until its other end closes; None after timeout seconds."""
    chunks = []
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            return None
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def read_voice_file(path: Path) -> dict[str, str]:
    """The first value of each keyword in an espeak-ng voice file ('name English (America)')."""
    fields: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        key, _, value = line.strip().partition(" ")
        if key and key not in fields:
            fields[key] = value.strip()
    return fields
