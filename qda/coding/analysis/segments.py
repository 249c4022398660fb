"""The segments of a code, with context, grouped by participant (constant comparison)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from qda.coding.analysis.common import (
    Condition,
    Ids,
    coder_id,
    fetch,
    iso_raw,
    natural_key,
    participant_filter,
    sid,
)
from qda.coding.codetree import CodeTree, lookup_by_id
from qda.coding.rows import no_gc
from qda.coding.types import Segment
from qda.common import resolve_document
from qda.db.engine import Store
from qda.db.models import Coder, Coding, Document, Participant


@no_gc
def segments(
    store: Store,
    code_ref: str | Sequence[str],
    *,
    descendants: bool = False,
    context: int = 200,
    where: dict[str, Condition] | None = None,
    coder: str | None = None,
    doc: str | None = None,
) -> list[Segment]:
    """Every segment of a code (or of several; with their descendants if asked), with
    ``context`` characters before and after, sorted by participant, document, place.

    ``where`` keeps only participants whose attributes meet every condition, e.g.
    ``{"partnership_baseline": ">=7", "sex": "F"}``.
    """
    ctx = max(0, int(context))
    refs = [code_ref] if isinstance(code_ref, str) else list(code_ref)
    with store.read() as s:
        # One code by id (the TUI's way): no whole-tree load.
        one = lookup_by_id(s, refs[0]) if len(refs) == 1 and not descendants else None
        labels: dict[uuid.UUID, tuple[str, str]] = {}
        ids: list[uuid.UUID] = []
        if one is not None:
            ids = [one.id]
            labels[one.id] = (one.name, one.path)
        else:
            tree = CodeTree.load(s)
            for ref in refs:
                node = tree.resolve(ref)
                for cid in tree.subtree(node.id) if descendants else [node.id]:
                    if cid not in ids:
                        ids.append(cid)
                        labels[cid] = (tree.node(cid).name, tree.path(cid))
        attrs, keep = participant_filter(s, where)
        q = select(
            Coding.id, Coding.code_id, Coding.document_id, Coding.coder_id, Coding.start,
            Coding.end, Coding.quote, Coding.origin, Coding.created_at,
        ).where(Coding.code_id.in_(ids))  # fmt: skip
        if coder is not None:
            q = q.where(Coding.coder_id == coder_id(s, coder))
        if doc is not None:
            q = q.where(Coding.document_id == resolve_document(s, doc).id)
        rows = fetch(s, q)
        # Raw ids (as the driver gives them) key every lookup: no UUID per row.
        conv = Ids()
        in_docs = select(Coding.document_id).where(Coding.code_id.in_(ids)).distinct()
        q2 = (
            select(
                Document.id, Document.name, Document.position, Document.participant_id,
                Document.text, Participant.name,
            )
            .outerjoin(Participant, Participant.id == Document.participant_id)
            .where(Document.id.in_(in_docs))
        )  # fmt: skip
        docs: dict[Any, tuple[str, int, Any, str, str]] = {}
        people: dict[Any, tuple[str, str, dict[str, Any], Any, bool]] = {}
        attrs_by = {str(k): v for k, v in attrs.items()}
        keep_by = None if keep is None else {str(k) for k in keep}
        for did, name, pos, pid, text, pname in fetch(s, q2):
            docs[did] = (name, pos, pid, text, sid(did))
            if pid is not None and pid not in people:
                pstr = sid(pid)
                people[pid] = (
                    pstr,
                    pname,
                    attrs_by.get(pstr, {}),
                    natural_key(pname),
                    keep_by is None or pstr in keep_by,
                )
        coders = {a: b for a, b in fetch(s, select(Coder.id, Coder.name))}
    codes: dict[Any, tuple[str, str, str]] = {}
    nobody: tuple[Any, Any, dict[str, Any], Any, bool] = (
        None,
        None,
        {},
        natural_key(None),
        keep is None,
    )
    # Sort by small ints (participant rank, document rank), not by nested keys.
    prank = {k: i for i, k in enumerate(sorted({v[3] for v in people.values()} | {nobody[3]}))}
    people = {pid: (*v[:3], prank[v[3]], v[4]) for pid, v in people.items()}
    nobody = (*nobody[:3], prank[nobody[3]], nobody[4])
    drank = {d: i for i, d in enumerate(sorted(docs, key=lambda d: (docs[d][1], docs[d][0])))}
    out: list[tuple[Any, Segment]] = []
    for r in rows:
        dname, _, pid, text, dstr = docs[r[2]]
        pstr, pname, pattrs, pkey, kept = people.get(pid, nobody) if pid is not None else nobody
        if not kept:
            continue
        code = codes.get(r[1])
        if code is None:
            u = conv(r[1])
            code = codes[r[1]] = (str(u), *labels[u])
        st, en = r[4], r[5]
        # Positional arguments, in field order: half the cost of keywords per segment.
        seg = Segment(
            sid(r[0]),  # id
            code[0],  # code_id
            code[1],  # code
            code[2],  # code_path
            dstr,  # document_id
            dname,  # document
            pstr,  # participant_id
            pname,  # participant
            coders.get(r[3], ""),  # coder
            st,  # start
            en,  # end
            r[6],  # quote
            r[7],  # origin
            iso_raw(r[8]),  # created_at
            text[max(0, st - ctx) : st] if ctx else "",  # context_before
            text[en : en + ctx] if ctx else "",  # context_after
            dict(pattrs),  # attributes
        )
        out.append(((pkey, drank[r[2]], st, en, code[2]), seg))
    out.sort(key=lambda x: x[0])
    return [seg for _, seg in out]


def group_by_participant(segs: Sequence[Segment]) -> list[dict[str, Any]]:
    """``[{"id", "participant", "attributes", "count", "segments": [...]}, ...]``."""
    groups: dict[str | None, dict[str, Any]] = {}
    for seg in segs:
        g = groups.setdefault(
            seg.participant_id,
            {
                "id": seg.participant_id,
                "participant": seg.participant,
                "attributes": seg.attributes,
                "count": 0,
                "segments": [],
            },
        )
        g["count"] += 1
        g["segments"].append(seg)
    return list(groups.values())
