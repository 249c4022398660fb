"""Helpers for the team tests: the two-coder fixture, table dumps, coding keys."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from qda.team.fixtures import TeamFixture, build_team_fixture


@pytest.fixture(scope="session")
def team_master(_demo_master: Path, tmp_path_factory: pytest.TempPathFactory) -> TeamFixture:
    """base.qda, ana.qda, ben.qda built once per session by the fixture script."""
    return build_team_fixture(_demo_master, tmp_path_factory.mktemp("team-master"))


def copy(src: Path, dst: Path) -> Path:
    shutil.copyfile(src, dst)
    os.chmod(dst, 0o600)
    return dst


@pytest.fixture
def team(team_master: TeamFixture, tmp_path: Path) -> TeamFixture:
    """Fresh copies of the fixture for one test."""
    return TeamFixture(
        base=copy(team_master.base, tmp_path / "base.qda"),
        ana=copy(team_master.ana, tmp_path / "ana.qda"),
        ben=copy(team_master.ben, tmp_path / "ben.qda"),
    )


def dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (sorted), through a plain sqlite3 connection."""
    conn = sqlite3.connect(path)
    try:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        out = {}
        for n in sorted(names):
            rows = conn.execute(f'SELECT * FROM "{n}"').fetchall()
            out[n] = sorted(rows, key=repr)
        return out
    finally:
        conn.close()


def integrity(path: Path) -> tuple[str, list[Any]]:
    conn = sqlite3.connect(path)
    try:
        ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
        fks = conn.execute("PRAGMA foreign_key_check").fetchall()
        return ok, fks
    finally:
        conn.close()


_KEYS_SQL = """
WITH RECURSIVE paths(id, path) AS (
  SELECT id, lower(name) FROM codes WHERE parent_id IS NULL
  UNION ALL
  SELECT c.id, p.path || '/' || lower(c.name) FROM codes c JOIN paths p ON c.parent_id = p.id
)
SELECT d.sha256, p.path, lower(k.name), c.start, c."end", c.quote
FROM codings c JOIN documents d ON d.id = c.document_id
JOIN paths p ON p.id = c.code_id JOIN coders k ON k.id = c.coder_id
"""


def _clean(path: str) -> str:
    return "/".join(" ".join(part.split()) for part in path.split("/"))


def coding_keys(path: Path) -> Counter[tuple[Any, ...]]:
    """Each coding as (document text hash, code path, coder, start, end, quote), counted;
    code paths and coder names case- and space-insensitive (how a merge matches them)."""
    conn = sqlite3.connect(path)
    try:
        return Counter(
            (sha, _clean(p), " ".join(k.split()), s, e, q)
            for sha, p, k, s, e, q in conn.execute(_KEYS_SQL)
        )
    finally:
        conn.close()


def coding_ids(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT id FROM codings")}
    finally:
        conn.close()


def count(path: Path, table: str, where: str = "1") -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0])
    finally:
        conn.close()
