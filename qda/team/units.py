"""What the coders did, unit by unit: the data agreement and disagreements work on.

A *unit* is a sentence, a speaker turn or a character.  A coder *applied* a code to a
sentence or turn when one of their codings of that code overlaps it by at least one
character; at character level, when one covers the character.

A coder *rated* a document when they made at least one coding in it (any code).  In a
document a coder has not rated, their value is missing (``None``), not "did not
apply": a coder who never opened a transcript did not disagree with anyone about it.
"""

from __future__ import annotations

import uuid
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qda.common import parse_uuid
from qda.db.models import Code, Coder, Coding, Document, Sentence, Turn
from qda.errors import AmbiguousError, InvalidInputError, NotFoundError

UNITS = ("sentence", "turn", "character")


def norm(name: str) -> str:
    """A name compared case- and space-insensitively."""
    return " ".join(name.split()).casefold()


@dataclass
class CodingData:
    """The codings of the chosen coders and codes, grouped by document."""

    coder_ids: list[uuid.UUID]
    coder_names: list[str]
    code_ids: list[uuid.UUID]
    code_paths: list[str]
    doc_names: dict[uuid.UUID, str]
    doc_chars: dict[uuid.UUID, int]
    # doc -> list of (start, end, code index, coder index), chosen codes only
    codings: dict[uuid.UUID, list[tuple[int, int, int, int]]] = field(default_factory=dict)
    # doc -> [(start, end), ...] of every coding by the chosen coders (any code)
    all_spans: dict[uuid.UUID, list[tuple[int, int]]] = field(default_factory=dict)
    # doc -> bit mask of the coders who rated it
    rated: dict[uuid.UUID, int] = field(default_factory=dict)

    @property
    def coders(self) -> int:
        return len(self.coder_ids)

    def pattern(self, rated: int, ones: int) -> tuple[int | None, ...]:
        """One value per coder: None (did not rate), 1 (applied), 0 (did not)."""
        return tuple(
            None if not rated >> i & 1 else (1 if ones >> i & 1 else 0) for i in range(self.coders)
        )


def code_paths(session: Session) -> dict[uuid.UUID, str]:
    """Every code's path (``theme/category/code``)."""
    rows = session.execute(select(Code.id, Code.name, Code.parent_id)).all()
    parent = {r.id: r.parent_id for r in rows}
    name = {r.id: r.name for r in rows}
    out: dict[uuid.UUID, str] = {}

    def path(cid: uuid.UUID) -> str:
        if cid in out:
            return out[cid]
        parts = []
        seen: set[uuid.UUID] = set()
        cur: uuid.UUID | None = cid
        while cur is not None and cur not in seen and cur in name:
            seen.add(cur)
            parts.append(name[cur])
            cur = parent.get(cur)
        out[cid] = "/".join(reversed(parts))
        return out[cid]

    for cid in name:
        path(cid)
    return out


def resolve_code_id(session: Session, ref: str, paths: dict[uuid.UUID, str]) -> uuid.UUID:
    """A code by id, path or name (case- and space-insensitive)."""
    uid = parse_uuid(ref)
    if uid is not None and uid in paths:
        return uid
    key = norm(ref)
    by_path = [cid for cid, p in paths.items() if "/".join(norm(x) for x in p.split("/")) == key]
    if len(by_path) == 1:
        return by_path[0]
    names = dict(session.execute(select(Code.id, Code.name)).tuples().all())
    by_name = [cid for cid, n in names.items() if norm(n) == key]
    if len(by_name) == 1:
        return by_name[0]
    if len(by_name) > 1 or len(by_path) > 1:
        raise AmbiguousError(f"{len(by_name or by_path)} codes are called {ref!r}; use the path")
    if len(key) >= 8 and all(c in "0123456789abcdef-" for c in key):
        hits = [cid for cid in paths if cid.hex.startswith(key.replace("-", ""))]
        if len(hits) == 1:
            return hits[0]
    raise NotFoundError(f"no code {ref!r} (see `qda code list`)")


def resolve_coder_ids(session: Session, names: list[str]) -> list[tuple[uuid.UUID, str]]:
    out = []
    for n in names:
        wanted = " ".join(n.split()).lower()
        row = session.execute(
            select(Coder.id, Coder.name).where(func.lower(Coder.name) == wanted)
        ).first()
        if row is None:
            raise NotFoundError(f"no coder {n!r} in this project")
        if row[0] not in [o[0] for o in out]:
            out.append((row[0], row[1]))
    return out


def load(
    session: Session,
    *,
    coders: list[str] | None = None,
    codes: list[str] | None = None,
    docs: list[uuid.UUID] | None = None,
) -> CodingData:
    """The codings of ``coders`` (default: everyone who coded) and ``codes`` (default:
    every code they used), in ``docs`` (default: all)."""
    if coders:
        chosen = resolve_coder_ids(session, coders)
    else:
        q = (
            select(Coder.id, Coder.name)
            .where(Coder.id.in_(select(Coding.coder_id).distinct()))
            .order_by(Coder.name)
        )
        chosen = [(r[0], r[1]) for r in session.execute(q)]
    if len(chosen) < 2:
        found = ", ".join(n for _, n in chosen) or "none"
        raise InvalidInputError(
            f"agreement needs at least two coders who have coded (found: {found})"
        )
    coder_index = {cid: i for i, (cid, _) in enumerate(chosen)}
    paths = code_paths(session)
    q = select(Coding.document_id, Coding.start, Coding.end, Coding.code_id, Coding.coder_id).where(
        Coding.coder_id.in_(list(coder_index))
    )
    if docs is not None:
        q = q.where(Coding.document_id.in_(docs))
    rows = session.execute(q).tuples().all()
    if codes:
        code_ids = []
        for ref in codes:
            cid = resolve_code_id(session, ref, paths)
            if cid not in code_ids:
                code_ids.append(cid)
    else:
        used = {r[3] for r in rows}
        code_ids = sorted(used, key=lambda c: (paths.get(c, ""), c.hex))
    code_index = {cid: i for i, cid in enumerate(code_ids)}
    data = CodingData(
        coder_ids=[c for c, _ in chosen],
        coder_names=[n for _, n in chosen],
        code_ids=code_ids,
        code_paths=[paths.get(c, "?") for c in code_ids],
        doc_names={},
        doc_chars={},
    )
    codings: dict[uuid.UUID, list[tuple[int, int, int, int]]] = defaultdict(list)
    spans: dict[uuid.UUID, list[tuple[int, int]]] = defaultdict(list)
    rated: dict[uuid.UUID, int] = defaultdict(int)
    for doc, start, end, code, coder in rows:
        ci = coder_index[coder]
        rated[doc] |= 1 << ci
        spans[doc].append((start, end))
        k = code_index.get(code)
        if k is not None:
            codings[doc].append((start, end, k, ci))
    data.codings = dict(codings)
    data.all_spans = dict(spans)
    data.rated = dict(rated)
    if rated:
        for did, name, chars in session.execute(
            select(Document.id, Document.name, Document.char_count).where(
                Document.id.in_(list(rated))
            )
        ):
            data.doc_names[did] = name
            data.doc_chars[did] = chars
    return data


def compared_docs(data: CodingData) -> list[uuid.UUID]:
    """Documents at least two chosen coders rated (the only ones that can agree)."""
    return sorted(
        (d for d, mask in data.rated.items() if mask.bit_count() >= 2),
        key=lambda d: (data.doc_names.get(d, ""), d.hex),
    )


def load_units(
    session: Session, unit: str, docs: list[uuid.UUID]
) -> dict[uuid.UUID, list[tuple[int, int]]]:
    """The sentence or turn spans of ``docs``, in text order."""
    if unit not in ("sentence", "turn"):
        raise InvalidInputError(f"unknown unit {unit!r}: choose sentence, turn or character")
    model = Sentence if unit == "sentence" else Turn
    out: dict[uuid.UUID, list[tuple[int, int]]] = {d: [] for d in docs}
    for i in range(0, len(docs), 500):
        chunk = docs[i : i + 500]
        q = (
            select(model.document_id, model.start, model.end)
            .where(model.document_id.in_(chunk))
            .order_by(model.document_id, model.start)
        )
        for did, s, e in session.execute(q):
            out[did].append((s, e))
    return out


def unit_range(starts: list[int], ends: list[int], start: int, end: int) -> range:
    """Indexes of the units (sorted, not overlapping) that ``[start, end)`` overlaps."""
    first = bisect_right(ends, start)
    last = bisect_left(starts, end)
    return range(first, max(first, last))


def merge_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The union of spans as sorted, disjoint spans."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            if e > out[-1][1]:
                out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out
