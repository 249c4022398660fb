"""``qda backup`` (consistent online copies) and ``qda check`` (finds what is broken)."""

from __future__ import annotations

import json
import sqlite3
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import qda
from qda.admin.backup import safety_backup
from qda.errors import ProjectError, QdaError
from tests.reliability_support import (
    codings_all_or_nothing,
    dump_tables,
    integrity,
    qda_in_process,
)


@pytest.fixture
def coded(demo_path: Path) -> Path:
    """The demo project with a few codes, codings, a memo and a relation."""
    with qda.open_project(demo_path, coder="ana") as p:
        p.add_code("seeing the physio")
        p.add_code("feeling no difference")
        docs = p.documents()
        for i, d in enumerate(docs[:5]):
            p.apply("seeing the physio", d.id, start=10 * i, end=10 * i + 25)
            p.apply("feeling no difference", d.id, start=100, end=160)
        p.relate("feeling no difference", "consequence of", "seeing the physio")
        p.add_memo("code note", "why", "because", links=[("code", "seeing the physio")])
    return demo_path


def _raw(path: Path) -> sqlite3.Connection:
    """A raw connection with foreign keys off: how a bug or a hand edit breaks things."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys = OFF")
    return conn


def _check(path: Path) -> tuple[int, dict[str, object], str]:
    code, out, err = qda_in_process("check", str(path), "--json")
    return code, json.loads(out), err


# -- backup ---------------------------------------------------------------------------------


def test_backup_is_a_private_exact_copy(coded: Path, tmp_path: Path) -> None:
    out = tmp_path / "copy.qda"
    code, stdout, err = qda_in_process("backup", str(coded), str(out), "--json")
    assert code == 0, err
    result = json.loads(stdout)
    assert result["integrity"] == "ok" and result["codings"] == 10 and result["id"] == str(out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert dump_tables(out) == dump_tables(coded)
    conn = sqlite3.connect(out)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one file
    conn.close()
    with qda.open_project(out) as p:
        assert p.check().ok and len(p.codings()) == 10


def test_backup_into_a_folder(coded: Path, tmp_path: Path) -> None:
    with qda.open_project(coded) as p:
        result = p.backup(tmp_path)
    assert Path(result.path).parent == tmp_path and Path(result.path).name.startswith("demo-")


def test_backup_refusals(coded: Path, tmp_path: Path) -> None:
    existing = tmp_path / "exists.qda"
    existing.write_text("keep me")
    code, _, err = qda_in_process("backup", str(coded), str(existing))
    assert code != 0 and "already exists" in err and existing.read_text() == "keep me"
    code, _, err = qda_in_process("backup", str(coded), str(coded))
    assert code != 0 and err.count("\n") == 1
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    code, _, err = qda_in_process("backup", str(other), str(tmp_path / "b.qda"))
    assert code == 2 and "not a qda project" in err
    assert not (tmp_path / "b.qda").exists()
    with pytest.raises(QdaError, match="pg_dump"):
        from qda.admin.backup import backup_project

        backup_project("postgresql+psycopg://u@h/db", tmp_path / "x.qda")


WRITER = textwrap.dedent(
    """
    import random, sys
    import qda

    p = qda.open_project(sys.argv[1], coder="writer")
    docs = [(d.id, d.chars) for d in p.documents()]
    rng = random.Random(1)
    print("ready", flush=True)
    for _ in range(int(sys.argv[2])):
        doc, chars = rng.choice(docs)
        start = rng.randrange(0, chars - 40)
        p.apply("seeing the physio", doc, start=start, end=start + 30)
    """
)


def test_backup_while_another_process_writes(coded: Path, tmp_path: Path) -> None:
    """Copies taken during a burst of codings are each one consistent snapshot."""
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    writer = subprocess.Popen(
        [sys.executable, str(script), str(coded), "150"], stdout=subprocess.PIPE, text=True
    )
    copies = []
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
        with qda.open_project(coded) as p:
            for i in range(4):
                copies.append(Path(p.backup(tmp_path / f"b{i}.qda").path))
    finally:
        writer.wait(timeout=300)
    assert writer.returncode == 0
    counts = []
    for c in copies:
        assert integrity(c) == ["ok"]
        counts.append(codings_all_or_nothing(c))
        with qda.open_project(c) as p:
            assert p.check().ok
    assert counts == sorted(counts) and counts[0] >= 10


def test_safety_backup_beside_the_project(coded: Path) -> None:
    first = safety_backup(coded, "merge")
    second = safety_backup(coded, "merge")
    assert first and second and first != second
    assert first.parent == coded.parent and first.name.startswith("demo.qda.merge-")
    assert stat.S_IMODE(first.stat().st_mode) == 0o600
    assert dump_tables(first) == dump_tables(coded)
    assert safety_backup("postgresql+psycopg://u@h/db", "merge") is None


# -- check ----------------------------------------------------------------------------------


def test_check_ok(coded: Path) -> None:
    code, report, err = _check(coded)
    assert code == 0 and report["ok"] is True and report["problems"] == [], err
    checked = report["checked"]
    assert isinstance(checked, dict)
    assert checked["documents"] == 14 and checked["codings"] == 10 and checked["sentences"] > 0
    code, out, _ = qda_in_process("check", str(coded))
    assert code == 0 and "ok: no problems found" in out


def test_check_finds_a_broken_quote(coded: Path) -> None:
    """The issue's own test: a coding whose stored quote no longer matches its document."""
    conn = _raw(coded)
    cid = conn.execute("SELECT id FROM codings ORDER BY start LIMIT 1").fetchone()[0]
    conn.execute("UPDATE codings SET quote = 'words nobody said' WHERE id = ?", (cid,))
    conn.commit()
    conn.close()
    code, report, err = _check(coded)
    assert code == 1 and report["ok"] is False
    problems = report["problems"]
    assert isinstance(problems, list) and len(problems) == 1
    assert problems[0]["kind"] == "quote" and problems[0]["id"].replace("-", "") == cid
    assert "words nobody said" in problems[0]["message"]
    assert err.startswith("qda: check: 1 problem")
    code, out, _ = qda_in_process("check", str(coded))
    assert code == 1 and "quote" in out and "1 problem found" in out


def _break(path: Path, *sql: str) -> None:
    conn = _raw(path)
    for statement in sql:
        conn.execute(statement)
    conn.commit()
    conn.close()


@pytest.mark.parametrize(
    ("sql", "kinds"),
    [
        (['UPDATE codings SET "end" = 10000000 WHERE rowid = 1'], {"span"}),
        (["UPDATE sentences SET start = -5 WHERE id = 1"], {"span"}),
        (['UPDATE turns SET body_start = "end" + 1 WHERE id = 3'], {"span"}),
        (
            ["UPDATE documents SET text = text || ' tampered' WHERE position = 1"],
            {"document"},
        ),
        (
            ["UPDATE documents SET sha256 = 'x' || substr(sha256, 2) WHERE position = 2"],
            {"document"},
        ),
        (
            ["DELETE FROM codes WHERE name = 'feeling no difference'"],
            {"orphan", "foreign-key"},
        ),
        (["UPDATE memo_links SET target_id = '00000000000000000000000000000000'"], {"orphan"}),
        (["UPDATE memo_links SET target_kind = 'spaceship'"], {"orphan"}),
        (["DELETE FROM sentence_fts WHERE rowid = 5"], {"fts"}),
        (
            [
                "UPDATE codes SET parent_id = (SELECT id FROM codes WHERE name = "
                "'feeling no difference') WHERE name = 'seeing the physio'",
                "UPDATE codes SET parent_id = (SELECT id FROM codes WHERE name = "
                "'seeing the physio') WHERE name = 'feeling no difference'",
            ],
            {"tree"},
        ),
    ],
)
def test_check_finds_damage(coded: Path, sql: list[str], kinds: set[str]) -> None:
    _break(coded, *sql)
    code, report, _ = _check(coded)
    assert code == 1
    problems = report["problems"]
    assert isinstance(problems, list) and problems
    assert {p["kind"] for p in problems} <= kinds | {"quote", "span"}
    assert {p["kind"] for p in problems} & kinds


def test_check_api_and_limits(coded: Path) -> None:
    _break(coded, "UPDATE codings SET quote = 'x'")
    from qda.admin import check as check_mod

    with qda.open_project(coded) as p:
        report = p.check()
    assert not report.ok and len(report.problems) == 10
    old = check_mod.MAX_PER_KIND
    check_mod.MAX_PER_KIND = 3
    try:
        with qda.open_project(coded) as p:
            report = p.check()
    finally:
        check_mod.MAX_PER_KIND = old
    assert len(report.problems) == 3 and report.omitted == {"quote": 7}
    assert "quote: ... and 7 more" in list(check_mod.summary(report))


def test_check_refuses_what_is_not_a_project(tmp_path: Path) -> None:
    junk = tmp_path / "junk.qda"
    junk.write_bytes(b"hello")
    code, _, err = qda_in_process("check", str(junk))
    assert code == 2 and "not a qda project" in err
    with pytest.raises(ProjectError):
        from qda.admin.check import check_target

        check_target(tmp_path / "missing.qda")
