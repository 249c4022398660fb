"""The code tree and codings through the Python API: resolving CODE references,
validation, and bad requests that must change nothing."""

# ruff: noqa: F811  (pytest fixtures imported from tests.coding_support)

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

import qda
from qda.db.models import Code, Coding
from qda.errors import AmbiguousError, InvalidInputError, NotFoundError, QdaError
from tests.coding_support import (  # noqa: F401  (fixtures)
    C1,
    C2,
    T1,
    TEXTS,
    A,
    B,
    C,
    D,
    dump,
    p,
    tiny_master,
    tiny_path,
)


def test_code_references_by_id_name_path_and_prefix(p: qda.Project) -> None:
    b = p.code(B)
    assert p.code("b felt heard").id == b.id
    assert p.code("B FELT   heard").id == b.id  # case and spacing
    assert p.code("C1 being heard/b felt heard").id == b.id  # a partial path
    assert p.code(b.id).id == b.id
    assert p.code(b.id[:8]).id == b.id
    assert b.path == B and b.depth == 2 and b.kind == "code"
    p.add_code("b felt heard", parent="C2 no difference")
    with pytest.raises(AmbiguousError) as exc:
        p.code("b felt heard")
    assert B in str(exc.value) and f"{C2}/b felt heard" in str(exc.value)
    assert "\n" not in str(exc.value)
    assert p.code(f"{C2}/b felt heard").path == f"{C2}/b felt heard"
    with pytest.raises(NotFoundError, match="no code 'nothing'"):
        p.code("nothing")


def test_add_validates_names_kinds_colours(p: qda.Project) -> None:
    with pytest.raises(InvalidInputError, match="already a code"):
        p.add_code("A LISTENED TO", parent=C1)
    with pytest.raises(InvalidInputError, match="needs a name"):
        p.add_code("   ")
    with pytest.raises(InvalidInputError, match="unknown kind"):
        p.add_code("x", kind="topic")
    with pytest.raises(InvalidInputError, match="colour"):
        p.add_code("x", color="blue-ish")
    c = p.add_code("  spaced   out  ", color="ABC", origin="in-vivo", inclusion="inc", example="ex")
    assert (c.name, c.color, c.origin, c.inclusion, c.example) == (
        "spaced out", "#aabbcc", "invivo", "inc", "ex"
    )  # fmt: skip
    assert p.add_code("a listened to").path == "a listened to"  # same name, other level: fine


def test_move_reorders_and_refuses_cycles(p: qda.Project) -> None:
    moved = p.move_code(B, C1, position=0)
    assert [c.name for c in p.codes() if c.parent_id == moved.parent_id] == [
        "b felt heard", "a listened to"
    ]  # fmt: skip
    with pytest.raises(InvalidInputError, match="cycle"):
        p.move_code(T1, A)
    with pytest.raises(InvalidInputError, match="cycle"):
        p.move_code(C1, C1)
    top = p.move_code(C2, None)
    assert top.path == "C2 no difference" and top.parent_id is None
    assert p.code("c pain unchanged").path == "C2 no difference/c pain unchanged"


def test_split_retire_core_define(p: qda.Project) -> None:
    p3 = [c.id for c in p.codings(code=B, doc="P3")]
    new = p.split_code(B, p3, "heard by the nurse")
    assert new.path == f"{C1}/heard by the nurse" and new.codings == 2
    assert p.code(B).codings == 1
    names = [c.name for c in p.codes() if c.parent_id == new.parent_id]
    assert names == ["a listened to", "b felt heard", "heard by the nurse"]
    with pytest.raises(NotFoundError):
        p.split_code(A, p3, "nope")  # those codings are not A's
    retired = p.retire_code(C1)
    assert retired.retired
    assert C1 not in [c.path for c in p.codes()]
    assert A not in [c.path for c in p.codes()]  # its subtree is hidden too
    assert {c.path for c in p.codes(include_retired=True)} >= {C1, A}
    with pytest.raises(InvalidInputError, match="retired"):
        p.apply(A, "P1", start=0, end=5)
    p.retire_code(C1, retired=False)
    assert p.code(A).retired is False
    assert p.set_core(C1).is_core
    assert p.set_core(C2).is_core and not p.code(C1).is_core
    with pytest.raises(InvalidInputError, match="not a theme"):
        p.set_core(T1)
    d = p.define_code(D, definition="Pacing activity.", exclusion="Rest only.", color="")
    assert (d.definition, d.exclusion, d.color, d.inclusion) == (
        "Pacing activity.", "Rest only.", None, ""
    )  # fmt: skip
    assert p.log(limit=1)[0].after == {"definition": "Pacing activity.", "exclusion": "Rest only."}


def test_apply_spans_quotes_and_fuzzy_matches(p: qda.Project, tiny_path: Path) -> None:
    exact = p.apply(D, "P1", quote="The pain stayed the same.")
    assert (exact.start, exact.end, exact.match) == (72, 97, "exact")
    spaced = p.apply(A, "P1", quote="she   LISTENED to me")
    assert (spaced.quote, spaced.match) == ("She listened to me", "normalised")
    fuzzy = p.apply(C, "P3", quote="I felt herd by the nurse")
    assert fuzzy.match == "fuzzy" and fuzzy.quote == "I felt heard by the nurse"
    assert 90 <= fuzzy.score < 100
    second = p.apply(D, "P2", quote="listened", occurrence=1)
    assert second.quote == "listened"
    span = p.apply(B, "P2", start=0, end=11)
    assert span.quote == TEXTS["P2"][0:11] == "Interviewer"
    # Overlapping, nested and same-span codings by another code or coder are allowed.
    ben = qda.open_project(tiny_path, coder="ben")
    try:
        same = ben.apply(B, "P2", start=0, end=11)
        assert same.coder == "ben"
    finally:
        ben.close()
    assert len(p.codings(doc="P2", code=B)) == 2
    assert len(p.codings(doc="P2", code=B, coder="ben")) == 1
    ev = p.log(limit=1, action="apply", coder="ana")[0]
    assert ev.after["quote"] == "Interviewer" and ev.coder == "ana"


def test_invivo_names_a_code_by_the_words(p: qda.Project) -> None:
    c = p.invivo("P2", quote="I pace myself now.")
    code = p.code(c.code_id)
    assert (code.name, code.origin, c.origin, code.example) == (
        "I pace myself now", "invivo", "invivo", "I pace myself now."
    )  # fmt: skip
    again = p.invivo("P3", quote="I pace myself now.")
    assert again.code_id == c.code_id  # reused at the same level
    under = p.invivo("P1", start=38, end=57, parent=C1)
    assert under.code_path == f"{C1}/She listened to me"
    assert [e.action for e in p.log(limit=2)] == ["invivo", "add_code"]


def test_uncode_removes_the_coding_and_its_memo_links(p: qda.Project) -> None:
    victim = p.codings(code=C)[0]
    memo = p.add_memo("free", "about it", links=[f"coding:{victim.id}"])
    gone = p.uncode(victim.id[:10])
    assert gone.id == victim.id
    assert victim.id not in [c.id for c in p.codings()]
    assert p.memo(memo.id).links == []


def _bad_requests() -> list[tuple[str, Callable[[qda.Project], Any], type[QdaError]]]:
    BAD, GONE, TWO = InvalidInputError, NotFoundError, AmbiguousError
    return [
        ("unknown code", lambda p: p.apply("no such code", "P1", start=0, end=4), GONE),
        ("unknown document", lambda p: p.apply(A, "P9", start=0, end=4), GONE),
        ("quote not found", lambda p: p.apply(A, "P1", quote="a purple elephant danced"), GONE),
        ("quote ambiguous", lambda p: p.apply(A, "P2", quote="e"), TWO),
        ("span past the end", lambda p: p.apply(A, "P1", start=90, end=500), BAD),
        ("negative start", lambda p: p.apply(A, "P1", start=-1, end=5), BAD),
        ("start after end", lambda p: p.apply(A, "P1", start=9, end=9), BAD),
        ("half a span", lambda p: p.apply(A, "P1", start=3), BAD),
        ("span and quote", lambda p: p.apply(A, "P1", start=3, end=5, quote="x"), BAD),
        ("duplicate coding", lambda p: p.apply(A, "P1", quote="She listened to me."), BAD),
        ("occurrence out of range", lambda p: p.apply(A, "P2", quote="e", occurrence=99), BAD),
        ("cycle", lambda p: p.move_code(T1, B), BAD),
        ("relate to itself", lambda p: p.relate(A, "context of", "a listened to"), BAD),
        ("relate unknown", lambda p: p.relate(A, "context of", "zzz"), GONE),
        ("duplicate sibling", lambda p: p.add_code("b felt heard", parent=C1), BAD),
        ("rename onto a sibling", lambda p: p.rename_code(A, "B Felt Heard"), BAD),
        ("merge into itself", lambda p: p.merge_codes(A, A), BAD),
        ("merge into a child", lambda p: p.merge_codes(C1, A), BAD),
        ("split nothing", lambda p: p.split_code(A, [], "x"), BAD),
        ("uncode unknown", lambda p: p.uncode("0" * 32), GONE),
        ("bad kind", lambda p: p.define_code(A, kind="topic"), BAD),
        ("bad colour", lambda p: p.define_code(A, color="#12"), BAD),
        ("core theme", lambda p: p.set_core(T1), BAD),
        ("memo type", lambda p: p.add_memo("shopping list", "x"), BAD),
        ("memo link", lambda p: p.add_memo("free", "x", links=["code:zzz"]), GONE),
        ("memo link kind", lambda p: p.add_memo("free", "x", links=["planet:mars"]), BAD),
        ("invivo nothing", lambda p: p.invivo("P1", start=32, end=34), BAD),
    ]  # fmt: skip


def test_bad_requests_change_nothing(p: qda.Project, tiny_path: Path) -> None:
    before = dump(tiny_path)
    for label, call, error in _bad_requests():
        with pytest.raises(error) as exc:
            call(p)
        message = str(exc.value)
        assert message and "\n" not in message, label
        assert dump(tiny_path) == before, label


def test_codings_are_stored_with_their_quotes(p: qda.Project, tiny_path: Path) -> None:
    p.apply(A, "P3", quote="nurse")
    with p.store.read() as s:
        rows = s.execute(select(Coding.start, Coding.end, Coding.quote, Coding.document_id)).all()
        codes = s.scalars(select(Code.name)).all()
    assert len(rows) == 11 and len(codes) == 8
    for st, en, quote, _ in rows:
        assert en > st and quote
    assert any(q == "nurse" for _, _, q, _ in rows)
