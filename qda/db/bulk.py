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
