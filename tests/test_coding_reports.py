"""Every report's exact numbers on the tiny hand-coded project (see coding_support.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import qda
from qda.coding.analysis.cooccurrence import cooccurrence_csv
from qda.coding.analysis.crosstab import crosstab_csv
from qda.coding.analysis.matrix import matrix_csv
from qda.coding.analysis.saturation import saturation_csv
from qda.errors import InvalidInputError, NotFoundError
from tests.coding_support import C1, C2, T1, T2, TEXTS, A, B, C, D, build_tiny


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Iterator[qda.Project]:
    path = build_tiny(tmp_path_factory.mktemp("tiny"))
    p = qda.open_project(path, coder="ana")
    yield p
    p.close()


def _pairs(report: dict) -> dict[frozenset[str], int]:
    return {frozenset((r["a"], r["b"])): r["count"] for r in report["pairs"]}


def _diag(report: dict) -> dict[str, int]:
    return {c["path"]: c["total"] for c in report["codes"]}


def test_the_fixture_is_coded_as_documented(tiny: qda.Project) -> None:
    rows = tiny.codings()
    assert len(rows) == 10
    assert [(r.document, r.quote) for r in tiny.codings(code=C1)] == [
        ("P1", "She listened to me. I felt heard.")
    ]
    assert {r.coder for r in rows} == {"ana", "ben"}
    for r in rows:
        assert TEXTS[r.document][r.start : r.end] == r.quote


def test_segments_with_descendants_grouped_by_participant(tiny: qda.Project) -> None:
    segs = tiny.segments(C1, descendants=True, context=10)
    assert [(s.participant, s.quote) for s in segs] == [
        ("P1", "She listened to me."),
        ("P1", "She listened to me. I felt heard."),
        ("P1", "I felt heard."),
        ("P2", "He listened to me."),
        ("P3", "I felt heard by the nurse."),
        ("P3", "felt heard"),
    ]
    first = segs[0]
    text = TEXTS["P1"]
    assert first.context_before == text[first.start - 10 : first.start] == "sio?\n\nP1: "
    assert first.context_after == " I felt he"
    assert first.attributes == {"score": 2, "sex": "F"}
    assert first.code_path == A
    # Filtered by an attribute, and by coder.
    high = tiny.segments(C1, descendants=True, where={"score": ">=5"})
    assert [s.participant for s in high] == ["P2", "P3", "P3"]
    assert [s.participant for s in tiny.segments(C1, descendants=True, where={"sex": "f"})] == [
        "P1", "P1", "P1", "P3", "P3"
    ]  # fmt: skip
    assert [s.quote for s in tiny.segments(B, coder="ben")] == ["felt heard"]
    assert len(tiny.segments(C1)) == 1  # own codings only
    by_id = tiny.segments(tiny.code(B).id, context=10)  # the by-id path skips the tree
    assert by_id == tiny.segments(B, context=10) and {s.code_path for s in by_id} == {B}
    with pytest.raises(NotFoundError, match="no participant attribute 'height'"):
        tiny.segments(A, where={"height": ">1"})


def test_compare_two_codes(tiny: qda.Project) -> None:
    r = tiny.compare(A, B)
    assert (r["a"]["codings"], r["a"]["documents"], r["a"]["participants"]) == (2, 2, 2)
    assert (r["b"]["codings"], r["b"]["documents"], r["b"]["participants"]) == (3, 2, 2)
    assert [(x["participant"], x["a"], x["b"]) for x in r["participants"]] == [
        ("P1", 1, 1),
        ("P2", 1, 0),
        ("P3", 0, 2),
    ]
    assert (r["both"], r["only_a"], r["only_b"]) == (["P1"], ["P2"], ["P3"])
    assert r["overlapping"] == 0
    assert r["documents_both"] == 1
    assert tiny.compare(C1, A)["overlapping"] == 1
    with pytest.raises(InvalidInputError):
        tiny.compare(A, "a listened to")


def test_cooccurrence_by_overlap(tiny: qda.Project) -> None:
    r = tiny.report_cooccurrence()
    assert [c["path"] for c in r["codes"]] == [C1, A, B, C, D]
    assert _diag(r) == {C1: 1, A: 2, B: 3, C: 2, D: 2}
    assert _pairs(r) == {frozenset((C1, A)): 1, frozenset((C1, B)): 1}
    m = r["matrix"]
    assert m[0] == [1, 1, 1, 0, 0]
    assert m[2] == [1, 0, 3, 0, 0]
    assert all(m[i][j] == m[j][i] for i in range(5) for j in range(5))
    assert cooccurrence_csv(r).splitlines()[1] == f"{C1},1,1,1,0,0"


def test_cooccurrence_by_sentence_turn_document(tiny: qda.Project) -> None:
    s = tiny.report_cooccurrence(unit="sentence")
    assert _diag(s) == {C1: 2, A: 2, B: 2, C: 2, D: 2}
    assert _pairs(s) == {frozenset((A, C1)): 1, frozenset((B, C1)): 1}
    assert {p["c_coefficient"] for p in s["pairs"]} == {0.3333}
    t = tiny.report_cooccurrence(unit="turn")
    assert _diag(t) == {C1: 1, A: 2, B: 2, C: 2, D: 2}
    assert _pairs(t) == {
        frozenset((A, B)): 1, frozenset((A, C)): 2, frozenset((A, C1)): 1,
        frozenset((B, C)): 1, frozenset((B, C1)): 1, frozenset((C, C1)): 1,
        frozenset((A, D)): 1, frozenset((C, D)): 1, frozenset((B, D)): 1,
    }  # fmt: skip
    d = tiny.report_cooccurrence(unit="document")
    assert _pairs(d) == _pairs(t) and _diag(d) == _diag(t)
    themes = tiny.report_cooccurrence(unit="turn", level="theme")
    assert [c["path"] for c in themes["codes"]] == [T1, T2]
    assert themes["matrix"] == [[3, 2], [2, 2]]
    assert tiny.report_cooccurrence(level="theme")["pairs"] == []  # no overlapping spans
    chosen = tiny.report_cooccurrence(codes=[C1, D], descendants=True, unit="turn")
    assert chosen["matrix"] == [[3, 2], [2, 2]]
    assert tiny.report_cooccurrence(coder="ben")["matrix"] == [[1]]
    with pytest.raises(InvalidInputError):
        tiny.report_cooccurrence(unit="paragraph")


def test_code_by_participant_matrix(tiny: qda.Project) -> None:
    r = tiny.report_matrix()
    assert [c["name"] for c in r["columns"]] == ["P1", "P2", "P3"]
    got = {row["path"]: (row["values"], row["total"], row["present"]) for row in r["rows"]}
    assert got == {
        C1: ([1, 0, 0], 1, 1),
        A: ([1, 1, 0], 2, 2),
        B: ([1, 0, 2], 3, 2),
        C: ([1, 1, 0], 2, 2),
        D: ([0, 1, 1], 2, 2),
    }
    themes = tiny.report_matrix(level="theme", presence=True)
    assert [(x["path"], x["values"], x["total"]) for x in themes["rows"]] == [
        (T1, [1, 1, 1], 8),
        (T2, [0, 1, 1], 2),
    ]
    by_doc = tiny.report_matrix(codes=[C2], descendants=True, by="document")
    assert by_doc["rows"][0]["values"] == [1, 1, 0]
    assert matrix_csv(themes).splitlines() == [
        "code,P1,P2,P3,total,present",
        f"{T1},1,1,1,8,3",
        f"{T2},0,1,1,2,2",
    ]


def test_crosstab_joint_display(tiny: qda.Project) -> None:
    r = tiny.report_crosstab("score", level="theme")
    assert r["cuts"] == [4.0, 6.0]
    assert [(g["label"], g["participants"]) for g in r["groups"]] == [
        ("T1 (≤4)", 1),
        ("T2 (5–6)", 1),
        ("T3 (≥7)", 1),
    ]
    rows = {x["path"]: x for x in r["rows"]}
    assert rows[T1]["present"] == [1, 1, 1] and rows[T1]["percent"] == [100.0, 100.0, 100.0]
    assert rows[T1]["codings"] == [4, 2, 2]
    assert rows[T2]["present"] == [0, 1, 1] and rows[T2]["codings"] == [0, 1, 1]
    by_sex = tiny.report_crosstab("sex", level="theme")
    assert [(g["label"], g["participants"]) for g in by_sex["groups"]] == [("F", 2), ("M", 1)]
    rows = {x["path"]: x for x in by_sex["rows"]}
    assert rows[T2]["present"] == [1, 1] and rows[T2]["percent"] == [50.0, 100.0]
    median = tiny.report_crosstab("score", bins="median", codes=[B])
    assert [g["label"] for g in median["groups"]] == ["low (≤5)", "high (≥6)"]
    assert median["rows"][0]["present"] == [1, 1]
    cuts = tiny.report_crosstab("score", bins="3", codes=[A])
    assert cuts["rows"][0]["present"] == [1, 1, 0]  # 3 quantile groups by number
    by_cut = tiny.report_crosstab("score", bins="2.5,6", codes=[A])
    assert [g["label"] for g in by_cut["groups"]] == ["G1 (≤2)", "G2 (3–6)", "G3 (≥7)"]
    assert by_cut["rows"][0]["present"] == [1, 1, 0]
    assert crosstab_csv(by_cut).splitlines()[1] == f"{A},1,100.0,1,100.0,0,0.0"
    with pytest.raises(NotFoundError):
        tiny.report_crosstab("height")


def test_saturation_after_guest(tiny: qda.Project) -> None:
    r = tiny.report_saturation(order="import", base=1, run=1, threshold=0.05)
    assert [(d["document"], d["new_codes"], d["cumulative"]) for d in r["documents"]] == [
        ("P1", 4, 4),
        ("P2", 1, 5),
        ("P3", 0, 5),
    ]
    assert r["documents"][1]["new"] == [D]
    assert r["base_codes"] == 4
    assert [(x["start"], x["end"], x["new_codes"], x["ratio"]) for x in r["runs"]] == [
        (2, 2, 1, 0.25),
        (3, 3, 0, 0.0),
    ]
    assert (r["saturated"], r["saturation_at"], r["last_run_below_threshold"]) == (True, 3, True)
    coding_order = tiny.report_saturation(base=1, run=1)
    assert [(d["document"], d["new_codes"]) for d in coding_order["documents"]] == [
        ("P1", 4),
        ("P3", 1),
        ("P2", 0),
    ]
    lenient = tiny.report_saturation(order="import", base=1, run=1, threshold=0.25)
    assert lenient["saturation_at"] == 2
    two = tiny.report_saturation(order="import", base=1, run=2)
    assert [x["new_codes"] for x in two["runs"]] == [1]
    assert two["saturated"] is False and two["last_run_below_threshold"] is False
    assert tiny.report_saturation(base=2, run=2)["enough_documents"] is False
    cats = tiny.report_saturation(order="import", level="category", base=1, run=1)
    assert [d["new_codes"] for d in cats["documents"]] == [2, 0, 0]
    ben = tiny.report_saturation(coder="ben", base=1, run=1)
    assert [(d["document"], d["codes"]) for d in ben["documents"]] == [("P3", 1)]
    assert ben["uncoded"] == ["P1", "P2"]
    assert saturation_csv(r).splitlines()[1].startswith("1,P1,P1,4,4,4,")
    with pytest.raises(InvalidInputError):
        tiny.report_saturation(order="alphabetical")
    with pytest.raises(InvalidInputError):
        tiny.report_saturation(threshold=5)


def test_tree_rolls_up_to_categories_and_themes(tiny: qda.Project) -> None:
    r = tiny.report_tree()
    got = {
        x["path"]: (
            x["codings"], x["documents"], x["participants"],
            x["total_codings"], x["total_documents"], x["total_participants"],
        )
        for x in r["codes"]
    }  # fmt: skip
    assert got == {
        T1: (0, 0, 0, 8, 3, 3),
        C1: (1, 1, 1, 6, 3, 3),
        A: (2, 2, 2, 2, 2, 2),
        B: (3, 2, 2, 3, 2, 2),
        C2: (0, 0, 0, 2, 2, 2),
        C: (2, 2, 2, 2, 2, 2),
        T2: (0, 0, 0, 2, 2, 2),
        D: (2, 2, 2, 2, 2, 2),
    }
    assert [x["path"] for x in r["codes"]] == [T1, C1, A, B, C2, C, T2, D]
    assert [x["depth"] for x in r["codes"]] == [0, 1, 2, 2, 1, 2, 0, 1]
    assert r["totals"] == {"codes": 8, "codings": 10, "documents": 3, "participants": 3}
    ben = tiny.report_tree(coder="ben")
    assert {x["path"]: x["total_codings"] for x in ben["codes"]}[T1] == 1


def test_codes_listing_counts(tiny: qda.Project) -> None:
    codes = {c.path: c for c in tiny.codes()}
    assert list(codes) == [T1, C1, A, B, C2, C, T2, D]
    assert (codes[B].codings, codes[B].documents, codes[B].participants) == (3, 2, 2)
    assert codes[A].definition == "Listened to."
    assert tiny.code("b felt heard").id == codes[B].id


def test_reports_write_csv_and_json_through_the_api(tiny: qda.Project, tmp_path: Path) -> None:
    import json

    for report in (
        tiny.report_saturation(),
        tiny.report_cooccurrence(),
        tiny.report_matrix(),
        tiny.report_crosstab("score"),
        tiny.report_tree(),
        tiny.compare(A, B),
    ):
        json.dumps(report)  # JSON-able as returned
