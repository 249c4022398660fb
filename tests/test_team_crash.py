"""SIGKILL a running `qda merge`: the project is either untouched or fully merged,
and always sound (integrity check, foreign keys, opens)."""

# ruff: noqa: F811  (pytest fixtures imported from tests.team_support)

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

import qda
from qda.bench.synth import add_codes_and_codings
from qda.team.fixtures import TeamFixture
from tests.team_support import (  # noqa: F401  (fixtures)
    coding_keys,
    copy,
    dump,
    integrity,
    team_master,
)

RUNS = int(os.environ.get("QDA_TEAM_KILL_RUNS", "6"))


@pytest.fixture(scope="module")
def big_other(_demo_master: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo project with 150 codes and 40,000 codings by two more coders."""
    path = copy(_demo_master, tmp_path_factory.mktemp("crash") / "big.qda")
    p = qda.open_project(path, coder="cat")
    try:
        add_codes_and_codings(p.store, codes=150, codings=40_000, coders=("cat", "dan"), seed=3)
    finally:
        p.close()
    return path


def _wal(path: Path) -> int:
    try:
        return Path(str(path) + "-wal").stat().st_size
    except FileNotFoundError:
        return 0


@pytest.mark.slow
def test_sigkill_mid_merge(team_master: TeamFixture, big_other: Path, tmp_path: Path) -> None:
    pristine = copy(team_master.ana, tmp_path / "pristine.qda")
    before = dump(pristine)
    done = copy(pristine, tmp_path / "done.qda")
    p = qda.open_project(done, coder="lead")
    try:
        p.merge_projects([big_other])
    finally:
        p.close()
    merged_keys = coding_keys(done)
    assert len(merged_keys) > len(coding_keys(pristine)) + 30_000

    rng = random.Random(20261128)
    outcomes: Counter[str] = Counter()
    for i in range(RUNS):
        project = copy(pristine, tmp_path / f"run{i}.qda")
        proc = subprocess.Popen(
            [sys.executable, "-m", "qda", "merge", str(project), str(big_other), "--coder", "lead"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        if i % 2 == 0:
            # wait until the merge transaction is writing: the WAL grows past a random size
            threshold = rng.randint(200_000, 3_000_000)
            deadline = time.monotonic() + 60
            while proc.poll() is None and _wal(project) < threshold:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.005)
        else:
            time.sleep(rng.uniform(0.2, 4.0))
        finished = proc.poll() is not None
        wal_at_kill = _wal(project)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        ok, fks = integrity(project)
        assert ok == "ok", f"run {i}: {ok}"
        assert fks == [], f"run {i}: foreign keys broken"
        state = dump(project)
        if state == before:
            outcomes["unchanged"] += 1
            if wal_at_kill > 100_000:
                outcomes["of which killed while writing"] += 1
        else:
            # the kill came after the commit: everything is there, nothing twice
            assert coding_keys(project) == merged_keys, f"run {i}: a partial merge"
            outcomes["finished" if finished else "complete"] += 1
        reopened = qda.open_project(project, coder="lead")
        try:
            assert reopened.info()["documents"] == 14
        finally:
            reopened.close()
    print(f"\n{RUNS} kills: {dict(outcomes)}")
    assert outcomes["unchanged"] >= RUNS // 2, outcomes
    assert outcomes["of which killed while writing"] >= RUNS // 3, outcomes
