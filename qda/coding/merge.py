"""Merging two codes: codings, children, relations, memo links and suggestions move
over; exact duplicate codings fold into one; both definitions are kept; the source
code is removed.  Every row change goes through the journal, so undo restores all."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import aliased

from qda.coding.codes import (
    CODES,
    CODINGS,
    MEMO_LINKS,
    RELATIONS,
    SUGGESTIONS,
    _info,
    _next_position,
    _unique_sibling,
    _update,
)
from qda.coding.types import CodeInfo
from qda.coding.views import Action, action, code_counts, code_snapshot
from qda.common import record_event
from qda.db.engine import Store
from qda.db.models import Base, Coding, MemoLink, Relation
from qda.errors import InvalidInputError

# Columns referencing codes.id that merge_codes handles itself.
_HANDLED_FKS = {
    ("codes", "parent_id"),
    ("codings", "code_id"),
    ("relations", "source_id"),
    ("relations", "target_id"),
}


def _combine(into: str, other: str, label: str) -> str:
    a, b = (into or "").strip(), (other or "").strip()
    if not b or b == a or b in a:
        return into
    if not a:
        return other
    return f"{into.rstrip()}\n\n[from {label}] {b}"


def merge_codes(store: Store, coder: str, source_ref: str, into_ref: str) -> CodeInfo:
    """Merge ``source`` into ``into``: its codings, children, relations, memo links and
    suggestions move over; both definitions are kept; ``source`` is removed."""
    with action(store, coder, "merge_codes") as a:
        src = a.tree.resolve(source_ref)
        dst = a.tree.resolve(into_ref)
        tree = a.tree
        if src.id == dst.id:
            raise InvalidInputError("cannot merge a code into itself")
        if dst.id in tree.descendants(src.id):
            raise InvalidInputError(
                f"cannot merge {tree.path(src.id)!r} into {tree.path(dst.id)!r}, which is inside it"
            )
        if dst.retired:
            raise InvalidInputError(f"{tree.path(dst.id)!r} is retired; cannot merge into it")
        for child in src.children:
            _unique_sibling(tree, dst.id, tree.node(child).name)
        src_path, dst_path = tree.path(src.id), tree.path(dst.id)
        before = {"source": code_snapshot(a.s, src.id), "into": code_snapshot(a.s, dst.id)}
        counts = code_counts(a.s, [src.id, dst.id])
        s = a.s
        j = a.journal
        # 1. codings: exact duplicates (same document, span and coder) are folded into
        #    the existing coding; the rest move over.
        other = aliased(Coding)
        dups = s.execute(
            select(Coding.id, other.id).join(
                other,
                and_(
                    other.document_id == Coding.document_id, other.start == Coding.start,
                    other.end == Coding.end, other.coder_id == Coding.coder_id,
                    other.code_id == dst.id,
                ),
            ).where(Coding.code_id == src.id)
        ).all()  # fmt: skip
        dup_map = {d: keep for d, keep in dups}
        for dup, keep in dup_map.items():
            _repoint_coding_refs(a, dup, keep)
            j.delete(CODINGS, dup)
        moving = [i for i in s.scalars(select(Coding.id).where(Coding.code_id == src.id))]
        j.update_many(CODINGS, moving, "code_id", src.id, dst.id)
        # 2. children go under ``into``, after its own.
        pos = _next_position(tree, dst.id)
        for k, child in enumerate(src.children):
            j.update(CODES, child, {"parent_id": dst.id, "position": pos + k})
        # 3. relations: re-pointed; a relation that would join ``into`` to itself or
        #    duplicate an existing one is removed.
        _merge_relations(a, src.id, dst.id)
        # 4. memo links to the code.
        _merge_links(a, "code", src.id, dst.id)
        # 5. suggestions, and any other table that points at codes.
        sug = list(s.scalars(select(SUGGESTIONS.c.id).where(SUGGESTIONS.c.code_id == src.id)))
        j.update_many(SUGGESTIONS, sug, "code_id", src.id, dst.id)
        for t in Base.metadata.sorted_tables:
            if t.name == "suggestions" or "id" not in t.c:
                continue
            for fk in t.foreign_keys:
                col = fk.parent
                if fk.column.table.name != "codes" or (t.name, col.name) in _HANDLED_FKS:
                    continue
                ids = list(s.scalars(select(t.c.id).where(col == src.id)))
                j.update_many(t, ids, col.name, src.id, dst.id)
        # 6. both definitions kept.
        srow, drow = before["source"], before["into"]
        values: dict[str, Any] = {
            k: _combine(drow[k], srow[k], src_path)
            for k in ("definition", "inclusion", "exclusion", "example")
        }
        if not drow["color"] and srow["color"]:
            values["color"] = srow["color"]
        if srow["is_core"]:
            values["is_core"] = True
        _update(a, dst.id, values)
        j.delete(CODES, src.id)
        info = _info(a, dst.id)
        a.summary = f"merge {src_path!r} into {dst_path!r}"
        moved = counts.get(src.id, (0, 0, 0))[0]
        record_event(
            s, coder=a.coder, action="merge_codes", entity_kind="code", entity_id=dst.id,
            summary=a.summary, before=before,
            after={"into": code_snapshot(s, dst.id), "codings_moved": moved - len(dup_map),
                   "duplicates_folded": len(dup_map), "children_moved": len(src.children)},
        )  # fmt: skip
        return info


def _repoint_coding_refs(a: Action, old: uuid.UUID, new: uuid.UUID) -> None:
    """Memo links and suggestions that point at coding ``old`` now point at ``new``."""
    _merge_links(a, "coding", old, new)
    sug = list(a.s.scalars(select(SUGGESTIONS.c.id).where(SUGGESTIONS.c.coding_id == old)))
    a.journal.update_many(SUGGESTIONS, sug, "coding_id", old, new)


def _merge_links(a: Action, kind: str, old: uuid.UUID, new: uuid.UUID) -> None:
    rows = a.s.execute(
        select(MemoLink.id, MemoLink.memo_id).where(
            MemoLink.target_kind == kind, MemoLink.target_id == old
        )
    ).all()
    have = set(
        a.s.scalars(
            select(MemoLink.memo_id).where(MemoLink.target_kind == kind, MemoLink.target_id == new)
        )
    )
    for link_id, memo_id in rows:
        if memo_id in have:
            a.journal.delete(MEMO_LINKS, link_id)
        else:
            a.journal.update(MEMO_LINKS, link_id, {"target_id": new})


def _merge_relations(a: Action, old: uuid.UUID, new: uuid.UUID) -> None:
    rels = a.s.execute(
        select(Relation.id, Relation.source_id, Relation.type, Relation.target_id).where(
            (Relation.source_id == old) | (Relation.target_id == old)
        )
    ).all()
    existing = {
        (r[0], r[1], r[2])
        for r in a.s.execute(
            select(Relation.source_id, Relation.type, Relation.target_id).where(
                (Relation.source_id == new) | (Relation.target_id == new)
            )
        )
    }
    for rid, s_id, typ, t_id in rels:
        ns = new if s_id == old else s_id
        nt = new if t_id == old else t_id
        if ns == nt or (ns, typ, nt) in existing:
            a.journal.delete(RELATIONS, rid)
        else:
            a.journal.update(RELATIONS, rid, {"source_id": ns, "target_id": nt})
            existing.add((ns, typ, nt))
