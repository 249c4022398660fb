"""Read-only views of documents and participants: listings, one document, search."""

from __future__ import annotations

import re
import uuid
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from qda.common import resolve_document
from qda.db.engine import Store
from qda.db.models import (
    Attribute,
    AttributeValue,
    Code,
    Coder,
    Coding,
    Document,
    Memo,
    Participant,
    ProjectInfo,
    Sentence,
    Turn,
)


@dataclass(frozen=True)
class DocumentSummary:
    id: str
    name: str
    participant: str | None
    chars: int
    words: int
    turns: int
    codings: int
    format: str
    position: int
    imported_at: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class TurnView:
    idx: int
    start: int
    end: int
    body_start: int
    speaker: str | None
    is_interviewer: bool
    start_ms: int | None
    end_ms: int | None
    text: str


@dataclass(frozen=True)
class SentenceView:
    idx: int
    turn: int | None
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class DocumentView:
    id: str
    name: str
    participant: str | None
    sha256: str
    text: str
    turns: list[TurnView]
    sentences: list[SentenceView]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SearchHit:
    id: str  # the sentence's id
    document_id: str
    document: str
    participant: str | None
    start: int
    end: int
    sentence_start: int
    sentence_end: int
    snippet: str
    match: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def list_documents(store: Store) -> list[DocumentSummary]:
    with store.read() as s:
        turns = dict(
            s.execute(select(Turn.document_id, func.count()).group_by(Turn.document_id)).all()
        )
        codings = dict(
            s.execute(select(Coding.document_id, func.count()).group_by(Coding.document_id)).all()
        )
        rows = s.execute(
            select(
                Document.id,
                Document.name,
                Participant.name,
                Document.char_count,
                Document.word_count,
                Document.source_format,
                Document.position,
                Document.imported_at,
            )
            .outerjoin(Participant, Participant.id == Document.participant_id)
            .order_by(Document.position, Document.name)
        ).all()
        return [
            DocumentSummary(
                id=str(r[0]),
                name=r[1],
                participant=r[2],
                chars=r[3],
                words=r[4],
                turns=turns.get(r[0], 0),
                codings=codings.get(r[0], 0),
                format=r[5],
                position=r[6],
                imported_at=r[7].isoformat(),
            )
            for r in rows
        ]


def participant_attributes(s: Session) -> dict[uuid.UUID, dict[str, Any]]:
    """Every participant's attributes as ``{participant id: {name: typed value}}``."""
    out: dict[uuid.UUID, dict[str, Any]] = {}
    rows = s.execute(
        select(AttributeValue, Attribute.name, Attribute.type).join(
            Attribute, Attribute.id == AttributeValue.attribute_id
        )
    ).all()
    for value, name, kind in rows:
        if kind == "number":
            v: Any = value.number_value
            if isinstance(v, float) and v.is_integer():
                v = int(v)
        elif kind == "date":
            v = value.date_value.isoformat() if value.date_value else None
        else:
            v = value.text_value
        out.setdefault(value.participant_id, {})[name] = v
    return out


def list_participants(store: Store) -> list[dict[str, Any]]:
    with store.read() as s:
        attrs = participant_attributes(s)
        docs: dict[uuid.UUID, list[str]] = {}
        for pid, name in s.execute(
            select(Document.participant_id, Document.name).order_by(Document.position)
        ):
            if pid is not None:
                docs.setdefault(pid, []).append(name)
        return [
            {
                "id": str(p.id),
                "name": p.name,
                "documents": docs.get(p.id, []),
                "attributes": attrs.get(p.id, {}),
            }
            for p in s.scalars(select(Participant).order_by(Participant.name))
        ]


def list_attributes(store: Store) -> list[dict[str, str]]:
    with store.read() as s:
        return [
            {"id": str(a.id), "name": a.name, "type": a.type}
            for a in s.scalars(select(Attribute).order_by(Attribute.name))
        ]


def show_document(store: Store, ref: str) -> DocumentView:
    with store.read() as s:
        doc = resolve_document(s, ref)
        t = doc.text
        turns = [
            TurnView(
                idx=r.idx,
                start=r.start,
                end=r.end,
                body_start=r.body_start,
                speaker=r.speaker,
                is_interviewer=r.is_interviewer,
                start_ms=r.start_ms,
                end_ms=r.end_ms,
                text=t[r.start : r.end],
            )
            # Columns, not ORM entities: 5-6x faster on a long transcript (TUI open time).
            for r in s.execute(
                select(
                    Turn.idx, Turn.start, Turn.end, Turn.body_start, Turn.speaker,
                    Turn.is_interviewer, Turn.start_ms, Turn.end_ms,
                )
                .where(Turn.document_id == doc.id)
                .order_by(Turn.idx)
            )
        ]  # fmt: skip
        sentences = [
            SentenceView(
                idx=r.idx, turn=r.turn_idx, start=r.start, end=r.end, text=t[r.start : r.end]
            )
            for r in s.execute(
                select(Sentence.idx, Sentence.turn_idx, Sentence.start, Sentence.end)
                .where(Sentence.document_id == doc.id)
                .order_by(Sentence.idx)
            )
        ]
        return DocumentView(
            id=str(doc.id),
            name=doc.name,
            participant=doc.participant.name if doc.participant else None,
            sha256=doc.sha256,
            text=t,
            turns=turns,
            sentences=sentences,
        )


_WORD = re.compile(r"[\w'’]+", re.UNICODE)


def _fts_query(query: str) -> tuple[str, list[re.Pattern[str]]]:
    """An FTS5 MATCH expression for the words of ``query`` and regexes to locate them.

    Each word becomes a quoted FTS5 string (so punctuation is harmless); a trailing
    ``*`` makes it a prefix search.  ``"a phrase"`` in double quotes is kept together.
    """
    parts: list[str] = []
    patterns: list[re.Pattern[str]] = []
    for m in re.finditer(r'"([^"]+)"|(\S+)', query):
        if m.group(1):
            words = _WORD.findall(m.group(1))
            if words:
                parts.append('"' + " ".join(words) + '"')
                patterns.append(
                    re.compile(r"\b" + r"\W+".join(map(re.escape, words)) + r"\b", re.I)
                )
            continue
        token = m.group(2)
        prefix = token.endswith("*")
        for w in _WORD.findall(token):
            parts.append(f'"{w}"' + ("*" if prefix else ""))
            patterns.append(re.compile(r"\b" + re.escape(w) + (r"\w*" if prefix else r"\b"), re.I))
    return " AND ".join(parts), patterns


def _snippet(doc_text: str, start: int, end: int, width: int = 60) -> str:
    lo = max(0, start - width)
    hi = min(len(doc_text), end + width)
    prefix = "…" if lo > 0 else ""
    suffix = "…" if hi < len(doc_text) else ""
    body = doc_text[lo:start] + "[" + doc_text[start:end] + "]" + doc_text[end:hi]
    return prefix + " ".join(body.split()) + suffix


def search(
    store: Store, query: str, *, limit: int = 200, document: str | None = None
) -> list[SearchHit]:
    """Sentences matching every word of ``query`` (FTS5 on SQLite), with exact offsets."""
    match, patterns = _fts_query(query)
    if not match:
        return []
    hits: list[SearchHit] = []
    with store.read() as s:
        doc_filter = resolve_document(s, document).id if document else None
        if store.dialect == "sqlite":
            sql = (
                'SELECT s.id, s.document_id, s.start, s."end" FROM sentence_fts f '
                "JOIN sentences s ON s.id = f.rowid WHERE sentence_fts MATCH :q "
                + ("AND s.document_id = :doc " if doc_filter else "")
                + "ORDER BY f.rank LIMIT :limit"
            )
            params: dict[str, Any] = {"q": match, "limit": limit}
            if doc_filter:
                params["doc"] = doc_filter.hex
            rows = [
                (sid, uuid.UUID(hex=str(did)), st, en)
                for sid, did, st, en in s.execute(text(sql), params).all()
            ]
        else:
            rows = _search_portable(s, patterns, limit, doc_filter)
        docs: dict[uuid.UUID, tuple[str, str, str | None]] = {}
        for sid, did, st, en in rows:
            if did not in docs:
                d = s.get(Document, did)
                assert d is not None
                docs[did] = (d.name, d.text, d.participant.name if d.participant else None)
            name, doc_text, participant = docs[did]
            sentence = doc_text[st:en]
            first = min(
                (m for m in (p.search(sentence) for p in patterns) if m),
                key=lambda m: m.start(),
                default=None,
            )
            ms, me = (st + first.start(), st + first.end()) if first else (st, en)
            hits.append(
                SearchHit(
                    id=str(sid),
                    document_id=str(did),
                    document=name,
                    participant=participant,
                    start=ms,
                    end=me,
                    sentence_start=st,
                    sentence_end=en,
                    snippet=_snippet(doc_text, ms, me),
                    match=doc_text[ms:me],
                )
            )
    return hits


def _search_portable(
    s: Session, patterns: list[re.Pattern[str]], limit: int, doc_filter: uuid.UUID | None
) -> list[tuple[int, uuid.UUID, int, int]]:
    """Search without FTS5 (PostgreSQL): scan sentences with the same word patterns."""
    out: list[tuple[int, uuid.UUID, int, int]] = []
    q = select(Document.id, Document.text).order_by(Document.position)
    if doc_filter:
        q = q.where(Document.id == doc_filter)
    for did, doc_text in s.execute(q):
        if not all(p.search(doc_text) for p in patterns):
            continue
        for sid, st, en in s.execute(
            select(Sentence.id, Sentence.start, Sentence.end)
            .where(Sentence.document_id == did)
            .order_by(Sentence.idx)
        ):
            sentence = doc_text[st:en]
            if all(p.search(sentence) for p in patterns):
                out.append((sid, did, st, en))
                if len(out) >= limit:
                    return out
    return out


def project_info(store: Store) -> dict[str, Any]:
    from qda.db.engine import current_revision, display_target

    with store.read() as s:
        info = {k: v for k, v in s.execute(select(ProjectInfo.key, ProjectInfo.value))}

        def count(model: Any) -> int:
            return int(s.scalar(select(func.count()).select_from(model)) or 0)

        return {
            "name": info.get("name"),
            "project": display_target(store.target),
            "backend": store.dialect,
            "schema": current_revision(store.engine),
            "created_at": info.get("created_at"),
            "documents": count(Document),
            "participants": count(Participant),
            "words": int(s.scalar(select(func.coalesce(func.sum(Document.word_count), 0))) or 0),
            "turns": count(Turn),
            "sentences": count(Sentence),
            "codes": int(
                s.scalar(select(func.count()).select_from(Code).where(Code.retired.is_(False))) or 0
            ),
            "codings": count(Coding),
            "coders": [c for c in s.scalars(select(Coder.name).order_by(Coder.name))],
            "memos": count(Memo),
        }
