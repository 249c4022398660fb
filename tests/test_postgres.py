"""qda on a real PostgreSQL server (a team's shared project).

Skipped unless ``QDA_TEST_PG_URL`` points at a database whose role may create
databases (``.ci/run`` installs PostgreSQL from Debian's packages and sets it).  Each
test gets a fresh database, dropped afterwards.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

import qda
from qda.errors import ProjectError, QdaError
from tests.conftest import drop_database, qda_cmd

PG_URL = os.environ.get("QDA_TEST_PG_URL", "")
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not PG_URL, reason="QDA_TEST_PG_URL is not set (no PostgreSQL server)"),
]


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A URL to a brand-new database on the server, dropped after the test."""
    name = f"qda_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
        yield url
    finally:
        drop_database(admin, name)
        admin.dispose()


@pytest.fixture
def pg_demo(pg_url: str, samples: Path) -> str:
    p = qda.init_project(pg_url, coder="ana")
    try:
        report = p.import_paths([samples])
        assert not report.skipped
        p.import_attributes(samples / "participants.csv")
    finally:
        p.close()
    return pg_url


def test_storage_matches_sqlite(pg_demo: str, project: qda.Project) -> None:
    """The same sample transcripts give the same counts, turns, sentences and hits."""
    with qda.open_project(pg_demo, coder="ana") as pg:
        info, lite = pg.info(), project.info()
        assert info["backend"] == "postgresql"
        for key in ("documents", "participants", "words", "turns", "sentences"):
            assert info[key] == lite[key], key
        assert [d.name for d in pg.documents()] == [d.name for d in project.documents()]
        assert [(r["name"], r["attributes"]) for r in pg.participants()] == [
            (r["name"], r["attributes"]) for r in project.participants()
        ]
        for doc in project.documents()[:3]:
            a, b = pg.show(doc.name), project.show(doc.name)
            assert a.text == b.text and a.sha256 == b.sha256
            assert [(t.start, t.end, t.speaker) for t in a.turns] == [
                (t.start, t.end, t.speaker) for t in b.turns
            ]
            assert [(s.start, s.end) for s in a.sentences] == [
                (s.start, s.end) for s in b.sentences
            ]
            for s in a.sentences:
                assert a.text[s.start : s.end] == s.text
        hits = {(h.document, h.start, h.end) for h in pg.search("physio", limit=10_000)}
        want = {(h.document, h.start, h.end) for h in project.search("physio", limit=10_000)}
        assert hits == want and len({d for d, _, _ in hits}) > 3
        for h in pg.search("physio", limit=50):
            assert pg.show(h.document).text[h.start : h.end].lower() == "physio"
        assert pg.check().ok


def test_reimport_adds_nothing(pg_demo: str, samples: Path) -> None:
    with qda.open_project(pg_demo, coder="ana") as p:
        before = p.info()
        report = p.import_paths([samples])
        assert not report.imported and len(report.duplicates) == before["documents"]
        assert p.info() == before


def test_cli_against_server(pg_demo: str) -> None:
    proc = qda_cmd("info", pg_demo, "--json")
    assert proc.returncode == 0, proc.stderr
    assert '"documents": 14' in proc.stdout
    password = make_url(pg_demo).password
    if password:
        assert f":{password}@" not in proc.stdout and ":***@" in proc.stdout  # hidden
    docs = qda_cmd("docs", pg_demo, "--json")
    assert docs.returncode == 0 and docs.stdout.count('"id"') == 14
    hits = qda_cmd("search", pg_demo, "physio", "--json")
    assert hits.returncode == 0 and '"match"' in hits.stdout


def test_coding_and_check(pg_demo: str) -> None:
    with qda.open_project(pg_demo, coder="ana") as p:
        p.add_code("seeing the physio")
        doc = p.documents()[0]
        c = p.apply("seeing the physio", doc.name, start=0, end=40)
        assert p.show(doc.name).text[0:40] == c.quote
        p.uncode(c.id)
        assert p.undo() is not None  # the coding is back
        assert len(p.codings()) == 1
        assert p.check().ok


BURST = textwrap.dedent(
    """
    import random, sys
    import qda

    url, coder, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    rng = random.Random(coder)
    with qda.open_project(url, coder=coder) as p:
        docs = [(d.id, d.chars) for d in p.documents()]
        print("ready", flush=True)
        sys.stdin.readline()  # start together
        for _ in range(n):
            doc, chars = rng.choice(docs)
            start = rng.randrange(0, chars - 50)
            p.apply("shared code", doc, start=start, end=start + rng.randint(1, 50))
    """
)


def test_two_coders_at_once(pg_demo: str, tmp_path: Path) -> None:
    """Two processes code into one server project at the same time: nothing is lost."""
    with qda.open_project(pg_demo, coder="lead") as p:
        p.add_code("shared code")
    script = tmp_path / "burst.py"
    script.write_text(BURST)
    n = 40
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), pg_demo, coder, str(n)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for coder in ("ana", "ben")
    ]
    for proc in procs:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    with qda.open_project(pg_demo, coder="lead") as p:
        codings = p.codings(code="shared code")
        assert len(codings) == 2 * n
        assert sorted({c.coder for c in codings}) == ["ana", "ben"]
        assert sum(c.coder == "ana" for c in codings) == n
        assert p.check().ok


def test_newer_schema_refused(pg_demo: str) -> None:
    engine = create_engine(pg_demo)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    engine.dispose()
    with pytest.raises(ProjectError, match="newer qda"):
        qda.open_project(pg_demo)


def test_not_a_qda_database(pg_url: str) -> None:
    with pytest.raises(ProjectError, match="not a qda project"):
        qda.open_project(pg_url)


def test_backup_points_to_pg_dump(pg_demo: str, tmp_path: Path) -> None:
    with pytest.raises(QdaError, match="pg_dump"):
        qda.open_project(pg_demo).backup(tmp_path / "b.qda")
    proc = qda_cmd("backup", pg_demo, str(tmp_path / "b.qda"))
    assert proc.returncode == 1 and "pg_dump" in proc.stderr


def test_change_stamp_moves_with_every_change(pg_demo: str) -> None:
    """What the workbench watches for changes made elsewhere, on the server too."""
    a = qda.open_project(pg_demo, coder="ana")
    b = qda.open_project(pg_demo, coder="ben")
    try:
        first = a.change_stamp()
        assert a.change_stamp() == first  # reading changes nothing
        b.add_code("seen by ana")
        second = a.change_stamp()
        assert second != first
        b.undo()
        assert a.change_stamp() not in (first, second)
    finally:
        a.close()
        b.close()
