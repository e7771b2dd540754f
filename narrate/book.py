"""The book's metadata, for tags (book.yaml)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from .yamlfile import read_yaml, validate


class BookInfo(BaseModel):
    """What a player shows about the book."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1)
    author: str = Field(min_length=1)
    year: int | None = None
    language: str = "en"
    translator: str | None = None
    genre: str = "Audiobook"
    comment: str | None = None
    cover: str | None = None
    """A cover image (JPEG or PNG) for the M4B, relative to the project folder."""


def load_book(path: Path) -> BookInfo:
    """Read book.yaml."""
    data, lines = read_yaml(path, "book file")
    return validate(BookInfo, data, path, lines)
