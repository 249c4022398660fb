"""Axial coding: typed relations between codes (Strauss & Corbin's paradigm roles,
general relations, and types the user adds), each with a note, a coder and a time."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from qda.coding.codetree import CodeTree
from qda.coding.types import GENERAL_RELATIONS, PARADIGM_ROLES, RELATION_TYPES, RelationInfo
from qda.coding.undo import table
from qda.coding.views import action, iso
from qda.common import parse_uuid, record_event
from qda.db.engine import Store
from qda.db.models import Coder, Relation
from qda.db.types import utcnow
from qda.errors import AmbiguousError, InvalidInputError, NotFoundError

RELATIONS = table("relations")
MAX_TYPE = 100
ALIASES = {
    "causal condition": "causal condition of",
    "cause of": "causal condition of",
    "causes": "causal condition of",
    "context": "context of",
    "intervening condition": "intervening condition of",
    "strategy": "strategy for",
    "action strategy for": "strategy for",
    "consequence": "consequence of",
    "part of": "is part of",
    "associated with": "is associated with",
    "contradict": "contradicts",
}


def clean_type(rel_type: str) -> str:
    t = " ".join((rel_type or "").replace("_", " ").split()).lower()
    if not t:
        raise InvalidInputError("a relation needs a type (e.g. 'consequence of')")
    if len(t) > MAX_TYPE:
        raise InvalidInputError(f"relation type too long (at most {MAX_TYPE} characters)")
    return ALIASES.get(t, t)


def _info(s: Session, tree: CodeTree, rid: uuid.UUID) -> RelationInfo:
    r, coder = s.execute(
        select(Relation, Coder.name)
        .outerjoin(Coder, Coder.id == Relation.coder_id)
        .where(Relation.id == rid)
        .execution_options(populate_existing=True)
    ).one()
    return _from_row(tree, r, coder)


def _from_row(tree: CodeTree, r: Relation, coder: str | None) -> RelationInfo:
    return RelationInfo(
        id=str(r.id),
        source_id=str(r.source_id),
        source=tree.path(r.source_id),
        type=r.type,
        target_id=str(r.target_id),
        target=tree.path(r.target_id),
        note=r.note,
        coder=coder,
        created_at=iso(r.created_at),
        is_paradigm=r.type in PARADIGM_ROLES,
    )


def relate(
    store: Store, coder: str, source_ref: str, rel_type: str, target_ref: str, note: str = ""
) -> RelationInfo:
    """Relate two codes: ``source`` TYPE ``target`` (e.g. *A* consequence of *B*)."""
    typ = clean_type(rel_type)
    with action(store, coder, "relate") as a:
        src = a.tree.resolve(source_ref)
        dst = a.tree.resolve(target_ref)
        if src.id == dst.id:
            raise InvalidInputError(f"cannot relate {a.tree.path(src.id)!r} to itself")
        dup = a.s.scalar(
            select(Relation.id).where(
                Relation.source_id == src.id, Relation.type == typ, Relation.target_id == dst.id
            )
        )
        if dup is not None:
            raise InvalidInputError(
                f"{a.tree.path(src.id)!r} is already {typ!r} {a.tree.path(dst.id)!r} "
                f"(relation {str(dup)[:8]})"
            )
        rid = uuid.uuid4()
        a.journal.insert(
            RELATIONS,
            dict(
                id=rid, source_id=src.id, type=typ, target_id=dst.id, note=note or "",
                coder_id=a.coder.id, created_at=utcnow(),
            ),
        )  # fmt: skip
        info = _info(a.s, a.tree, rid)
        a.summary = f"relate {info.source!r} {typ} {info.target!r}"
        record_event(
            a.s, coder=a.coder, action="relate", entity_kind="relation", entity_id=rid,
            summary=a.summary, after=_snapshot(info),
        )  # fmt: skip
        return info


def _snapshot(info: RelationInfo) -> dict[str, Any]:
    return {
        "source_id": info.source_id, "source": info.source, "type": info.type,
        "target_id": info.target_id, "target": info.target, "note": info.note,
    }  # fmt: skip


def resolve_relation(s: Session, ref: str) -> uuid.UUID:
    text = (ref or "").strip().lower()
    uid = parse_uuid(text)
    if uid is not None and s.get(Relation, uid) is not None:
        return uid
    if len(text) >= 6 and all(c in "0123456789abcdef-" for c in text):
        prefix = text.replace("-", "")
        hits = [i for i in s.scalars(select(Relation.id)) if i.hex.startswith(prefix)]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise AmbiguousError(f"{len(hits)} relations start with {ref!r}; give more of the id")
    raise NotFoundError(f"no relation {ref!r} (see `qda relations`)")


def unrelate(store: Store, coder: str, relation_ref: str) -> RelationInfo:
    """Remove a relation."""
    with action(store, coder, "unrelate") as a:
        rid = resolve_relation(a.s, relation_ref)
        info = _info(a.s, a.tree, rid)
        links = table("memo_links")
        for link_id in a.s.scalars(
            select(links.c.id).where(links.c.target_kind == "relation", links.c.target_id == rid)
        ):
            a.journal.delete(links, link_id)
        a.journal.delete(RELATIONS, rid)
        a.summary = f"unrelate {info.source!r} {info.type} {info.target!r}"
        record_event(
            a.s, coder=a.coder, action="unrelate", entity_kind="relation", entity_id=rid,
            summary=a.summary, before=_snapshot(info),
        )  # fmt: skip
        return info


def list_relations(
    store: Store, *, code: str | None = None, rel_type: str | None = None
) -> list[RelationInfo]:
    """Relations (of one code, as source or target; of one type), paradigm roles first."""
    with store.read() as s:
        tree = CodeTree.load(s)
        q = select(Relation, Coder.name).outerjoin(Coder, Coder.id == Relation.coder_id)
        if code is not None:
            cid = tree.resolve(code).id
            q = q.where(or_(Relation.source_id == cid, Relation.target_id == cid))
        if rel_type is not None:
            q = q.where(Relation.type == clean_type(rel_type))
        out = [_from_row(tree, r, c) for r, c in s.execute(q)]
        order = {t: i for i, t in enumerate(RELATION_TYPES)}
        out.sort(key=lambda r: (order.get(r.type, len(order)), r.type, r.source, r.target))
        return out


def relation_types(store: Store) -> list[dict[str, Any]]:
    """The built-in types and those used in this project, with their counts."""
    with store.read() as s:
        used = dict(s.execute(select(Relation.type, func.count()).group_by(Relation.type)).all())
    out = []
    for t in PARADIGM_ROLES:
        out.append({"id": t, "type": t, "group": "paradigm", "count": used.pop(t, 0)})
    for t in GENERAL_RELATIONS:
        out.append({"id": t, "type": t, "group": "general", "count": used.pop(t, 0)})
    for t in sorted(used):
        out.append({"id": t, "type": t, "group": "custom", "count": used[t]})
    return out
