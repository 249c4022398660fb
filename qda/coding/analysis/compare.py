"""Two codes side by side (constant comparison): their segments, and who has which."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from qda.coding.analysis.common import Condition, natural_key
from qda.coding.analysis.segments import segments
from qda.coding.codes import get_code
from qda.coding.types import Segment
from qda.db.engine import Store
from qda.errors import InvalidInputError


def _overlapping_pairs(a: list[Segment], b: list[Segment]) -> int:
    by_doc: dict[str, list[Segment]] = defaultdict(list)
    for seg in b:
        by_doc[seg.document_id].append(seg)
    n = 0
    for x in a:
        for y in by_doc.get(x.document_id, ()):
            if x.id != y.id and x.start < y.end and y.start < x.end:
                n += 1
    return n


def _side(info: Any, segs: list[Segment]) -> dict[str, Any]:
    return {
        "code": info.to_dict(),
        "codings": len(segs),
        "documents": len({s.document_id for s in segs}),
        "participants": len({s.participant_id for s in segs if s.participant_id}),
        "segments": [s.to_dict() for s in segs],
    }


def compare(
    store: Store,
    code_a: str,
    code_b: str,
    *,
    descendants: bool = False,
    context: int = 100,
    where: dict[str, Condition] | None = None,
    coder: str | None = None,
) -> dict[str, Any]:
    """``{"a": side, "b": side, "participants": [rows], "both", "only_a", "only_b",
    "overlapping"}`` where a side holds the code, its counts and segments, and each
    participant row counts the segments of A and of B."""
    info_a = get_code(store, code_a)
    info_b = get_code(store, code_b)
    if info_a.id == info_b.id:
        raise InvalidInputError("compare needs two different codes")
    sa = segments(store, info_a.id, descendants=descendants, context=context, where=where,
                  coder=coder)  # fmt: skip
    sb = segments(store, info_b.id, descendants=descendants, context=context, where=where,
                  coder=coder)  # fmt: skip
    rows: dict[str | None, dict[str, Any]] = {}
    for side, segs in (("a", sa), ("b", sb)):
        for seg in segs:
            r = rows.setdefault(
                seg.participant_id,
                {"id": seg.participant_id, "participant": seg.participant, "a": 0, "b": 0,
                 "attributes": seg.attributes},
            )  # fmt: skip
            r[side] += 1
    table = sorted(rows.values(), key=lambda r: natural_key(r["participant"]))
    named = [r for r in table if r["participant"] is not None]
    return {
        "a": _side(info_a, sa),
        "b": _side(info_b, sb),
        "participants": table,
        "both": [r["participant"] for r in named if r["a"] and r["b"]],
        "only_a": [r["participant"] for r in named if r["a"] and not r["b"]],
        "only_b": [r["participant"] for r in named if r["b"] and not r["a"]],
        "documents_both": len({s.document_id for s in sa} & {s.document_id for s in sb}),
        "overlapping": _overlapping_pairs(sa, sb),
    }
