"""Where coders differ, and settling each difference: keep, drop or recode.

A *disagreement* is a unit (sentence, turn, or a stretch of characters) in a document
two or more chosen coders rated, where some of them applied a code and others did not.
It lists the unit's text, each coder's codes there, and the disputed codes.

Settling one disputed code on one unit (one transaction, one event):

* ``keep``   -- the code stands: every coder in play who lacks it gets a coding of it
  over the unit;
* ``drop``   -- the code goes: every coding of it by the coders in play is cut out of
  the unit (deleted if it lies inside, trimmed or split if it reaches beyond);
* ``recode`` -- the unit gets another code instead: ``drop`` the disputed code, then
  ``keep`` the new one.

The coders in play are the chosen coders (default: everyone who coded in that
document).  Afterwards they agree on that code there, so the unit leaves the list.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qda.coding.undo import Journal, record_step, table
from qda.common import get_or_create_coder, record_event, resolve_document
from qda.db.engine import Store
from qda.db.models import Base, Coding, Document, MemoLink, Sentence, Turn
from qda.db.types import utcnow
from qda.errors import AmbiguousError, InvalidInputError, NotFoundError
from qda.team import rawio
from qda.team.rawio import dashed
from qda.team.units import (
    UNITS,
    CodingData,
    Id,
    code_paths,
    coder_names,
    compared_docs,
    load,
    load_units,
    resolve_code_id,
    resolve_coder_ids,
    unit_range,
)

ACTIONS = ("keep", "drop", "recode")


@dataclass(frozen=True)
class DisputedCode:
    id: str
    code: str
    applied_by: list[str]
    not_by: list[str]


@dataclass(frozen=True)
class Disagreement:
    id: str
    unit: str
    document_id: str
    document: str
    start: int
    end: int
    text: str
    coders: dict[str, list[str]]
    not_rated: list[str]
    disputed: list[DisputedCode]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def unit_id(unit: str, doc: Id, index: int | None, start: int, end: int) -> str:
    """``sentence:DOC:N``, ``turn:DOC:N`` or ``character:DOC:START-END`` (DOC dashed)."""
    if unit == "character":
        return f"character:{dashed(doc)}:{start}-{end}"
    return f"{unit}:{dashed(doc)}:{index}"


def _disagreement(
    data: CodingData,
    unit: str,
    doc: Id,
    uid: str,
    start: int,
    end: int,
    text_: str,
    masks: dict[int, int],
) -> Disagreement | None:
    rated = data.rated[doc]
    disputed = []
    for k, mask in sorted(masks.items(), key=lambda kv: data.code_paths[kv[0]]):
        if mask and mask != rated:
            disputed.append(
                DisputedCode(
                    id=dashed(data.code_ids[k]),
                    code=data.code_paths[k],
                    applied_by=[n for i, n in enumerate(data.coder_names) if mask >> i & 1],
                    not_by=[
                        n
                        for i, n in enumerate(data.coder_names)
                        if rated >> i & 1 and not mask >> i & 1
                    ],
                )
            )
    if not disputed:
        return None
    coders = {
        n: sorted(data.code_paths[k] for k, m in masks.items() if m >> i & 1)
        for i, n in enumerate(data.coder_names)
        if rated >> i & 1
    }
    return Disagreement(
        id=uid,
        unit=unit,
        document_id=dashed(doc),
        document=data.doc_names.get(doc, ""),
        start=start,
        end=end,
        text=text_,
        coders=coders,
        not_rated=[n for i, n in enumerate(data.coder_names) if not rated >> i & 1],
        disputed=disputed,
    )


def _char_segments(
    codings: list[tuple[int, int, int, int]],
) -> list[tuple[int, int, dict[int, int]]]:
    """Maximal stretches where every (code, coder) coverage is constant, coded ones only."""
    events: list[tuple[int, int, int, int]] = []
    for s, e, k, ci in codings:
        events.append((s, 1, k, ci))
        events.append((e, -1, k, ci))
    events.sort()
    depth: Counter[tuple[int, int]] = Counter()
    out: list[tuple[int, int, dict[int, int]]] = []
    prev = 0
    i = 0
    while i < len(events):
        pos = events[i][0]
        if pos > prev and depth:
            masks: dict[int, int] = defaultdict(int)
            for k, ci in depth:
                masks[k] |= 1 << ci
            state = dict(masks)
            if out and out[-1][1] == prev and out[-1][2] == state:
                out[-1] = (out[-1][0], pos, state)
            else:
                out.append((prev, pos, state))
        while i < len(events) and events[i][0] == pos:
            _, delta, k, ci = events[i]
            depth[(k, ci)] += delta
            if not depth[(k, ci)]:
                del depth[(k, ci)]
            i += 1
        prev = pos
    return out


def find(
    session: Session,
    *,
    coders: list[str] | None = None,
    codes: list[str] | None = None,
    unit: str = "sentence",
    documents: list[str] | None = None,
) -> list[Disagreement]:
    """Every unit where the chosen coders differ, in document and text order."""
    if unit not in UNITS:
        raise InvalidInputError(f"unknown unit {unit!r}: choose sentence, turn or character")
    doc_ids = [resolve_document(session, d).id.hex for d in documents] if documents else None
    data = load(session, coders=coders, codes=codes, docs=doc_ids)
    docs = compared_docs(data)
    documents_table = Base.metadata.tables["documents"]
    texts = {
        r["id"]: r["text"]
        for r in rawio.read(
            session.connection(), documents_table, columns=["id", "text"], where_in=("id", docs)
        )
    }
    out: list[Disagreement] = []
    spans = load_units(session, unit, docs) if unit != "character" else {}
    for doc in docs:
        text_ = texts[doc]
        codings = data.codings.get(doc, [])
        if unit == "character":
            for s, e, masks in _char_segments(codings):
                d = _disagreement(
                    data, unit, doc, unit_id(unit, doc, None, s, e), s, e, text_[s:e], masks
                )
                if d:
                    out.append(d)
            continue
        units = spans[doc]
        starts = [s for s, _ in units]
        ends = [e for _, e in units]
        per_unit: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        for s, e, k, ci in codings:
            for ui in unit_range(starts, ends, s, e):
                per_unit[ui][k] |= 1 << ci
        for ui in sorted(per_unit):
            s, e = units[ui]
            d = _disagreement(
                data, unit, doc, unit_id(unit, doc, ui, s, e), s, e, text_[s:e], per_unit[ui]
            )
            if d:
                out.append(d)
    return out


def list_disagreements(store: Store, **kwargs: Any) -> list[Disagreement]:
    with store.read() as session:
        return find(session, **kwargs)


# -- settling ----------------------------------------------------------------------


@dataclass
class SettleResult:
    id: str
    action: str
    code: str
    to: str | None
    coders: list[str]
    added: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    trimmed: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_unit(session: Session, ref: str) -> tuple[str, Document, int, int]:
    """``sentence:DOC:N``, ``turn:DOC:N`` or ``character:DOC:START-END`` -> its span."""
    kind, sep, rest = ref.partition(":")
    doc_ref, sep2, where = rest.rpartition(":")
    if not sep or not sep2 or kind not in UNITS:
        raise InvalidInputError(
            f"{ref!r} is not a unit: use sentence:DOC:N, turn:DOC:N or character:DOC:START-END "
            "(see `qda disagreements`)"
        )
    doc = resolve_document(session, doc_ref)
    try:
        if kind == "character":
            a, _, b = where.partition("-")
            start, end = int(a), int(b)
        else:
            model = Sentence if kind == "sentence" else Turn
            row = session.execute(
                select(model.start, model.end).where(
                    model.document_id == doc.id, model.idx == int(where)
                )
            ).first()
            if row is None:
                raise NotFoundError(f"{doc.name} has no {kind} {where}")
            start, end = row
    except ValueError as exc:
        raise InvalidInputError(f"{ref!r}: {where!r} is not a position") from exc
    if not 0 <= start < end <= doc.char_count:
        raise InvalidInputError(f"{ref!r} lies outside {doc.name}")
    return kind, doc, start, end


def _coding_dict(row: Any, names: dict[Id, str], paths: dict[Id, str]) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "coder": names.get(row.coder_id.hex, "?"),
        "code": paths.get(row.code_id.hex, "?"),
        "start": row.start,
        "end": row.end,
    }


def settle_unit(
    store: Store,
    ref: str,
    action: str,
    *,
    coder: str,
    code: str | None = None,
    to: str | None = None,
    coders: list[str] | None = None,
) -> SettleResult:
    """Settle one disputed code on one unit (see the module docstring)."""
    if action not in ACTIONS:
        raise InvalidInputError(f"unknown decision {action!r}: keep, drop or recode")
    if (action == "recode") != (to is not None):
        raise InvalidInputError("recode needs the new code (--recode NEW); keep and drop do not")
    with store.write() as s:
        kind, doc, start, end = parse_unit(s, ref)
        paths = code_paths(s)
        names = coder_names(s)
        overlapping = list(
            s.execute(
                select(Coding).where(
                    Coding.document_id == doc.id, Coding.start < end, Coding.end > start
                )
            ).scalars()
        )
        before_all = [_coding_dict(k, names, paths) for k in overlapping]
        if coders:
            in_play = [cid for cid, _ in resolve_coder_ids(s, coders)]
        else:
            in_play = sorted(
                {
                    c.hex
                    for c in s.scalars(select(Coding.coder_id).where(Coding.document_id == doc.id))
                },
                key=lambda c: names.get(c, ""),
            )
        applied: dict[Id, set[Id]] = defaultdict(set)
        for k in overlapping:
            if k.coder_id.hex in in_play:
                applied[k.code_id.hex].add(k.coder_id.hex)
        disputed = [c for c, who in applied.items() if 0 < len(who) < len(in_play)]
        if code is not None:
            code_id = resolve_code_id(s, code, paths)
            if code_id not in disputed:
                raise InvalidInputError(
                    f"the coders agree on {paths[code_id]} in this unit; nothing to settle"
                )
        elif len(disputed) == 1:
            code_id = disputed[0]
        elif not disputed:
            raise InvalidInputError(f"the coders agree on every code in {ref}; nothing to settle")
        else:
            listed = ", ".join(sorted(paths[c] for c in disputed))
            raise AmbiguousError(f"{len(disputed)} codes are disputed here ({listed}); use --code")
        to_id = resolve_code_id(s, to, paths) if to is not None else None
        if to_id == code_id:
            raise InvalidInputError("recode to the same code: use --keep")
        result = SettleResult(
            id=ref,
            action=action,
            code=paths[code_id],
            to=paths[to_id] if to_id else None,
            coders=[names[c] for c in in_play],
        )
        me = get_or_create_coder(s, coder)
        now = utcnow()
        journal = Journal(s)  # so that `qda undo` takes the decision back
        codings_t, links_t = table("codings"), table("memo_links")
        if action in ("drop", "recode"):
            for k in overlapping:
                if k.code_id.hex != code_id or k.coder_id.hex not in in_play:
                    continue
                before = _coding_dict(k, names, paths)
                left = (k.start, start) if k.start < start else None
                right = (end, k.end) if k.end > end else None
                if left is None and right is None:
                    links = s.scalars(
                        select(MemoLink.id).where(
                            MemoLink.target_kind == "coding", MemoLink.target_id == k.id
                        )
                    ).all()
                    for link_id in links:
                        journal.delete(links_t, link_id)
                    journal.delete(codings_t, k.id)
                    result.removed.append(before)
                    continue
                first = left or right
                assert first is not None
                journal.update(
                    codings_t,
                    k.id,
                    {"start": first[0], "end": first[1], "quote": doc.text[first[0] : first[1]]},
                )
                result.trimmed.append({**before, "now": list(first)})
                if left and right:
                    new_id = uuid.uuid4()
                    journal.insert(
                        codings_t,
                        dict(
                            id=new_id, code_id=k.code_id, document_id=k.document_id,
                            coder_id=k.coder_id, start=right[0], end=right[1],
                            quote=doc.text[right[0] : right[1]], origin=k.origin,
                            created_at=k.created_at,
                        ),
                    )  # fmt: skip
                    result.added.append(
                        {"id": str(new_id), "coder": names.get(k.coder_id.hex),
                         "code": paths[k.code_id.hex], "start": right[0], "end": right[1]}
                    )  # fmt: skip
        keep_id = code_id if action == "keep" else to_id
        if keep_id is not None:
            has = {k.coder_id.hex for k in overlapping if k.code_id.hex == keep_id}
            for cid in in_play:
                if cid in has:
                    continue
                new_id = uuid.uuid4()
                journal.insert(
                    codings_t,
                    dict(
                        id=new_id, code_id=uuid.UUID(hex=keep_id), document_id=doc.id,
                        coder_id=uuid.UUID(hex=cid), start=start, end=end,
                        quote=doc.text[start:end], origin="manual", created_at=now,
                    ),
                )  # fmt: skip
                result.added.append(
                    {"id": str(new_id), "coder": names[cid], "code": paths[keep_id],
                     "start": start, "end": end}
                )  # fmt: skip
        verb = {"keep": "kept", "drop": "dropped", "recode": "recoded"}[action]
        summary = f"settled {kind} {start}-{end} of {doc.name}: {verb} {paths[code_id]}"
        if to_id:
            summary += f" as {paths[to_id]}"
        record_event(
            s,
            coder=me,
            action="settle",
            entity_kind="document",
            entity_id=doc.id,
            summary=summary,
            before={"unit": ref, "decision": action, "code": paths[code_id], "codings": before_all},
            after={
                "added": result.added,
                "removed": result.removed,
                "trimmed": result.trimmed,
                "to": result.to,
            },
        )
        for gone in result.removed:  # also marks them as removed here for later merges
            record_event(
                s, coder=me, action="settle-remove", entity_kind="coding",
                entity_id=uuid.UUID(gone["id"]), summary=f"removed by settling {ref}",
                before=gone,
            )  # fmt: skip
        record_step(s, me, "settle", summary, journal)
    return result
