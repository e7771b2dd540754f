"""The whole job for one chapter: cast script, synthesis, MP3 and timings."""

from __future__ import annotations

import fcntl
import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from .attribute import build_script
from .book import load_book
from .cache import Cache
from .check import ACX_MAX_MINUTES, FASTEST_WORDS_PER_MINUTE
from .errors import ExportError, NarrateError, ScriptError
from .export import chapter_tags, write_mp3, write_subtitles, write_timings
from .project import Project
from .render import Progress, render_chapter
from .script import CastScript, check_speakers, keep_corrections, load_script, save_script
from .settings import load_settings
from .text import hash_file, load_chapter
from .voices import CastSpec, load_cast
from .yamlfile import written_together

log = logging.getLogger(__name__)

# An audiobook's usual pace, to say how long a chapter may be.
USUAL_WORDS_PER_MINUTE: Final = 150


@dataclass(frozen=True)
class BuildResult:
    """What a build wrote."""

    mp3: Path
    timings: Path
    subtitles: Path
    duration: float
    """Seconds of audio."""
    turns: int
    rendered: int
    """Turns rendered anew; the others came from the cache."""
    script_created: bool
    """True when the cast script did not exist and was built first."""


def make_script(
    project: Project,
    chapter: int,
    *,
    voices_path: Path | None = None,
    encoding: str = "utf-8",
    cast: CastSpec | None = None,
) -> CastScript:
    """Build a chapter's cast script from its text and the cast (by default voices.yaml's)."""
    project.require_chapter(chapter)
    if cast is None:
        cast = load_cast(voices_path or project.voices_path, check_voices=False).spec
    text_path = project.text_path(chapter)
    return script_from_text(text_path, cast, source=project.relative(text_path), encoding=encoding, chapter=chapter)


def script_from_text(
    text_path: Path, cast: CastSpec, *, source: str, encoding: str = "utf-8", chapter: int | None = None
) -> CastScript:
    """The builder's cast script of a text; source names the text in the script, and chapter
    numbers a script whose text has no 'Chapter N' heading."""
    parsed = load_chapter(text_path, encoding)
    script = build_script(parsed, cast, source=source)
    if chapter is not None and parsed.number is None:
        script = script.model_copy(update={"chapter": chapter})
    return script


@dataclass(frozen=True)
class ScriptResult:
    """What `narrate script` wrote."""

    path: Path
    script: CastScript
    kept: int
    """Turns whose speaker came from the existing script, unchanged text and all."""


def write_chapter_script(
    project: Project,
    chapter: int,
    *,
    force: bool = False,
    voices_path: Path | None = None,
    encoding: str = "utf-8",
    output: Path | None = None,
) -> ScriptResult:
    """Write scripts/chapter-N.yaml. Over an existing script, the person's speakers are kept for
    every turn whose text did not change (keep_corrections; force: start afresh). With output, write the
    builder's own attribution there instead, and leave the chapter's script alone."""
    path = output or project.script_path(chapter)
    script = make_script(project, chapter, voices_path=voices_path, encoding=encoding)
    kept = 0
    if output is None and path.exists() and not force:
        script, kept = keep_corrections(script, load_script(path))
    save_script(script, path)
    return ScriptResult(path, script, kept)


def write_text_script(text_path: Path, cast_path: Path, output: Path, *, encoding: str = "utf-8") -> ScriptResult:
    """The builder's own cast script for any text, with no corrections merged in."""
    cast = load_cast(cast_path, check_voices=False)
    script = script_from_text(text_path, cast.spec, source=str(text_path), encoding=encoding)
    save_script(script, output)
    return ScriptResult(output, script, 0)


def build_chapter(
    project: Project,
    chapter: int,
    *,
    voices_path: Path | None = None,
    profile: str | None = None,
    jobs: int | None = None,
    use_cache: bool = True,
    progress: Progress | None = None,
    keep_script: bool = False,
    encoding: str = "utf-8",
) -> BuildResult:
    """Render a chapter to output/chapter-N.mp3, .json and .vtt, all three or none.

    Uses the chapter's cast script as edited, or builds and saves it first when there is none
    (reading the text with encoding). A script whose text changed since it was built is
    refused, unless keep_script. Every file is checked before any synthesis, so a mistake
    costs seconds, not a build.
    """
    project.require_chapter(chapter)
    ensure_writable(project.output_dir)
    with chapter_lock(project, chapter):
        # The cast first, every voice checked: a bad voice is refused before a script is written.
        cast = load_cast(voices_path or project.voices_path)
        script, created = chapter_script(project, chapter, cast.spec, keep_script=keep_script, encoding=encoding)
        check_speakers(script, cast, Path(project.relative(project.script_path(chapter))))
        book = load_book(project.book_path)
        settings = load_settings(project.settings_path)
        mastering = settings.profile(profile)

        rendered = render_chapter(
            script,
            cast,
            pacing=settings.pacing,
            profile=mastering,
            cache=Cache(project.cache_dir if use_cache else None),
            jobs=jobs or os.cpu_count() or 1,
            progress=progress,
        )
        duration = rendered.duration
        if duration > ACX_MAX_MINUTES * 60:
            raise ExportError(
                f"chapter {chapter} would last {duration / 60:.0f} minutes, over the {ACX_MAX_MINUTES} a file "
                "may hold (ACX); split the chapter's text into two chapters"
            )
        mp3_path = project.mp3_path(chapter)
        timings_path = project.timings_path(chapter)
        subtitles_path = project.subtitles_path(chapter)
        with written_together():
            write_mp3(mp3_path, rendered.iter_mp3(), chapter_tags(book, script.chapter, script.title))
            write_timings(timings_path, rendered.timings)
            write_subtitles(subtitles_path, rendered.timings, {s: cast.display_name(s) for s in cast.speaker_ids})
    return BuildResult(
        mp3=mp3_path,
        timings=timings_path,
        subtitles=subtitles_path,
        duration=duration,
        turns=len(script.turns),
        rendered=rendered.rendered,
        script_created=created,
    )


@contextmanager
def chapter_lock(project: Project, chapter: int) -> Iterator[None]:
    """One build of a chapter at a time; then the temporary files a killed build left are stale."""
    path = project.output_dir / f".chapter-{chapter}.lock"
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise NarrateError(
                f"another build of chapter {chapter} is running ({project.relative(path)} is locked); "
                "wait for it to finish"
            ) from None
        for stale in project.output_dir.glob(f".chapter-{chapter}.*.part"):
            stale.unlink(missing_ok=True)
        yield


def chapter_script(
    project: Project, chapter: int, cast: CastSpec, *, keep_script: bool, encoding: str
) -> tuple[CastScript, bool]:
    """The chapter's cast script as edited, or built from its text and saved when there is none
    (then True); either way checked against its text and its length, before any synthesis."""
    script_path, text_path = project.script_path(chapter), project.text_path(chapter)
    if script_path.exists():
        script = load_script(script_path)
        if not keep_script:
            check_source(project, chapter, script)
        split = project.relative(text_path) if text_path.exists() else "the chapter"
        check_length(script, counted=project.relative(script_path), split=split)
        return script, False
    script = make_script(project, chapter, encoding=encoding, cast=cast)
    check_length(script, counted=project.relative(text_path), split="it")
    save_script(script, script_path)
    log.info("wrote %s", script_path)
    return script, True


def check_source(project: Project, chapter: int, script: CastScript) -> None:
    """Refuse a script whose chapter text changed since the script was built from it.

    Its turns would no longer read the text: a correction in the text would never be heard.
    A script without source_sha256 (written by hand) is not checked.
    """
    text_path = project.text_path(chapter)
    if script.source_sha256 is None or not text_path.exists():
        return
    if hash_file(text_path) != script.source_sha256:
        raise ScriptError(
            f"{project.relative(text_path)} changed since {project.relative(project.script_path(chapter))} "
            f"was built from it; update the script with 'narrate script --chapter {chapter}' (it keeps your "
            f"speakers for unchanged turns), or build it as it is with 'narrate build --chapter {chapter} "
            "--keep-script'"
        )


def check_length(script: CastScript, *, counted: str, split: str) -> None:
    """Refuse, before any synthesis, a chapter too long for one file however fast it is read:
    more than FASTEST_WORDS_PER_MINUTE * ACX_MAX_MINUTES words. counted names the file the
    words were counted in, split what the person should split."""
    words = sum(len(turn.text.split()) for turn in script.turns)
    if words <= FASTEST_WORDS_PER_MINUTE * ACX_MAX_MINUTES:
        return
    hours = words / FASTEST_WORDS_PER_MINUTE / 60
    raise ExportError(
        f"{counted} has {words:,} words: at least {hours:.1f} hours even read at "
        f"{FASTEST_WORDS_PER_MINUTE} words a minute, over the {ACX_MAX_MINUTES} minutes a file may hold (ACX); "
        f"split {split} into chapters of at most about {USUAL_WORDS_PER_MINUTE * ACX_MAX_MINUTES:,} words"
    )


def ensure_writable(folder: Path) -> None:
    """Fail before synthesis, not after, when the output folder cannot be written."""
    if folder.exists() and not folder.is_dir():
        raise ExportError(f"{folder}: is a file, not a folder; move it away so that the output can go there")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".narrate-probe-"):
            pass
    except OSError as exc:
        raise ExportError(
            f"{folder}: cannot write the output there ({exc.strerror or exc}); "
            "make the folder writable or run narrate from another project folder"
        ) from None
