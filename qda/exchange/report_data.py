"""What the Word codebook and theme report show, read in a few bulk queries.

The code tree with each node's own and subtree counts (segments, documents,
participants), example quotes chosen per code (different participants first,
medium length), the place of a quote (speaker turn), memos and relations, and the
saturation curve (new codes per document, in interview order).
"""

from __future__ import annotations

import bisect
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qda.db.engine import Store
from qda.db.models import (
    Code,
    Coder,
    Coding,
    Document,
    Memo,
    MemoLink,
    Participant,
    ProjectInfo,
    Relation,
    Turn,
)
from qda.documents.service import participant_attributes
from qda.exchange.refi_store import raw_rows

CANDIDATES = 12  # quotes per code read from the database to choose examples from
IDEAL_QUOTE = 180  # characters: neither a fragment nor a page


@dataclass
class Quote:
    code_id: uuid.UUID
    document: str
    participant: str | None
    participant_id: uuid.UUID | None
    text: str
    place: str  # "turn 12"
    start: int


@dataclass
class Node:
    id: uuid.UUID
    name: str
    kind: str
    parent_id: uuid.UUID | None
    path: str
    depth: int
    definition: str
    inclusion: str
    exclusion: str
    example: str
    color: str | None
    is_core: bool
    origin: str
    retired: bool
    children: list[uuid.UUID] = field(default_factory=list)
    segments: int = 0
    documents: int = 0
    participants: int = 0
    all_segments: int = 0  # with every descendant
    all_documents: int = 0
    all_participants: int = 0
    quotes: list[Quote] = field(default_factory=list)
    memos: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Analysis:
    name: str
    coders: list[str]
    nodes: dict[uuid.UUID, Node]
    roots: list[uuid.UUID]
    documents: int
    participants: int
    total_segments: int
    attributes: dict[uuid.UUID, dict[str, Any]]
    relations: list[dict[str, str]]
    saturation: list[dict[str, Any]]  # per document: name, new, cumulative
    generated: datetime
    saturation_judgement: dict[str, Any] = field(default_factory=dict)

    def walk(self, include_retired: bool = False) -> list[Node]:
        """Depth-first, in code-tree order."""
        out: list[Node] = []

        def go(i: uuid.UUID) -> None:
            n = self.nodes[i]
            if n.retired and not include_retired:
                return
            out.append(n)
            for c in n.children:
                go(c)

        for r in self.roots:
            go(r)
        return out

    def subtree(self, cid: uuid.UUID) -> list[uuid.UUID]:
        out = [cid]
        for c in self.nodes[cid].children:
            out.extend(self.subtree(c))
        return out


def load_analysis(
    store: Store,
    *,
    quotes: int = 3,
    memos: bool = False,
    quote_codes: set[uuid.UUID] | None = None,
) -> Analysis:
    """Everything the Word exports need, in one read transaction."""
    from qda.db.types import utcnow

    with store.read() as s:
        info = dict(s.execute(select(ProjectInfo.key, ProjectInfo.value)).all())
        coders = [
            n
            for (n,) in s.execute(
                select(Coder.name)
                .where(Coder.id.in_(select(Coding.coder_id).distinct()))
                .order_by(Coder.name)
            )
        ]
        nodes, roots = code_tree(s)
        docs = {  # by the id's 32 hex digits (cheap keys for 100,000 codings)
            r[0].hex: (r[1], r[2], r[3])
            for r in s.execute(
                select(Document.id, Document.name, Document.participant_id, Participant.name).join(
                    Participant, Participant.id == Document.participant_id, isouter=True
                )
            )
        }
        _counts(s, nodes, docs)
        if quotes > 0:
            _quotes(s, nodes, docs, quotes, quote_codes)
        if memos:
            _memos(s, nodes)
        relations = [
            {"source": nodes[r[0]].path, "type": r[1], "target": nodes[r[2]].path, "note": r[3]}
            for r in s.execute(
                select(Relation.source_id, Relation.type, Relation.target_id, Relation.note)
            )
            if r[0] in nodes and r[2] in nodes
        ]
        relations.sort(key=lambda r: (r["source"], r["type"], r["target"]))
        return Analysis(
            name=info.get("name") or "qda project",
            coders=coders,
            nodes=nodes,
            roots=roots,
            documents=len(docs),
            participants=len({d[1] for d in docs.values() if d[1] is not None}),
            total_segments=int(s.scalar(select(func.count()).select_from(Coding)) or 0),
            attributes=participant_attributes(s),
            relations=relations,
            saturation=_saturation(s, nodes),
            generated=utcnow(),
        )


def engine_saturation(store: Store) -> dict[str, Any] | None:
    """The coding engine's saturation analysis (Guest, Namey & Chen 2020), if present:
    documents in the order they were first coded, with its judgement."""
    try:
        from qda.coding.analysis.saturation import saturation
    except ImportError:  # pragma: no cover - the engine is being built alongside
        return None
    return saturation(store, order="coding")


def code_tree(s: Session) -> tuple[dict[uuid.UUID, Node], list[uuid.UUID]]:
    rows = s.execute(
        select(Code.id, Code.name, Code.kind, Code.parent_id, Code.definition, Code.inclusion,
               Code.exclusion, Code.example, Code.color, Code.is_core, Code.origin, Code.retired)
        .order_by(Code.position, Code.name)
    ).all()  # fmt: skip
    nodes = {
        r[0]: Node(id=r[0], name=r[1], kind=r[2], parent_id=r[3], path="", depth=0,
                   definition=r[4] or "", inclusion=r[5] or "", exclusion=r[6] or "",
                   example=r[7] or "", color=r[8], is_core=bool(r[9]), origin=r[10],
                   retired=bool(r[11]))
        for r in rows
    }  # fmt: skip
    roots: list[uuid.UUID] = []
    for n in nodes.values():  # rows are in position order, so children are too
        if n.parent_id is not None and n.parent_id in nodes:
            nodes[n.parent_id].children.append(n.id)
        else:
            roots.append(n.id)

    def fill(i: uuid.UUID, prefix: str, depth: int) -> None:
        n = nodes[i]
        n.path = f"{prefix}/{n.name}" if prefix else n.name
        n.depth = depth
        for c in n.children:
            fill(c, n.path, depth + 1)

    for r in roots:
        fill(r, "", 0)
    return nodes, roots


def _hex(raw: Any) -> str:
    """A raw id as 32 hex digits (SQLite stores them so; other databases give UUIDs)."""
    return raw if isinstance(raw, str) else uuid.UUID(str(raw)).hex


def _counts(s: Session, nodes: dict[uuid.UUID, Node], docs: dict[str, Any]) -> None:
    by_hex = {cid.hex: cid for cid in nodes}
    pairs: dict[uuid.UUID, dict[str, int]] = defaultdict(dict)
    for code_id, doc_id, n in raw_rows(
        s,
        select(Coding.code_id, Coding.document_id, func.count()).group_by(
            Coding.code_id, Coding.document_id
        ),
    ):
        cid = by_hex.get(_hex(code_id))
        if cid is not None:
            pairs[cid][_hex(doc_id)] = n
    part = {d: (v[1].hex if v[1] else None) for d, v in docs.items()}

    def subtree(i: uuid.UUID) -> tuple[int, set[str]]:
        n = nodes[i]
        own = pairs.get(i, {})
        n.segments = sum(own.values())
        n.documents = len(own)
        n.participants = len({part.get(d) for d in own} - {None})
        total = n.segments
        docset = set(own)
        for c in n.children:
            t, ds = subtree(c)
            if not nodes[c].retired:  # a retired subcode keeps its own counts only
                total += t
                docset |= ds
        n.all_segments = total
        n.all_documents = len(docset)
        n.all_participants = len({part.get(d) for d in docset} - {None})
        return total, docset

    for cid, node in nodes.items():
        if node.parent_id not in nodes:
            subtree(cid)


def _quotes(
    s: Session,
    nodes: dict[uuid.UUID, Node],
    docs: dict[str, Any],
    per_code: int,
    only: set[uuid.UUID] | None,
) -> None:
    """Up to ``per_code`` quotes per code: different participants first, medium length.

    Candidates are ranked in Python on (code, document, start, length) rows; only the
    chosen quotes' text is read (a window function over 100,000 codings is 4x slower).
    """
    by_hex = {cid.hex: cid for cid in nodes if only is None or cid in only}
    cands: dict[uuid.UUID, list[tuple[int, str, str, int]]] = defaultdict(list)
    for raw_id, code_id, doc_id, start, length in raw_rows(
        s,
        select(
            Coding.id, Coding.code_id, Coding.document_id, Coding.start, func.length(Coding.quote)
        ),
    ):
        cid = by_hex.get(_hex(code_id))
        if cid is not None:
            cands[cid].append((abs(length - IDEAL_QUOTE), _hex(raw_id), _hex(doc_id), start))
    chosen: list[tuple[uuid.UUID, str, str, int]] = []
    for cid, rs in cands.items():
        rs.sort()
        seen: set[Any] = set()
        first: list[Any] = []
        rest: list[Any] = []
        for r in rs[: max(CANDIDATES, per_code * 3)]:  # one quote per participant first
            who = docs[r[2]][1]
            (rest if who in seen else first).append(r)
            seen.add(who)
        chosen.extend((cid, r[1], r[2], r[3]) for r in (first + rest)[:per_code])
    texts: dict[str, str] = {}
    ids = [uuid.UUID(c[1]) for c in chosen]
    for i in range(0, len(ids), 500):
        for cid_, quote in s.execute(
            select(Coding.id, Coding.quote).where(Coding.id.in_(ids[i : i + 500]))
        ):
            texts[cid_.hex] = quote
    turns = _turn_starts(s, {c[2] for c in chosen})
    for cid, coding_hex, doc_hex, start in chosen:
        name, pid, pname = docs[doc_hex]
        k = bisect.bisect_right(turns.get(doc_hex, []), start)
        place = f"turn {k}" if k else f"character {start}"
        quote = " ".join(texts.get(coding_hex, "").split())
        nodes[cid].quotes.append(Quote(cid, name, pname, pid, quote, place, start))
    for n in nodes.values():
        n.quotes.sort(key=lambda q: (q.participant or "", q.document, q.start))


def _turn_starts(s: Session, doc_hexes: set[str]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = defaultdict(list)
    ids = [uuid.UUID(h) for h in doc_hexes]
    for i in range(0, len(ids), 500):
        for d, st in raw_rows(
            s,
            select(Turn.document_id, Turn.start)
            .where(Turn.document_id.in_(ids[i : i + 500]))
            .order_by(Turn.document_id, Turn.start),
        ):
            out[_hex(d)].append(st)
    return out


def _memos(s: Session, nodes: dict[uuid.UUID, Node]) -> None:
    rows = s.execute(
        select(MemoLink.target_id, Memo.title, Memo.type, Memo.body, Memo.updated_at, Coder.name)
        .join(Memo, Memo.id == MemoLink.memo_id)
        .join(Coder, Coder.id == Memo.author_id, isouter=True)
        .where(MemoLink.target_kind == "code")
        .order_by(Memo.created_at)
    ).all()
    for target, title, mtype, body, updated, author in rows:
        if target in nodes:
            nodes[target].memos.append(
                {"title": title, "type": mtype, "body": body, "author": author or "",
                 "date": updated.date().isoformat() if updated else ""}
            )  # fmt: skip


def _saturation(s: Session, nodes: dict[uuid.UUID, Node]) -> list[dict[str, Any]]:
    """New codes per document in interview order (import position) and the running total
    (codes in use: retired codes are left out, as in the codebook)."""
    docs = s.execute(
        select(Document.id, Document.name, Document.position).order_by(
            Document.position, Document.name
        )
    ).all()
    live = {cid.hex for cid, n in nodes.items() if not n.retired}
    first_pos = raw_rows(
        s,
        select(Coding.code_id, func.min(Document.position))
        .join(Document, Document.id == Coding.document_id)
        .group_by(Coding.code_id),
    )
    firsts: dict[int, int] = defaultdict(int)
    for code_id, pos in first_pos:
        if _hex(code_id) in live:
            firsts[pos] += 1
    out = []
    total = 0
    seen_pos: set[int] = set()
    for _, name, pos in docs:
        n = 0 if pos in seen_pos else firsts.get(pos, 0)  # a shared position counts once
        seen_pos.add(pos)
        total += n
        out.append({"document": name, "new": n, "cumulative": total})
    return out
