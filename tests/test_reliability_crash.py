"""SIGKILL at random moments: ``qda import`` of a folder, a burst of codings, and
``qda import`` of a REFI-QDA project (one transaction: all of it or none of it).

After every kill the project must pass ``PRAGMA integrity_check``, open, pass
``qda check``, and every operation must be all or nothing: each document complete
(all its turns, sentences, search rows and its import event) or absent; each coding
complete with its event.  A few runs then finish the job to show nothing is stuck.

Runs per test: ``QDA_CRASH_RUNS`` (default 20).  Kills come 0.05-1.5 s after the
process starts (every third run) or after its first write reached the WAL (the others,
so that most kills land mid-import); two runs go at a time.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

import qda
from qda.bench.synth import add_codes_and_codings, write_transcripts
from tests.reliability_support import (
    codings_all_or_nothing,
    connect_ro,
    documents_all_or_nothing,
    integrity,
)

RUNS = int(os.environ.get("QDA_CRASH_RUNS", "20"))
KILLS: dict[str, list[dict[str, object]]] = {}  # what each run saw, for the closing note


@dataclass
class Kill:
    run: int
    delay: float
    from_first_write: bool
    finished_before_kill: bool


def _wal_size(path: Path) -> int:
    try:
        return Path(f"{path}-wal").stat().st_size
    except FileNotFoundError:
        return 0


def _kill_at_random(
    argv: list[str], project: Path, rng: random.Random, run: int, *, wait_ready: bool = False
) -> Kill:
    """Start ``argv``; SIGKILL it 0.05-1.5 s after it starts or after its first write."""
    proc = subprocess.Popen(
        argv,
        stdout=subprocess.PIPE if wait_ready else subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    from_write = run % 3 != 0
    if from_write:
        deadline = time.monotonic() + 120
        if wait_ready:
            assert proc.stdout is not None
            proc.stdout.readline()  # the driver says "ready" just before its burst
        while proc.poll() is None and _wal_size(project) == 0 and time.monotonic() < deadline:
            time.sleep(0.005)
    delay = rng.uniform(0.05, 1.5)
    time.sleep(delay)
    finished = proc.poll() is not None
    if not finished:
        proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    if proc.stdout is not None:
        proc.stdout.close()
    return Kill(run, round(delay, 3), from_write, finished)


def _parallel(n: int, fn: Callable[[int], dict[str, object]]) -> list[dict[str, object]]:
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(fn, range(n)))


def _sound(project: Path) -> None:
    """Integrity, opening, and qda's own check."""
    assert integrity(project) == ["ok"]
    with qda.open_project(project, coder="checker") as p:
        report = p.check()
        assert report.ok, report.problems[:5]


# -- qda import ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, Path, dict[str, dict[str, int]]]:
    """200 small transcripts, an empty project, and each file's full counts (by sha256)."""
    root = tmp_path_factory.mktemp("crash-import")
    folder = root / "transcripts"
    write_transcripts(folder, docs=200, words=300, seed=5)
    empty = root / "empty.qda"
    qda.init_project(empty, coder="ana").close()
    reference = root / "reference.qda"
    shutil.copyfile(empty, reference)
    with qda.open_project(reference, coder="ana") as p:
        p.import_paths([folder])
    conn = connect_ro(reference)
    expected = {
        sha: {"turns": t, "sentences": s}
        for sha, t, s in conn.execute(
            "SELECT d.sha256, "
            "(SELECT count(*) FROM turns t WHERE t.document_id = d.id), "
            "(SELECT count(*) FROM sentences s WHERE s.document_id = d.id) FROM documents d"
        )
    }
    conn.close()
    assert len(expected) == 200
    return folder, empty, expected


@pytest.mark.slow
def test_sigkill_during_import(
    corpus: tuple[Path, Path, dict[str, dict[str, int]]], tmp_path: Path
) -> None:
    folder, empty, expected = corpus

    def one(run: int) -> dict[str, object]:
        rng = random.Random(1000 + run)
        project = tmp_path / f"import-{run}.qda"
        shutil.copyfile(empty, project)
        kill = _kill_at_random(
            [sys.executable, "-m", "qda", "import", str(project), str(folder), "--coder", "ana"],
            project,
            rng,
            run,
        )
        assert integrity(project) == ["ok"], kill
        docs = documents_all_or_nothing(project, expected)
        _sound(project)
        if run % 7 == 0:  # finish the job: everything arrives exactly once
            with qda.open_project(project, coder="ana") as p:
                p.import_paths([folder])
            assert documents_all_or_nothing(project, expected) == len(expected)
        return {**kill.__dict__, "documents_at_kill": docs}

    results = _parallel(RUNS, one)
    KILLS["import"] = results
    mid = [r for r in results if not r["finished_before_kill"]]
    assert len(mid) >= RUNS // 2, results  # most kills interrupted a running import
    assert any(0 < int(str(r["documents_at_kill"])) < len(expected) for r in results), results


# -- a burst of codings -------------------------------------------------------------------

DRIVER = textwrap.dedent(
    """
    import random, sys
    import qda

    path, seed = sys.argv[1], int(sys.argv[2])
    p = qda.open_project(path, coder="burst")
    docs = [(d.id, d.chars) for d in p.documents()]
    codes = [c.id for c in p.codes()]
    rng = random.Random(seed)
    made = []
    print("ready", flush=True)
    while True:
        doc, chars = rng.choice(docs)
        start = rng.randrange(0, chars - 60)
        info = p.apply(rng.choice(codes), doc, start=start, end=start + rng.randint(1, 60))
        made.append(info.id)
        if len(made) % 9 == 0:
            p.uncode(made.pop(rng.randrange(len(made))))
    """
)


@pytest.fixture(scope="module")
def coding_base(_demo_master: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("crash-coding")
    base = root / "base.qda"
    shutil.copyfile(_demo_master, base)
    with qda.open_project(base, coder="ana") as p:
        for i in range(12):
            p.add_code(f"code {i}")
    return base


@pytest.mark.slow
def test_sigkill_during_coding_burst(coding_base: Path, tmp_path: Path) -> None:
    driver = tmp_path / "burst.py"
    driver.write_text(DRIVER)

    def one(run: int) -> dict[str, object]:
        rng = random.Random(2000 + run)
        project = tmp_path / f"coding-{run}.qda"
        shutil.copyfile(coding_base, project)
        kill = _kill_at_random(
            [sys.executable, str(driver), str(project), str(run)],
            project,
            rng,
            run,
            wait_ready=True,
        )
        assert integrity(project) == ["ok"], kill
        codings = codings_all_or_nothing(project)
        _sound(project)
        with qda.open_project(project, coder="burst") as p:  # still usable
            assert len(p.codings()) == codings
            c = p.apply("code 0", p.documents()[0].id, start=0, end=5)
            p.uncode(c.id)
        return {**kill.__dict__, "codings_at_kill": codings}

    results = _parallel(RUNS, one)
    KILLS["coding"] = results
    assert any(int(str(r["codings_at_kill"])) > 0 for r in results), results


# -- a REFI-QDA import (one transaction) -------------------------------------------------


def _counts(path: Path) -> dict[str, int]:
    """Rows in every table (FTS shadow tables included)."""
    conn = connect_ro(path)
    try:
        names = [
            n
            for (n,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'"
            )
        ]
        return {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def refi_file(
    corpus: tuple[Path, Path, dict[str, dict[str, int]]],
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, Path, dict[str, int], float]:
    """A .qdpx of 200 documents and 10,000 codings; the empty and full table counts;
    and how long the whole ``qda import`` of it takes (kills are spread over that)."""
    folder, empty, _ = corpus
    root = tmp_path_factory.mktemp("crash-refi")
    src = root / "src.qda"
    shutil.copyfile(empty, src)
    with qda.open_project(src, coder="ana") as p:
        p.import_paths([folder])
        add_codes_and_codings(p.store, codes=100, codings=10_000, coders=("ana", "ben"))
        p.export_qdpx(root / "big.qdpx")
    full = root / "full.qda"
    shutil.copyfile(empty, full)
    t0 = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "qda", "import", str(full), str(root / "big.qdpx"),
         "--coder", "cat"],
        check=True, capture_output=True,
    )  # fmt: skip
    return root / "big.qdpx", empty, _counts(full), time.monotonic() - t0


@pytest.mark.slow
def test_sigkill_during_refi_import(
    refi_file: tuple[Path, Path, dict[str, int], float], tmp_path: Path
) -> None:
    qdpx, empty, full, duration = refi_file
    before = _counts(empty)

    def one(run: int) -> dict[str, object]:
        rng = random.Random(3000 + run)
        project = tmp_path / f"refi-{run}.qda"
        shutil.copyfile(empty, project)
        proc = subprocess.Popen(
            [sys.executable, "-m", "qda", "import", str(project), str(qdpx), "--coder", "cat"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # One transaction, written to the WAL at commit.  A third of the runs are killed
        # the moment the commit starts writing, a third 0-0.3 s later, the others at any
        # moment of the command.
        if run % 3:
            deadline = time.monotonic() + 120
            while proc.poll() is None and not _wal_size(project) and time.monotonic() < deadline:
                time.sleep(0.001)
            delay = 0.0 if run % 3 == 1 else rng.uniform(0.0, 0.3)
        else:
            delay = duration * rng.uniform(0.3, 1.2)
        time.sleep(delay)
        finished = proc.poll() is not None
        wal = _wal_size(project)
        if not finished:
            proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        assert integrity(project) == ["ok"]
        now = _counts(project)
        assert now in (before, full), {k: (before[k], now[k], full[k]) for k in now}
        _sound(project)
        return {
            "run": run, "delay": round(delay, 3), "finished_before_kill": finished,
            "wal_bytes_at_kill": wal, "outcome": "complete" if now == full else "untouched",
        }  # fmt: skip

    results = _parallel(RUNS, one)
    KILLS["refi"] = results


def teardown_module() -> None:
    out = os.environ.get("QDA_CRASH_REPORT")
    if out and KILLS:
        Path(out).write_text(json.dumps(KILLS, indent=1))
