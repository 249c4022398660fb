"""Code x attribute crosstab: a mixed-methods joint display.

Participants are grouped by one attribute: text and date values as they are; numbers
by ``bins`` — ``"tertile"`` (default), ``"quartile"``, ``"median"``, an integer *k*
(k quantile groups), explicit cut points (``"3,7"`` gives ≤3, 3–7, >7) or
``"values"`` (each distinct value).  Quantile cut points are
``statistics.quantiles(values, n=k, method="inclusive")`` over the participants that
have a value; a value equal to a cut point falls in the lower group.

For every code (rolled up as in the other reports) and group: how many of the group's
participants have the code (``present``), that as a percentage of the group, and the
codings.  Participants without a value form a ``(missing)`` group.
"""

from __future__ import annotations

import math
import statistics
import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from qda.coding.analysis.common import natural_key, to_csv
from qda.coding.analysis.matrix import coded_cells
from qda.coding.rows import no_gc
from qda.db.engine import Store
from qda.db.models import Attribute, Participant
from qda.documents.service import participant_attributes
from qda.errors import InvalidInputError, NotFoundError

MISSING = "(missing)"
_NAMED = {"median": 2, "tertile": 3, "tertiles": 3, "quartile": 4, "quartiles": 4}


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _cuts(values: list[float], bins: str | int | Sequence[float]) -> list[float] | None:
    """Cut points for numeric bins; None means "each distinct value"."""
    if isinstance(bins, str):
        b = bins.strip().lower()
        if b in ("values", "value", "none"):
            return None
        if b in _NAMED:
            k = _NAMED[b]
        elif b.isdigit():
            k = int(b)
        else:
            try:
                return sorted(float(x) for x in b.split(",") if x.strip())
            except ValueError as exc:
                raise InvalidInputError(
                    f"--bins {bins!r}: use tertile, quartile, median, a number of groups, "
                    "cut points like 3,7, or values"
                ) from exc
    elif isinstance(bins, int):
        k = bins
    else:
        return sorted(float(x) for x in bins)
    if k < 2:
        raise InvalidInputError("--bins needs at least 2 groups")
    if len(values) < 2:
        return None
    return list(statistics.quantiles(values, n=k, method="inclusive"))


def _labels(cuts: list[float], quantiles: bool, whole: bool = False) -> list[str]:
    """``T1 (≤4)``, ``T2 (5–6)``, ``T3 (≥7)`` for whole numbers; ``T2 (>4.5 to ≤6)``
    otherwise (a value on a cut point belongs to the lower group, and no two ranges
    share an end); low/high for a median split; G1... for explicit cut points."""
    ranges = []
    for i in range(len(cuts) + 1):
        if whole:
            lo = math.floor(cuts[i - 1]) + 1 if i else None
            hi = math.floor(cuts[i]) if i < len(cuts) else None
            if lo is None:
                ranges.append(f"≤{hi}")
            elif hi is None:
                ranges.append(f"≥{lo}")
            else:
                ranges.append(str(lo) if lo == hi else f"{lo}–{hi}")
        elif i == 0:
            ranges.append(f"≤{_fmt(cuts[0])}")
        elif i == len(cuts):
            ranges.append(f">{_fmt(cuts[-1])}")
        else:
            ranges.append(f">{_fmt(cuts[i - 1])} to ≤{_fmt(cuts[i])}")
    k = len(ranges)
    if quantiles and k == 2:
        names = ["low", "high"]
    else:
        prefix = {3: "T", 4: "Q"}.get(k, "G") if quantiles else "G"
        names = [f"{prefix}{i + 1}" for i in range(k)]
    return [f"{n} ({r})" for n, r in zip(names, ranges, strict=True)]


@no_gc
def crosstab(
    store: Store,
    attribute: str,
    *,
    codes: Sequence[str] | None = None,
    descendants: bool = False,
    level: str | None = None,
    coder: str | None = None,
    bins: str | int | Sequence[float] = "tertile",
) -> dict[str, Any]:
    """Codes x groups of participants by ``attribute`` (see the module docstring)."""
    with store.read() as s:
        attr = None
        for a in s.scalars(select(Attribute)):
            if a.name.casefold() == attribute.strip().casefold():
                attr = a
        if attr is None:
            have = ", ".join(sorted(s.scalars(select(Attribute.name)))) or "none"
            raise NotFoundError(f"no participant attribute {attribute!r} (have: {have})")
        name, kind = attr.name, attr.type
        values = {pid: v.get(name) for pid, v in participant_attributes(s).items()}
        people = dict(s.execute(select(Participant.id, Participant.name)).all())
    group_of: dict[uuid.UUID, str] = {}
    present_vals = {pid: v for pid, v in values.items() if v is not None and pid in people}
    cuts: list[float] | None = None
    if kind == "number":
        nums = sorted(float(v) for v in present_vals.values())
        cuts = _cuts(nums, bins)
    if cuts is not None:
        explicit = not isinstance(bins, int) and not (
            isinstance(bins, str) and (bins.strip().lower() in _NAMED or bins.strip().isdigit())
        )
        whole = all(float(v).is_integer() for v in present_vals.values())
        labels = _labels(cuts, quantiles=not explicit, whole=whole)
        for pid, v in present_vals.items():
            k = next((i for i, c in enumerate(cuts) if float(v) <= c), len(cuts))
            group_of[pid] = labels[k]
        order = list(labels)
    else:
        for pid, v in present_vals.items():
            group_of[pid] = _fmt(v) if isinstance(v, int | float) else str(v)
        order = sorted(set(group_of.values()), key=natural_key)
        if kind == "number":
            order = sorted(set(group_of.values()), key=float)
    for pid in people:
        if pid not in group_of:
            group_of[pid] = MISSING
    if MISSING in group_of.values():
        order.append(MISSING)
    sizes = {g: 0 for g in order}
    for g in group_of.values():
        sizes[g] += 1

    cells = coded_cells(store, codes=codes, descendants=descendants, level=level, coder=coder)
    tree, rows = cells.tree, cells.rows
    # Per document (raw id): its participant's group, once.
    person = {pid: k for k, pid in enumerate(group_of)}  # small ints hash fast
    doc_group = {
        raw: (group_of[d.participant_id], person[d.participant_id])
        for raw, d in cells.docs.items()
        if d.participant_id is not None and d.participant_id in group_of
    }
    present: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    codings: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for (row, doc_raw), n in cells.counts.items():
        hit = doc_group.get(doc_raw)
        if hit is None:
            continue
        g, who = hit
        present[row][g].add(who)
        codings[row][g] += n
    out_rows = []
    for i, c in enumerate(rows):
        if i not in present and not cells.chosen:
            continue
        p = [len(present[i][g]) if i in present else 0 for g in order]
        out_rows.append(
            {
                "id": str(c), "code": tree.node(c).name, "path": tree.path(c),
                "kind": tree.node(c).kind, "present": p,
                "percent": [round(100 * x / sizes[g], 1) if sizes[g] else 0.0
                            for x, g in zip(p, order, strict=True)],
                "codings": [codings[i][g] if i in codings else 0 for g in order],
                "total_present": sum(p),
            }
        )  # fmt: skip
    return {
        "attribute": name,
        "type": kind,
        "bins": bins if isinstance(bins, str | int) else list(bins),
        "cuts": cuts,
        "level": level,
        "groups": [{"id": g, "label": g, "participants": sizes[g]} for g in order],
        "rows": out_rows,
    }


def crosstab_csv(report: dict[str, Any]) -> str:
    header = ["code"]
    for g in report["groups"]:
        header += [f"{g['label']} n={g['participants']}", f"{g['label']} %"]
    rows = []
    for r in report["rows"]:
        line: list[Any] = [r["path"]]
        for n, pct in zip(r["present"], r["percent"], strict=True):
            line += [n, pct]
        rows.append(line)
    return to_csv(header, rows)
