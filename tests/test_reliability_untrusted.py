"""Untrusted project files: refused with one clear line, never changed, never a traceback.

A file from someone else may be anything: random bytes, another program's SQLite
database, a truncated copy, a project from a newer qda, a damaged one.  Each is refused
by the CLI (exit 2, ``qda: error: ...``) and by the Python API (:class:`ProjectError`),
both read-write and read-only (how merge opens its input), and the file is left as it
was.
"""

from __future__ import annotations

import hashlib
import random
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

import qda
from qda.errors import ProjectError
from tests.conftest import qda_cmd
from tests.reliability_support import qda_in_process


def _random_bytes(src: Path, dst: Path) -> None:
    dst.write_bytes(random.Random(1).randbytes(8192))


def _empty(src: Path, dst: Path) -> None:
    dst.write_bytes(b"")


def _other_app(src: Path, dst: Path) -> None:
    conn = sqlite3.connect(dst)
    conn.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
    conn.execute("INSERT INTO moz_places (url) VALUES ('https://example.org')")
    conn.commit()
    conn.close()


def _other_app_with_alembic(src: Path, dst: Path) -> None:
    """Another program that also uses Alembic: still not a qda project."""
    conn = sqlite3.connect(dst)
    conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
    conn.execute("INSERT INTO alembic_version VALUES ('0001')")
    conn.commit()
    conn.close()


def _truncated(src: Path, dst: Path) -> None:
    data = src.read_bytes()
    dst.write_bytes(data[: len(data) // 2])


def _truncated_header(src: Path, dst: Path) -> None:
    dst.write_bytes(src.read_bytes()[:3000])


def _magic_then_garbage(src: Path, dst: Path) -> None:
    dst.write_bytes(b"SQLite format 3\x00" + random.Random(2).randbytes(5000))


def _newer(src: Path, dst: Path) -> None:
    shutil.copyfile(src, dst)
    conn = sqlite3.connect(dst)
    conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    conn.commit()
    conn.close()


def _damaged(src: Path, dst: Path) -> None:
    """The page headers after the schema page overwritten with noise (a bad disk or copy)."""
    data = bytearray(src.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    rng = random.Random(3)
    for n in range(1, len(data) // page):
        data[n * page : n * page + 100] = rng.randbytes(100)
    dst.write_bytes(bytes(data))


def _folder(src: Path, dst: Path) -> None:
    dst.mkdir()


CASES: dict[str, tuple[Callable[[Path, Path], None], str]] = {
    "random bytes": (_random_bytes, "not a qda project"),
    "empty file": (_empty, "not a qda project"),
    "another app's SQLite": (_other_app, "not a qda project"),
    "another app's Alembic": (_other_app_with_alembic, "not a qda project"),
    "truncated in half": (_truncated, "damaged"),
    "truncated header": (_truncated_header, "damaged"),
    "magic then garbage": (_magic_then_garbage, "damaged"),
    "from a newer qda": (_newer, "newer qda"),
    "damaged pages": (_damaged, "damaged"),
    "a folder": (_folder, "folder"),
}


def _fingerprint(path: Path) -> str:
    return "folder" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def hostile(demo_path: Path, tmp_path: Path, request: pytest.FixtureRequest) -> tuple[Path, str]:
    make, words = CASES[request.param]
    dst = tmp_path / "hostile.qda"
    make(demo_path, dst)
    return dst, words


@pytest.mark.parametrize("hostile", list(CASES), indirect=True)
def test_refused_by_the_cli(hostile: tuple[Path, str]) -> None:
    path, words = hostile
    before = _fingerprint(path)
    for command in (["info", "--json"], ["docs"], ["search", "physio"]):
        code, out, err = qda_in_process(command[0], str(path), *command[1:])
        assert code == 2, (command, code, err)
        assert out == ""
        assert err.count("\n") == 1 and err.startswith("qda: error: "), err
        assert words in err, err
        assert "Traceback" not in err and "internal error" not in err
    assert _fingerprint(path) == before


@pytest.mark.parametrize("hostile", list(CASES), indirect=True)
@pytest.mark.parametrize("read_only", [False, True])
def test_refused_by_the_api(hostile: tuple[Path, str], read_only: bool) -> None:
    path, words = hostile
    before = _fingerprint(path)
    # Read-write opening skips the (slow) full quick check: damage inside a table
    # then shows at the first read, as the same one-line error.
    with pytest.raises(ProjectError) as exc, qda.open_project(path, read_only=read_only) as p:
        p.info()
        p.documents()
    assert words in str(exc.value) and "\n" not in str(exc.value)
    assert _fingerprint(path) == before


@pytest.mark.parametrize("hostile", ["damaged pages", "truncated in half"], indirect=True)
def test_check_reports_damage(hostile: tuple[Path, str]) -> None:
    path, _ = hostile
    code, out, err = qda_in_process("check", str(path), "--json")
    assert code == 1
    assert '"ok": false' in out and "integrity" in out
    assert err.startswith("qda: check: ")


def test_real_command_refuses_newer_project(demo_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "newer.qda"
    _newer(demo_path, path)
    proc = qda_cmd("info", str(path))
    assert proc.returncode == 2
    assert proc.stderr.startswith("qda: error: ") and proc.stderr.count("\n") == 1
    assert "newer qda" in proc.stderr and "upgrade qda" in proc.stderr


def test_read_only_open_is_untrusting(demo_path: Path) -> None:
    """Read-only (merge input): trusted_schema off, writes impossible, file unchanged."""
    before = _fingerprint(demo_path)
    p = qda.open_project(demo_path, read_only=True)
    try:
        with p.store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA trusted_schema").scalar() == 0
            with pytest.raises(Exception, match="readonly"):
                conn.exec_driver_sql("DELETE FROM documents")
        assert p.info()["documents"] == 14
    finally:
        p.close()
    assert _fingerprint(demo_path) == before


def test_tampered_schema_is_reported(demo_path: Path) -> None:
    """A trigger someone slipped into a project is reported by ``qda check``."""
    conn = sqlite3.connect(demo_path)
    conn.execute("CREATE TRIGGER wipe AFTER INSERT ON codings BEGIN DELETE FROM documents; END")
    conn.commit()
    conn.close()
    code, out, _ = qda_in_process("check", str(demo_path))
    assert code == 1 and "unexpected trigger 'wipe'" in out
