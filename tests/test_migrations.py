"""The migrations build exactly the models' schema; old projects upgrade; new ones refuse."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import qda
from qda.db import engine as engine_mod
from qda.db.models import Base
from qda.errors import ProjectError


def test_migrated_schema_matches_models(tmp_path: Path) -> None:
    p = qda.init_project(tmp_path / "m.qda")
    try:
        with p.store.engine.connect() as conn:
            ctx = MigrationContext.configure(
                conn,
                opts={
                    "include_name": lambda name, kind, _parent: (
                        not (name or "").startswith("sentence_fts")
                    )
                },
            )
            diff = compare_metadata(ctx, Base.metadata)
    finally:
        p.close()
    assert diff == []


def test_project_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "private.qda"
    qda.init_project(path).close()
    assert path.stat().st_mode & 0o777 == 0o600


def test_newer_project_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.qda"
    qda.init_project(path).close()
    con = sqlite3.connect(path)
    con.execute("UPDATE alembic_version SET version_num = '9999'")
    con.commit()
    con.close()
    with pytest.raises(ProjectError, match="newer qda"):
        qda.open_project(path)


def test_foreign_sqlite_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    with pytest.raises(ProjectError, match="not a qda project"):
        qda.open_project(path)


def test_older_project_is_upgraded_after_a_backup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "old.qda"
    qda.init_project(path).close()
    # A newer qda: the same migrations plus one more.
    newer = tmp_path / "migrations"
    shutil.copytree(engine_mod.MIGRATIONS_DIR, newer)
    (newer / "versions" / "9000_test_upgrade.py").write_text(
        '"""test upgrade"""\n'
        "from alembic import op\nimport sqlalchemy as sa\n"
        f"revision = '9000'\ndown_revision = {engine_mod.schema_head()!r}\n"
        "branch_labels = None\ndepends_on = None\n"
        "def upgrade():\n    op.create_table('upgrade_probe', sa.Column('x', sa.Integer))\n"
        "def downgrade():\n    op.drop_table('upgrade_probe')\n"
    )
    monkeypatch.setattr(engine_mod, "MIGRATIONS_DIR", newer)
    p = qda.open_project(path)
    try:
        assert engine_mod.current_revision(p.store.engine) == "9000"
    finally:
        p.close()
    backups = list(tmp_path.glob("old.qda.*.bak"))
    assert len(backups) == 1
    con = sqlite3.connect(backups[0])
    assert con.execute("SELECT version_num FROM alembic_version").fetchone()[0] != "9000"
    con.close()


def test_revisions_read_without_alembic_match_alembic(tmp_path: Path) -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(engine_mod.MIGRATIONS_DIR))
    script = ScriptDirectory.from_config(cfg)
    assert engine_mod.schema_head() == script.get_current_head()
    assert engine_mod.known_revisions() == {r.revision for r in script.walk_revisions()}
    assert engine_mod._revisions() == {r.revision: r.down_revision for r in script.walk_revisions()}
