"""Saturation: the new codes each transcript brought, the cumulative curve, and a
judgement after Guest, Namey & Chen (2020), *A simple method to assess and report
thematic saturation in qualitative research*, PLoS ONE 15(5): e0232076.

* Documents are taken in **coding order** (when each was first coded; ties by import
  order) or **import order**; documents without codings are left out and listed.
* **Base size** *b*: the first *b* documents; the codes they hold are the base (the
  denominator).
* **Run length** *r*: a window of *r* consecutive documents after the base, moved one
  document at a time; the window's *new* codes are those no earlier document held.
* **New-information threshold** *t*: saturation is reached at the end of the first run
  whose new codes are at most *t* x (codes in the base) — reported as the number of
  documents it took.  Whether the *last* run is below the threshold is reported too.

``level`` counts codes rolled up to categories or themes instead of codes as coded.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy import select

from qda.coding.analysis.common import Ids, coder_id, documents, fetch, iso_raw, to_csv
from qda.coding.codetree import CodeTree
from qda.coding.rows import no_gc
from qda.db.engine import Store
from qda.db.models import CODE_KINDS, Coding
from qda.errors import InvalidInputError

ORDERS = ("coding", "import")


@no_gc
def saturation(
    store: Store,
    *,
    order: str = "coding",
    base: int = 4,
    run: int = 2,
    threshold: float = 0.05,
    coder: str | None = None,
    level: str | None = None,
) -> dict[str, Any]:
    """The saturation table and judgement (see the module docstring)."""
    if order not in ORDERS:
        raise InvalidInputError(f"unknown order {order!r}; use coding or import")
    if base < 1 or run < 1:
        raise InvalidInputError("base size and run length must be at least 1")
    if not 0 <= threshold <= 1:
        raise InvalidInputError("the threshold is a proportion between 0 and 1 (e.g. 0.05)")
    if level is not None and level not in CODE_KINDS:
        raise InvalidInputError(f"unknown level {level!r}; use one of {', '.join(CODE_KINDS)}")
    with store.read() as s:
        tree = CodeTree.load(s)
        docs = documents(s)
        cid = coder_id(s, coder)
        q: Any
        if order == "coding":
            q = select(Coding.document_id, Coding.code_id, Coding.created_at)
        else:  # a grouped scan of the (code, document) index is enough
            q = select(Coding.document_id, Coding.code_id).group_by(
                Coding.code_id, Coding.document_id
            )
        if cid is not None:
            q = q.where(Coding.coder_id == cid)
        raw_rows = fetch(s, q)
    # One pass: each document's codes (raw ids: no UUID per row) and, in coding order,
    # when it was first coded.
    first_at: dict[Any, Any] = {}
    codes_of: dict[Any, set[Any]] = defaultdict(set)
    if order == "coding":
        for d, c, at in raw_rows:
            codes_of[d].add(c)
            f = first_at.get(d)
            if f is None or at < f:
                first_at[d] = at
    else:
        for d, c in raw_rows:
            codes_of[d].add(c)
    conv = Ids()
    per_doc: dict[Any, set[Any]]
    if level:  # rolled up: each code counts as its nearest ancestor of that kind
        code_of: dict[Any, Any] = {}
        per_doc = defaultdict(set)
        for doc_raw, raw_codes in codes_of.items():
            for code_raw in raw_codes:
                c = code_of.get(code_raw, ...)
                if c is ...:
                    u = conv(code_raw)
                    c = tree.ancestor_of_kind(u, level) if u in tree else None
                    code_of[code_raw] = c
                if c is not None:
                    per_doc[doc_raw].add(c)
    else:
        per_doc = codes_of
    position = {d.id: (d.position, d.name) for d in docs.values()}
    coded = [(conv(raw), raw) for raw in per_doc]
    if order == "coding":
        coded.sort(key=lambda x: (iso_raw(first_at.get(x[1])), position[x[0]]))
    else:
        coded.sort(key=lambda x: position[x[0]])

    def path(c: Any) -> str:
        u = c if isinstance(c, uuid.UUID) else conv(c)
        return tree.path(u) if u in tree else str(u)

    seen: set[Any] = set()
    rows: list[dict[str, Any]] = []
    for k, (did, raw) in enumerate(coded):
        new = per_doc[raw] - seen
        seen |= new
        d = docs[did]
        rows.append(
            {
                "id": str(did), "index": k + 1, "document": d.name, "participant": d.participant,
                "codes": len(per_doc[raw]), "new_codes": len(new),
                "new": sorted(path(c) for c in new), "cumulative": len(seen),
                "first_coded_at": iso_raw(first_at.get(raw)),
            }
        )  # fmt: skip
    n = len(rows)
    base_codes = sum(r["new_codes"] for r in rows[:base]) if n >= base else None
    runs = []
    saturation_at = None
    new_counts = [r["new_codes"] for r in rows]
    if base_codes:
        for start in range(base, n - run + 1):
            new_in_run = sum(new_counts[start : start + run])
            ratio = new_in_run / base_codes
            below = ratio <= threshold + 1e-12
            runs.append(
                {
                    "id": f"{start + 1}-{start + run}", "start": start + 1, "end": start + run,
                    "new_codes": new_in_run, "ratio": round(ratio, 4), "below_threshold": below,
                }
            )  # fmt: skip
            if below and saturation_at is None:
                saturation_at = start + run
    last_run = runs[-1] if runs else None
    coded_ids = {x[0] for x in coded}
    uncoded = [d.name for d in docs.values() if d.id not in coded_ids]
    return {
        "order": order,
        "base_size": base,
        "run_length": run,
        "threshold": threshold,
        "level": level,
        "documents": rows,
        "total_codes": len(seen),
        "base_codes": base_codes,
        "runs": runs,
        "saturated": saturation_at is not None,
        "saturation_at": saturation_at,
        "last_run_below_threshold": last_run["below_threshold"] if last_run else None,
        "enough_documents": n >= base + run,
        "uncoded": uncoded,
    }


def saturation_csv(report: dict[str, Any]) -> str:
    return to_csv(
        ["index", "document", "participant", "codes", "new_codes", "cumulative", "new"],
        (
            [r["index"], r["document"], r["participant"], r["codes"], r["new_codes"],
             r["cumulative"], "; ".join(r["new"])]
            for r in report["documents"]
        ),
    )  # fmt: skip
