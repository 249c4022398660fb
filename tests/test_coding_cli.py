"""The coding workflow through the command line, on two sample transcripts.

A few commands run as real ``qda`` subprocesses (the installed entry point, exit codes,
stderr); the rest call the same entry point, ``qda.cli.main``, in this process with
``sys.argv`` set, because each subprocess costs about a second of start-up.  Each
command opens and closes the project, so undo history crossing commands is history
surviving a restart.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from qda.cli import main
from tests.coding_support import dump
from tests.conftest import qda_cmd

T1 = "connecting with health professionals"
T2 = "being supported through partnerships"
T3 = "feeling positive and making progress towards self-management"
T4 = "acknowledging the impact but feeling no difference"

# theme -> category -> [(code, document, quote)]
PLAN: dict[str, dict[str, list[tuple[str, str, str]]]] = {
    T1: {
        "being listened to": [
            ("asked what I wanted", "P01", "nobody really asked me what I wanted"),
            ("actually listened", "P01", "She actually listened, and then she did something"),
            ("not listened to", "P02", "are you listening, or are you just filling in a box?"),
        ],
    },
    T2: {
        "shared decisions": [
            ("setting goals together", "P01", "tell me what a good day looks like for you"),
        ],
        "left waiting": [],  # gets an in-vivo code from P02
    },
    T3: {
        "taking control": [
            ("little steps", "P01", "So we did them in little steps."),
            ("managing the pain", "P01", "Before, it managed me."),
            ("some exercises helped", "P02", "some of them helped a bit, to be fair"),
        ],
    },
    T4: {
        "pain unchanged": [
            ("pain still there", "P01", "Well, the pain's still there."),
            ("pain still there", "P02", "I'm still in pain, mate."),
        ],
    },
}  # fmt: skip


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run ``qda ARGS`` in this process: (exit code, stdout, stderr)."""
    old = sys.argv
    sys.argv = ["qda", *args]
    try:
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.argv = old
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(autouse=True)
def _coder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QDA_CODER", "ana")


def ok(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    code, out, err = cli(capsys, *args)
    assert code == 0, (args, err)
    return json.loads(out) if "--json" in args else out


def test_coding_two_transcripts_into_the_four_themes(
    demo_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(demo_path)
    first = qda_cmd("code", "add", db, T1, "--kind", "theme", "--json")
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["kind"] == "theme"
    codings: dict[str, str] = {}
    for theme, categories in PLAN.items():
        if theme != T1:
            ok(capsys, "code", "add", db, theme, "--kind", "theme")
        for category, items in categories.items():
            ok(capsys, "code", "add", db, category, "--kind", "category", "--parent", theme)
            for code, doc, quote in items:
                path = f"{theme}/{category}/{code}"
                if code not in {c.split("@")[0] for c in codings}:
                    ok(capsys, "code", "add", db, code, "--parent", f"{theme}/{category}",
                       "--definition", f"Participant says: {code}.")  # fmt: skip
                got = ok(capsys, "apply", db, path, "--doc", doc, "--quote", quote, "--json")
                assert got["quote"] == quote and got["code_path"] == path
                codings[f"{code}@{doc}"] = got["id"]
    invivo = ok(capsys, "invivo", db, "--doc", "P02", "--quote", "passed from pillar to post",
                "--parent", f"{T2}/left waiting", "--json")  # fmt: skip
    assert invivo["code_path"] == f"{T2}/left waiting/passed from pillar to post"
    assert invivo["origin"] == "invivo"

    # Axial coding: two categories related by a paradigm role.
    rel = ok(capsys, "relate", db, "being listened to", "causal condition of", "shared decisions",
             "--note", "feeling heard comes before deciding together", "--json")  # fmt: skip
    assert (rel["type"], rel["is_paradigm"]) == ("causal condition of", True)
    assert rel["source"] == f"{T1}/being listened to"
    assert rel["target"] == f"{T2}/shared decisions"
    # A memo linked to a code and to a coding.
    memo = ok(capsys, "memo", "add", db, "--type", "theoretical", "--title", "Listening first",
              "--text", "Being *heard* precedes **partnership**.", "--link",
              "code:setting goals together", "--link", f"coding:{codings['actually listened@P01']}",
              "--json")  # fmt: skip
    assert {lk["kind"] for lk in memo["links"]} == {"code", "coding"}
    found = ok(capsys, "memo", "list", db, "--query", "partnership", "--json")
    assert [m["id"] for m in found] == [memo["id"]]
    linked = ok(capsys, "memo", "list", db, "--link", "code:setting goals together", "--json")
    assert [m["title"] for m in linked] == ["Listening first"]

    # The tree, every code's counts, rolled up to categories and themes (worked out by hand
    # from PLAN: 10 codings over P01 and P02).
    tree = ok(capsys, "report", "tree", db, "--json")
    rolled = {r["path"]: (r["total_codings"], r["total_documents"], r["total_participants"])
              for r in tree["codes"] if r["kind"] == "theme"}  # fmt: skip
    assert rolled == {T1: (3, 2, 2), T2: (2, 2, 2), T3: (3, 2, 2), T4: (2, 2, 2)}
    assert tree["totals"] == {"codes": 18, "codings": 10, "documents": 2, "participants": 2}
    cats = {r["name"]: r["total_codings"] for r in tree["codes"] if r["kind"] == "category"}
    assert cats == {"being listened to": 3, "shared decisions": 1, "left waiting": 1,
                    "taking control": 3, "pain unchanged": 2}  # fmt: skip
    listed = ok(capsys, "code", "list", db, "--json")
    assert {c["name"]: c["codings"] for c in listed}["pain still there"] == 2

    # Saturation: P01 brought 6 codes, P02 3 new ones (one repeated) -> 3/6 > 5%.
    sat = ok(capsys, "report", "saturation", db, "--order", "import", "--base", "1", "--run",
             "1", "--json")  # fmt: skip
    assert [(d["document"], d["codes"], d["new_codes"], d["cumulative"])
            for d in sat["documents"]] == [("P01", 6, 6, 6), ("P02", 4, 3, 9)]  # fmt: skip
    assert (sat["base_codes"], sat["runs"][0]["ratio"], sat["saturated"]) == (6, 0.5, False)
    themes_sat = ok(capsys, "report", "saturation", db, "--level", "theme", "--base", "1",
                    "--run", "1", "--json")  # fmt: skip
    assert [d["new_codes"] for d in themes_sat["documents"]] == [4, 0]
    assert themes_sat["saturation_at"] == 2
    # Code x participant at theme level.
    matrix = ok(capsys, "report", "matrix", db, "--level", "theme", "--json")
    assert [c["name"] for c in matrix["columns"]][:2] == ["P01", "P02"]
    assert [(r["path"], r["values"][:3], r["total"]) for r in matrix["rows"]] == [
        (T1, [2, 1, 0], 3), (T2, [1, 1, 0], 2), (T3, [2, 1, 0], 3), (T4, [1, 1, 0], 2)
    ]  # fmt: skip
    # Joint display: partnership-score tertiles of the 14 participants (P02 has 3, P01 8).
    xt = ok(capsys, "report", "crosstab", db, "partnership_baseline", "--level", "theme", "--json")
    assert [g["participants"] for g in xt["groups"]] == [5, 4, 5]
    assert xt["rows"][0]["present"] == [1, 0, 1]
    assert xt["rows"][0]["percent"] == [20.0, 0.0, 20.0]
    # Co-occurrence: no spans overlap; every theme shares both documents with every other.
    assert ok(capsys, "report", "cooccurrence", db, "--json")["pairs"] == []
    co = ok(capsys, "report", "cooccurrence", db, "--level", "theme", "--unit", "document",
            "--json")  # fmt: skip
    assert co["matrix"] == [[2, 2, 2, 2]] * 4
    csv_text = ok(capsys, "report", "cooccurrence", db, "--level", "theme", "--unit", "document",
                  "--csv")  # fmt: skip
    assert csv_text.splitlines()[1] == f"{T1},2,2,2,2"
    # Constant comparison.
    segs = ok(capsys, "segments", db, "being listened to", "--descendants", "--where",
              "partnership_baseline>=5", "--json")  # fmt: skip
    assert (segs["count"], [p["participant"] for p in segs["participants"]]) == (2, ["P01"])
    cmp_ = ok(capsys, "compare", db, "pain still there", "not listened to", "--json")
    assert (cmp_["both"], cmp_["only_a"], cmp_["only_b"]) == (["P02"], ["P01"], [])

    # Merge, undo (both come back with their codings), redo; the log shows both.
    merged = ok(capsys, "code", "merge", db, "asked what I wanted", "actually listened", "--json")
    assert merged["codings"] == 2
    before_undo = {c["name"]: c["codings"] for c in ok(capsys, "code", "list", db, "--json")}
    assert "asked what I wanted" not in before_undo
    assert "undid: merge" in ok(capsys, "undo", db)
    after_undo = {c["name"]: c for c in ok(capsys, "code", "list", db, "--json")}
    assert after_undo["asked what I wanted"]["codings"] == 1
    assert after_undo["actually listened"]["codings"] == 1
    assert (
        after_undo["asked what I wanted"]["definition"] == "Participant says: asked what I wanted."
    )
    log = ok(capsys, "log", db, "--limit", "2", "--json")
    assert [e["action"] for e in log] == ["undo", "merge_codes"]
    assert "redid: merge" in ok(capsys, "redo", db)
    assert "asked what I wanted" not in {
        c["name"] for c in ok(capsys, "code", "list", db, "--json")
    }


def test_bad_requests_are_one_line_errors_and_change_nothing(
    demo_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(demo_path)
    ok(capsys, "code", "add", db, "trust", "--kind", "category")
    ok(capsys, "code", "add", db, "trust in the GP", "--parent", "trust")
    before = dump(demo_path)
    real = qda_cmd("apply", db, "trust", "--doc", "P01", "--quote", "a purple elephant danced")
    assert real.returncode == 1
    assert real.stderr.startswith("qda: error: quote not found in P01")
    assert real.stderr.count("\n") == 1 and real.stdout == ""
    bad = [
        ("apply", db, "no such code", "--doc", "P01", "--start", "0", "--end", "5"),
        ("apply", db, "trust", "--doc", "P01", "--start", "5", "--end", "999999"),
        ("apply", db, "trust", "--doc", "P01", "--start", "5", "--end", "5"),
        ("apply", db, "trust", "--doc", "P01", "--quote", "the"),
        ("code", "move", db, "trust", "--parent", "trust in the GP"),
        ("relate", db, "trust", "context of", "trust"),
        ("code", "add", db, "Trust In The GP", "--parent", "trust"),
        ("memo", "add", db, "--title", "x", "--type", "poem"),
        ("uncode", db, "deadbeefdeadbeef"),
    ]
    for args in bad:
        code, _, err = cli(capsys, *args)
        assert code == 1, args
        assert err.startswith("qda: error: ") and err.count("\n") == 1, (args, err)
        assert dump(demo_path) == before, args
    assert "nothing to undo" in cli(capsys, "undo", db, "--coder", "nobody")[1]


def test_uncode_says_when_the_coding_was_someone_elses(
    demo_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(demo_path)
    ok(capsys, "code", "add", db, "trust")
    mine = ok(capsys, "apply", db, "trust", "--doc", "P01", "--quote", "nobody really asked me")
    theirs = ok(capsys, "apply", db, "trust", "--doc", "P02", "--quote", "I'm still in pain",
                "--coder", "ben", "--json")  # fmt: skip
    out = ok(capsys, "uncode", db, theirs["id"])
    assert "note: that was ben's coding, not yours" in out
    own_id = mine.rsplit("[coding ", 1)[1].rstrip("]\n")
    assert "note:" not in ok(capsys, "uncode", db, own_id)
