"""Co-occurrence of codes, as a matrix.

Units (``unit=``):

* ``overlap`` — two codings co-occur when their spans in one document share at least
  one character; a cell counts such *pairs of codings*; the diagonal counts codings.
* ``sentence`` / ``turn`` — a cell counts the sentences (speaker turns) that both
  codes touch; the diagonal counts the units each code touches.
* ``document`` — a cell counts documents holding both codes.

Rows are chosen by ``codes`` (references; ``descendants=True`` counts each with its
subtree), or by ``level`` (``theme``/``category``/``code``: every coding is rolled up
to its nearest ancestor of that kind), or else every active code with codings.
For unit counts the c-coefficient n12 / (n1 + n2 - n12) is given with each pair.
"""

from __future__ import annotations

import bisect
import uuid
from collections import defaultdict
from collections.abc import Sequence
from itertools import combinations
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from qda.coding.analysis.common import Ids, coder_id, fetch, to_csv
from qda.coding.codetree import CodeTree
from qda.coding.rows import no_gc
from qda.db.engine import Store
from qda.db.models import CODE_KINDS, Coding, Sentence, Turn
from qda.errors import InvalidInputError

UNITS = ("overlap", "sentence", "turn", "document")


def targets_for(
    tree: CodeTree,
    codes: Sequence[str] | None,
    descendants: bool,
    level: str | None,
) -> tuple[list[uuid.UUID] | None, dict[uuid.UUID, list[uuid.UUID]] | None]:
    """(row codes in tree order or None = "every code with codings", and a map from a
    code to the rows its codings count for; None = each code counts for itself)."""
    if level is not None:
        if level not in CODE_KINDS:
            raise InvalidInputError(f"unknown level {level!r}; use one of {', '.join(CODE_KINDS)}")
        rows = [c for c in tree.order() if tree.node(c).kind == level and not tree.node(c).retired]
        if codes:
            chosen = {n.id for n in tree.resolve_all(codes)}
            rows = [c for c in rows if c in chosen]
        keep = set(rows)
        mapping: dict[uuid.UUID, list[uuid.UUID]] = {}
        for c in tree.nodes:
            a = tree.ancestor_of_kind(c, level)
            if a is not None and a in keep:
                mapping[c] = [a]
        return rows, mapping
    if codes:
        picked = [n.id for n in tree.resolve_all(codes)]
        rows = [c for c in tree.order() if c in set(picked)]
        mapping = defaultdict(list)
        for r in rows:
            for c in tree.subtree(r) if descendants else [r]:
                mapping[c].append(r)
        return rows, dict(mapping)
    return None, None


class RowTargets(dict[Any, list[int]]):
    """Raw code id (as :func:`fetch` gives it) -> the indexes of the rows its codings
    count for, worked out on first use.  ``rows``: the candidate rows (``targets_for``'s,
    else every active code), ``chosen``: whether they were chosen."""

    def __init__(
        self,
        tree: CodeTree,
        rows: list[uuid.UUID] | None,
        mapping: dict[uuid.UUID, list[uuid.UUID]] | None,
    ) -> None:
        super().__init__()
        self.chosen = rows is not None
        if rows is None:
            rows = [c for c in tree.order() if not tree.node(c).retired]
        self.rows = rows
        self._index = {c: i for i, c in enumerate(self.rows)}
        self._mapping = mapping
        self._conv = Ids()

    def __missing__(self, code_raw: Any) -> list[int]:
        u = self._conv(code_raw)
        if self._mapping is not None:
            ts = [self._index[t] for t in self._mapping.get(u, [])]
        else:
            ts = [self._index[u]] if u in self._index else []
        self[code_raw] = ts
        return ts


def scan_codings(
    s: Session,
    q: Select[*tuple[Any, ...]],
    *,
    codes: Sequence[str] | None,
    descendants: bool,
    level: str | None,
    coder: str | None,
) -> tuple[CodeTree, RowTargets, list[Any]]:
    """The code tree, the rows (see :func:`targets_for`) and what ``q`` (a query over
    codings) returns, limited to one coder's codings and to the codes that count."""
    tree = CodeTree.load(s)
    rows, mapping = targets_for(tree, codes, descendants, level)
    if coder is not None:
        q = q.where(Coding.coder_id == coder_id(s, coder))
    if mapping is not None:
        q = q.where(Coding.code_id.in_(list(mapping)))
    return tree, RowTargets(tree, rows, mapping), fetch(s, q)


def load_items(
    store: Store,
    *,
    codes: Sequence[str] | None = None,
    descendants: bool = False,
    level: str | None = None,
    coder: str | None = None,
) -> tuple[CodeTree, list[uuid.UUID], bool, dict[Any, list[tuple[int, int, int]]]]:
    """(tree, candidate rows, whether rows were chosen, and per raw document id the
    codings as ``(start, end, row index)``)."""
    q = select(Coding.code_id, Coding.document_id, Coding.start, Coding.end)
    with store.read() as s:
        tree, targets, raw = scan_codings(
            s, q, codes=codes, descendants=descendants, level=level, coder=coder
        )
    by_doc: dict[Any, list[tuple[int, int, int]]] = defaultdict(list)
    for code_raw, doc_raw, st, en in raw:
        for t in targets[code_raw]:
            by_doc[doc_raw].append((st, en, t))
    return tree, targets.rows, targets.chosen, by_doc


def _units(store: Store, unit: str) -> dict[Any, tuple[list[int], list[int]]]:
    model = Sentence if unit == "sentence" else Turn
    with store.read() as s:
        # A table scan (rows come in import order) beats walking the index here.
        raw = fetch(s, select(model.document_id, model.start, model.end))
    spans: dict[Any, list[tuple[int, int]]] = defaultdict(list)
    for did, st, en in raw:
        spans[did].append((st, en))
    out: dict[Any, tuple[list[int], list[int]]] = {}
    for did, lst in spans.items():
        lst.sort()
        out[did] = ([a for a, _ in lst], [b for _, b in lst])
    return out


def _count(
    unit: str, n: int, by_doc: dict[Any, list[tuple[int, int, int]]], store: Store
) -> tuple[list[int], dict[int, int]]:
    """(diagonal per row index, pair counts keyed ``i * n + j`` with i < j)."""
    diag = [0] * n
    pair: dict[int, int] = defaultdict(int)
    if unit == "overlap":
        for items in by_doc.values():
            items.sort()
            active: list[tuple[int, int]] = []
            for st, en, t in items:
                diag[t] += 1
                if active:
                    active = [x for x in active if x[0] > st]
                    for _, c in active:
                        if c != t:
                            pair[c * n + t if c < t else t * n + c] += 1
                active.append((en, t))
    elif unit == "document":
        masks = [0] * n
        for k, items in enumerate(by_doc.values()):
            bit = 1 << k
            for t in {t for _, _, t in items}:
                masks[t] |= bit
        live = [i for i in range(n) if masks[i]]
        for i in live:
            diag[i] = masks[i].bit_count()
        for x, i in enumerate(live):
            mi = masks[i]
            for j in live[x + 1 :]:
                v = (mi & masks[j]).bit_count()
                if v:
                    pair[i * n + j] = v
    else:
        units = _units(store, unit)
        for did, items in by_doc.items():
            starts, ends = units.get(did, ([], []))
            groups: dict[int, set[int]] = defaultdict(set)
            for st, en, t in items:
                i = bisect.bisect_right(ends, st)  # the first unit ending after st
                while i < len(starts) and starts[i] < en:
                    groups[i].add(t)
                    i += 1
            for members in groups.values():
                for t in members:
                    diag[t] += 1
                if len(members) > 1:
                    for a, b in combinations(sorted(members), 2):
                        pair[a * n + b] += 1
    return diag, pair


@no_gc
def cooccurrence(
    store: Store,
    *,
    codes: Sequence[str] | None = None,
    descendants: bool = False,
    level: str | None = None,
    unit: str = "overlap",
    coder: str | None = None,
    min_count: int = 1,
) -> dict[str, Any]:
    """The co-occurrence matrix (see the module docstring)."""
    if unit not in UNITS:
        raise InvalidInputError(f"unknown unit {unit!r}; use one of {', '.join(UNITS)}")
    tree, rows, chosen, by_doc = load_items(
        store, codes=codes, descendants=descendants, level=level, coder=coder
    )
    n = len(rows)
    diag, pair = _count(unit, n, by_doc, store)
    keep = list(range(n)) if chosen else [i for i in range(n) if diag[i]]
    pos = {i: k for k, i in enumerate(keep)}
    m = len(keep)
    matrix = [[0] * m for _ in range(m)]
    for k, i in enumerate(keep):
        matrix[k][k] = diag[i]
    pairs: list[dict[str, Any]] = []
    paths = {i: tree.path(rows[i]) for i in keep}
    ids = {i: str(rows[i]) for i in keep}
    for key, v in pair.items():
        i, j = divmod(key, n)
        a, b = pos[i], pos[j]
        matrix[a][b] = matrix[b][a] = v
        if v >= min_count:
            c_coef = None if unit == "overlap" else round(v / (diag[i] + diag[j] - v), 4)
            pairs.append(
                {
                    "id": f"{ids[i]}:{ids[j]}",
                    "a_id": ids[i], "a": paths[i], "b_id": ids[j], "b": paths[j],
                    "count": v, "c_coefficient": c_coef,
                }
            )  # fmt: skip
    pairs.sort(key=lambda p: (-p["count"], p["a"], p["b"]))
    return {
        "unit": unit,
        "level": level,
        "codes": [
            {
                "id": ids[i],
                "name": tree.node(rows[i]).name,
                "path": paths[i],
                "kind": tree.node(rows[i]).kind,
                "total": diag[i],
            }
            for i in keep
        ],
        "matrix": matrix,
        "pairs": pairs,
    }


def cooccurrence_csv(report: dict[str, Any]) -> str:
    paths = [c["path"] for c in report["codes"]]
    rows = ([p, *row] for p, row in zip(paths, report["matrix"], strict=True))
    return to_csv(["code", *paths], rows)
