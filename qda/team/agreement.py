"""Inter-coder agreement per code and overall.

For each code every unit gets one value per coder: 1 (the coder applied the code),
0 (the coder rated the document but did not apply it) or missing (the coder made no
coding in that document).  The coefficients in :mod:`qda.team.stats` run on the
counts of these patterns: percent agreement, Cohen's kappa (two coders), Fleiss'
kappa and Krippendorff's alpha (nominal, missing data allowed).  *Overall* pools the
unit-by-code decisions of every chosen code.

At character level, text that no chosen coder coded with any code is left out by
default (counting it gives the huge "both said no" cell that inflates QualCoder's
kappa); ``uncoded=True`` counts it.  At sentence and turn level every unit of the
compared documents counts unless ``uncoded=False``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from qda.common import resolve_document
from qda.db.engine import Store
from qda.errors import InvalidInputError
from qda.team import stats
from qda.team.rawio import dashed
from qda.team.units import (
    UNITS,
    CodingData,
    Id,
    compared_docs,
    load,
    load_units,
    merge_spans,
    unit_range,
)

# (rated mask, applied mask) -> number of units
Histogram = Counter[tuple[int, int]]


@dataclass(frozen=True)
class CodeAgreement:
    id: str
    code: str
    percent_agreement: float | None
    cohen_kappa: float | None
    fleiss_kappa: float | None
    krippendorff_alpha: float | None
    units: int
    pairable_units: int
    applied: dict[str, int]


@dataclass
class AgreementReport:
    unit: str
    coders: list[str]
    uncoded_counted: bool
    documents: int
    units: int
    overall: dict[str, Any]
    codes: list[CodeAgreement] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _histograms_units(
    data: CodingData, docs: list[Id], spans: dict[Id, list[tuple[int, int]]],
    uncoded: bool,
) -> tuple[list[Histogram], Counter[int]]:  # fmt: skip
    hists: list[Histogram] = [Counter() for _ in data.code_ids]
    scope: Counter[int] = Counter()
    for doc in docs:
        units = spans.get(doc, [])
        if not units:
            continue
        starts = [s for s, _ in units]
        ends = [e for _, e in units]
        rated = data.rated[doc]
        masks: dict[tuple[int, int], int] = {}
        for s, e, k, ci in data.codings.get(doc, ()):
            bit = 1 << ci
            for ui in unit_range(starts, ends, s, e):
                masks[(k, ui)] = masks.get((k, ui), 0) | bit
        if uncoded:
            scope[rated] += len(units)
        else:
            coded: set[int] = set()
            for s, e in merge_spans(data.all_spans.get(doc, [])):
                coded.update(unit_range(starts, ends, s, e))
            scope[rated] += len(coded)
        for (k, _), mask in masks.items():
            hists[k][(rated, mask)] += 1
    return hists, scope


def _histograms_chars(
    data: CodingData, docs: list[Id], uncoded: bool
) -> tuple[list[Histogram], Counter[int]]:
    hists: list[Histogram] = [Counter() for _ in data.code_ids]
    scope: Counter[int] = Counter()
    n = data.coders
    for doc in docs:
        rated = data.rated[doc]
        if uncoded:
            scope[rated] += data.doc_chars.get(doc, 0)
        else:
            scope[rated] += sum(e - s for s, e in merge_spans(data.all_spans.get(doc, [])))
        by_code: dict[int, list[tuple[int, int, int]]] = {}
        for s, e, k, ci in data.codings.get(doc, ()):
            events = by_code.setdefault(k, [])
            events.append((s, 1, ci))
            events.append((e, -1, ci))
        for k, events in by_code.items():
            events.sort()
            depth = [0] * n
            mask = 0
            prev = 0
            hist = hists[k]
            for pos, delta, ci in events:
                if mask and pos > prev:
                    hist[(rated, mask)] += pos - prev
                prev = pos
                depth[ci] += delta
                if depth[ci]:
                    mask |= 1 << ci
                else:
                    mask &= ~(1 << ci)
    return hists, scope


def _table(data: CodingData, hist: Histogram, scope: Counter[int]) -> dict[Any, int]:
    table: Counter[Any] = Counter()
    applied_per_rated: Counter[int] = Counter()
    for (rated, mask), w in hist.items():
        table[data.pattern(rated, mask)] += w
        applied_per_rated[rated] += w
    for rated, total in scope.items():
        zeros = total - applied_per_rated[rated]
        if zeros > 0:
            table[data.pattern(rated, 0)] += zeros
    return dict(table)


def compute(
    session: Session,
    *,
    coders: list[str] | None = None,
    codes: list[str] | None = None,
    unit: str = "sentence",
    uncoded: bool | None = None,
    documents: list[str] | None = None,
) -> AgreementReport:
    """Agreement between ``coders`` on ``codes`` (defaults: everyone, every code used)."""
    if unit not in UNITS:
        raise InvalidInputError(f"unknown unit {unit!r}: choose sentence, turn or character")
    if uncoded is None:
        uncoded = unit != "character"
    doc_ids = [resolve_document(session, d).id.hex for d in documents] if documents else None
    data = load(session, coders=coders, codes=codes, docs=doc_ids)
    docs = compared_docs(data)
    if unit == "character":
        hists, scope = _histograms_chars(data, docs, uncoded)
    else:
        hists, scope = _histograms_units(data, docs, load_units(session, unit, docs), uncoded)
    report = AgreementReport(
        unit=unit,
        coders=list(data.coder_names),
        uncoded_counted=uncoded,
        documents=len(docs),
        units=sum(w for r, w in scope.items() if r.bit_count() >= 2),
        overall={},
    )
    pooled: Counter[Any] = Counter()
    for k, hist in enumerate(hists):
        table = _table(data, hist, scope)
        pooled.update(table)
        coef = stats.coefficients(table)
        applied = {
            name: sum(w for (_, mask), w in hist.items() if mask >> i & 1)
            for i, name in enumerate(data.coder_names)
        }
        report.codes.append(
            CodeAgreement(
                id=dashed(data.code_ids[k]),
                code=data.code_paths[k],
                percent_agreement=coef["percent_agreement"],
                cohen_kappa=coef["cohen_kappa"],
                fleiss_kappa=coef["fleiss_kappa"],
                krippendorff_alpha=coef["krippendorff_alpha"],
                units=int(coef["units"] or 0),
                pairable_units=int(coef["pairable_units"] or 0),
                applied=applied,
            )
        )
    report.overall = {**stats.coefficients(dict(pooled)), "pooled_over": "unit x code decisions"}
    rule = (
        "a coder applied a code to a unit when one of their codings of it overlaps the unit"
        if unit != "character"
        else "one unit per character"
    )
    report.notes.append(f"unit: {unit}; {rule}")
    report.notes.append(
        "documents a coder made no coding in count as not rated by that coder (missing)"
    )
    report.notes.append(
        "text no chosen coder coded is counted"
        if uncoded
        else "text no chosen coder coded (with any code) is left out"
    )
    if not docs:
        report.notes.append("no document was coded by two or more of these coders")
    return report


def agreement(store: Store, **kwargs: Any) -> AgreementReport:
    """:func:`compute` in its own read transaction."""
    with store.read() as session:
        return compute(session, **kwargs)
