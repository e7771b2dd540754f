"""narrate: a book chapter in, a dramatized multi-voice audiobook out, offline.

The public API is imported on first use, so that `narrate --help` and Ctrl-C stay quick.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "BuildResult": ".build",
    "build_chapter": ".build",
    "make_script": ".build",
    "write_chapter_script": ".build",
    "attribute_chapter": ".attribute",
    "build_script": ".attribute",
    "NarrateError": ".errors",
    "Project": ".project",
    "RenderedChapter": ".render",
    "TurnTiming": ".render",
    "render_chapter": ".render",
    "CastScript": ".script",
    "Turn": ".script",
    "load_script": ".script",
    "save_script": ".script",
    "Chapter": ".text",
    "load_chapter": ".text",
    "parse_chapter": ".text",
    "split_quotations": ".text",
    "Cast": ".voices",
    "load_cast": ".voices",
    "Pacing": ".settings",
    "Profile": ".settings",
    "load_settings": ".settings",
    "assemble_book": ".assemble",
    "Sample": ".audition",
    "write_sample": ".audition",
    "check_mp3": ".check",
}
__all__ = [
    "BuildResult",
    "Cast",
    "CastScript",
    "Chapter",
    "NarrateError",
    "Pacing",
    "Profile",
    "Project",
    "RenderedChapter",
    "Sample",
    "Turn",
    "TurnTiming",
    "assemble_book",
    "attribute_chapter",
    "build_chapter",
    "build_script",
    "check_mp3",
    "load_cast",
    "load_chapter",
    "load_script",
    "load_settings",
    "make_script",
    "parse_chapter",
    "render_chapter",
    "save_script",
    "split_quotations",
    "write_chapter_script",
    "write_sample",
]

if TYPE_CHECKING:
    from .assemble import assemble_book
    from .attribute import attribute_chapter, build_script
    from .audition import Sample, write_sample
    from .build import BuildResult, build_chapter, make_script, write_chapter_script
    from .check import check_mp3
    from .errors import NarrateError
    from .project import Project
    from .render import RenderedChapter, TurnTiming, render_chapter
    from .script import CastScript, Turn, load_script, save_script
    from .settings import Pacing, Profile, load_settings
    from .text import Chapter, load_chapter, parse_chapter, split_quotations
    from .voices import Cast, load_cast


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'narrate' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name], __name__), name)
