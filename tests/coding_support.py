"""Shared pieces of the coding-engine tests: a tiny hand-checkable project, table dumps.

The tiny project (three short interviews, three participants) is coded like this —
every expected number in tests/test_coding_reports.py is worked out from this table:

    T1 connecting (theme)
      C1 being heard (category)      coding 4: P1 "She listened to me. I felt heard."
        a listened to                coding 1: P1 "She listened to me."
                                     coding 5: P2 "He listened to me."
        b felt heard                 coding 2: P1 "I felt heard."
                                     coding 9: P3 "I felt heard by the nurse."
                                     coding 10 (coder ben): P3 "felt heard"
      C2 no difference (category)
        c pain unchanged             coding 3: P1 "The pain stayed the same."
                                     coding 6: P2 "The pain stayed the same."
    T2 self-management (theme)
      d pacing                       coding 7: P2 "I pace myself now."
                                     coding 8: P3 "I pace myself now."

Codings are made in the order P1 (1-4), P3 (8-10), P2 (5-7), so the coding order of
the documents is P1, P3, P2 while the import order is P1, P2, P3.
Participants: P1 score 2 sex F; P2 score 5 sex M; P3 score 8 sex F.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import qda

TEXTS = {
    "P1": "Interviewer: How was the physio?\n\nP1: She listened to me. I felt heard. "
    "The pain stayed the same.\n",
    "P2": "Interviewer: And the GP?\n\nP2: He listened to me. The pain stayed the same. "
    "I pace myself now.\n",
    "P3": "Interviewer: What helps?\n\nP3: I pace myself now. I felt heard by the nurse.\n",
}
PEOPLE = "participant,score,sex\nP1,2,F\nP2,5,M\nP3,8,F\n"

A = "T1 connecting/C1 being heard/a listened to"
B = "T1 connecting/C1 being heard/b felt heard"
C = "T1 connecting/C2 no difference/c pain unchanged"
D = "T2 self-management/d pacing"
C1 = "T1 connecting/C1 being heard"
C2 = "T1 connecting/C2 no difference"
T1 = "T1 connecting"
T2 = "T2 self-management"


def build_tiny(where: Path) -> Path:
    """Create and code the tiny project in ``where``; return its path."""
    where.mkdir(parents=True, exist_ok=True)
    src = where / "src"
    src.mkdir(exist_ok=True)
    for name, text in TEXTS.items():
        (src / f"{name}.txt").write_text(text, encoding="utf-8")
    (src / "people.csv").write_text(PEOPLE, encoding="utf-8")
    path = where / "tiny.qda"
    p = qda.init_project(path, coder="ana")
    try:
        p.import_paths([src / f"{n}.txt" for n in TEXTS])
        p.import_attributes(src / "people.csv")
        p.add_code("T1 connecting", kind="theme")
        p.add_code("C1 being heard", kind="category", parent="T1 connecting")
        p.add_code("a listened to", parent="C1 being heard", definition="Listened to.")
        p.add_code("b felt heard", parent="C1 being heard")
        p.add_code("C2 no difference", kind="category", parent="T1 connecting")
        p.add_code("c pain unchanged", parent="C2 no difference")
        p.add_code("T2 self-management", kind="theme")
        p.add_code("d pacing", parent="T2 self-management")
        p.apply("a listened to", "P1", quote="She listened to me.")
        p.apply("b felt heard", "P1", quote="I felt heard.")
        p.apply("c pain unchanged", "P1", quote="The pain stayed the same.")
        p.apply("C1 being heard", "P1", quote="She listened to me. I felt heard.")
        p.apply("d pacing", "P3", quote="I pace myself now.")
        p.apply("b felt heard", "P3", quote="I felt heard by the nurse.")
        p.apply("a listened to", "P2", quote="He listened to me.")
        p.apply("c pain unchanged", "P2", quote="The pain stayed the same.")
        p.apply("d pacing", "P2", quote="I pace myself now.")
    finally:
        p.close()
    ben = qda.open_project(path, coder="ben")
    try:
        ben.apply("b felt heard", "P3", quote="felt heard")
    finally:
        ben.close()
    return path


def copy_project(src: Path, dst_dir: Path, name: str = "copy.qda") -> Path:
    dst = dst_dir / name
    shutil.copyfile(src, dst)
    return dst


@pytest.fixture(scope="module")
def tiny_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny project, built once per test module (copy it before writing)."""
    return build_tiny(tmp_path_factory.mktemp("tiny"))


@pytest.fixture
def tiny_path(tiny_master: Path, tmp_path: Path) -> Path:
    """A fresh copy of the tiny project."""
    return copy_project(tiny_master, tmp_path)


@pytest.fixture
def p(tiny_path: Path) -> Iterator[qda.Project]:
    """A fresh copy of the tiny project, open as coder ana."""
    project = qda.open_project(tiny_path, coder="ana")
    yield project
    project.close()


def dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (sorted), to compare a project before and after."""
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA wal_checkpoint(FULL)")
        names = [
            r[0]
            for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not r[0].startswith("sqlite_")
        ]
        return {n: sorted(con.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr) for n in names}
    finally:
        con.close()
