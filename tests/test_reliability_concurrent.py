"""Two processes on one SQLite project: the Python API holding it open, the CLI writing.

No corruption, no lost update: every write of either side is there at the end, and a
stale view in one process never overwrites what the other wrote.  A write that waits
longer than the busy timeout gives ``qda: error: project busy ...`` (exit 3), never a
traceback; reads go on while another process writes (WAL).
"""

from __future__ import annotations

import random
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

import qda
from qda.bench.synth import write_transcripts
from qda.errors import ProjectBusyError
from tests.conftest import qda_cmd
from tests.reliability_support import codings_all_or_nothing, dump_tables, integrity

RUNS = 2  # concurrent rounds in the main test (counted in the closing note)
CLI_CODINGS = 2


def _api_worker(
    path: Path, stop: threading.Event, made: list[str], errors: list[BaseException]
) -> None:
    """Hold the project open; code and read in a loop until told to stop."""
    rng = random.Random(4)
    try:
        with qda.open_project(path, coder="ana") as p:
            docs = [(d.id, d.chars) for d in p.documents()]
            while not stop.is_set() or len(made) < 20:
                doc, chars = rng.choice(docs)
                start = rng.randrange(0, chars - 40)
                made.append(p.apply("api code", doc, start=start, end=start + 30).id)
                p.documents()
                p.search("physio", limit=5)
    except BaseException as exc:  # reported by the test
        errors.append(exc)


@pytest.mark.slow
@pytest.mark.parametrize("round_", range(RUNS))
def test_api_open_while_cli_imports_and_codes(demo_path: Path, tmp_path: Path, round_: int) -> None:
    folder = tmp_path / "new"
    write_transcripts(folder, docs=30, words=300, seed=round_)
    with qda.open_project(demo_path, coder="ana") as p:
        p.add_code("api code")
        p.add_code("cli code")
        first_doc = p.documents()[0].id
    stop = threading.Event()
    made: list[str] = []
    errors: list[BaseException] = []
    worker = threading.Thread(target=_api_worker, args=(demo_path, stop, made, errors))
    worker.start()
    try:
        imp = qda_cmd("import", str(demo_path), str(folder), "--coder", "ben", "--json")
        applies = [
            qda_cmd(
                "apply", str(demo_path), "cli code", "--doc", first_doc,
                "--start", str(10 * i), "--end", str(10 * i + 8), "--coder", "ben",
            )
            for i in range(CLI_CODINGS)
        ]  # fmt: skip
    finally:
        stop.set()
        worker.join(timeout=120)
    assert not errors, errors
    assert imp.returncode == 0, imp.stderr
    assert all(a.returncode == 0 for a in applies), [a.stderr for a in applies]
    assert integrity(demo_path) == ["ok"]
    with qda.open_project(demo_path, coder="ana") as p:
        assert p.check().ok
        assert p.info()["documents"] == 14 + 30
        api = {c.id for c in p.codings(code="api code")}
        cli = p.codings(code="cli code")
    assert api == set(made)  # every write of the API process is there
    assert len(cli) == CLI_CODINGS and {c.coder for c in cli} == {"ben"}
    assert codings_all_or_nothing(demo_path) == len(made) + CLI_CODINGS


def test_stale_view_does_not_overwrite(demo_path: Path) -> None:
    """A holds an old view of a code; B renames it; A's later edit keeps B's rename."""
    with qda.open_project(demo_path, coder="ana") as p:
        stale = p.add_code("trusting the physio")
        code_id = stale.id
        renamed = qda_cmd("code", "rename", str(demo_path), code_id, "trust in physio")
        assert renamed.returncode == 0, renamed.stderr
        p.define_code(code_id, definition="Confidence that the physio knows best.")
        now = p.code(code_id)
    assert now.name == "trust in physio"
    assert now.definition == "Confidence that the physio knows best."


@pytest.fixture
def write_lock(demo_path: Path):  # type: ignore[no-untyped-def]
    """Another process's long write: this test process holds the write lock."""
    p = qda.open_project(demo_path, coder="ana")
    ctx = p.store.write()
    session = ctx.__enter__()
    session.execute(text("UPDATE project_info SET value = value WHERE key = 'name'"))
    yield demo_path
    ctx.__exit__(None, None, None)
    p.close()


def test_busy_project_gives_one_line_error(write_lock: Path, tmp_path: Path) -> None:
    new = tmp_path / "P99.txt"
    new.write_text("Interviewer: Hello?\n\nP99: Hello.\n")
    before = dump_tables(write_lock)
    env = {"QDA_BUSY_TIMEOUT_MS": "300"}
    for argv in (
        ["import", str(write_lock), str(new)],
        ["code", "add", str(write_lock), "waiting"],
    ):
        proc = qda_cmd(*argv, env=env)
        assert proc.returncode == 3, proc.stderr
        assert proc.stderr.startswith("qda: error: project busy")
        assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    # Readers are not blocked by a writer.
    info = qda_cmd("info", str(write_lock), "--json", env=env)
    assert info.returncode == 0, info.stderr
    assert dump_tables(write_lock) == before


def test_busy_in_the_api(write_lock: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import qda.db.engine as engine

    monkeypatch.setattr(engine, "BUSY_TIMEOUT_MS", 200)
    with qda.open_project(write_lock, coder="ben") as other:
        assert other.info()["documents"] == 14  # reads go on
        with pytest.raises(ProjectBusyError, match="project busy"):
            other.add_code("waiting")


def test_writer_waits_within_the_timeout(demo_path: Path) -> None:
    """A short write in one process makes the other wait, not fail."""
    holder = subprocess.Popen(
        [
            sys.executable, "-c",
            "import sys, time, qda\n"
            "from sqlalchemy import text\n"
            "p = qda.open_project(sys.argv[1], coder='ana')\n"
            "with p.store.write() as s:\n"
            "    s.execute(text(\"UPDATE project_info SET value = value WHERE key = 'name'\"))\n"
            "    print('locked', flush=True)\n"
            "    time.sleep(1.0)\n",
            str(demo_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with qda.open_project(demo_path, coder="ben") as p:
            p.add_code("after the wait")  # waits ~1 s, then succeeds
            assert p.code("after the wait").name == "after the wait"
    finally:
        holder.wait(timeout=60)
    assert holder.returncode == 0
