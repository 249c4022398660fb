"""The bad-input corpus through the command line: ``qda import PROJECT BADFILE``.

Every case (see tests/badinput.py; generated here, none committed) must give a one-line
error naming the problem on stderr, a non-zero exit, no traceback, and leave the
project the same in every table.  Every case runs through the CLI's entry point
(``qda.cli.main``: argument parsing, error handling, exit code) in this process, which
is fast; a representative subset also runs as a real ``qda`` subprocess.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

import qda
from tests.badinput import CASES, GOOD_TEXT, BadInput, write_case
from tests.reliability_support import dump_tables
from tests.reliability_support import qda_in_process as _in_process


@dataclass
class Outcome:
    case: BadInput
    returncode: int
    stderr: str
    stdout: str
    before: dict[str, list[tuple[object, ...]]]
    after: dict[str, list[tuple[object, ...]]]
    folder: Path


SUBPROCESS_CASES = [
    "NUL bytes",
    "zip bomb .docx (ratio)",
    "100 MB single line, --max-mb 200",
    "attributes CSV with a missing column",
    "names CSV with extra columns",
    ".qdpx member escaping the archive",
]


def _subprocess(*argv: str) -> tuple[int, str, str]:
    proc = subprocess.run(
        [sys.executable, "-m", "qda", *argv], capture_output=True, text=True, timeout=300
    )
    return proc.returncode, proc.stdout, proc.stderr


def _run_case(base: Path, root: Path, i: int, case: BadInput, *, real: bool) -> Outcome:
    folder = root / f"case{i:02d}{'-sub' if real else ''}"
    args = write_case(case, folder)
    project = folder / "project.qda"
    shutil.copyfile(base, project)
    project.chmod(0o600)
    before = dump_tables(project)
    code, out, err = (_subprocess if real else _in_process)("import", str(project), *args)
    after = dump_tables(project)
    # Free the disk at once: some inputs are 100 MB.
    for f in folder.iterdir():
        if f.name != project.name and f.stat().st_size > 1_000_000:
            f.unlink()
    return Outcome(case, code, err, out, before, after, folder)


@pytest.fixture(scope="module")
def base_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("badinput-base")
    base = root / "base.qda"
    p = qda.init_project(base, coder="ana")
    try:
        good = root / "good.txt"
        good.write_text(GOOD_TEXT)
        p.import_paths([good])
    finally:
        p.close()
    return base


@pytest.fixture(scope="module")
def outcomes(base_project: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    root = tmp_path_factory.mktemp("badinput")
    return {c.name: _run_case(base_project, root, i, c, real=False) for i, c in enumerate(CASES)}


@pytest.fixture(scope="module")
def subprocess_outcomes(
    base_project: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Outcome]:
    root = tmp_path_factory.mktemp("badinput-sub")
    chosen = [(i, c) for i, c in enumerate(CASES) if c.name in SUBPROCESS_CASES]
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(_run_case, base_project, root, i, c, real=True) for i, c in chosen]
        return {f.result().case.name: f.result() for f in futures}


def _assert_refused(o: Outcome) -> None:
    assert o.returncode != 0, o.stdout
    assert o.returncode != 70 and "Traceback" not in o.stderr, o.stderr
    lines = [ln for ln in o.stderr.splitlines() if ln.strip()]
    assert lines and all(ln.startswith("qda: ") for ln in lines), o.stderr
    # The line that explains it: one line, naming the problem.
    reasons = [ln for ln in lines if o.case.words.lower() in ln.lower()]
    assert len(reasons) == 1, (o.case.words, o.stderr)
    assert "internal error" not in o.stderr
    # Nothing changed: not a row, not an event, not a coder.
    assert o.after == o.before


def test_corpus_size() -> None:
    assert len(CASES) >= 40  # counted in the closing note


def test_subset_chosen() -> None:
    assert set(SUBPROCESS_CASES) <= {c.name for c in CASES}


@pytest.mark.parametrize("name", [c.name for c in CASES])
def test_bad_input_is_refused_cleanly(outcomes: dict[str, Outcome], name: str) -> None:
    _assert_refused(outcomes[name])


@pytest.mark.slow
@pytest.mark.parametrize("name", SUBPROCESS_CASES)
def test_bad_input_refused_by_the_real_command(
    subprocess_outcomes: dict[str, Outcome], name: str
) -> None:
    _assert_refused(subprocess_outcomes[name])


def test_nothing_escaped_the_archive(outcomes: dict[str, Outcome]) -> None:
    o = outcomes["path escaping a .docx"]
    assert not (o.folder.parent.parent / "escaped.txt").exists()
    assert not (o.folder / "escaped.txt").exists()


def test_external_entity_never_read(outcomes: dict[str, Outcome]) -> None:
    o = outcomes["external entity .docx"]
    assert "root:" not in repr(o.after)


def test_bad_file_among_good_ones(tmp_path: Path) -> None:
    """One bad file does not stop the good ones; the summary counts it; exit non-zero."""
    from tests.badinput import _nul_bytes

    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "P01.txt").write_text(GOOD_TEXT)
    (folder / "P02.txt").write_text(GOOD_TEXT.replace("back", "neck"))
    _nul_bytes(folder)
    project = tmp_path / "p.qda"
    qda.init_project(project).close()
    proc = subprocess.run(
        [sys.executable, "-m", "qda", "import", str(project), str(folder)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 1
    assert "2 imported" in proc.stderr and "1 skipped" in proc.stderr
    assert len(dump_tables(project)["documents"]) == 2
