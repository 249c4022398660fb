"""Fast bulk reads.

Reports read tens of thousands of rows.  SQLAlchemy's row objects and UUID result
processing cost several times the query itself, so bulk reads go through
:func:`fetch` (the statement is built and bound by SQLAlchemy; rows come straight from
the DBAPI cursor) and ids are converted once per distinct value by :class:`Ids`.
Raw values are what the driver gives: on SQLite ids are 32 hex digits and times
strings; on PostgreSQL ``uuid.UUID`` and ``datetime``.
"""

from __future__ import annotations

import functools
import gc
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import Executable
from sqlalchemy.orm import Session


def fetch(s: Session, stmt: Executable) -> list[tuple[Any, ...]]:
    """All rows of ``stmt`` as plain DBAPI tuples (ids raw, times as the driver gives)."""
    result = s.connection().execute(stmt)
    try:
        return list(result.cursor.fetchall())
    finally:
        result.close()


def sid(raw: Any) -> str:
    """A raw id as the canonical ``str(uuid)`` (cheap on SQLite's 32 hex digits)."""
    if isinstance(raw, str) and len(raw) == 32:
        return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"
    return str(raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw)))


def iso_raw(raw: Any) -> str:
    """A raw timestamp (naive UTC; a string on SQLite) as ISO 8601 with ``+00:00``."""
    if raw is None:
        return ""
    if isinstance(raw, str) and len(raw) == 26 and raw[10] == " ":
        return raw[:10] + "T" + raw[11:] + "+00:00"
    d = raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw))
    d = d.replace(tzinfo=UTC) if d.tzinfo is None else d.astimezone(UTC)
    return d.isoformat()


class Ids:
    """Raw id values (hex strings on SQLite, UUIDs on PostgreSQL) -> ``uuid.UUID``."""

    def __init__(self) -> None:
        self._cache: dict[Any, uuid.UUID] = {}

    def __call__(self, raw: Any) -> uuid.UUID:
        u = self._cache.get(raw)
        if u is None:
            u = raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw))
            self._cache[raw] = u
        return u


P = ParamSpec("P")
R = TypeVar("R")


def no_gc(fn: Callable[P, R]) -> Callable[P, R]:
    """Run ``fn`` with the cyclic garbage collector paused.

    Reports allocate 100,000s of small tuples and no reference cycles; without this the
    collector rescans them over and over (a third of the time on 100,000 codings).
    Reference counting still frees everything as usual.
    """

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()

    return wrapper
