"""Rows as plain values, fast: what a merge moves between two projects.

SQLAlchemy's per-value type processing (UUID objects, datetime parsing) costs about
50 µs a coding row here; a merge of 100,000 codings cannot afford it.  So a merge
works on *canonical* values -- exactly what SQLite stores for the models' columns:

* UUID: 32 lower-case hex digits;     * timestamp: ``YYYY-MM-DD HH:MM:SS.ffffff`` (UTC);
* date: ``YYYY-MM-DD``;               * boolean: 0 or 1;  integers, floats, text as is.

On SQLite rows are read and written through the driver with no conversion; on
PostgreSQL they go through SQLAlchemy and are converted at this boundary.  Reading
*checks* every value (type, shape, length, NOT NULL), because the other project of a
merge is untrusted input.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any, NoReturn

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Date,
    Float,
    Integer,
    String,
    Table,
    Text,
    Uuid,
    insert,
    select,
)

from qda.db.types import UTCDateTime

CHUNK = 900  # bound parameters per IN (...) list
_HEX = re.compile(r"[0-9a-f]{32}\Z")
_STAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,6})?\Z")
_DAY = re.compile(r"\d{4}-\d\d-\d\d\Z")


def kind(col: Column[Any]) -> str:
    t = col.type
    if isinstance(t, Uuid):
        return "uuid"
    if isinstance(t, UTCDateTime):
        return "stamp"
    if isinstance(t, Date):
        return "date"
    if isinstance(t, Boolean):
        return "bool"
    if isinstance(t, Integer):
        return "int"
    if isinstance(t, Float):
        return "float"
    if isinstance(t, String | Text):
        return "str"
    raise TypeError(f"no canonical form for {col}")


def stamp(value: datetime) -> str:
    """A timestamp in canonical form (naive UTC, microseconds)."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def now() -> str:
    return stamp(datetime.now(UTC))


@lru_cache(maxsize=65_536)
def dashed(hex_id: str | None) -> str:
    """The usual printed form of a canonical id."""
    return str(uuid.UUID(hex=hex_id)) if hex_id else ""


# -- values from and to SQLAlchemy (PostgreSQL) ------------------------------------


def _to_canonical(k: str, v: Any) -> Any:
    if v is None:
        return None
    if k == "uuid":
        return v.hex if isinstance(v, uuid.UUID) else str(v).replace("-", "").lower()
    if k == "stamp":
        return stamp(v) if isinstance(v, datetime) else v
    if k == "date":
        return v.isoformat() if isinstance(v, date) else v
    if k == "bool":
        return int(v)
    return v


def _from_canonical(k: str, v: Any) -> Any:
    if v is None:
        return None
    if k == "uuid":
        return uuid.UUID(hex=v)
    if k == "stamp":
        return datetime.fromisoformat(v).replace(tzinfo=UTC)
    if k == "date":
        return date.fromisoformat(v)
    if k == "bool":
        return bool(v)
    return v


# -- checking untrusted values -----------------------------------------------------


def _check(col: Column[Any], values: list[Any], bad: Callable[[str], NoReturn]) -> list[Any]:
    """The column's values checked, normalised (ids lower-cased); ``bad(why)`` if not."""
    k = kind(col)
    where = f"{col.table.name}.{col.name}"
    if not col.nullable and any(v is None for v in values):
        bad(f"{where} is empty")
    if k == "uuid":
        out: list[Any] = []
        for v in values:
            if v is None:
                out.append(None)
                continue
            if not isinstance(v, str):
                bad(f"{where} holds a {type(v).__name__}, not an id")
            v = v.lower()
            if not _HEX.match(v):
                bad(f"{where} holds {v[:40]!r}, not an id")
            out.append(v)
        return out
    for v in values:
        if v is None:
            continue
        if k == "stamp":
            ok = _parses(v, _STAMP, datetime.fromisoformat)
        elif k == "date":
            ok = _parses(v, _DAY, date.fromisoformat)
        elif k == "bool":
            ok = type(v) is int and v in (0, 1)
        elif k == "int":
            ok = type(v) is int
        elif k == "float":
            ok = type(v) in (int, float)
        else:
            ok = isinstance(v, str)
        if not ok:
            bad(f"{where} holds {type(v).__name__} {str(v)[:40]!r}")
    length = getattr(col.type, "length", None)
    if k == "str" and length is not None and any(v is not None and len(v) > length for v in values):
        bad(f"{where} is longer than {length} characters")
    return values


def _parses(v: Any, shape: re.Pattern[str], parse: Callable[[str], Any]) -> bool:
    """``v`` is text of that shape that ``parse`` accepts (a real date or time)."""
    if not isinstance(v, str) or not shape.match(v):
        return False
    try:
        parse(v)
    except ValueError:
        return False
    return True


def _sql_problem(col: Column[Any]) -> str:
    """An SQLite expression true when a value has the wrong storage class or length
    (cheap; the shapes of ids and timestamps are checked in Python: :func:`_shapes`)."""
    x = _quote(col.name)
    k = kind(col)
    if k == "uuid":
        bad = f"typeof({x}) != 'text' OR length({x}) != 32"
    elif k == "stamp":
        bad = f"typeof({x}) != 'text' OR length({x}) NOT BETWEEN 19 AND 26"
    elif k == "date":
        bad = f"typeof({x}) != 'text' OR length({x}) != 10"
    elif k == "bool":
        bad = f"typeof({x}) != 'integer' OR {x} NOT IN (0, 1)"
    elif k == "int":
        bad = f"typeof({x}) != 'integer'"
    elif k == "float":
        bad = f"typeof({x}) NOT IN ('real', 'integer')"
    else:
        bad = f"typeof({x}) != 'text'"
        length = getattr(col.type, "length", None)
        if length is not None:
            bad += f" OR length({x}) > {int(length)}"
    null = f"{x} IS NULL" if not col.nullable else "0"
    return f"CASE WHEN {x} IS NULL THEN {null} ELSE ({bad}) END"


_SHAPES = {
    "uuid": re.compile(r"(?:[0-9a-f]{32}\n)*"),
    "stamp": re.compile(r"(?:\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d{1,6})?\n)*", re.ASCII),
    "date": re.compile(r"(?:\d{4}-\d\d-\d\d\n)*", re.ASCII),
}


def _shapes(col: Column[Any], values: list[Any], bad: Callable[[str], NoReturn]) -> None:
    """Ids, timestamps and dates of one column (already text of the right length), checked
    with one regular expression over the joined column, then dates for validity."""
    k = kind(col)
    pattern = _SHAPES.get(k)
    if pattern is None:
        return
    present = list(set(values) - {None})  # foreign keys repeat: check each value once
    if pattern.fullmatch("".join(v + "\n" for v in present)) is None:
        _check(col, present, bad)  # names the offending value
        bad(f"{col.table.name}.{col.name} holds a malformed value")
    if k == "uuid":
        return
    parse = datetime.fromisoformat if k == "stamp" else date.fromisoformat
    try:
        for v in present:
            parse(v)
    except ValueError:
        _check(col, present, bad)
        bad(f"{col.table.name}.{col.name} holds an impossible date")


def check_in_sqlite(
    conn: Connection, table: Table, cols: list[Column[Any]], bad: Callable[[str], NoReturn]
) -> None:
    """Check storage classes, lengths and NOT NULL inside SQLite (fast); ``bad(why)`` at
    the first fault."""
    tests = " ".join(f"WHEN {_sql_problem(c)} THEN {i}" for i, c in enumerate(cols))
    sql = f"SELECT CASE {tests} END AS col FROM {_quote(table.name)} WHERE col IS NOT NULL LIMIT 1"
    with _cursor(conn) as cursor:
        row = cursor.execute(sql).fetchone()
    if row is None:
        return
    col = cols[int(row[0])]
    # say exactly what is wrong, with the Python check on the offending values
    values = [
        r[0]
        for r in conn.exec_driver_sql(
            f"SELECT {_quote(col.name)} FROM {_quote(table.name)} WHERE {_sql_problem(col)} LIMIT 5"
        )
    ]
    _check(col, values, bad)
    bad(f"{table.name}.{col.name} holds {str(values[0])[:40]!r}")


# -- reading and writing ------------------------------------------------------------


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@contextmanager
def _cursor(conn: Connection) -> Iterator[Any]:
    """The DBAPI cursor, inside this transaction; closed after the block."""
    cursor = conn.connection.cursor()
    try:
        yield cursor
    finally:
        cursor.close()


def _raw_rows(
    conn: Connection,
    table: Table,
    cols: list[Column[Any]],
    where_in: tuple[str, Sequence[str]] | None,
) -> list[Sequence[Any]]:
    """Rows as tuples of canonical values, straight from the driver on SQLite."""
    names = [c.name for c in cols]
    if conn.dialect.name == "sqlite":
        sql = f"SELECT {', '.join(_quote(n) for n in names)} FROM {_quote(table.name)}"
        with _cursor(conn) as cursor:
            if where_in is None:
                return cursor.execute(sql).fetchall()
            col, ids = where_in
            out: list[Sequence[Any]] = []
            for i in range(0, len(ids), CHUNK):
                chunk = list(ids[i : i + CHUNK])
                marks = ", ".join("?" for _ in chunk)
                out.extend(cursor.execute(f"{sql} WHERE {_quote(col)} IN ({marks})", chunk))
            return out
    kinds = [kind(c) for c in cols]
    query = select(*cols)
    batches = [query] if where_in is None else []
    if where_in is not None:
        col, ids = where_in
        for i in range(0, len(ids), CHUNK):
            wanted = [_from_canonical("uuid", x) for x in ids[i : i + CHUNK]]
            batches.append(query.where(table.c[col].in_(wanted)))
    rows: list[Sequence[Any]] = []
    for b in batches:
        for row in conn.execute(b):
            rows.append(tuple(_to_canonical(k, v) for k, v in zip(kinds, row, strict=True)))
    return rows


def read(
    conn: Connection,
    table: Table,
    *,
    columns: Sequence[str] | None = None,
    where_in: tuple[str, Sequence[str]] | None = None,
    bad: Callable[[str], NoReturn] | None = None,
) -> list[dict[str, Any]]:
    """Rows of ``table`` as dicts of canonical values (checked when ``bad`` is given).

    ``where_in=(column, canonical ids)`` keeps the rows whose column is one of them.
    """
    cols = [table.c[c] for c in columns] if columns else list(table.columns)
    names = [c.name for c in cols]
    checked_in_sqlite = bad is not None and conn.dialect.name == "sqlite" and where_in is None
    if checked_in_sqlite:
        assert bad is not None
        check_in_sqlite(conn, table, cols, bad)
    raw = _raw_rows(conn, table, cols, where_in)
    if not raw:
        return []
    if checked_in_sqlite:
        assert bad is not None
        for i, c in enumerate(cols):
            if kind(c) in _SHAPES:
                _shapes(c, [r[i] for r in raw], bad)
        bad = None
    if bad is None:
        return [dict(zip(names, row, strict=True)) for row in raw]
    columns_data = [list(c) for c in zip(*raw, strict=True)]
    columns_data = [_check(c, vals, bad) for c, vals in zip(cols, columns_data, strict=True)]
    return [dict(zip(names, row, strict=True)) for row in zip(*columns_data, strict=True)]


def tuples(conn: Connection, table: Table, columns: Sequence[str]) -> list[Sequence[Any]]:
    """Some columns of every row, canonical, as tuples (the destination: trusted)."""
    return _raw_rows(conn, table, [table.c[c] for c in columns], None)


def write(conn: Connection, table: Table, rows: Iterable[dict[str, Any]], chunk: int = 5000) -> int:
    """Insert canonical rows; returns how many."""
    rows = list(rows)
    if not rows:
        return 0
    names = list(rows[0])
    if conn.dialect.name == "sqlite":
        sql = (
            f"INSERT INTO {_quote(table.name)} ({', '.join(_quote(n) for n in names)}) "
            f"VALUES ({', '.join('?' for _ in names)})"
        )
        with _cursor(conn) as cursor:
            for i in range(0, len(rows), chunk):
                cursor.executemany(sql, [tuple(r[n] for n in names) for r in rows[i : i + chunk]])
        return len(rows)
    kinds = {n: kind(table.c[n]) for n in names}
    for i in range(0, len(rows), chunk):
        batch = [{n: _from_canonical(kinds[n], r[n]) for n in names} for r in rows[i : i + chunk]]
        conn.execute(insert(table), batch)
    return len(rows)
