"""Bad input (issue 7): one 'Error: ...' line that names the file, line or turn and the fix, exit
code 1, no traceback, and the last good build and the cache left exactly as they were.

Cases already covered elsewhere, with their exact messages: --chapter 99 and a speaker not in
the cast (test_cli), invalid voices, scripts and texts read by the library (test_voices,
test_script, test_text), SIGINT and SIGKILL at random moments, two builds at once and a corrupt
cache entry (test_incremental).
"""

from __future__ import annotations

import errno
import hashlib
import os
import resource
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from narrate import Project, build_chapter
from narrate.cache import MAGIC, Cache
from narrate.cli import cli
from narrate.engines import registry
from narrate.script import load_script

from .conftest import REPO, SHORT_CHAPTER, line_number, make_project
from .measure import decode_mp3


def run(*args: str | Path):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert not (result.exception and not isinstance(result.exception, SystemExit)), result.output
    assert "Traceback" not in result.output
    return result


def build(root: Path, *extra: str):
    return run("build", "--chapter", "3", "--project", root, "-q", *extra)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def snapshot(root: Path) -> dict[str, str]:
    """Digest of every output file and cache entry."""
    files = [*(root / "output").glob("*"), *(root / ".narrate-cache").rglob("*")]
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files if p.is_file()}


def assert_cache_whole(root: Path) -> None:
    entries = [p for p in (root / ".narrate-cache").rglob("*") if p.is_file()]
    assert entries
    cache = Cache(root / ".narrate-cache")
    for entry in entries:
        assert entry.read_bytes().startswith(MAGIC), entry
        assert cache.get(entry.parent.parent.name, entry.name) is not None, f"{entry} is corrupt"


@pytest.fixture
def built(tone_project: Path) -> Path:
    """The tone project after a good build of chapter 3 (which also wrote its cast script)."""
    result = build(tone_project)
    assert result.exit_code == 0, result.output
    return tone_project


VOICES = "voices.yaml"
SCRIPT = "scripts/chapter-3.yaml"
TEXT = "texts/chapter-3.txt"
LENIN_VOICE = "    voice: {engine: tone, frequency: 300}\n"


def real_voices(old: str, new: str) -> Callable[[Path], None]:
    """Put the shipped pyttsx3 voices.yaml in place, with one edit."""

    def mutate(root: Path) -> None:
        shutil.copy(REPO / "voices.yaml", root / VOICES)
        edit(root / VOICES, old, new)

    return mutate


def editing(name: str, old: str, new: str) -> Callable[[Path], None]:
    return lambda root: edit(root / name, old, new)


def no_script_and_text(data: bytes) -> Callable[[Path], None]:
    """A new text for the chapter, with no cast script yet: the build reads the text."""

    def mutate(root: Path) -> None:
        (root / SCRIPT).unlink()
        (root / TEXT).write_bytes(data)

    return mutate


def script_without_turns(root: Path) -> None:
    text = (root / SCRIPT).read_text(encoding="utf-8")
    (root / SCRIPT).write_text(text[: text.index("turns:")] + "turns: []\n", encoding="utf-8")


# (case, how to break the project, the exact message after "Error: ", with {root} for the project)
BAD_INPUTS = [
    (
        "voices.yaml: YAML syntax error",
        editing(VOICES, "frequency: 300}", "frequency: [300}"),
        "{root}/voices.yaml, line 13, column 42: YAML syntax error: expected ',' or ']', but got '}'; "
        "fix the voices file there",
    ),
    (
        "cast script: YAML syntax error",
        editing(SCRIPT, "speaker: lenin", "speaker: [lenin"),
        "{root}/scripts/chapter-3.yaml, line 16, column 7: YAML syntax error: expected ',' or ']', but got ':'; "
        "fix the cast script there",
    ),
    (
        "voices.yaml: wrong type",
        editing(VOICES, "frequency: 300", "frequency: high"),
        "{root}/voices.yaml, line 13: 'characters.lenin.voice.frequency': Input should be a valid number, "
        "unable to parse string as a number (got 'high')",
    ),
    (
        "voices.yaml: missing key",
        editing(VOICES, "    name: Lenin\n", ""),
        "{root}/voices.yaml, character 'lenin', line 10: 'characters.lenin.name' is missing; add it",
    ),
    (
        "cast script: wrong type",
        editing(SCRIPT, "paragraph: 2", "paragraph: two"),
        "{root}/scripts/chapter-3.yaml, turn 3, line 17: 'turns.2.paragraph': Input should be a valid integer, "
        "unable to parse string as an integer (got 'two')",
    ),
    (
        "cast script: missing key",
        editing(SCRIPT, "  text: Stay a little longer.\n", ""),
        "{root}/scripts/chapter-3.yaml, turn 8, line 39: 'turns.7.text' is missing; add it",
    ),
    (
        "cast script: unknown key (speker:)",
        editing(SCRIPT, "- speaker: lenin", "- speker: lenin"),
        "2 problems: {root}/scripts/chapter-3.yaml, turn 3, line 15: 'turns.2.speaker' is missing; add it; "
        "{root}/scripts/chapter-3.yaml, turn 3, line 15: unknown key 'speker'; remove it or fix its spelling",
    ),
    (
        "a character with no voice",
        editing(VOICES, LENIN_VOICE, ""),
        "scripts/chapter-3.yaml, turn 3: 'lenin' has no voice in {root}/voices.yaml; give 'lenin' a 'voice:' "
        "entry there",
    ),
    (
        "a voice the engine does not have",
        editing(VOICES, "frequency: 300}", "frequency: 300, voice: bass}"),
        "{root}/voices.yaml, characters.lenin.voice, line 13: no voice 'bass'; choose one of tone",
    ),
    (
        "pitch out of range",
        real_voices("pitch: 42", "pitch: -5"),
        "{root}/voices.yaml, line 12: 'narrator.voice.pitch': Input should be greater than or equal to 0 (got -5)",
    ),
    (
        "volume out of range",
        real_voices("volume: 1.0\ncharacters", "volume: 1.5\ncharacters"),
        "{root}/voices.yaml, line 13: 'narrator.voice.volume': Input should be less than or equal to 1 (got 1.5)",
    ),
    (
        "an empty turn text",
        editing(SCRIPT, "text: Stay a little longer.", "text: ''"),
        "{root}/scripts/chapter-3.yaml, turn 8, line 40: 'turns.7.text': the text is empty; write the words or "
        "delete the turn (got '')",
    ),
    (
        "a cast script with no turns",
        script_without_turns,
        "{root}/scripts/chapter-3.yaml: the script has no turns; add turns or rebuild it with "
        "'narrate script --chapter 3 --force'",
    ),
    (
        "a cast script whose chapter text changed",
        editing(TEXT, "at the Kremlin", "in the Kremlin"),
        "texts/chapter-3.txt changed since scripts/chapter-3.yaml was built from it; update the script with "
        "'narrate script --chapter 3' (it keeps your speakers for unchanged turns), or build it as it is with "
        "'narrate build --chapter 3 --keep-script'",
    ),
    (
        "a text that is not UTF-8",
        no_script_and_text(SHORT_CHAPTER.replace("Kremlin", "Kremlín").encode("cp1252")),
        "{root}/texts/chapter-3.txt, line 7: the text is not valid utf-8; convert it to UTF-8 or pass the encoding "
        "it was saved in with --encoding (for example --encoding cp1252)",
    ),
    (
        "an empty text",
        no_script_and_text(b""),
        "{root}/texts/chapter-3.txt: the text has no words to read; put the chapter's text in it",
    ),
    (
        "a text of punctuation only",
        no_script_and_text("— … —\n\n* * *\n\n“…”\n".encode()),
        "{root}/texts/chapter-3.txt: the text has no words to read; put the chapter's text in it",
    ),
    (
        "a text of a heading only",
        no_script_and_text(b"Chapter 3\n\nA Short Visit\n\n\n"),
        "{root}/texts/chapter-3.txt: the text has no words to read; put the chapter's text in it",
    ),
]


@pytest.mark.parametrize(("mutate", "message"), [case[1:] for case in BAD_INPUTS], ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_is_one_error_line_and_loses_nothing(
    built: Path, tone_engine, mutate: Callable[[Path], None], message: str
) -> None:
    before = snapshot(built)
    spoken = len(tone_engine.calls())
    mutate(built)
    result = build(built)
    assert result.exit_code == 1
    expected = message.replace("{root}", str(built))
    assert result.output == f"Error: {expected}\n"
    assert snapshot(built) == before
    assert len(tone_engine.calls()) == spoken, "nothing is synthesized before the input is checked"
    assert not list((built / "output").glob(".*.part"))


def test_a_changed_text_is_rebuilt_keeping_corrections_or_built_as_it_is(built: Path) -> None:
    script = built / SCRIPT
    edit(script, "- speaker: lenin\n  text: Stay a little longer.", "- speaker: pestana\n  text: Stay a little longer.")
    edit(built / TEXT, "at the Kremlin", "in the Kremlin")
    assert build(built).exit_code == 1
    kept = build(built, "--keep-script")
    assert kept.exit_code == 0, kept.output
    assert load_script(script).turns[1].text == "We went to see Lenin at the Kremlin."
    assert build(built).exit_code == 1, "--keep-script holds for one build; the check stays"
    # 'narrate script' updates the script (keeping corrections: test_cli), and the check passes.
    assert run("script", "--chapter", "3", "--project", built).exit_code == 0
    rebuilt = build(built)
    assert rebuilt.exit_code == 0, rebuilt.output


def test_a_bad_voice_is_refused_before_the_cast_script_is_written(tone_project: Path, tone_engine) -> None:
    edit(tone_project / VOICES, "frequency: 300}", "frequency: 300, voice: bass}")
    result = build(tone_project)
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {tone_project}/voices.yaml, characters.lenin.voice, line 13: no voice 'bass'; choose one of tone\n"
    )
    assert not (tone_project / "scripts").exists()
    assert not (tone_project / "output" / "chapter-3.mp3").exists()
    assert tone_engine.calls() == []


def test_a_text_that_is_not_utf8_builds_with_its_encoding(tone_project: Path) -> None:
    (tone_project / TEXT).write_bytes(SHORT_CHAPTER.replace("Kremlin", "Kremlín").encode("cp1252"))
    result = build(tone_project, "--encoding", "cp1252")
    assert result.exit_code == 0, result.output
    assert load_script(tone_project / SCRIPT).turns[1].text == "We went to see Lenin at the Kremlín."
    assert build(tone_project).exit_code == 0, "the script's text did not change, whatever its encoding"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["build"], "Error: Missing option '--chapter' / '-c'.\n"),
        (["build", "-c", "3", "-j", "0"], "Error: Invalid value for '--jobs' / '-j': 0 is not in the range x>=1.\n"),
    ],
)
def test_usage_errors_exit_2(tone_project: Path, args: list[str], message: str) -> None:
    result = run(*args, "--project", tone_project)
    assert result.exit_code == 2
    assert result.output.endswith(message)
    assert result.output.count("Error: ") == 1


def test_an_engine_whose_backend_is_not_installed(
    tone_project: Path, monkeypatch: pytest.MonkeyPatch, tone_engine
) -> None:
    from narrate.engines import piper_engine

    real_find_spec = piper_engine.find_spec
    monkeypatch.setattr(piper_engine, "find_spec", lambda name: None if name == "piper" else real_find_spec(name))
    monkeypatch.delitem(registry._instances, "piper", raising=False)
    shutil.copy(REPO / "voices.piper.yaml", tone_project / "voices.yaml")
    result = build(tone_project)
    line = line_number(REPO / "voices.piper.yaml", "narrator:", "  voice:")
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {tone_project}/voices.yaml, narrator.voice, line {line}: the piper engine needs piper-tts; "
        "install it with: pip install 'narrate[piper]'\n"
    )
    assert not (tone_project / "output" / "chapter-3.mp3").exists()


def test_an_output_folder_that_is_a_file(tone_project: Path) -> None:
    (tone_project / "output").write_text("not a folder")
    result = build(tone_project)
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {tone_project}/output: is a file, not a folder; move it away so that the output can go there\n"
    )
    assert (tone_project / "output").read_text() == "not a folder"


def test_an_output_folder_that_cannot_be_written(built: Path, fake_engine_path: Path) -> None:
    before = snapshot(built)
    command = [sys.executable, "-m", "narrate", "build", "--chapter", "3", "--project", str(built), "-q"]
    if os.geteuid() == 0:
        # Root writes into a read-only folder, unless it gives up the power to (CAP_DAC_OVERRIDE).
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root, without setpriv to drop CAP_DAC_OVERRIDE")
        command = [setpriv, "--bounding-set=-dac_override,-dac_read_search", *command]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(fake_engine_path), *sys.path])}
    (built / "output").chmod(0o555)
    try:
        result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    finally:
        (built / "output").chmod(0o755)
    assert result.returncode == 1
    assert result.stderr == (
        f"Error: {built}/output: cannot write the output there (Permission denied); "
        "make the folder writable or run narrate from another project folder\n"
    )
    assert snapshot(built) == before


def test_a_text_without_quotations_is_all_narration(tone_project: Path) -> None:
    (tone_project / TEXT).write_text("Chapter 3\n\nNobody spoke.\n\nThe night went on; nobody said a word.\n")
    result = build(tone_project)
    assert result.exit_code == 0, result.output
    turns = load_script(tone_project / SCRIPT).turns
    assert [(t.speaker, t.text) for t in turns] == [
        ("narrator", "Chapter 3."),
        ("narrator", "Nobody spoke."),
        ("narrator", "The night went on; nobody said a word."),
    ]


def test_a_quotation_that_never_closes_is_built_and_marked_for_review(tone_project: Path) -> None:
    (tone_project / TEXT).write_text(
        SHORT_CHAPTER.replace("but we cannot.”", "but we cannot, he said.")
        + "\nWe left.\n\n“A speech, over two paragraphs,\n\n“goes on here,” Lenin said.\n",
        encoding="utf-8",
    )
    result = build(tone_project)
    assert result.exit_code == 0, result.output
    turns = load_script(tone_project / SCRIPT).turns
    open_turn = next(t for t in turns if t.text == "No; you are kind, Lenin, but we cannot, he said.")
    assert open_turn.check
    assert open_turn.cue is not None and open_turn.cue.endswith("; the quotation never closes: check where it ends")
    # Gutenberg style: each paragraph of a long speech opens with a mark and leaves the last open.
    assert [(t.text, t.cue) for t in turns[-3:]] == [
        ("A speech, over two paragraphs,", "open quotation"),
        ("goes on here,", "tag"),
        ("Lenin said.", None),
    ]


# Full disk: the output is written last, after every turn is rendered into the cache.


def test_a_full_disk_while_writing_the_output(built: Path, fake_engine_path: Path) -> None:
    """A real failing write: the build runs with a file-size limit (RLIMIT_FSIZE, SIGXFSZ ignored,
    so write() fails with EFBIG) that the cache entries fit under and the MP3 does not."""
    before = snapshot(built)
    mp3 = built / "output" / "chapter-3.mp3"
    largest_entry = max(p.stat().st_size for p in (built / ".narrate-cache").rglob("*") if p.is_file())
    limit = 2 * largest_entry
    assert limit < mp3.stat().st_size
    edit(built / SCRIPT, "text: Stay a little longer.", "text: Stay a little longer, please.")

    def limit_file_size() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(fake_engine_path), *sys.path])}
    command = [sys.executable, "-m", "narrate", "build", "--chapter", "3", "--project", str(built), "-q"]
    full = subprocess.run(command, capture_output=True, text=True, env=env, preexec_fn=limit_file_size, timeout=120)
    assert full.returncode == 1
    assert full.stderr == f"Error: {mp3}: writing failed (File too large); free some space or check the folder\n"
    after = snapshot(built)
    assert {k: v for k, v in after.items() if k.startswith("output")} == {
        k: v for k, v in before.items() if k.startswith("output")
    }
    assert after.keys() > before.keys(), "the new turn was cached"
    assert not list((built / "output").glob(".*.part"))
    assert_cache_whole(built)

    freed = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert freed.returncode == 0, freed.stderr
    assert ", 0 rendered)" in freed.stdout, "everything came from the cache"
    assert decode_mp3(mp3).duration > 5


@pytest.mark.parametrize("failing", ["chapter-3.mp3", "chapter-3.json", "chapter-3.vtt"])
def test_no_space_left_on_any_output_file_keeps_all_three(
    built: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    """ENOSPC injected at the write call of one of the three files, after some bytes went
    through: the other two, written first or not, stay as the last good build left them."""
    before = snapshot(built)
    edit(built / SCRIPT, "text: Stay a little longer.", "text: Stay a little longer, please.")
    real_open = Path.open

    class FillingFile:
        """A file that takes 100 bytes, then fails as a full disk does."""

        def __init__(self, handle) -> None:
            self.handle, self.room = handle, 100

        def write(self, data):
            if len(data) > self.room:
                self.handle.write(data[: self.room])
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            self.room -= len(data)
            return self.handle.write(data)

        def __getattr__(self, name):
            return getattr(self.handle, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc) -> None:
            self.handle.close()

    def open_filling(self: Path, mode: str = "r", *args, **kwargs):
        handle = real_open(self, mode, *args, **kwargs)
        if self.name.startswith(f".{failing}.") and "w" in mode:
            return FillingFile(handle)
        return handle

    monkeypatch.setattr(Path, "open", open_filling)
    result = build(built)
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {built}/output/{failing}: writing failed (No space left on device); "
        "free some space or check the folder\n"
    )
    after = snapshot(built)
    assert {k: v for k, v in after.items() if k.startswith("output")} == {
        k: v for k, v in before.items() if k.startswith("output")
    }
    assert not list((built / "output").glob(".*.part"))
    assert_cache_whole(built)
    monkeypatch.undo()
    assert build_chapter(Project(built), 3).rendered == 0


def test_a_full_disk_while_tagging_is_a_failed_write_not_a_traceback(tmp_path: Path, monkeypatch) -> None:
    """mutagen wraps the OSError of a full disk in its MutagenError; the chapter MP3 and the
    book file are both tagged through write_tags, so both must report it as a failed write."""
    from mutagen import MutagenError
    from mutagen.id3 import ID3

    from narrate.errors import ExportError
    from narrate.export import Tags, write_tags
    from narrate.yamlfile import write_atomically

    def full_disk(self, *args, **kwargs) -> None:
        try:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        except OSError as exc:
            raise MutagenError(exc) from exc  # as mutagen's convert_error wraps it

    monkeypatch.setattr(ID3, "save", full_disk)
    book = tmp_path / "output" / "book.mp3"
    with pytest.raises(ExportError) as info:
        write_atomically(book, lambda tmp: write_tags(tmp, Tags(title="T", album="A", artist="P")))
    assert str(info.value) == f"{book}: writing failed (No space left on device); free some space or check the folder"
    assert list(book.parent.iterdir()) == []


def test_a_cache_that_cannot_be_written_is_skipped_with_one_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    cache = Cache(tmp_path / "cache")

    def no_space(fd: int, mode: str):
        os.close(fd)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("narrate.cache.os.fdopen", no_space)
    for key in ("ab" * 32, "cd" * 32):
        cache.put("speech", key, b"audio")
        assert cache.get("speech", key) is None
    assert not [p for p in (tmp_path / "cache").rglob("*") if p.is_file()], "no temporary file left"
    assert [r.getMessage() for r in caplog.records] == [
        f"cannot write to the cache {tmp_path / 'cache'} (No space left on device); going on without it"
    ]


# A 5 MB text: chapter 19's paragraphs over and over, 221 times.


@pytest.fixture(scope="module")
def five_mb_text() -> str:
    body = (REPO / "texts" / "chapter-19.txt").read_text(encoding="utf-8").split("An Interview with Lenin\n", 1)[1]
    copies = 5_000_000 // len(body.encode("utf-8")) + 1
    return "Chapter 5\n\nA Very Long Chapter\n" + body * copies


def test_a_5_mb_text_gets_a_script_and_a_build_refuses_it_before_synthesis(tmp_path: Path, five_mb_text: str) -> None:
    root = make_project(tmp_path / "book", chapter_text=five_mb_text, number=5)
    assert len(five_mb_text.encode("utf-8")) >= 5_000_000
    # How fast: benchmarks/attribution.py times a 120,000-word text; a test only checks what is done.
    result = run("script", "--chapter", "5", "--project", root)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Wrote scripts/chapter-5.yaml: 27722 turns, 15400 quotations")

    refused = run("build", "--chapter", "5", "--project", root, "-q")
    assert refused.exit_code == 1
    assert refused.output == (
        "Error: scripts/chapter-5.yaml has 846,346 words: at least 28.2 hours even read at 500 words a minute, "
        "over the 120 minutes a file may hold (ACX); split texts/chapter-5.txt into chapters of at most about "
        "18,000 words\n"
    )
    assert not (root / "output" / "chapter-5.mp3").exists()
    assert not (root / ".narrate-cache").exists(), "nothing was synthesized"


def test_a_long_chapter_without_a_script_is_refused_before_its_script_is_written(tmp_path: Path) -> None:
    root = make_project(tmp_path / "book", chapter_text="Chapter 5\n\n" + "Word and word. " * 30_001, number=5)
    result = run("build", "--chapter", "5", "--project", root, "-q")
    assert result.exit_code == 1
    assert result.output == (
        "Error: texts/chapter-5.txt has 90,005 words: at least 3.0 hours even read at 500 words a minute, over "
        "the 120 minutes a file may hold (ACX); split it into chapters of at most about 18,000 words\n"
    )
    assert not (root / "scripts" / "chapter-5.yaml").exists()
