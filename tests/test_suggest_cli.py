"""The suggest commands of the real `qda` command line, checked in the database."""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

import qda
from qda.db.models import Coding, Suggestion
from tests.conftest import qda_cmd

CODE = "feeling listened to"


def _prepare(demo_path: Path) -> None:
    p = qda.open_project(demo_path, coder="ana")
    try:
        p.add_code(CODE, definition="Listened to, heard, believed; or not.")
        p.apply(CODE, "P01", quote="She actually listened.")
        p.apply(CODE, "P02", quote="And I don't think she believed me.")
    finally:
        p.close()


class Run:
    """``qda`` in this process (the real entry point, ``main()``): spaCy loads once.
    A few calls go through a real subprocess as well."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self.capsys = capsys

    def __call__(self, *args: str) -> tuple[int, str, str]:
        from qda.cli import main

        self.capsys.readouterr()
        old = sys.argv
        sys.argv = ["qda", *args]
        code: Any = 0
        try:
            main()
        except SystemExit as exc:
            code = exc.code or 0
        finally:
            sys.argv = old
        got = self.capsys.readouterr()
        return int(code), got.out, got.err

    def ok(self, *args: str) -> Any:
        code, out, err = self(*args)
        assert code == 0, err
        return json.loads(out) if "--json" in args else out


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    return Run(capsys)


def _rows(path: Path, model: Any) -> list[Any]:
    p = qda.open_project(path)
    try:
        with p.store.read() as s:
            return list(s.scalars(select(model)))
    finally:
        p.close()


def test_suggest_accept_reject_from_the_command_line(demo_path: Path, run: Run) -> None:
    _prepare(demo_path)
    path = str(demo_path)
    real = qda_cmd("suggest", path, CODE, "--top", "6", "--json")  # the real command
    assert real.returncode == 0, real.stderr
    got = json.loads(real.stdout)
    assert isinstance(got, list) and len(got) == 6
    assert all(g["id"] and g["terms"] and g["status"] == "pending" for g in got)
    stored = {str(r.id): r for r in _rows(demo_path, Suggestion)}
    assert set(stored) == {g["id"] for g in got}

    acc = run.ok("accept", path, got[0]["id"][:8], "--coder", "ben", "--json")
    assert acc[0]["status"] == "accepted" and acc[0]["reviewed_by"] == "ben"
    rej = run.ok("reject", path, got[1]["id"], got[2]["id"], "--json")
    assert [r["status"] for r in rej] == ["rejected", "rejected"]

    codings = [c for c in _rows(demo_path, Coding) if c.origin == "suggestion"]
    assert len(codings) == 1 and str(codings[0].document_id) == got[0]["document_id"]
    status = {str(r.id): r.status for r in _rows(demo_path, Suggestion)}
    assert status[got[0]["id"]] == "accepted"
    assert status[got[1]["id"]] == status[got[2]["id"]] == "rejected"

    again = run.ok("suggest", path, CODE, "--top", "20", "--json")
    gone = {(g["document_id"], g["start"]) for g in got[:3]}
    assert gone.isdisjoint((g["document_id"], g["start"]) for g in again)

    queue = run.ok("suggestions", path, "--code", CODE, "--status", "all", "--json")
    assert {q["status"] for q in queue} >= {"accepted", "rejected", "pending"}
    table = run.ok("suggest", path, CODE, "--top", "3")
    assert "qda accept" in table


def test_turns_keyterms_autocode_invivo(demo_path: Path, run: Run) -> None:
    _prepare(demo_path)
    path = str(demo_path)
    turns = run.ok("suggest", path, CODE, "--unit", "turn", "--top", "3", "--json")
    assert all(t["unit"] == "turn" for t in turns)
    kt = run.ok("keyterms", path, CODE, "--json")
    assert kt and all(k["id"] == k["term"] for k in kt)
    assert "listen" in {k["term"] for k in kt[:5]}
    hits = run.ok("autocode", path, CODE, "--terms", "believe", "--with", "she,he", "--json")
    assert hits and all(h["method"] == "rule" for h in hits)
    rules = run.ok("autocode-rules", path, "--json")
    assert rules[0]["terms"] == ["believe"] and rules[0]["with_terms"] == ["she", "he"]
    iv = run.ok("invivo-candidates", path, "--doc", "P06", "--top", "5", "--json")
    assert len(iv) == 5 and all(uuid.UUID(c["document_id"]) for c in iv)


def test_user_errors_are_one_line(
    demo_path: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    _prepare(demo_path)
    path = str(demo_path)
    for args in (
        ("suggest", path, "no such code"),
        ("suggest", path, CODE, "--unit", "paragraph"),
        ("accept", path, "0123456789abcdef"),
        ("autocode", path, CODE),
        ("autocode", path, CODE, "--pattern", "[{oops"),
        ("invivo-candidates", path, "--doc", "P01", "--start", "3"),
    ):
        code, _out, err = run(*args)
        assert code != 0, args
        assert err.startswith("qda: error: "), (args, err)
        assert len(err.strip().splitlines()) == 1, err
    r = qda_cmd("invivo-candidates", path, "--doc", "P01", env={"QDA_SPACY_MODEL": "nope_xyz"})
    assert r.returncode != 0 and "not installed" in r.stderr and "Traceback" not in r.stderr
