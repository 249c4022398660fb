"""Merge, agreement and settling on a PostgreSQL project (QDA_TEST_PG_URL; skipped
without it).  The test makes its own database on that server and drops it afterwards."""

# ruff: noqa: F811  (pytest fixtures imported from tests.team_support)

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

import qda
from qda.team.fixtures import TeamFixture
from tests.conftest import drop_database
from tests.team_support import coding_keys, copy, team, team_master  # noqa: F401  (fixtures)

PG_URL = os.environ.get("QDA_TEST_PG_URL")
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not PG_URL, reason="QDA_TEST_PG_URL is not set"),
]


@pytest.fixture
def pg_project() -> Iterator[str]:
    assert PG_URL
    url = make_url(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"qda_team_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no CREATEDB right on this server
        admin.dispose()
        pytest.skip(f"cannot create a database: {exc}")
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        drop_database(admin, name)
        admin.dispose()


def test_merge_agreement_settle_on_postgres(
    pg_project: str, team: TeamFixture, tmp_path: Path
) -> None:
    qda.init_project(pg_project, coder="lead").close()
    p = qda.open_project(pg_project, coder="lead")
    try:
        report = p.merge_projects([team.ana, team.ben])
        assert report.changed and report.backup is None  # a server is backed up by its tools
        assert not p.merge_projects([team.ana, team.ben]).changed
        pg_agreement = p.agreement(coders=["ana", "ben"])
        d = p.disagreements(coders=["ana", "ben"])[0]
        p.settle(d.id, "keep", code=d.disputed[0].code, coders=["ana", "ben"])
        assert p.undo() is not None
    finally:
        p.close()
    sqlite = copy(team.ana, tmp_path / "merged.qda")
    s = qda.open_project(sqlite, coder="lead")
    try:
        s.merge_projects([team.ben])
        assert s.agreement(coders=["ana", "ben"]).overall == pg_agreement.overall
    finally:
        s.close()
    # and the server project merged back into a file holds the same codings
    back = tmp_path / "back.qda"
    qda.init_project(back, coder="lead").close()
    b = qda.open_project(back, coder="lead")
    try:
        b.merge_projects([pg_project])
    finally:
        b.close()
    assert set(coding_keys(back)) == set(coding_keys(sqlite))
