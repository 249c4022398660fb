"""Fast bulk inserts for imports and merges.

SQLAlchemy's Core ``executemany`` spends most of its time building parameters row by
row.  On SQLite we bind each column's type processor once and hand plain tuples to the
driver's ``executemany``; on other databases we use Core (``insertmanyvalues``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Connection, Table, insert

CHUNK = 10_000


def table_of(model: type[Any]) -> Table:
    """The Core table of a mapped class (typed for mypy)."""
    return cast(Table, model.__table__)


def bound(conn: Connection, table: Table, column: str, value: Any) -> Any:
    """``value`` as :func:`insert_tuples` wants it for ``table.column``: converted by the
    column's type once here on SQLite (e.g. a UUID to its hex), unchanged elsewhere."""
    if conn.dialect.name != "sqlite" or value is None:
        return value
    proc = table.c[column].type._cached_bind_processor(conn.dialect)
    return proc(value) if proc is not None else value


def insert_tuples(
    conn: Connection, table: Table, keys: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> int:
    """Insert ``rows`` given as tuples in the order of ``keys``.

    The fastest path for large inserts: on SQLite the tuples go to the driver as they
    are, so values that need a type conversion must come through :func:`bound`.
    """
    if not rows:
        return 0
    if conn.dialect.name != "sqlite":
        return bulk_insert(conn, table, [dict(zip(keys, r, strict=True)) for r in rows])
    names = ", ".join(f'"{table.c[k].name}"' for k in keys)
    marks = ", ".join("?" for _ in keys)
    conn.exec_driver_sql(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', list(rows))
    return len(rows)


def bulk_insert(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> int:
    """Insert ``rows`` (dicts keyed by column name; all rows have the same keys)."""
    if not rows:
        return 0
    if conn.dialect.name != "sqlite":
        for i in range(0, len(rows), CHUNK):
            conn.execute(insert(table), list(rows[i : i + CHUNK]))
        return len(rows)
    keys = list(rows[0].keys())
    cols = [table.c[k] for k in keys]
    procs = [c.type._cached_bind_processor(conn.dialect) for c in cols]
    names = ", ".join(f'"{c.name}"' for c in cols)
    sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join("?" for _ in cols)})'

    def tuples() -> Iterable[tuple[Any, ...]]:
        for r in rows:
            yield tuple(
                p(r[k]) if p is not None and r[k] is not None else r[k]
                for k, p in zip(keys, procs, strict=True)
            )

    conn.exec_driver_sql(sql, list(tuples()))
    return len(rows)
