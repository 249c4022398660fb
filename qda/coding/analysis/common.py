"""Shared pieces of the analyses: documents, coders, participant filters, CSV.

Bulk reads use :mod:`qda.coding.rows` (``fetch``, ``Ids``), re-exported here.
"""

from __future__ import annotations

import functools
import operator
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qda.coding.analysis.csvtext import to_csv as to_csv
from qda.coding.rows import Ids, fetch, iso_raw, sid
from qda.db.models import Attribute, Coder, Document, Participant
from qda.documents.service import participant_attributes
from qda.errors import InvalidInputError, NotFoundError

__all__ = ["Ids", "fetch", "iso_raw", "sid"]


@dataclass(frozen=True)
class DocMeta:
    id: uuid.UUID
    name: str
    position: int
    participant_id: uuid.UUID | None
    participant: str | None


def documents(s: Session) -> dict[uuid.UUID, DocMeta]:
    """Every document's name, import position and participant (import order)."""
    rows = s.execute(
        select(
            Document.id, Document.name, Document.position, Document.participant_id,
            Participant.name,
        )
        .outerjoin(Participant, Participant.id == Document.participant_id)
        .order_by(Document.position, Document.name)
    ).all()  # fmt: skip
    return {r[0]: DocMeta(r[0], r[1], r[2], r[3], r[4]) for r in rows}


def documents_raw(s: Session) -> dict[Any, DocMeta]:
    """Like :func:`documents`, keyed by the raw document id (as :func:`fetch` gives it)."""
    rows = fetch(
        s,
        select(
            Document.id, Document.name, Document.position, Document.participant_id,
            Participant.name,
        )
        .outerjoin(Participant, Participant.id == Document.participant_id)
        .order_by(Document.position, Document.name),
    )  # fmt: skip
    conv = Ids()
    return {
        r[0]: DocMeta(conv(r[0]), r[1], r[2], conv(r[3]) if r[3] is not None else None, r[4])
        for r in rows
    }


def coder_id(s: Session, name: str | None) -> uuid.UUID | None:
    if name is None:
        return None
    for cid, cname in s.execute(select(Coder.id, Coder.name)):
        if cname.lower() == name.strip().lower():
            return cid
    raise NotFoundError(f"no coder {name!r} in this project")


@functools.lru_cache(maxsize=8192)
def natural_key(text: str | None) -> tuple[Any, ...]:
    """Sort P2 before P10; None last.  (Cached: the same names sort again and again.)"""
    if text is None:
        return (1,)
    return (
        0,
        *[(int(t), "") if t.isdigit() else (0, t.casefold()) for t in re.split(r"(\d+)", text)],
    )


# -- participant attribute conditions -----------------------------------------------------

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge, "<=": operator.le, "!=": operator.ne, "==": operator.eq,
    ">": operator.gt, "<": operator.lt, "=": operator.eq,
}  # fmt: skip
_COND = re.compile(r"^\s*(>=|<=|!=|==|>|<|=)?\s*(.*?)\s*$", re.S)
_WHERE = re.compile(r"^\s*([^<>=!]+?)\s*(>=|<=|!=|==|>|<|=)\s*(.*?)\s*$", re.S)

Condition = Any  # "≥7"-style string, a number, a list of allowed values, or a callable


def parse_where(items: Iterable[str]) -> dict[str, str]:
    """``["partnership_baseline>=7", "sex=F"]`` -> ``{"partnership_baseline": ">=7", ...}``."""
    out: dict[str, str] = {}
    for item in items:
        m = _WHERE.match(item)
        if not m:
            raise InvalidInputError(f"--where {item!r}: write ATTRIBUTE OP VALUE, e.g. age>=50")
        out[m.group(1).strip()] = m.group(2) + m.group(3)
    return out


def _num(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int | float):
        return float(v)
    try:
        return float(str(v))
    except ValueError:
        return None


def _test(value: Any, cond: Condition) -> bool:
    if value is None:
        return False
    if callable(cond):
        return bool(cond(value))
    if isinstance(cond, list | tuple | set | frozenset):
        return any(_test(value, c) for c in cond)
    if isinstance(cond, int | float) and not isinstance(cond, bool):
        n = _num(value)
        return n is not None and n == float(cond)
    m = _COND.match(str(cond))
    assert m is not None
    op = _OPS[m.group(1) or "="]
    want = m.group(2)
    a, b = _num(value), _num(want)
    if a is not None and b is not None:
        return op(a, b)
    if isinstance(value, date | datetime):
        value = value.isoformat()
    return op(str(value).casefold(), want.casefold())


def participant_filter(
    s: Session, where: dict[str, Condition] | None
) -> tuple[dict[uuid.UUID, dict[str, Any]], set[uuid.UUID] | None]:
    """(every participant's attributes, the participants meeting ``where`` or None)."""
    attrs = participant_attributes(s)
    if not where:
        return attrs, None
    known = {n.casefold(): n for n in s.scalars(select(Attribute.name))}
    resolved = {}
    for name, cond in where.items():
        real = known.get(name.strip().casefold())
        if real is None:
            have = ", ".join(sorted(known.values())) or "none"
            raise NotFoundError(f"no participant attribute {name!r} (have: {have})")
        resolved[real] = cond
    keep = {
        pid
        for pid, values in attrs.items()
        if all(_test(values.get(n), c) for n, c in resolved.items())
    }
    return attrs, keep


# -- output -------------------------------------------------------------------------------
