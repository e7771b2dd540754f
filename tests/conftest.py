"""Shared fixtures: a throwaway project folder and a fake engine registered through entry points."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from narrate.engines import registry

REPO = Path(__file__).resolve().parent.parent

FAKE_ENGINE_MODULE = '''
"""A fake engine from outside narrate: a fixed-length tone per word.

It runs in narrate's worker processes, so it records each call as a line in the file named by
NARRATE_TONE_LOG.
"""
import json, math, os, struct
from pydantic import BaseModel, ConfigDict, Field
from narrate.audio import AudioSegment
from narrate.engines import Engine, VoiceInfo
from narrate.errors import EngineError

SAMPLE_RATE = 16000
WORD_MS = 100


def calls():
    """(text, frequency) of every synthesis so far."""
    path = os.environ.get("NARRATE_TONE_LOG")
    if not path or not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [tuple(json.loads(line)) for line in f]

class ToneSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    voice: str = "tone"
    frequency: float = Field(220.0, gt=20, lt=4000)

class ToneEngine(Engine):
    id = "tone"
    Settings = ToneSettings
    version = "tone-1"
    def voices(self):
        return [VoiceInfo(id="tone", name="Tone")]
    def check_settings(self, settings):
        if settings.voice != "tone":
            raise EngineError(f"no voice '{settings.voice}'; choose one of tone")
    def synthesize(self, text, settings):
        with open(os.environ["NARRATE_TONE_LOG"], "a", encoding="utf-8") as f:
            f.write(json.dumps([text, settings.frequency]) + "\\n")
        words = len(text.split())
        n = words * WORD_MS * SAMPLE_RATE // 1000
        amp = 8000
        frames = b"".join(
            struct.pack("<h", int(amp * math.sin(2 * math.pi * settings.frequency * i / SAMPLE_RATE)))
            for i in range(n)
        )
        return AudioSegment(data=frames, sample_width=2, frame_rate=SAMPLE_RATE, channels=1)
'''


@pytest.fixture(scope="session")
def fake_engine_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding a distribution that registers the 'tone' engine via entry points."""
    root = tmp_path_factory.mktemp("fake-engine")
    (root / "narrate_tone_engine.py").write_text(FAKE_ENGINE_MODULE)
    dist = root / "narrate_tone_engine-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: narrate-tone-engine\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[narrate.engines]\ntone = narrate_tone_engine:ToneEngine\n")
    return root


@pytest.fixture
def tone_engine(fake_engine_path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """The fake engine installed for this test; returns its module (its calls() lists what it spoke)."""
    monkeypatch.syspath_prepend(str(fake_engine_path))
    monkeypatch.setenv("NARRATE_TONE_LOG", str(tmp_path / "tone-calls.jsonl"))
    registry._entry_points.cache_clear()
    import narrate_tone_engine

    yield narrate_tone_engine
    registry._entry_points.cache_clear()
    registry._instances.pop("tone", None)


TONE_VOICES = textwrap.dedent(
    """\
    narrator:
      person: first
      character: pestana
      voice: {engine: tone, frequency: 150}
    characters:
      pestana:
        name: Pestaña
        gender: male
      lenin:
        name: Lenin
        aliases: [Vladimir Ilyich]
        gender: male
        voice: {engine: tone, frequency: 300}
    """
)

SHORT_CHAPTER = textwrap.dedent(
    """\
    Chapter 3

    Submitted by Someone on June 2, 2012

    A Short Visit

    We went to see Lenin at the Kremlin.

    “When do you plan to leave?”, he asked us.

    “Very soon,” we answered. “We only need a little more information.”

    “Stay a little longer.”

    “No; you are kind, Lenin, but we cannot.”
    """
)


def make_project(root: Path, *, voices: str | None = None, chapter_text: str = SHORT_CHAPTER, number: int = 3) -> Path:
    """A project folder with one chapter, the repo's book.yaml and the given voices."""
    (root / "texts").mkdir(parents=True, exist_ok=True)
    (root / "texts" / f"chapter-{number}.txt").write_text(chapter_text, encoding="utf-8")
    shutil.copy(REPO / "book.yaml", root / "book.yaml")
    if voices is None:
        shutil.copy(REPO / "voices.yaml", root / "voices.yaml")
    else:
        (root / "voices.yaml").write_text(voices, encoding="utf-8")
    return root


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project with a short chapter 3 and the repo's real voices.yaml."""
    return make_project(tmp_path / "book")


@pytest.fixture
def tone_project(tmp_path: Path, tone_engine) -> Path:
    """A project with a short chapter 3 cast on the fake tone engine."""
    return make_project(tmp_path / "book", voices=TONE_VOICES)


@pytest.fixture(autouse=True)
def _elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Library code must not depend on the working directory: run every test from an empty one.
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)


def line_number(path: Path, section: str, key: str) -> int:
    """The 1-based line of the first `key` line after the `section` line: where an error about it points.

    Tests of the shipped YAML files use it so that editing their comments does not break them.
    """
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(section))
    return next(i for i in range(start, len(lines)) if lines[i].startswith(key)) + 1
