"""Code x participant (or x document) matrix: counts of codings, or presence."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from qda.coding.analysis.common import DocMeta, documents_raw, natural_key, to_csv
from qda.coding.analysis.cooccurrence import scan_codings
from qda.coding.codetree import CodeTree
from qda.coding.rows import no_gc
from qda.db.engine import Store
from qda.db.models import Coding, Participant
from qda.errors import InvalidInputError

NO_PARTICIPANT = "(no participant)"


@dataclass(frozen=True)
class Cells:
    """Codings counted per (row code, document), keyed by row index and raw document id
    (plain strings hash fast; UUIDs hash in Python)."""

    tree: CodeTree
    rows: list[uuid.UUID]
    chosen: bool  # rows were chosen (show them even when empty)
    counts: dict[tuple[int, Any], int]
    docs: dict[Any, DocMeta]  # raw document id -> document, in import order


def coded_cells(
    store: Store,
    *,
    codes: Sequence[str] | None,
    descendants: bool,
    level: str | None,
    coder: str | None,
) -> Cells:
    """One grouped scan of the (code, document) index, mapped onto the rows."""
    q = select(Coding.code_id, Coding.document_id, func.count()).group_by(
        Coding.code_id, Coding.document_id
    )
    with store.read() as s:
        tree, targets, raw = scan_codings(
            s, q, codes=codes, descendants=descendants, level=level, coder=coder
        )
        docs = documents_raw(s)
    counts: dict[tuple[int, Any], int] = defaultdict(int)
    for code_raw, doc_raw, n in raw:
        for t in targets[code_raw]:
            counts[(t, doc_raw)] += n
    return Cells(tree, targets.rows, targets.chosen, counts, docs)


@no_gc
def code_participant_matrix(
    store: Store,
    *,
    codes: Sequence[str] | None = None,
    descendants: bool = False,
    level: str | None = None,
    coder: str | None = None,
    by: str = "participant",
    presence: bool = False,
) -> dict[str, Any]:
    """Rows: codes (``codes``/``descendants``/``level`` as in co-occurrence); columns:
    every participant (or document, ``by="document"``); cells: codings, or 1/0 with
    ``presence``.  Each row also has its total and the number of columns present."""
    if by not in ("participant", "document"):
        raise InvalidInputError("--by must be participant or document")
    cells = coded_cells(store, codes=codes, descendants=descendants, level=level, coder=coder)
    tree, rows, docs = cells.tree, cells.rows, cells.docs
    if by == "document":
        columns = [{"id": str(d.id), "name": d.name} for d in docs.values()]
        col_of = {raw: k for k, raw in enumerate(docs)}
    else:
        with store.read() as s:
            people = list(s.execute(select(Participant.id, Participant.name)).all())
        people.sort(key=lambda p: natural_key(p[1]))
        columns = [{"id": str(pid), "name": name} for pid, name in people]
        col_index = {pid: k for k, (pid, _) in enumerate(people)}
        if any(d.participant_id is None for d in docs.values()):
            columns.append({"id": "", "name": NO_PARTICIPANT})
        col_of = {
            raw: col_index[d.participant_id] if d.participant_id is not None else len(people)
            for raw, d in docs.items()
        }
    width = len(columns)
    values: dict[int, list[int]] = {}
    for (row, doc_raw), n in cells.counts.items():
        line = values.get(row)
        if line is None:
            line = values[row] = [0] * width
        line[col_of[doc_raw]] += n
    out_rows = []
    for i, c in enumerate(rows):
        vals = values.get(i)
        if vals is None:
            if not cells.chosen:
                continue
            vals = [0] * width
        shown = [1 if v else 0 for v in vals] if presence else vals
        out_rows.append(
            {
                "id": str(c), "code": tree.node(c).name, "path": tree.path(c),
                "kind": tree.node(c).kind, "values": shown, "total": sum(vals),
                "present": sum(1 for v in vals if v),
            }
        )  # fmt: skip
    return {"by": by, "presence": presence, "level": level, "columns": columns, "rows": out_rows}


def matrix_csv(report: dict[str, Any]) -> str:
    names = [c["name"] for c in report["columns"]]
    return to_csv(
        ["code", *names, "total", "present"],
        ([r["path"], *r["values"], r["total"], r["present"]] for r in report["rows"]),
    )
