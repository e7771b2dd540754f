"""narrate: a book chapter in, a dramatized multi-voice audiobook out, offline."""

from .attribute import attribute_chapter, build_script
from .build import BuildResult, build_chapter, make_script, write_chapter_script
from .errors import NarrateError
from .project import Project
from .render import Pacing, RenderedChapter, TurnTiming, render_chapter
from .script import CastScript, Turn, load_script, save_script
from .text import Chapter, load_chapter, parse_chapter, split_quotations
from .voices import Cast, load_cast

__all__ = [
    "BuildResult",
    "Cast",
    "CastScript",
    "Chapter",
    "NarrateError",
    "Pacing",
    "Project",
    "RenderedChapter",
    "Turn",
    "TurnTiming",
    "attribute_chapter",
    "build_chapter",
    "build_script",
    "load_cast",
    "load_chapter",
    "load_script",
    "make_script",
    "parse_chapter",
    "render_chapter",
    "save_script",
    "split_quotations",
    "write_chapter_script",
]
