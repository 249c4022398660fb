"""Shared fixtures.

* ``demo_path``: a copy of the demo project (all sample transcripts and participants),
  built once per test session and copied for each test that asks for it.
* ``project``: that copy, opened as ``qda.Project`` with coder ``"ana"``.
* ``empty_project``: a new empty project opened with coder ``"ana"``.
* ``run_qda``: runs the real ``qda`` command in a subprocess.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import qda
from qda.cli.project_cmds import build_demo, sample_dir

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
REFI_DIR = SHARED / "refi"

try:  # TUI snapshot SVGs live in tests/snapshots/<test module>/ (ruff skips that folder)
    from pytest_textual_snapshot import SVGImageExtension

    def _snapshot_dir(cls: type, *, test_location: object) -> str:
        where = Path(test_location.filepath).parent  # type: ignore[attr-defined]
        return str(where / "snapshots" / test_location.basename)  # type: ignore[attr-defined]

    SVGImageExtension.dirname = classmethod(_snapshot_dir)  # type: ignore[assignment, method-assign]
except ImportError:  # pytest-textual-snapshot (test extras) not installed
    pass


@pytest.fixture(autouse=True)
def _isolated_env(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No test reads the developer's own config or writes to their data dir."""
    home = tmp_path_factory.getbasetemp() / "home"
    home.mkdir(exist_ok=True)
    monkeypatch.setenv("QDA_CONFIG", str(home / "config.toml"))
    monkeypatch.setenv("QDA_DATA_DIR", str(home / "data"))
    monkeypatch.delenv("QDA_CODER", raising=False)


@pytest.fixture(scope="session")
def _demo_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("demo-master")
    return build_demo(where, coder="ana")


@pytest.fixture
def demo_path(_demo_master: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "demo.qda"
    shutil.copyfile(_demo_master, dst)
    os.chmod(dst, 0o600)
    return dst


@pytest.fixture
def project(demo_path: Path) -> Iterator[qda.Project]:
    p = qda.open_project(demo_path, coder="ana")
    yield p
    p.close()


@pytest.fixture
def empty_project(tmp_path: Path) -> Iterator[qda.Project]:
    p = qda.init_project(tmp_path / "empty.qda", coder="ana")
    yield p
    p.close()


@pytest.fixture(scope="session")
def samples() -> Path:
    return sample_dir()


def qda_cmd(
    *args: str, env: dict[str, str] | None = None, input: str | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run the real ``qda`` command line (``python -m qda``)."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "qda", *args],
        capture_output=True,
        text=True,
        env=full_env,
        input=input,
        timeout=timeout,
    )


@pytest.fixture
def run_qda() -> object:
    return qda_cmd


def drop_database(admin: Any, name: str) -> None:
    """Drop a scratch PostgreSQL database after a test.  ``WITH (FORCE)`` ends other
    sessions on it, but a non-superuser cannot end a superuser's backend (an autovacuum
    worker that just started on the new database), so wait for that to finish."""
    import time

    from sqlalchemy import exc, text

    for attempt in range(40):
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return
        except exc.ProgrammingError:
            if attempt == 39:
                raise
            time.sleep(0.25)
