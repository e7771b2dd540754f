"""Where a project keeps its chapters, scripts, cast and output."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from .cache import DEFAULT_CACHE_DIR
from .errors import ChapterNotFoundError

TEXT_NAME: Final = re.compile(r"^chapter-(\d+)\.txt$")
SCRIPT_NAME: Final = re.compile(r"^chapter-(\d+)\.yaml$")


@dataclass(frozen=True)
class Project:
    """A folder laid out as narrate expects: texts/, scripts/, voices.yaml, book.yaml, output/."""

    root: Path
    """The project folder."""

    @property
    def voices_path(self) -> Path:
        return self.root / "voices.yaml"

    @property
    def book_path(self) -> Path:
        return self.root / "book.yaml"

    @property
    def settings_path(self) -> Path:
        return self.root / "settings.yaml"

    @property
    def cache_dir(self) -> Path:
        return self.root / DEFAULT_CACHE_DIR

    @property
    def output_dir(self) -> Path:
        return self.root / "output"

    def text_path(self, chapter: int) -> Path:
        return self.root / "texts" / f"chapter-{chapter}.txt"

    def script_path(self, chapter: int) -> Path:
        return self.root / "scripts" / f"chapter-{chapter}.yaml"

    def mp3_path(self, chapter: int) -> Path:
        return self.output_dir / f"chapter-{chapter}.mp3"

    def timings_path(self, chapter: int) -> Path:
        return self.output_dir / f"chapter-{chapter}.json"

    def subtitles_path(self, chapter: int) -> Path:
        return self.output_dir / f"chapter-{chapter}.vtt"

    def chapters(self) -> list[int]:
        """Chapter numbers that have a text or a script."""
        found = set()
        for folder, pattern in ((self.root / "texts", TEXT_NAME), (self.root / "scripts", SCRIPT_NAME)):
            if not folder.is_dir():
                continue
            for path in folder.iterdir():
                m = pattern.match(path.name)
                if m:
                    found.add(int(m.group(1)))
        return sorted(found)

    def require_chapter(self, chapter: int) -> None:
        """Raise ChapterNotFoundError, listing the chapters there are, if chapter has neither text nor script."""
        if self.text_path(chapter).exists() or self.script_path(chapter).exists():
            return
        available = ", ".join(map(str, self.chapters())) or "none"
        raise ChapterNotFoundError(
            f"there is no chapter {chapter}: no {self.relative(self.text_path(chapter))} "
            f"or {self.relative(self.script_path(chapter))} (chapters: {available})"
        )

    def relative(self, path: Path) -> str:
        """path relative to the project when it is inside it, for messages and script sources."""
        try:
            return str(path.resolve().relative_to(self.root.resolve()))
        except ValueError:
            return str(path)
