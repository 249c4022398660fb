"""The code tree with its counts: segments (codings), documents and participants for
each code, and rolled up (the code with everything under it) to categories and themes."""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy import func, select

from qda.coding.analysis.common import Ids, coder_id, documents_raw, fetch, to_csv
from qda.coding.codetree import CodeTree
from qda.coding.rows import no_gc
from qda.db.engine import Store
from qda.db.models import Code, Coding


@no_gc
def tree_report(
    store: Store, *, coder: str | None = None, include_retired: bool = False
) -> dict[str, Any]:
    """``{"codes": [...], "totals": {...}}``: every code in tree order with ``depth``,
    its own ``codings``/``documents``/``participants`` and the ``total_*`` of its
    subtree (distinct documents and participants, not sums)."""
    with store.read() as s:
        tree = CodeTree.load(s)
        docs = documents_raw(s)
        q = select(Coding.code_id, Coding.document_id, func.count()).group_by(
            Coding.code_id, Coding.document_id
        )
        cid = coder_id(s, coder)
        if cid is not None:
            q = q.where(Coding.coder_id == cid)
        raw = fetch(s, q)
        defs = dict(s.execute(select(Code.id, Code.definition)).all())
    # Documents and participants as small ints: sets of ints are cheap to merge.
    doc_no = {r: k for k, r in enumerate(docs)}
    people: dict[uuid.UUID, int] = {}
    person_of = [
        people.setdefault(d.participant_id, len(people)) if d.participant_id else -1
        for d in docs.values()
    ]
    # Aggregate on raw code ids (str hashing is in C; UUID hashing is not).
    raw_n: dict[Any, int] = defaultdict(int)
    raw_docs: dict[Any, set[int]] = defaultdict(set)
    for code_raw, doc_raw, n in raw:
        raw_n[code_raw] += n
        raw_docs[code_raw].add(doc_no[doc_raw])
    conv = Ids()
    own_n = {conv(c): n for c, n in raw_n.items()}
    own_docs = {conv(c): ds for c, ds in raw_docs.items()}

    total_n: dict[uuid.UUID, int] = {}
    total_docs: dict[uuid.UUID, set[int]] = {}
    for c in reversed(list(tree.order())):  # children before parents
        n = own_n.get(c, 0)
        ds = set(own_docs.get(c, ()))
        for ch in tree.node(c).children:
            n += total_n[ch]
            ds |= total_docs[ch]
        total_n[c] = n
        total_docs[c] = ds

    def persons(ds: set[int]) -> int:
        return len({person_of[d] for d in ds if person_of[d] >= 0})

    out = []
    for c in tree.order():
        node = tree.node(c)
        if node.retired and not include_retired:
            continue
        if not include_retired and any(tree.node(a).retired for a in tree.ancestors(c)):
            continue
        mine = own_docs.get(c, set())
        out.append(
            {
                "id": str(c), "name": node.name, "kind": node.kind, "path": tree.path(c),
                "depth": tree.depth(c),
                "parent_id": str(node.parent_id) if node.parent_id else None,
                "is_core": node.is_core, "retired": node.retired,
                "definition": defs.get(c, ""),
                "codings": own_n.get(c, 0), "documents": len(mine), "participants": persons(mine),
                "total_codings": total_n[c], "total_documents": len(total_docs[c]),
                "total_participants": persons(total_docs[c]),
            }
        )  # fmt: skip
    all_docs = {d for ds in own_docs.values() for d in ds}
    return {
        "codes": out,
        "totals": {
            "codes": len(out),
            "codings": sum(own_n.values()),
            "documents": len(all_docs),
            "participants": persons(all_docs),
        },
    }


def tree_csv(report: dict[str, Any]) -> str:
    cols = ["path", "kind", "codings", "documents", "participants", "total_codings",
            "total_documents", "total_participants"]  # fmt: skip
    return to_csv(
        ["code", *cols[1:], "id"], ([*(r[c] for c in cols), r["id"]] for r in report["codes"])
    )
