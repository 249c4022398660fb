"""Engine factory and project lifecycle: create, open, upgrade, refuse.

A *target* is a path to a ``.qda`` file (SQLite) or a SQLAlchemy URL (for example
``postgresql+psycopg://user@host/db``).  SQLite connections run with WAL, foreign
keys on, ``trusted_schema=OFF`` and a busy timeout; write transactions start with
``BEGIN IMMEDIATE`` so two writers queue instead of failing on a lock upgrade.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from qda import __version__
from qda.errors import ProjectBusyError, ProjectError, QdaError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = int(os.environ.get("QDA_BUSY_TIMEOUT_MS", "5000"))


def is_url(target: str | os.PathLike[str]) -> bool:
    return "://" in str(target)


_REVISION_LINE = re.compile(r"""^(down_revision|revision)\s*(?::[^=]*)?=\s*['"]?(\w+)""", re.M)


def _revisions() -> dict[str, str | None]:
    """Each migration's revision and the one it follows, read from the migration files.

    Only Alembic runs them; reading the two lines here keeps Alembic (a fifth of the
    CLI's start-up) out of every command that just opens an up-to-date project.  Read
    once per folder (opening a project asks for them more than once).
    """
    return dict(_revisions_in(MIGRATIONS_DIR))


@cache
def _revisions_in(folder: Path) -> tuple[tuple[str, str | None], ...]:
    out: dict[str, str | None] = {}
    for f in sorted((folder / "versions").glob("*.py")):
        found: dict[str, str] = {
            m.group(1): m.group(2) for m in _REVISION_LINE.finditer(f.read_text("utf-8"))
        }
        if "revision" in found:
            down = found.get("down_revision")
            out[found["revision"]] = None if down in (None, "None") else down
    return tuple(out.items())


def schema_head() -> str:
    revs = _revisions()
    heads = set(revs) - {d for d in revs.values() if d}
    assert len(heads) == 1, heads
    return heads.pop()


def known_revisions() -> set[str]:
    return set(_revisions())


def _alembic_config(connection: Any = None) -> Any:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def _install_sqlite_hooks(engine: Engine, *, read_only: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA trusted_schema = OFF")
        if not read_only:
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get("qda_write") and not read_only:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


def make_engine(target: str | os.PathLike[str], *, read_only: bool = False) -> Engine:
    """An engine for a project path or URL.  Does not check or migrate the schema."""
    if is_url(target):
        url = str(target)
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        try:
            return create_engine(url, pool_pre_ping=True)
        except Exception as exc:  # unknown dialect, missing driver
            raise ProjectError(f"cannot use database URL {target!s}: {exc}") from exc
    path = Path(target).expanduser().absolute()
    if read_only:
        uri = f"file:{quote(str(path))}?mode=ro"
        engine = create_engine(
            "sqlite://",
            creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False),
            poolclass=NullPool,
        )
    else:
        # A small pool: connections are reused (their pragmas set once), never shared
        # by two threads at a time.
        engine = create_engine(
            f"sqlite:///{path}",
            connect_args={"check_same_thread": False},
            pool_size=4,
            max_overflow=8,
        )
    _install_sqlite_hooks(engine, read_only=read_only)
    return engine


def _check_sqlite_file(path: Path) -> None:
    if not path.exists():
        raise ProjectError(f"{path}: no such project (create one with `qda init {path}`)")
    if path.is_dir():
        raise ProjectError(f"{path}: is a folder, not a qda project file")
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise ProjectError(f"{path}: cannot read: {exc.strerror}") from exc
    if head != SQLITE_MAGIC:
        raise ProjectError(f"{path}: not a qda project (not an SQLite database)")


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    if len(rows) > 1:
        raise ProjectError(f"{engine.url.database}: several schema versions {sorted(rows)}")
    return rows[0] if rows else None


def _describe(target: str | os.PathLike[str]) -> str:
    return str(target) if not is_url(target) else str(target).split("@")[-1]


def display_target(target: str | os.PathLike[str]) -> str:
    """A project path, or its URL with the password hidden (for output and reports)."""
    if not is_url(target):
        return str(target)
    from sqlalchemy.engine import make_url

    try:
        return make_url(str(target)).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL: show only what follows the credentials
        return _describe(target)


def check_schema(engine: Engine, target: str | os.PathLike[str]) -> str:
    """Return the project's schema revision; refuse a non-qda or newer-qda database."""
    try:
        tables = set(inspect(engine).get_table_names())
        if "alembic_version" not in tables or "project_info" not in tables:
            raise ProjectError(f"{_describe(target)}: not a qda project")
        rev = current_revision(engine)
    except DBAPIError as exc:
        if _is_damaged(exc):
            raise _damaged(target, exc) from exc
        raise ProjectError(f"{_describe(target)}: cannot open: {exc.orig}") from exc
    if rev is None:
        raise ProjectError(f"{_describe(target)}: not a qda project (no schema version)")
    if rev not in known_revisions():
        raise ProjectError(
            f"{_describe(target)} was written by a newer qda (schema {rev}); "
            f"this is qda {__version__} (schema {schema_head()}): upgrade qda to open it"
        )
    return rev


def upgrade(engine: Engine) -> None:
    from alembic import command

    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "head")


def backup_sqlite(src: Path, dst: Path) -> Path:
    """A consistent copy of a live SQLite project through SQLite's backup API."""
    dst = Path(dst)
    if dst.exists():
        raise ProjectError(f"{dst}: already exists; choose another backup name")
    fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    try:
        src_conn = sqlite3.connect(f"file:{quote(str(src))}?mode=ro", uri=True)
        try:
            dst_conn = sqlite3.connect(dst)
            try:
                src_conn.backup(dst_conn)
            finally:
                dst_conn.close()
        finally:
            src_conn.close()
    except sqlite3.Error as exc:
        dst.unlink(missing_ok=True)
        raise ProjectError(f"cannot back up {src} to {dst}: {exc}") from exc
    return dst


def _timestamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def create_project(target: str | os.PathLike[str], *, name: str | None = None) -> Engine:
    """Create a new, empty project (a file readable by its owner only, or a database)."""
    if not is_url(target):
        path = Path(target).expanduser().absolute()
        if path.exists():
            raise ProjectError(f"{path}: already exists")
        if not path.parent.is_dir():
            raise ProjectError(f"{path.parent}: no such folder")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        name = name or path.stem
    engine = make_engine(target)
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
        if "alembic_version" in tables:
            raise ProjectError(f"{_describe(target)}: already holds a qda project")
        upgrade(engine)
        with engine.begin() as conn:
            now = datetime.now(UTC).isoformat()
            for key, value in (
                ("name", name or "qda project"),
                ("created_at", now),
                ("created_by_qda", __version__),
            ):
                conn.execute(
                    text("INSERT INTO project_info (key, value) VALUES (:k, :v)"),
                    {"k": key, "v": value},
                )
    except ProjectError:
        engine.dispose()
        if not is_url(target):
            Path(target).expanduser().absolute().unlink(missing_ok=True)
        raise
    return engine


def open_engine(target: str | os.PathLike[str], *, read_only: bool = False) -> Engine:
    """Open an existing project: check it, upgrade it (after a backup) if it is older."""
    if not is_url(target):
        path = Path(target).expanduser().absolute()
        _check_sqlite_file(path)
        if not read_only:
            # Look before WAL mode is switched on: that would rewrite another app's file.
            probe = make_engine(path, read_only=True)
            try:
                check_schema(probe, target)
            finally:
                probe.dispose()
    engine = make_engine(target, read_only=read_only)
    try:
        if not is_url(target) and read_only:
            with engine.connect() as conn:
                row = conn.exec_driver_sql("PRAGMA quick_check").fetchone()
                if row is None or row[0] != "ok":
                    raise ProjectError(f"{target}: damaged database ({row[0] if row else '?'})")
        rev = check_schema(engine, target)
        if rev != schema_head():
            if read_only:
                raise ProjectError(
                    f"{_describe(target)}: schema {rev} is older than {schema_head()}; "
                    "open it with qda once to upgrade it"
                )
            if not is_url(target):
                path = Path(target).expanduser().absolute()
                backup_sqlite(path, path.with_name(f"{path.name}.{rev}-{_timestamp()}.bak"))
            upgrade(engine)
    except DBAPIError as exc:  # OperationalError, DatabaseError ("malformed", "not a database")
        engine.dispose()
        if _is_damaged(exc):
            raise _damaged(target, exc) from exc
        raise ProjectError(f"{_describe(target)}: cannot open: {exc.orig}") from exc
    except BaseException:
        engine.dispose()
        raise
    return engine


def _is_busy(exc: BaseException) -> bool:
    msg = str(getattr(exc, "orig", exc)).lower()
    return "database is locked" in msg or "database is busy" in msg


def _is_damaged(exc: BaseException) -> bool:
    msg = str(getattr(exc, "orig", exc)).lower()
    return "malformed" in msg or "not a database" in msg


def _damaged(target: str | os.PathLike[str], exc: BaseException) -> ProjectError:
    return ProjectError(
        f"{_describe(target)}: damaged database ({getattr(exc, 'orig', exc)}); "
        "see `qda check` and restore a backup"
    )


def _translate(exc: DBAPIError, target: str) -> QdaError | None:
    """A busy or damaged database as the one-line error the user should see."""
    if _is_busy(exc):
        return ProjectBusyError(
            f"project busy: another qda is writing to {_describe(target)}; try again in a moment"
        )
    if _is_damaged(exc):
        return _damaged(target, exc)
    return None


@dataclass
class Store:
    """Sessions for one project.  Services take a Store and own their transactions."""

    engine: Engine
    target: str

    def __post_init__(self) -> None:
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(
            self.engine.execution_options(qda_write=True), expire_on_commit=False
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One unit of work: commits on success, rolls back on any error."""
        try:
            with self._write.begin() as session:
                yield session
        except DBAPIError as exc:
            error = _translate(exc, self.target)
            if error is not None:
                raise error from exc
            raise

    @contextmanager
    def read(self) -> Iterator[Session]:
        try:
            with self._read() as session, session.begin():
                yield session
        except DBAPIError as exc:
            error = _translate(exc, self.target)
            if error is not None:
                raise error from exc
            raise

    def dispose(self) -> None:
        self.engine.dispose()
