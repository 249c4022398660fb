"""Undo and redo: exact inverses of every coding and code-tree action, per coder,
persisted in the project; merge + undo + redo + reopen."""

# ruff: noqa: F811  (pytest fixtures imported from tests.coding_support)

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import qda
from qda.errors import InvalidInputError
from tests.coding_support import A, B, C, dump, p, tiny_master, tiny_path  # noqa: F401  (fixtures)

DOMAIN = ("codes", "codings", "relations", "memos", "memo_links", "suggestions")


def domain(path: Path) -> dict[str, Any]:
    d = dump(path)
    return {k: d[k] for k in DOMAIN}


def test_merge_then_undo_restores_both_codes_and_redo_and_reopen(tiny_path: Path) -> None:
    p = qda.open_project(tiny_path, coder="ana")
    try:
        p.define_code(B, definition="Feeling heard by a clinician.", color="#00aa00")
        nine = next(c for c in p.codings(code=B) if c.quote == "I felt heard by the nurse.")
        memo = p.add_memo(
            "code note", "On hearing", "text", links=[("code", B), ("coding", nine.id)]
        )
        rel = p.relate(B, "consequence of", C, note="why")
        before = domain(tiny_path)
        merged = p.merge_codes(B, A)
        assert merged.codings == 5
        assert "Listened to." in merged.definition
        assert "Feeling heard by a clinician." in merged.definition
        assert merged.color == "#00aa00"
        assert [c.path for c in p.codes()].count(B) == 0
        assert p.relations()[0].source == A and p.relations()[0].id == rel.id
        assert {lk["label"] for lk in p.memo(memo.id).links} >= {A}
        after_merge = domain(tiny_path)

        assert p.undo() == f"merge '{B}' into '{A}'"
        assert domain(tiny_path) == before
        restored = {c.path: c for c in p.codes()}
        assert restored[B].codings == 3 and restored[A].codings == 2
        assert restored[B].definition == "Feeling heard by a clinician."
        assert restored[A].definition == "Listened to."
        actions = [e.action for e in p.log(limit=5)]
        assert actions[:2] == ["undo", "merge_codes"]

        assert p.redo() is not None
        assert domain(tiny_path) == after_merge
    finally:
        p.close()
    # The history survives closing and reopening the project.
    again = qda.open_project(tiny_path, coder="ana")
    try:
        assert again.undo() == f"merge '{B}' into '{A}'"
        assert domain(tiny_path) == before
        assert again.redo() is not None
        assert domain(tiny_path) == after_merge
        assert [e.action for e in again.log(limit=4)] == ["redo", "undo", "redo", "undo"]
    finally:
        again.close()


def test_merge_folds_duplicate_codings_and_undo_brings_them_back(
    p: qda.Project, tiny_path: Path
) -> None:
    p.add_code("heard too", parent="C1 being heard")
    dup = p.apply("heard too", "P1", quote="I felt heard.")  # same span and coder as a B coding
    p.add_memo("free", "on the duplicate", links=[f"coding:{dup.id}"])
    before = domain(tiny_path)
    merged = p.merge_codes("heard too", B)
    assert merged.codings == 3  # folded into the existing coding
    memo = p.memos(query="duplicate")[0]
    kept = next(c for c in p.codings(code=B, doc="P1"))
    assert memo.links[0]["id"] == kept.id
    assert p.log(limit=1)[0].after["duplicates_folded"] == 1
    p.undo()
    assert domain(tiny_path) == before


OPS: list[tuple[str, Callable[[qda.Project], Any]]] = [
    ("add", lambda p: p.add_code("new one", parent="C2 no difference", definition="x")),
    ("rename", lambda p: p.rename_code(A, "a heard out")),
    ("define", lambda p: p.define_code(A, definition="new", inclusion="i", exclusion="e",
                                       example="ex", color="#123", kind="category")),
    ("move", lambda p: p.move_code(A, "C2 no difference")),
    ("reorder", lambda p: p.move_code(B, "C1 being heard", position=0)),
    ("move to top", lambda p: p.move_code("C2 no difference", None)),
    ("split", lambda p: p.split_code(B, [c.id for c in p.codings(code=B, doc="P3")], "b2")),
    ("retire", lambda p: p.retire_code("C1 being heard")),
    ("core", lambda p: p.set_core("C1 being heard")),
    ("apply", lambda p: p.apply(A, "P3", start=0, end=11)),
    ("invivo", lambda p: p.invivo("P2", quote="pace myself")),
    ("uncode", lambda p: p.uncode(p.codings(code=C)[0].id)),
    ("relate", lambda p: p.relate(A, "strategy for", C)),
    ("merge", lambda p: p.merge_codes("C2 no difference", "C1 being heard")),
]  # fmt: skip


@pytest.mark.parametrize("name,op", OPS, ids=[n for n, _ in OPS])
def test_every_action_is_undone_and_redone_exactly(
    p: qda.Project, tiny_path: Path, name: str, op: Callable[[qda.Project], Any]
) -> None:
    # A memo linked to a coding and a relation, so removals have something to restore.
    first_c = p.codings(code=C)[0]
    p.add_memo("free", "links", links=[f"coding:{first_c.id}", ("code", C)])
    p.set_core(B)
    before = domain(tiny_path)
    op(p)
    after = domain(tiny_path)
    assert after != before
    assert p.undo() is not None
    assert domain(tiny_path) == before
    assert p.redo() is not None
    assert domain(tiny_path) == after
    assert p.undo() is not None
    assert domain(tiny_path) == before


def test_unrelate_is_undone(p: qda.Project, tiny_path: Path) -> None:
    rel = p.relate(A, "context of", C)
    p.add_memo("free", "on the relation", links=[f"relation:{rel.id}"])
    before = domain(tiny_path)
    p.unrelate(rel.id[:8])
    assert p.relations() == []
    p.undo()
    assert domain(tiny_path) == before


def test_undo_is_per_coder_and_a_new_action_clears_redo(tiny_path: Path) -> None:
    ana = qda.open_project(tiny_path, coder="ana")
    ben = qda.open_project(tiny_path, coder="ben")
    try:
        ana.add_code("ana's code")
        ben.add_code("ben's code")
        assert ana.undo() == 'add code "ana\'s code"'
        names = [c.name for c in ana.codes()]
        assert "ben's code" in names and "ana's code" not in names
        ana.add_code("another")
        assert ana.redo() is None  # the redo stack was cleared by the new action
        assert ben.undo() == 'add code "ben\'s code"'
        # Both coders' steps from building the fixture are still there to undo.
        assert ben.undo() is not None  # ben's coding of P3
        assert ben.undo() is None
        assert [h["state"] for h in ana.undo_history(limit=2)] == ["done", "done"]
    finally:
        ana.close()
        ben.close()


def test_undo_refuses_when_someone_changed_the_rows_since(tiny_path: Path) -> None:
    ana = qda.open_project(tiny_path, coder="ana")
    ben = qda.open_project(tiny_path, coder="ben")
    try:
        ana.rename_code(A, "renamed by ana")
        ben.rename_code("renamed by ana", "renamed by ben")
        before = dump(tiny_path)
        with pytest.raises(InvalidInputError, match="was changed since"):
            ana.undo()
        assert dump(tiny_path) == before
        ana.add_code("x")
        ben.apply("x", "P1", start=0, end=5)
        before = dump(tiny_path)
        with pytest.raises(InvalidInputError, match="cannot undo"):
            ana.undo()  # deleting "x" would orphan ben's coding
        assert dump(tiny_path) == before
        assert ana.undo(discard=True) == "add code 'x'"
        assert "x" in [c.name for c in ana.codes()]
        assert ana.log(limit=1)[0].action == "discard_undo"
    finally:
        ana.close()
        ben.close()


def test_nothing_to_undo_or_redo_on_a_fresh_project(empty_project: qda.Project) -> None:
    assert empty_project.undo() is None
    assert empty_project.redo() is None
    assert empty_project.undo_history() == []


def test_the_history_is_pruned_to_its_limit(
    p: qda.Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qda.coding import undo

    monkeypatch.setattr(undo, "HISTORY_LIMIT", 3)
    monkeypatch.setattr(undo, "PRUNE_EVERY", 1)
    for i in range(5):
        p.add_code(f"code {i}")
    assert [h["summary"] for h in p.undo_history()] == [
        "add code 'code 4'",
        "add code 'code 3'",
        "add code 'code 2'",
    ]


def test_merge_moves_suggestions_and_rules_and_undo_moves_them_back(
    p: qda.Project, tiny_path: Path
) -> None:
    import uuid

    from sqlalchemy import insert, select

    from qda.db.models import Suggestion, SuggestionRule
    from qda.db.types import utcnow

    b, a = p.code(B), p.code(A)
    doc = p.codings(code=B)[0].document_id
    with p.store.write() as s:
        s.execute(
            insert(SuggestionRule).values(
                id=uuid.uuid4(), code_id=uuid.UUID(b.id), terms="[]", with_terms="[]",
                patterns="[]", unit="sentence", created_at=utcnow(),
            )
        )  # fmt: skip
        s.execute(
            insert(Suggestion).values(
                id=uuid.uuid4(), code_id=uuid.UUID(b.id), document_id=uuid.UUID(doc), start=0,
                end=5, unit="sentence", method="bm25", score=1.0, terms="[]", status="pending",
                created_at=utcnow(),
            )
        )  # fmt: skip
    before = domain(tiny_path)

    def owners() -> set[str]:
        with p.store.read() as s:
            rules = {str(x) for x in s.scalars(select(SuggestionRule.code_id))}
            return rules | {str(x) for x in s.scalars(select(Suggestion.code_id))}

    p.merge_codes(B, A)
    assert owners() == {a.id}
    p.undo()
    assert owners() == {b.id}
    assert domain(tiny_path) == before
