"""The narrate command line: options in, one library call, output out."""

from __future__ import annotations

import logging
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from .errors import EngineError, NarrateError

# The library is imported inside each command, so that `narrate --help` and a usage error do
# not wait for numpy, pydantic and the engines to load.

chapter_option = click.option(
    "--chapter", "-c", type=click.IntRange(min=0), required=True, help="Chapter number, as in texts/chapter-N.txt."
)
project_option = click.option(
    "--project",
    "project_root",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The project folder (texts/, scripts/, voices.yaml, book.yaml, output/).",
)
voices_option = click.option(
    "--voices",
    "voices_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The cast file to use instead of the project's voices.yaml.",
)


@contextmanager
def bad_parameter() -> Iterator[None]:
    """Turn a library check of an option's value into click's 'Invalid value for ...' (exit 2)."""
    try:
        yield
    except NarrateError as exc:
        raise click.BadParameter(str(exc)) from None


@contextmanager
def reported_errors() -> Iterator[None]:
    """Turn library errors into one 'Error: ...' line and exit code 1."""
    try:
        yield
    except NarrateError as exc:
        raise click.ClickException(str(exc)) from None


class Terminated(KeyboardInterrupt):
    """SIGTERM (a plain kill), stopped the way Ctrl-C is."""


def _terminated(signum: int, frame: object) -> None:
    raise Terminated


class CommandGroup(click.Group):
    """Ctrl-C or a kill (SIGTERM) anywhere in a command, loading the library included, exits 130
    or 143 without a traceback and with the worker processes stopped (click's own handling
    would say 'Aborted!' and exit 1; Python's would die at once and leave the workers)."""

    def invoke(self, ctx: click.Context) -> Any:
        previous = signal.signal(signal.SIGTERM, _terminated)
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt as exc:
            click.echo("Interrupted; nothing was written to the output path.", err=True)
            sys.exit(143 if isinstance(exc, Terminated) else 130)
        finally:
            signal.signal(signal.SIGTERM, previous)


@click.group(cls=CommandGroup)
@click.version_option(package_name="narrate")
@click.option("-v", "--verbose", is_flag=True, help="Log what narrate does on stderr.")
def cli(verbose: bool) -> None:
    """Turn a book chapter into a dramatized, multi-voice audiobook, offline."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )


@cli.command()
@chapter_option
@project_option
@voices_option
@click.option(
    "--profile",
    default=None,
    help="Mastering profile from settings.yaml: 'acx' (the default) or 'personal' (smaller files).",
)
@click.option(
    "--jobs", "-j", type=click.IntRange(min=1), default=None, help="Worker processes (default: one per core)."
)
@click.option("--no-cache", is_flag=True, help="Render every turn anew, and keep nothing in the cache.")
@click.option(
    "--keep-script",
    is_flag=True,
    help="Build the cast script as it is, even though the chapter's text changed since it was built.",
)
@click.option("--encoding", default="utf-8", show_default=True, help="The text's encoding, if a script is built.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def build(
    chapter: int,
    project_root: Path,
    voices_path: Path | None,
    profile: str | None,
    jobs: int | None,
    no_cache: bool,
    keep_script: bool,
    encoding: str,
    quiet: bool,
) -> None:
    """Build output/chapter-N.mp3, its timings (.json) and subtitles (.vtt).

    Uses scripts/chapter-N.yaml as edited, or builds it first when it is missing.
    """
    from .build import build_chapter
    from .project import Project

    project = Project(project_root)
    started = time.monotonic()
    with reported_errors(), progress_bar(quiet) as progress:
        result = build_chapter(
            project,
            chapter,
            voices_path=voices_path,
            profile=profile,
            jobs=jobs,
            use_cache=not no_cache,
            progress=progress,
            keep_script=keep_script,
            encoding=encoding,
        )
    if result.script_created:
        click.echo(f"Wrote the cast script {project.relative(project.script_path(chapter))}")
    minutes, seconds = divmod(round(result.duration), 60)
    click.echo(
        f"Wrote {project.relative(result.mp3)} ({minutes}:{seconds:02d}, {result.turns} turns, "
        f"{result.rendered} rendered), "
        f"{project.relative(result.timings)} and {project.relative(result.subtitles)} "
        f"in {time.monotonic() - started:.1f} s"
    )


@cli.command()
@click.argument("text", required=False, type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--chapter", "-c", type=click.IntRange(min=0), help="The project's chapter N: texts/chapter-N.txt.")
@click.option(
    "--cast",
    "cast_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The cast (voices.yaml schema; voices optional). Default: the project's voices.yaml.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the script: the builder's own attribution, no corrections merged (needed with TEXT).",
)
@project_option
@click.option("--force", is_flag=True, help="Start afresh: drop the speakers a person set in the existing script.")
@click.option("--encoding", default="utf-8", show_default=True, help="The text's encoding.")
def script(
    text: Path | None,
    chapter: int | None,
    cast_path: Path | None,
    output: Path | None,
    project_root: Path,
    force: bool,
    encoding: str,
) -> None:
    """Write a cast script: each turn and who says it, with the builder's confidence.

    With --chapter N it writes scripts/chapter-N.yaml; over an existing one it keeps the
    speaker of every turn whose text did not change (your corrections). With TEXT it reads any
    text file and writes --output. --output always holds the builder's own attribution, with no
    corrections merged in. Quotations it is unsure of are marked 'check: true'.
    """
    if (text is None) == (chapter is None):
        raise click.UsageError("give either a TEXT file or --chapter N")
    if text is not None and output is None:
        raise click.UsageError("with a TEXT file, say where the script goes: --output FILE.yaml")
    from .build import write_chapter_script, write_text_script
    from .project import Project
    from .script import summarize

    project = Project(project_root)
    with reported_errors():
        if text is not None:
            assert output is not None
            result = write_text_script(text, cast_path or project.voices_path, output, encoding=encoding)
        else:
            assert chapter is not None
            result = write_chapter_script(
                project, chapter, force=force, voices_path=cast_path, encoding=encoding, output=output
            )
    first, *advice = summarize(result.script).split("\n")
    if result.kept:
        turns = "turn" if result.kept == 1 else "turns"
        first += f"; kept your speaker where it differs from the builder's on {result.kept} unchanged {turns}"
    click.echo("\n".join([f"Wrote {project.relative(result.path)}: {first}", *advice]))


@cli.command()
@click.argument("mp3", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--chapter", "-c", type=click.IntRange(min=0), help="Check output/chapter-N.mp3 and its timings.")
@project_option
def check(mp3: Path | None, chapter: int | None, project_root: Path) -> None:
    """Measure a chapter file against the ACX requirements; exit 1 if any fails.

    With --chapter, the turn timings are used too: each voice's loudness, and turns that came
    out silent or much shorter than their text.
    """
    if (mp3 is None) == (chapter is None):
        raise click.UsageError("give either an MP3 file or --chapter N")
    from .check import check_mp3, format_report
    from .project import Project

    project = Project(project_root)
    timings = None
    if chapter is not None:
        mp3, timings = project.mp3_path(chapter), project.timings_path(chapter)
        if not mp3.exists():
            raise click.ClickException(
                f"{project.relative(mp3)} does not exist; build it with: narrate build --chapter {chapter}"
            )
    elif mp3 is not None:
        beside = mp3.with_suffix(".json")
        timings = beside if beside.exists() else None
    assert mp3 is not None
    with reported_errors():
        report = check_mp3(mp3, timings)
    for line in format_report(report):
        click.echo(line)
    if not report.passed:
        sys.exit(1)


@cli.command()
@project_option
@click.option("--mp3/--no-mp3", default=True, show_default=True, help="Write output/book.mp3 with ID3 chapters.")
@click.option("--m4b/--no-m4b", default=True, show_default=True, help="Write output/book.m4b (needs ffmpeg).")
def book(project_root: Path, mp3: bool, m4b: bool) -> None:
    """Assemble the built chapters into one book with chapter markers.

    output/book.mp3 joins the chapter files as they are and marks each chapter with ID3 CHAP
    and CTOC frames; output/book.m4b is AAC with chapters, tags and the cover named in book.yaml.
    """
    if not (mp3 or m4b):
        raise click.UsageError("--no-mp3 and --no-m4b leave nothing to do")
    from .assemble import assemble_book
    from .project import Project

    project = Project(project_root)
    with reported_errors():
        result = assemble_book(project, mp3=mp3, m4b=m4b)
    written = [project.relative(p) for p in (result.mp3, result.m4b) if p]
    n = len(result.chapters)
    click.echo(f"Wrote {' and '.join(written)}: {n} chapter{'' if n == 1 else 's'}")
    for c in result.chapters:
        start = c.start_ms // 1000
        click.echo(f"  {start // 3600}:{start // 60 % 60:02d}:{start % 60:02d}  {c.title}")


@cli.group()
def cache() -> None:
    """The cache of rendered turns (.narrate-cache/ in the project)."""


@cache.command("clear")
@project_option
def cache_clear(project_root: Path) -> None:
    """Delete every cached turn; the next build renders everything again."""
    from .cache import Cache
    from .project import Project

    project = Project(project_root)
    with reported_errors():
        freed = Cache(project.cache_dir).clear()
    click.echo(f"Cleared {project.relative(project.cache_dir)} ({freed / 1e6:.1f} MB)")


@cli.command()
@click.option("--engine", "engine_id", default=None, help="Only this engine's voices.")
def voices(engine_id: str | None) -> None:
    """List the voices of every installed engine, with the ids voices.yaml uses."""
    from .engines import get_engine, get_engine_ids

    with reported_errors():
        for eid in [engine_id] if engine_id else get_engine_ids():
            try:
                engine = get_engine(eid)
            except EngineError as exc:
                if engine_id:
                    raise
                click.echo(f"{eid}: not available ({exc})")
                continue
            click.echo(f"{eid} ({engine.version}):")
            for v in engine.voices():
                extra = ", ".join(x for x in (v.language, v.gender) if x)
                click.echo(f"  {v.id:<24} {v.name}" + (f" [{extra}]" if extra else ""))


def parse_voice_settings(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict[str, str]:
    """--set KEY=VALUE options as a mapping; the engine's settings model converts the values."""
    settings: dict[str, str] = {}
    for item in values:
        key, equals, value = item.partition("=")
        key = key.strip()
        if not equals or not key:
            raise click.BadParameter(f"'{item}' is not KEY=VALUE; for example: --set rate=140")
        if key in settings:
            raise click.BadParameter(f"'{key}' is set twice; keep one")
        settings[key] = value.strip()
    return settings


def check_sample_text(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from .audition import check_sample_text

    with bad_parameter():
        check_sample_text(value)
    return value


def check_sample_path(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    from .audition import check_sample_path

    if value is not None:
        with bad_parameter():
            check_sample_path(value)
    return value


@cli.command()
@click.argument("text", callback=check_sample_text)
@click.option("--speaker", "-s", default=None, help="Use this speaker's voice from the cast: narrator or a character.")
@click.option("--engine", "engine_id", default=None, help="Use this engine's voice instead of a speaker's.")
@click.option("--voice", default=None, help="The engine's voice, as 'narrate voices' lists it.")
@click.option(
    "--set",
    "voice_settings",
    multiple=True,
    metavar="KEY=VALUE",
    callback=parse_voice_settings,
    help="Another voice setting, as voices.yaml writes it: --set rate=140. Repeatable.",
)
@voices_option
@project_option
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    callback=check_sample_path,
    help="The sample's file, .mp3 or .wav. Default: output/say-SPEAKER.mp3 in the project.",
)
@click.option("--profile", default=None, help="Mastering profile from settings.yaml (default: acx).")
def say(
    text: str,
    speaker: str | None,
    engine_id: str | None,
    voice: str | None,
    voice_settings: dict[str, str],
    voices_path: Path | None,
    project_root: Path,
    output: Path | None,
    profile: str | None,
) -> None:
    """Speak TEXT with a voice, to hear it before casting it.

    --speaker NAME uses that speaker's voice from voices.yaml, changed by any --voice and --set
    given; without --speaker, --engine, --voice and --set give any voice (the engine defaults to
    pyttsx3). The sample is synthesized, mastered and encoded exactly as a build would, so it
    sounds as the chapter will. Then it prints the voice as a line of voices.yaml, every
    setting spelled out, to paste under the speaker that should keep it.
    """
    if speaker is not None and engine_id is not None:
        raise click.UsageError("--speaker speaks with the speaker's own engine; drop --engine, or --speaker")
    if speaker is None and engine_id is None and voice is None and not voice_settings:
        raise click.UsageError("say whose voice: --speaker NAME, or --engine, --voice and --set")
    if speaker is None and voices_path is not None:
        raise click.UsageError("--voices is the cast --speaker reads; give --speaker too, or drop --voices")
    if voice is not None:
        if "voice" in voice_settings:
            raise click.UsageError("--voice and --set voice=... both name the voice; keep one")
        voice_settings = {"voice": voice, **voice_settings}
    from .audition import write_sample
    from .project import Project
    from .voices import dump_voice

    project = Project(project_root)
    with reported_errors():
        sample = write_sample(
            project,
            text,
            speaker=speaker,
            engine=engine_id,
            settings=voice_settings,
            voices_path=voices_path,
            output=output,
            profile=profile,
        )
    click.echo(f"Wrote {project.relative(sample.path)} ({sample.duration:.1f} s), spoken with this voice:")
    click.echo(dump_voice(sample.voice))


@contextmanager
def progress_bar(quiet: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on stderr for a terminal; nothing when quiet or piped."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    bar: Any = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=total, label="Synthesizing", file=sys.stderr, show_eta=True, show_pos=True)
            bar.__enter__()
        bar.update(done - bar.pos)

    try:
        yield update
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
