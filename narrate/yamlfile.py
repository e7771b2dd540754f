"""Read and write the YAML files people edit, with errors that point at a line."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from .errors import ConfigError, ExportError

Model = TypeVar("Model", bound=BaseModel)
# libyaml (PyYAML's C extension, when it was built with it) reads and writes a long cast script
# about four times as fast (1.1 s instead of 4.4 s to write 28,000 turns), with the same text.
FastLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
FastDumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
Location = tuple[str | int, ...]


class LineIndex:
    """Where each value of a YAML document starts, keyed by its path (('turns', 3, 'speaker'))."""

    def __init__(self, root: yaml.Node | None) -> None:
        self._lines: dict[Location, int] = {}
        if root is not None:
            self._walk(root, ())

    def _walk(self, node: yaml.Node, path: Location) -> None:
        self._lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                child = (*path, key.value)
                self._walk(value, child)
                # A key's own line is more useful than its value's for an unknown key.
                self._lines[(*child, "<key>")] = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for i, value in enumerate(node.value):
                self._walk(value, (*path, i))

    def line(self, path: Location) -> int | None:
        """The line of the deepest part of path that the document has."""
        key_line = self._lines.get((*path, "<key>"))
        if key_line:
            return key_line
        while path:
            if path in self._lines:
                return self._lines[path]
            path = path[:-1]
        return self._lines.get(())


def read_yaml(path: Path, what: str) -> tuple[Any, LineIndex]:
    """Parse a YAML file safely; a syntax error names the file, line and column."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file; create it or pass the right path") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text; save the {what} as UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it ({exc.strerror})") from None
    try:
        data, node = parse_yaml(text, FastLoader)
    except yaml.YAMLError:
        # libyaml's messages are terser than PyYAML's; parse again for PyYAML's own.
        try:
            data, node = parse_yaml(text, yaml.SafeLoader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            problem = exc.problem or exc.context or "invalid YAML"
            raise ConfigError(f"{path}{where}: YAML syntax error: {problem}; fix the {what} there") from None
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: YAML error: {exc}") from None
    return data, LineIndex(node)


def parse_yaml(text: str, loader_class: type[Any]) -> tuple[Any, yaml.Node | None]:
    """The document's data and its node tree (for the line of each value), safely."""
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        return (loader.construct_document(node) if node is not None else None), node
    finally:
        loader.dispose()


def validate(
    model: type[Model],
    data: Any,
    path: Path,
    lines: LineIndex,
    describe: Callable[[Location], str] | None = None,
) -> Model:
    """Validate data against a model; every problem becomes part of one ConfigError line."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, path, lines, describe)) from None


def format_validation_error(
    exc: ValidationError,
    path: Path | str,
    lines: LineIndex,
    describe: Callable[[Location], str] | None = None,
    prefix: Location = (),
) -> str:
    problems = []
    for error in exc.errors():
        loc = (*prefix, *(p for p in error["loc"] if isinstance(p, str | int)))
        where = [str(path)]
        if describe:
            label = describe(loc)
            if label:
                where.append(label)
        line = lines.line(loc)
        if line:
            where.append(f"line {line}")
        problems.append(f"{', '.join(where)}: {describe_problem(error, loc)}")
    if len(problems) > 1:
        return f"{len(problems)} problems: " + "; ".join(problems)
    return problems[0]


def describe_problem(error: dict[str, Any], loc: Location) -> str:
    field = ".".join(str(p) for p in loc) or "the document"
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"unknown key '{loc[-1]}'; remove it or fix its spelling"
    if kind == "missing":
        return f"'{field}' is missing; add it"
    if kind in ("model_type", "dict_type") and not loc:
        return "expected a mapping at the top of the file"
    message = error["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    got = error.get("input")
    shown = "" if isinstance(got, dict | list) else f" (got {got!r})"
    return f"'{field}': {message}{shown}" if loc else f"{message}{shown}"


def dump_yaml(data: Any) -> str:
    """YAML that keeps key order and unicode and stays readable in a diff."""
    return yaml.dump(data, Dumper=FastDumper, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)


def write_atomically(path: Path, writer: Callable[[Path], None]) -> None:
    """Write a file through a temporary file beside it, so the path never holds half a file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise ExportError(
            f"{path}: cannot write there ({exc.strerror}); make the folder writable or choose another"
        ) from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        # mkstemp makes the file private; the output should get the usual permissions.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        writer(tmp)
        staged = _staged.get()
        if staged is None:
            os.replace(tmp, path)
        else:
            staged.append((tmp, path))
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ExportError(f"{path}: writing failed ({exc.strerror}); free some space or check the folder") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


_staged: ContextVar[list[tuple[Path, Path]] | None] = ContextVar("_staged", default=None)


@contextmanager
def written_together() -> Iterator[None]:
    """Files that write_atomically writes inside this block move into place together at its end,
    so that a failure on the last (a full disk) leaves the earlier ones as they were too: a
    chapter's MP3 never goes with the timings of another build."""
    staged: list[tuple[Path, Path]] = []
    token = _staged.set(staged)
    try:
        yield
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    finally:
        _staged.reset(token)
    for i, (tmp, path) in enumerate(staged):
        try:
            os.replace(tmp, path)
        except OSError as exc:
            for left, _ in staged[i:]:
                left.unlink(missing_ok=True)
            raise ExportError(
                f"{path}: cannot move the new file into place ({exc.strerror}); check the folder"
            ) from None


def write_text_atomically(path: Path, text: str) -> None:
    write_atomically(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
