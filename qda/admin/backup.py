"""Backups: a consistent online copy of a live SQLite project.

``qda backup PROJECT OUT`` copies the project through SQLite's backup API, so a copy
taken while another qda is writing is still one consistent snapshot (never half a
transaction).  The copy is readable by its owner only and is checked before the
command reports success.  A PostgreSQL project is backed up with the server's own
tools (``pg_dump``); qda says so instead of pretending.

:func:`safety_backup` is the automatic copy taken before a risky operation (a merge;
migrations take theirs in :func:`qda.db.engine.open_engine`).
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from qda.db.engine import _check_sqlite_file, backup_sqlite, is_url
from qda.errors import ProjectError, QdaError

PG_DUMP_HINT = (
    "a PostgreSQL project is backed up with the server's tools: "
    "pg_dump --format=custom --file=OUT.dump DBNAME (restore with pg_restore)"
)


@dataclass(frozen=True)
class BackupResult:
    id: str  # the backup file's path (listings carry an id)
    source: str
    path: str
    bytes: int
    documents: int
    codings: int
    integrity: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _timestamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def _destination(src: Path, out: Path) -> Path:
    """``OUT`` as given, or a timestamped file inside ``OUT`` when it is a folder."""
    if out.is_dir():
        return out / f"{src.stem}-{_timestamp()}.qda"
    if not out.parent.is_dir():
        raise QdaError(f"{out.parent}: no such folder")
    return out


def _verify_copy(path: Path) -> tuple[str, int, int]:
    """(integrity_check result, documents, codings) of a freshly written copy."""
    conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)
    try:
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        docs = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
        codings = conn.execute("SELECT count(*) FROM codings").fetchone()[0]
    except sqlite3.Error as exc:
        raise ProjectError(f"{path}: the backup copy cannot be read back: {exc}") from exc
    finally:
        conn.close()
    return "; ".join(rows), int(docs), int(codings)


def backup_project(target: str | os.PathLike[str], out: str | os.PathLike[str]) -> BackupResult:
    """Copy the SQLite project ``target`` to ``out`` (a new file, or a folder to put it in)."""
    if is_url(target):
        raise QdaError(PG_DUMP_HINT)
    src = Path(target).expanduser().absolute()
    _check_sqlite_file(src)
    dst = _destination(src, Path(out).expanduser().absolute())
    if dst.resolve() == src.resolve():
        raise QdaError(f"{dst}: the backup must not overwrite the project itself")
    _check_is_qda(src)
    backup_sqlite(src, dst)
    try:
        _single_file(dst)
        integrity, docs, codings = _verify_copy(dst)
    except BaseException:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{dst}{suffix}").unlink(missing_ok=True)
        raise
    if integrity != "ok":
        raise ProjectError(f"{dst}: the backup copy failed its integrity check ({integrity})")
    os.chmod(dst, 0o600)
    return BackupResult(
        id=str(dst),
        source=str(src),
        path=str(dst),
        bytes=dst.stat().st_size,
        documents=docs,
        codings=codings,
        integrity=integrity,
    )


def _single_file(dst: Path) -> None:
    """The copy inherits WAL mode; make it one self-contained file."""
    conn = sqlite3.connect(dst)
    try:
        conn.execute("PRAGMA journal_mode = DELETE")
    finally:
        conn.close()


def _check_is_qda(src: Path) -> None:
    conn = sqlite3.connect(f"file:{quote(str(src))}?mode=ro", uri=True)
    try:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        raise ProjectError(f"{src}: cannot read: {exc}") from exc
    finally:
        conn.close()
    if not {"alembic_version", "project_info"} <= names:
        raise ProjectError(f"{src}: not a qda project")


def safety_backup(target: str | os.PathLike[str], reason: str) -> Path | None:
    """A backup beside the project before a risky operation; ``None`` for a server project.

    The copy is ``PROJECT.<reason>-<UTC timestamp>.bak`` (owner-only).  Callers (merge)
    report its path to the user.
    """
    if is_url(target):
        return None
    src = Path(target).expanduser().absolute()
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in reason) or "backup"
    dst = src.with_name(f"{src.name}.{safe}-{_timestamp()}.bak")
    n = 2
    while dst.exists():
        dst = src.with_name(f"{src.name}.{safe}-{_timestamp()}-{n}.bak")
        n += 1
    backup_sqlite(src, dst)
    _single_file(dst)
    return dst
