"""``qda check``: is this project whole and does every offset still point at its text?

Checks, in order:

* SQLite's own ``PRAGMA integrity_check`` and ``PRAGMA foreign_key_check``;
* every document: its SHA-256 and character count match its text, the text is
  normalised (NFC, ``\\n`` line ends);
* every turn, sentence, coding and suggestion lies inside its document
  (``0 <= start < end <= len(text)``), and every coding's stored quote equals
  ``text[start:end]``;
* orphans: any row whose foreign key points at nothing (found from the schema, so new
  tables are covered), memo links to missing things, full-text rows without their
  sentence (and the reverse), loops in the code tree.

The checks only read.  A problem is reported, never repaired: repairing a researcher's
data silently is worse than a loud report.
"""

from __future__ import annotations

import hashlib
import os
import threading
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import Connection, Table, inspect, select
from sqlalchemy.exc import DBAPIError

from qda.db.engine import Store, check_schema, is_url, make_engine
from qda.db.engine import display_target as _describe
from qda.db.models import Base
from qda.errors import ProjectError

MAX_PER_KIND = 200  # problems of one kind listed before "... and N more"

# memo_links.target_kind -> the table its target_id points into
LINK_TABLES = {
    "document": "documents",
    "participant": "participants",
    "code": "codes",
    "coding": "codings",
    "relation": "relations",
    "memo": "memos",
}
_SPAN_TABLES = ("turns", "sentences", "codings", "suggestions")


@dataclass(frozen=True)
class Problem:
    id: str  # the row at fault ("" for the database as a whole)
    kind: str  # integrity, foreign-key, schema, document, span, quote, orphan, fts, tree
    table: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CheckReport:
    project: str
    checked: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    omitted: dict[str, int] = field(default_factory=dict)  # kind -> problems not listed
    _listed: dict[str, int] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, kind: str, table: str, row_id: object, message: str) -> None:
        if self._listed.get(kind, 0) >= MAX_PER_KIND:
            self.omitted[kind] = self.omitted.get(kind, 0) + 1
            return
        self._listed[kind] = self._listed.get(kind, 0) + 1
        self.problems.append(Problem(_show_id(row_id), kind, table, message))

    def to_dict(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "ok": self.ok,
            "checked": self.checked,
            "problems": [p.to_dict() for p in self.problems],
            "omitted": self.omitted,
        }


def _show_id(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, str) and len(value) == 32:
        try:
            return str(uuid.UUID(hex=value))
        except ValueError:
            return value
    return str(value)


# -- the whole database ----------------------------------------------------------------


def _sqlite_integrity(conn: Connection, report: CheckReport) -> bool:
    rows = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check(100)")]
    if rows != ["ok"]:
        for msg in rows:
            report.add("integrity", "", None, f"SQLite integrity check: {msg}")
        return False
    for table, rowid, parent, _fk in conn.exec_driver_sql("PRAGMA foreign_key_check"):
        report.add(
            "foreign-key", table, rowid, f"{table} row {rowid} points at a missing {parent} row"
        )
    _sqlite_schema(conn, report)
    return True


_MIGRATE_LOCK = threading.Lock()  # Alembic's context is process-global


def _expected_sqlite_objects() -> frozenset[tuple[str, str]]:
    """(type, name) of the triggers and views a freshly migrated project has."""
    with _MIGRATE_LOCK:
        return _migrated_objects()


@cache
def _migrated_objects() -> frozenset[tuple[str, str]]:
    from sqlalchemy import create_engine
    from sqlalchemy.pool import StaticPool

    from qda.db.engine import upgrade

    engine = create_engine("sqlite://", poolclass=StaticPool)
    try:
        upgrade(engine)
        with engine.connect() as conn:
            return frozenset(
                (t, n)
                for t, n in conn.exec_driver_sql(
                    "SELECT type, name FROM sqlite_master WHERE type IN ('trigger', 'view')"
                )
            )
    finally:
        engine.dispose()


def _sqlite_schema(conn: Connection, report: CheckReport) -> None:
    """Triggers or views qda did not create: a file someone tampered with."""
    expected = _expected_sqlite_objects()
    for kind, name in conn.exec_driver_sql(
        "SELECT type, name FROM sqlite_master WHERE type IN ('trigger', 'view')"
    ):
        if (kind, name) not in expected:
            report.add("schema", name, None, f"unexpected {kind} {name!r} (not created by qda)")


def _tables(conn: Connection) -> set[str]:
    return set(inspect(conn).get_table_names())


def _orphans(conn: Connection, present: set[str], report: CheckReport) -> None:
    """Rows whose foreign key value has no parent row (every FK of the schema)."""
    for table in Base.metadata.sorted_tables:
        if table.name not in present:
            continue
        pk = list(table.primary_key.columns)
        for fk in table.foreign_keys:
            parent: Table = fk.column.table
            if parent.name not in present:
                continue
            col = fk.parent
            target = parent.alias("parent_row")  # an alias: codes.parent_id -> codes.id
            key = target.c[fk.column.name]
            q = (
                select(*pk, col)
                .select_from(table.outerjoin(target, key == col))
                .where(col.is_not(None), key.is_(None))
            )
            for row in conn.execute(q):
                rid = "/".join(_show_id(v) for v in row[:-1])
                report.add(
                    "orphan",
                    table.name,
                    rid,
                    f"{table.name}.{col.name} = {_show_id(row[-1])}: no such {parent.name} row",
                )
    if "memo_links" in present:
        links = Base.metadata.tables["memo_links"]
        for kind in sorted({k for (k,) in conn.execute(select(links.c.target_kind).distinct())}):
            target_name = LINK_TABLES.get(kind)
            if target_name is None or target_name not in present:
                for (lid,) in conn.execute(select(links.c.id).where(links.c.target_kind == kind)):
                    report.add("orphan", "memo_links", lid, f"memo link of unknown kind {kind!r}")
                continue
            target = Base.metadata.tables[target_name]
            q = (
                select(links.c.id, links.c.target_id)
                .select_from(links.outerjoin(target, target.c.id == links.c.target_id))
                .where(links.c.target_kind == kind, target.c.id.is_(None))
            )
            for link in conn.execute(q):
                report.add(
                    "orphan",
                    "memo_links",
                    link[0],
                    f"memo link to {kind} {_show_id(link[1])}: not found",
                )


def _fts(conn: Connection, present: set[str], report: CheckReport) -> None:
    if "sentence_fts" not in present:
        return
    for (sid,) in conn.exec_driver_sql(
        "SELECT id FROM sentences WHERE id NOT IN (SELECT rowid FROM sentence_fts) LIMIT 1000"
    ):
        report.add("fts", "sentences", sid, f"sentence {sid} is missing from the search index")
    for (rid,) in conn.exec_driver_sql(
        "SELECT rowid FROM sentence_fts WHERE rowid NOT IN (SELECT id FROM sentences) LIMIT 1000"
    ):
        report.add("fts", "sentence_fts", rid, f"search index row {rid} has no sentence")


def _code_tree(conn: Connection, present: set[str], report: CheckReport) -> None:
    if "codes" not in present:
        return
    codes = Base.metadata.tables["codes"]
    parent = {cid: pid for cid, pid in conn.execute(select(codes.c.id, codes.c.parent_id))}
    for start in parent:
        seen = {start}
        node = parent.get(start)
        while node is not None:
            if node in seen:
                report.add("tree", "codes", start, "the code tree has a loop through this code")
                break
            seen.add(node)
            node = parent.get(node)


# -- each document and what points into it ---------------------------------------------


def _spans(
    conn: Connection, present: set[str], doc_id: Any, text_: str, report: CheckReport
) -> None:
    n = len(text_)
    for name in _SPAN_TABLES:
        if name not in present:
            continue
        t = Base.metadata.tables[name]
        cols = [t.c.id, t.c.start, t.c.end]
        if name == "turns":
            cols.append(t.c.body_start)
        if name == "codings":
            cols.append(t.c.quote)
        for row in conn.execute(select(*cols).where(t.c.document_id == doc_id)):
            rid, start, end = row[0], row[1], row[2]
            report.checked[name] = report.checked.get(name, 0) + 1
            empty_ok = name == "turns"
            if (
                start is None
                or end is None
                or not (0 <= start <= end <= n and (empty_ok or start < end))
            ):
                report.add(
                    "span",
                    name,
                    rid,
                    f"{name[:-1]} [{start}, {end}) lies outside its document (length {n})",
                )
                continue
            if name == "turns" and not (start <= row[3] <= end):
                report.add("span", name, rid, f"turn body start {row[3]} outside [{start}, {end})")
            if name == "codings" and row[3] != text_[start:end]:
                report.add(
                    "quote",
                    name,
                    rid,
                    f"coding [{start}, {end}) quote {_clip(row[3])!r} no longer matches the "
                    f"document text {_clip(text_[start:end])!r}",
                )


def _clip(s: str | None, width: int = 40) -> str:
    if s is None:
        return ""
    s = " ".join(s.split())
    return s if len(s) <= width else s[: width - 1] + "…"


def _documents(conn: Connection, present: set[str], report: CheckReport) -> None:
    docs = Base.metadata.tables["documents"]
    ids = [r[0] for r in conn.execute(select(docs.c.id).order_by(docs.c.position))]
    report.checked["documents"] = len(ids)
    for doc_id in ids:
        row = conn.execute(
            select(docs.c.name, docs.c.text, docs.c.sha256, docs.c.char_count).where(
                docs.c.id == doc_id
            )
        ).one()
        name, text_, sha, chars = row
        if text_ is None:
            report.add("document", "documents", doc_id, f"document {name!r} has no text")
            continue
        digest = hashlib.sha256(text_.encode("utf-8", "surrogatepass")).hexdigest()
        if digest != sha:
            report.add(
                "document",
                "documents",
                doc_id,
                f"document {name!r}: text does not match its SHA-256",
            )
        if chars != len(text_):
            report.add(
                "document",
                "documents",
                doc_id,
                f"document {name!r}: stored length {chars} but the text has {len(text_)}",
            )
        if "\r" in text_ or not unicodedata.is_normalized("NFC", text_):
            report.add(
                "document", "documents", doc_id, f"document {name!r}: text is not normalised"
            )
        _spans(conn, present, doc_id, text_, report)


def run_checks(conn: Connection, report: CheckReport) -> CheckReport:
    """Every check except SQLite's integrity check, on an open connection."""
    present = _tables(conn)
    for name in ("documents", "turns", "sentences", "codings", "suggestions"):
        report.checked.setdefault(name, 0)
    if "documents" in present:
        _documents(conn, present, report)
    _orphans(conn, present, report)
    _fts(conn, present, report)
    _code_tree(conn, present, report)
    return report


def check_store(store: Store) -> CheckReport:
    """Check an open project (see the module docstring)."""
    report = CheckReport(project=_describe(store.target))
    with store.engine.connect() as conn:
        if store.dialect == "sqlite" and not _sqlite_integrity(conn, report):
            return report
        run_checks(conn, report)
        conn.rollback()
    return report


def check_target(target: str | os.PathLike[str]) -> CheckReport:
    """Check a project by path or URL, read-only, reporting damage instead of refusing.

    Raises :class:`ProjectError` only when the target is not a qda project at all.
    """
    from qda.db.engine import _check_sqlite_file

    sqlite = not is_url(target)
    if sqlite:
        _check_sqlite_file(_abs(target))
    engine = make_engine(_abs(target) if sqlite else target, read_only=sqlite)
    report = CheckReport(project=_describe(str(target)))
    try:
        if sqlite:
            try:
                with engine.connect() as conn:
                    if not _sqlite_integrity(conn, report):
                        return report
            except DBAPIError as exc:
                report.add("integrity", "", None, f"damaged database: {exc.orig}")
                return report
        check_schema(engine, target)
        with engine.connect() as conn:
            run_checks(conn, report)
            conn.rollback()
    except DBAPIError as exc:
        raise ProjectError(f"{_describe(str(target))}: cannot read: {exc.orig}") from exc
    finally:
        engine.dispose()
    return report


def _abs(target: str | os.PathLike[str]) -> Any:
    from pathlib import Path

    return Path(target).expanduser().absolute()


def summary(report: CheckReport) -> Iterable[str]:
    """Human-readable lines for the command line."""
    if report.checked:
        yield "checked " + ", ".join(f"{v} {k}" for k, v in report.checked.items())
    for p in report.problems:
        where = " ".join(x for x in (p.table, p.id) if x)
        yield f"{p.kind}: {where + ': ' if where else ''}{p.message}"
    for kind, n in report.omitted.items():
        yield f"{kind}: ... and {n} more"
    n = len(report.problems) + sum(report.omitted.values())
    yield "ok: no problems found" if report.ok else f"{n} problem{'s' if n != 1 else ''} found"
