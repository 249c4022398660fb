"""What the coders did, unit by unit: the data agreement and disagreements work on.

A *unit* is a sentence, a speaker turn or a character.  A coder *applied* a code to a
sentence or turn when one of their codings of that code overlaps it by at least one
character; at character level, when one covers the character.

A coder *rated* a document when they made at least one coding in it (any code).  In a
document a coder has not rated, their value is missing (``None``), not "did not
apply": a coder who never opened a transcript did not disagree with anyone about it.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from qda.common import parse_uuid
from qda.db.models import Base
from qda.errors import AmbiguousError, InvalidInputError, NotFoundError
from qda.team import rawio

UNITS = ("sentence", "turn", "character")
Id = str  # a canonical id: 32 hex digits (ids are printed dashed: rawio.dashed)


def norm(name: str) -> str:
    """A name compared case- and space-insensitively."""
    return " ".join(name.split()).casefold()


def _rows(session: Session, table: str, *cols: str) -> list[Sequence[Any]]:
    return rawio.tuples(session.connection(), Base.metadata.tables[table], cols)


@dataclass
class CodingData:
    """The codings of the chosen coders and codes, grouped by document."""

    coder_ids: list[Id]
    coder_names: list[str]
    code_ids: list[Id]
    code_paths: list[str]
    doc_names: dict[Id, str]
    doc_chars: dict[Id, int]
    # doc -> list of (start, end, code index, coder index), chosen codes only
    codings: dict[Id, list[tuple[int, int, int, int]]] = field(default_factory=dict)
    # doc -> [(start, end), ...] of every coding by the chosen coders (any code)
    all_spans: dict[Id, list[tuple[int, int]]] = field(default_factory=dict)
    # doc -> bit mask of the coders who rated it
    rated: dict[Id, int] = field(default_factory=dict)

    @property
    def coders(self) -> int:
        return len(self.coder_ids)

    def pattern(self, rated: int, ones: int) -> tuple[int | None, ...]:
        """One value per coder: None (did not rate), 1 (applied), 0 (did not)."""
        return tuple(
            None if not rated >> i & 1 else (1 if ones >> i & 1 else 0) for i in range(self.coders)
        )


def code_paths(session: Session) -> dict[Id, str]:
    """Every code's path (``theme/category/code``), by canonical id."""
    rows = _rows(session, "codes", "id", "name", "parent_id")
    parent = {str(r[0]): r[2] for r in rows}
    name = {str(r[0]): str(r[1]) for r in rows}
    out: dict[Id, str] = {}
    for cid in name:
        parts = []
        seen: set[object] = set()
        cur: object = cid
        while cur is not None and cur not in seen and cur in name:
            seen.add(cur)
            parts.append(name[str(cur)])
            cur = parent.get(str(cur))
        out[cid] = "/".join(reversed(parts))
    return out


def resolve_code_id(session: Session, ref: str, paths: dict[Id, str]) -> Id:
    """A code by id, path or name (case- and space-insensitive)."""
    uid = parse_uuid(ref)
    if uid is not None and uid.hex in paths:
        return uid.hex
    key = "/".join(norm(x) for x in ref.split("/"))
    by_path = [cid for cid, p in paths.items() if "/".join(norm(x) for x in p.split("/")) == key]
    if len(by_path) == 1:
        return by_path[0]
    by_name = [cid for cid, p in paths.items() if norm(p.rsplit("/", 1)[-1]) == key]
    if len(by_name) == 1:
        return by_name[0]
    if len(by_name) > 1 or len(by_path) > 1:
        raise AmbiguousError(f"{len(by_name or by_path)} codes are called {ref!r}; use the path")
    hexed = key.replace("-", "")
    if len(hexed) >= 8 and all(c in "0123456789abcdef" for c in hexed):
        hits = [cid for cid in paths if cid.startswith(hexed)]
        if len(hits) == 1:
            return hits[0]
    raise NotFoundError(f"no code {ref!r} (see `qda code list`)")


def coder_names(session: Session) -> dict[Id, str]:
    return {str(i): str(n) for i, n in _rows(session, "coders", "id", "name")}


def resolve_coder_ids(session: Session, names: list[str]) -> list[tuple[Id, str]]:
    everyone = coder_names(session)
    by_norm = {norm(n): (i, n) for i, n in everyone.items()}
    out: list[tuple[Id, str]] = []
    for n in names:
        hit = by_norm.get(norm(n))
        if hit is None:
            raise NotFoundError(f"no coder {n!r} in this project")
        if hit not in out:
            out.append(hit)
    return out


def load(
    session: Session,
    *,
    coders: list[str] | None = None,
    codes: list[str] | None = None,
    docs: list[Id] | None = None,
) -> CodingData:
    """The codings of ``coders`` (default: everyone who coded) and ``codes`` (default:
    every code they used), in ``docs`` (default: all)."""
    rows = _rows(session, "codings", "document_id", "start", "end", "code_id", "coder_id")
    if docs is not None:
        wanted_docs = set(docs)
        rows = [r for r in rows if r[0] in wanted_docs]
    if coders:
        chosen = resolve_coder_ids(session, coders)
    else:
        who = {r[4] for r in rows}
        chosen = sorted(
            ((i, n) for i, n in coder_names(session).items() if i in who),
            key=lambda x: (x[1].casefold(), x[0]),
        )
    if len(chosen) < 2:
        found = ", ".join(n for _, n in chosen) or "none"
        raise InvalidInputError(
            f"agreement needs at least two coders who have coded (found: {found})"
        )
    coder_index = {cid: i for i, (cid, _) in enumerate(chosen)}
    paths = code_paths(session)
    if codes:
        code_ids: list[Id] = []
        for ref in codes:
            cid = resolve_code_id(session, ref, paths)
            if cid not in code_ids:
                code_ids.append(cid)
    else:
        used = {str(r[3]) for r in rows if r[4] in coder_index}
        code_ids = sorted(used, key=lambda c: (paths.get(c, ""), c))
    code_index = {cid: i for i, cid in enumerate(code_ids)}
    data = CodingData(
        coder_ids=[c for c, _ in chosen],
        coder_names=[n for _, n in chosen],
        code_ids=code_ids,
        code_paths=[paths.get(c, "?") for c in code_ids],
        doc_names={},
        doc_chars={},
    )
    codings: dict[Id, list[tuple[int, int, int, int]]] = defaultdict(list)
    spans: dict[Id, list[tuple[int, int]]] = defaultdict(list)
    rated: dict[Id, int] = defaultdict(int)
    for doc, start, end, code, coder in rows:
        ci = coder_index.get(coder)
        if ci is None:
            continue
        d = str(doc)
        s, e = int(start), int(end)
        rated[d] |= 1 << ci
        spans[d].append((s, e))
        k = code_index.get(str(code))
        if k is not None:
            codings[d].append((s, e, k, ci))
    data.codings = dict(codings)
    data.all_spans = dict(spans)
    data.rated = dict(rated)
    for did, name, chars in _rows(session, "documents", "id", "name", "char_count"):
        if did in rated:
            data.doc_names[str(did)] = str(name)
            data.doc_chars[str(did)] = int(chars)
    return data


def compared_docs(data: CodingData) -> list[Id]:
    """Documents at least two chosen coders rated (the only ones that can agree)."""
    return sorted(
        (d for d, mask in data.rated.items() if mask.bit_count() >= 2),
        key=lambda d: (data.doc_names.get(d, ""), d),
    )


def load_units(session: Session, unit: str, docs: list[Id]) -> dict[Id, list[tuple[int, int]]]:
    """The sentence or turn spans of ``docs``, in text order."""
    if unit not in ("sentence", "turn"):
        raise InvalidInputError(f"unknown unit {unit!r}: choose sentence, turn or character")
    table = Base.metadata.tables["sentences" if unit == "sentence" else "turns"]
    out: dict[Id, list[tuple[int, int]]] = {d: [] for d in docs}
    rows = rawio.read(
        session.connection(), table, columns=["document_id", "start", "end"],
        where_in=("document_id", docs),
    )  # fmt: skip
    for r in rows:
        out[r["document_id"]].append((r["start"], r["end"]))
    for spans in out.values():
        spans.sort()
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
