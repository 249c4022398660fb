"""Memos (typed, linked, searchable), relations (axial coding) and the audit trail."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import qda
from qda.coding.types import PARADIGM_ROLES
from qda.errors import AmbiguousError, InvalidInputError, NotFoundError
from tests.coding_support import C1, C2, A, B, C, build_tiny, copy_project


@pytest.fixture(scope="module")
def tiny_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny(tmp_path_factory.mktemp("tiny-memos"))


@pytest.fixture
def p(tiny_master: Path, tmp_path: Path) -> Iterator[qda.Project]:
    project = qda.open_project(copy_project(tiny_master, tmp_path), coder="ana")
    yield project
    project.close()


def test_memos_are_typed_linked_and_searchable(p: qda.Project) -> None:
    coding = p.codings(code=B, doc="P3")[0]
    rel = p.relate(C1, "consequence of", C2)
    m = p.add_memo(
        "theoretical",
        "Being heard before being helped",
        "Participants **who felt heard** tolerated unchanged pain.",
        links=[
            ("code", B),
            f"coding:{coding.id}",
            "doc:P1",
            "participant:P3",
            f"relation:{rel.id}",
        ],
    )
    assert m.type == "theoretical note" and m.author == "ana"
    labels = {(lk["kind"], lk["label"]) for lk in m.links}
    assert labels == {
        ("code", B),
        ("coding", f"{B} @ P3 {coding.start}-{coding.end}"),
        ("document", "P1"),
        ("participant", "P3"),
        ("relation", f"{C1} —consequence of→ {C2}"),
    }
    op = p.add_memo("operational", "Next: recruit GPs", "Ask about *waiting lists*.")
    note = p.add_memo("code note", "On pacing", links=[f"memo:{m.id}"])
    assert note.links[0]["label"] == "Being heard before being helped"
    assert [x.title for x in p.memos(type="operational note")] == [op.title]
    assert [x.id for x in p.memos(link_kind="code", link_id=B)] == [m.id]
    assert [x.id for x in p.memos(link_kind="coding", link_id=coding.id)] == [m.id]
    assert {x.id for x in p.memos(link_kind="memo")} == {note.id}
    assert [x.id for x in p.memos(query="heard pain")] == [m.id]
    assert [x.id for x in p.memos(query='"felt heard"')] == [m.id]
    assert [x.id for x in p.memos(query="wait*")] == [op.id]
    assert p.memos(query="heard nothing-like-this") == []
    edited = p.edit_memo(op.id[:8], title="Next: recruit nurses", append="And physios.")
    assert edited.title == "Next: recruit nurses"
    assert edited.body == "Ask about *waiting lists*.\n\nAnd physios."
    assert edited.updated_at >= edited.created_at
    linked = p.link_memo("Next: recruit nurses", "code", A)
    assert [lk["label"] for lk in linked.links] == [A]
    assert p.unlink_memo(op.id, "code", A).links == []
    assert p.memo(m.id).body.startswith("Participants")
    actions = [e.action for e in p.log(limit=6, entity_kind="memo")]
    assert actions == ["unlink_memo", "link_memo", "edit_memo", "add_memo", "add_memo", "add_memo"]
    with pytest.raises(InvalidInputError, match="cannot link to itself"):
        p.link_memo(m.id, "memo", m.id)
    with pytest.raises(NotFoundError):
        p.memo("no such memo")


def test_memo_titles_can_clash_but_then_need_ids(p: qda.Project) -> None:
    one = p.add_memo("free", "Same")
    p.add_memo("free", "Same")
    with pytest.raises(AmbiguousError):
        p.memo("Same")
    assert p.memo(one.id).id == one.id


def test_relations_with_paradigm_roles_and_custom_types(p: qda.Project) -> None:
    r = p.relate(C1, "consequence", C2, note="feeling heard comes first")
    assert (r.type, r.is_paradigm, r.note, r.coder) == (
        "consequence of", True, "feeling heard comes first", "ana"
    )  # fmt: skip
    p.relate(A, "Is Part Of", C1)
    custom = p.relate(B, "buffers", C, note="user type")
    assert custom.type == "buffers" and not custom.is_paradigm
    assert [x.type for x in p.relations()] == ["consequence of", "is part of", "buffers"]
    assert [x.type for x in p.relations(code=C1)] == ["consequence of", "is part of"]
    assert [x.id for x in p.relations(type="buffers")] == [custom.id]
    types = {t["type"]: (t["group"], t["count"]) for t in p.relation_types()}
    assert types["consequence of"] == ("paradigm", 1)
    assert types["buffers"] == ("custom", 1)
    assert set(PARADIGM_ROLES) <= set(types)
    with pytest.raises(InvalidInputError, match="already"):
        p.relate(C1, "consequence of", C2)
    with pytest.raises(InvalidInputError, match="to itself"):
        p.relate(C1, "context of", C1)
    removed = p.unrelate(custom.id)
    assert removed.id == custom.id and len(p.relations()) == 2


def test_the_log_lists_and_filters_events(p: qda.Project) -> None:
    p.add_code("fresh")
    p.rename_code("fresh", "fresher")
    events = p.log(limit=2)
    assert [(e.action, e.coder) for e in events] == [("rename_code", "ana"), ("add_code", "ana")]
    assert events[0].before == {"name": "fresh", "path": "fresh"}
    assert events[0].after == {"name": "fresher", "path": "fresher"}
    assert events[0].entity_id == events[1].entity_id
    assert len(p.log(limit=None, coder="ben")) == 1  # ben's one coding in the fixture
    assert {e.action for e in p.log(limit=None, action="*code*")} >= {"add_code", "rename_code"}
    assert len(p.log(limit=None, action="apply,invivo")) == 10
    assert p.log(since="2999-01-01") == []
    assert [e.action for e in p.log(entity=events[0].entity_id)] == ["rename_code", "add_code"]
    with pytest.raises(InvalidInputError):
        p.log(since="yesterday-ish")
