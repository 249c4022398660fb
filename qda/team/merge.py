"""Merge other coded projects into this one: lossless, repeatable, all or nothing.

``merge_projects(store, others, coder=...)``:

1. opens every other project read-only as untrusted input and checks it
   (:func:`qda.team.snapshot.read_snapshot`);
2. writes a backup of this project beside it (SQLite; not for a dry run);
3. in ONE write transaction: reads what this project holds, plans every other
   project in turn (:mod:`qda.team.merge_plan`), inserts the new rows in chunks
   (:mod:`qda.team.rawio`: plain values, no per-value ORM processing; for tens of
   thousands of rows a table's secondary indexes are dropped and rebuilt inside the
   same transaction) and records the events; a failure or a killed process leaves
   the project exactly as it was.

A dry run plans in a read transaction and writes nothing.  When there is nothing to
add, nothing is written (no event either) and the backup is removed again, so merging
the same file twice leaves the project byte-for-byte equal in content.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, text, update
from sqlalchemy.orm import Session

from qda.common import get_or_create_coder, record_event
from qda.db.engine import Store, is_url
from qda.db.models import Base, Code
from qda.db.types import utcnow
from qda.errors import QdaError
from qda.team import rawio
from qda.team.merge_index import INSERT_ORDER, Plan, SourceReport
from qda.team.merge_plan import plan_merge
from qda.team.snapshot import Snapshot, read_snapshot

CHUNK = 5000
BULK_ROWS = 20_000  # from this many new rows, indexes are rebuilt instead of updated
CACHE_KB = 64 * 1024  # SQLite page cache during the merge
Progress = Callable[[str, int, int], None]


@dataclass
class MergeReport:
    project: str
    dry_run: bool
    backup: str | None
    changed: bool
    added: dict[str, int] = field(default_factory=dict)  # totals over the sources
    sources: list[SourceReport] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _same_file(a: str, b: str) -> bool:
    if is_url(a) or is_url(b):
        return a == b
    try:
        return os.path.samefile(a, b)
    except OSError:
        return Path(a).expanduser().absolute() == Path(b).expanduser().absolute()


@contextmanager
def _bulk(conn: Connection, table: Table, rows: int) -> Iterator[None]:
    """Many rows into a big SQLite table: drop its secondary indexes and build them again
    afterwards (inside the same transaction, so a failure or a kill undoes both)."""
    if conn.dialect.name != "sqlite" or rows < BULK_ROWS:
        yield
        return
    indexes = [ix for ix in table.indexes if not ix.unique]
    for ix in indexes:
        ix.drop(conn)
    yield
    for ix in indexes:
        ix.create(conn)


def _apply(s: Session, plans: list[Plan], coder: str, progress: Progress | None) -> None:
    conn = s.connection()
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA cache_size = -{CACHE_KB}")
    now = rawio.now()
    total = sum(len(rows) for p in plans for rows in p.inserts.values())
    done = 0
    # the merging coder may be one of the coders the other projects bring: add theirs first
    for plan in plans:
        done += rawio.write(conn, Base.metadata.tables["coders"], plan.inserts["coders"])
    me = get_or_create_coder(s, coder)
    s.flush()
    for plan in plans:
        for row in plan.made_memos:
            row.update(author_id=me.id.hex, created_at=now, updated_at=now)
        for name in INSERT_ORDER:
            if name == "coders":
                continue
            rows = plan.inserts[name]
            table = Base.metadata.tables[name]
            self_ref = any(fk.column.table is table for fk in table.foreign_keys)
            if rows and isinstance(rows[0].get("id"), str) and not self_ref:
                rows.sort(key=lambda r: r["id"])  # B-tree locality (codes: parents first)
            with _bulk(conn, table, len(rows)):
                for i in range(0, len(rows), CHUNK):
                    done += rawio.write(conn, table, rows[i : i + CHUNK])
                    if progress:
                        progress("writing", done, total)
            if name == "sentences" and plan.new_docs and conn.dialect.name == "sqlite":
                for did in plan.new_docs:
                    conn.execute(
                        text(
                            "INSERT INTO sentence_fts (rowid, text, document_id) "
                            'SELECT s.id, substr(d.text, s.start + 1, s."end" - s.start), '
                            "s.document_id FROM sentences s JOIN documents d "
                            "ON d.id = s.document_id WHERE s.document_id = :doc"
                        ),
                        {"doc": did},
                    )
            if name == "codes":
                for code_id, field_, old, new in plan.code_updates:
                    cid = uuid.UUID(hex=code_id)
                    values = {field_: new, "updated_at": utcnow()}
                    s.execute(update(Code).where(Code.id == cid).values(values))
                    record_event(
                        s,
                        coder=me,
                        action="merge-define",
                        entity_kind="code",
                        entity_id=cid,
                        summary=f"{field_} filled in from {plan.report.name}",
                        before={field_: old},
                        after={field_: new},
                    )
        rep = plan.report
        record_event(
            s,
            coder=me,
            action="merge",
            entity_kind="project",
            entity_id=None,
            summary=f"merged {rep.name} ({rep.id}): "
            + ", ".join(f"{v} {k}" for k, v in rep.added.items()),
            before=None,
            after={
                "source": rep.id,
                "added": rep.added,
                "matched": rep.matched,
                "duplicates": rep.duplicates,
                "conflicts": len(rep.conflicts),
                "skipped": len(rep.skipped),
            },
        )


def merge_projects(
    store: Store,
    others: Sequence[str | os.PathLike[str]],
    *,
    coder: str,
    dry_run: bool = False,
    backup: bool = True,
    progress: Progress | None = None,
) -> MergeReport:
    """Merge ``others`` into the project of ``store`` (see the module docstring)."""
    if not others:
        raise QdaError("name at least one project to merge")
    for o in others:
        if _same_file(store.target, str(o)):
            raise QdaError(f"{o}: is this project itself; name another project to merge")
    snaps: list[Snapshot] = []
    report = MergeReport(project=store.target, dry_run=dry_run, backup=None, changed=False)
    backup_path: Path | None = None
    try:
        for i, o in enumerate(others):
            if progress:
                progress("reading", i, len(others))
            snaps.append(read_snapshot(o))
        if dry_run:
            with store.read() as s:
                plans = plan_merge(s, snaps)
        else:
            if backup and not is_url(store.target):
                from qda.admin.backup import safety_backup

                backup_path = safety_backup(store.target, "pre-merge")
            with store.write() as s:
                if progress:
                    progress("planning", 0, 1)
                plans = plan_merge(s, snaps)
                if any(p.report.changes for p in plans):
                    _apply(s, plans, coder, progress)
                    report.changed = True
    finally:
        for snap in snaps:
            snap.close()
    if backup_path is not None and not report.changed:
        backup_path.unlink(missing_ok=True)
        backup_path = None
    report.backup = str(backup_path) if backup_path else None
    report.sources = [p.report for p in plans]
    for src in report.sources:
        for k, v in src.added.items():
            report.added[k] = report.added.get(k, 0) + v
    return report
