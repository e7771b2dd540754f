"""Find engines through entry points and keep one instance of each per process."""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points
from typing import Final

from ..errors import EngineError
from .base import Engine

ENTRY_POINT_GROUP: Final = "narrate.engines"
_instances: dict[str, Engine] = {}


@cache
def _entry_points() -> dict[str, object]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def get_engine_ids() -> list[str]:
    """The ids of every registered engine, installed backend or not."""
    return sorted(_entry_points())


def get_engine_class(engine_id: str) -> type[Engine]:
    """The class registered for engine_id; importing it must not need the backend."""
    ep = _entry_points().get(engine_id)
    if ep is None:
        known = ", ".join(get_engine_ids()) or "none"
        raise EngineError(
            f"engine '{engine_id}' is not installed (installed: {known}); "
            f"install the package that provides it, for example: pip install 'narrate[{engine_id}]'"
        )
    try:
        cls = ep.load()  # type: ignore[attr-defined]
    except ImportError as exc:
        raise EngineError(f"engine '{engine_id}' cannot be loaded ({exc}); reinstall it") from None
    if not (isinstance(cls, type) and issubclass(cls, Engine)):
        raise EngineError(f"entry point '{engine_id}' in {ENTRY_POINT_GROUP} is not a narrate Engine")
    return cls


def get_engine(engine_id: str) -> Engine:
    """The process's instance of an engine, started on first use."""
    engine = _instances.get(engine_id)
    if engine is None:
        engine = _instances[engine_id] = get_engine_class(engine_id)()
    return engine
