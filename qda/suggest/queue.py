"""The review queue: suggestions stored apart from codings until a person decides.

``suggest`` ranks candidates for a code and stores the best as *pending* suggestions
(one row per code and span: a new ranking refreshes the score of a pending one, and a
rejected span is never offered again).  ``accept`` turns a suggestion into a coding
(origin ``suggestion``, coder = the person accepting) through the coding engine, in
the same transaction as the status change, so ``qda undo`` reverts both.  ``reject``
hides a suggestion for good (undo brings it back as pending).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from qda.common import get_or_create_coder, parse_uuid, record_event
from qda.db.engine import Store
from qda.db.models import Code, Coder, Coding, Document, Participant, Suggestion
from qda.db.types import utcnow
from qda.errors import AmbiguousError, InvalidInputError, NotFoundError
from qda.suggest import index as index_mod
from qda.suggest import ranking
from qda.suggest.types import SuggestionInfo
from qda.wording import plural

CONTEXT_CHARS = 160


def resolve_code(s: Session, ref: str) -> Code:
    """A code by id, name or path (the coding engine's rules)."""
    from qda.coding.codetree import CodeTree

    node = CodeTree.load(s).resolve(ref)
    code = s.get(Code, node.id)
    assert code is not None
    return code


def code_path(s: Session, code_id: uuid.UUID) -> str:
    from qda.coding.codetree import CodeTree

    return CodeTree.load(s).path(code_id)


def texts_loader(store: Store) -> Any:
    def load(ids: Iterable[str]) -> dict[str, str]:
        with store.read() as s:
            return ranking._doc_texts(s, ids)

    return load


# -- ranking into the queue ----------------------------------------------------------------


def rank_code(
    store: Store,
    code_ref: str,
    *,
    top: int = 10,
    unit: str = "sentence",
    include_interviewer: bool = False,
) -> tuple[uuid.UUID, list[ranking.Candidate]]:
    """Rank candidates for a code without storing anything."""
    if top < 1:
        raise InvalidInputError("--top must be at least 1")
    idx = index_mod.get_index(store, unit)
    with store.read() as s:
        code = resolve_code(s, code_ref)
        fb = ranking.load_feedback(s, code.id)
    cands = ranking.rank(
        idx,
        fb,
        texts_loader(store),
        top=top,
        include_interviewer=include_interviewer,
    )
    return code.id, cands


def suggest(
    store: Store,
    coder: str,
    code_ref: str,
    *,
    top: int = 10,
    unit: str = "sentence",
    include_interviewer: bool = False,
) -> list[SuggestionInfo]:
    """Rank candidates for a code and store them as pending suggestions (one transaction)."""
    code_id, cands = rank_code(
        store, code_ref, top=top, unit=unit, include_interviewer=include_interviewer
    )
    with store.write() as s:
        who = get_or_create_coder(s, coder)
        ids = store_candidates(
            s,
            code_id,
            [(c.document_id, c.start, c.end, c.score, c.terms) for c in cands],
            unit=unit,
            method=ranking.METHOD,
            replace_stale=True,
        )
        record_event(
            s,
            coder=who,
            action="suggest",
            entity_kind="code",
            entity_id=code_id,
            summary=f"{plural(len(ids), 'suggestion')} ({unit}s, {ranking.METHOD})",
            after={"suggestions": [str(i) for i in ids]},
        )
        rows = _rows_by_id(s, ids)
        dup_counts = {i: len(c.duplicates) for i, c in zip(ids, cands, strict=True)}
        return infos(s, [rows[i] for i in ids if i in rows], duplicates=dup_counts)


def store_candidates(
    s: Session,
    code_id: uuid.UUID,
    cands: Sequence[tuple[str, int, int, float, list[str]]],
    *,
    unit: str,
    method: str,
    replace_stale: bool,
) -> list[uuid.UUID]:
    """Upsert candidates ``(doc id, start, end, score, terms)`` as pending suggestions.

    A span already rejected is skipped; one already accepted is skipped while its coding
    exists; a pending one of the same method is refreshed (another method's is kept).
    With ``replace_stale``, pending suggestions of this method and unit that are no
    longer among the candidates are removed.
    Returns the ids of the stored suggestions, in the candidates' order.
    """
    existing = {
        (str(r.document_id), r.start, r.end): r
        for r in s.scalars(select(Suggestion).where(Suggestion.code_id == code_id))
    }
    live_codings = set(s.scalars(select(Coding.id).where(Coding.code_id == code_id)))
    now = utcnow()
    out: list[uuid.UUID] = []
    new_rows: list[dict[str, Any]] = []
    for did, st, en, score, terms in cands:
        row = existing.get((did, st, en))
        if row is not None:
            if row.status == "rejected":
                continue
            if row.status == "accepted":
                if row.coding_id is not None and row.coding_id in live_codings:
                    continue
                row.status = "pending"  # its coding was removed: offer it again
                row.reviewed_by = None
                row.reviewed_at = None
                row.coding_id = None
            if row.method == method:  # another method's hit stays as it is
                row.score = float(score)
                row.terms = json.dumps(terms, ensure_ascii=False)
                row.unit = unit
            out.append(row.id)
            continue
        sid = uuid.uuid4()
        new_rows.append(
            dict(
                id=sid, code_id=code_id, document_id=uuid.UUID(did), start=st, end=en,
                unit=unit, method=method, score=float(score),
                terms=json.dumps(terms, ensure_ascii=False), status="pending",
                created_at=now, reviewed_by=None, reviewed_at=None, coding_id=None,
            )
        )  # fmt: skip
        out.append(sid)
    for i in range(0, len(new_rows), 2000):  # Core executemany: rule runs can hit thousands
        s.execute(insert(Suggestion), new_rows[i : i + 2000])
    if replace_stale:
        keep = set(out)
        stale = [
            r.id
            for r in existing.values()
            if r.status == "pending" and r.method == method and r.unit == unit and r.id not in keep
        ]
        for i in range(0, len(stale), 500):
            s.execute(delete(Suggestion).where(Suggestion.id.in_(stale[i : i + 500])))
    s.flush()
    return out


# -- reading ------------------------------------------------------------------------------


def _rows_by_id(s: Session, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Suggestion]:
    ids = list(ids)
    out: dict[uuid.UUID, Suggestion] = {}
    for i in range(0, len(ids), 500):
        for r in s.scalars(select(Suggestion).where(Suggestion.id.in_(ids[i : i + 500]))):
            out[r.id] = r
    return out


class _Lookup:
    """Documents, codes, participants and coders by id, loaded once per batch of infos
    (the session's identity map holds rows weakly: a document's text would be read again
    for every suggestion)."""

    def __init__(self, s: Session) -> None:
        self.s = s
        self.docs: dict[uuid.UUID, tuple[str, str, str | None]] = {}
        self.codes: dict[uuid.UUID, str] = {}
        self.coders: dict[uuid.UUID, str] = {}

    def doc(self, did: uuid.UUID) -> tuple[str, str, str | None]:
        got = self.docs.get(did)
        if got is None:
            row = self.s.execute(
                select(Document.name, Document.text, Participant.name)
                .outerjoin(Participant, Participant.id == Document.participant_id)
                .where(Document.id == did)
            ).one()
            got = self.docs[did] = (row[0], row[1], row[2])
        return got

    def code(self, cid: uuid.UUID) -> str:
        if cid not in self.codes:
            self.codes[cid] = self.s.execute(select(Code.name).where(Code.id == cid)).scalar_one()
        return self.codes[cid]

    def coder(self, cid: uuid.UUID) -> str:
        if cid not in self.coders:
            self.coders[cid] = self.s.execute(
                select(Coder.name).where(Coder.id == cid)
            ).scalar_one()
        return self.coders[cid]


def _info(
    s: Session,
    r: Suggestion,
    *,
    duplicates: int = 0,
    context: int = CONTEXT_CHARS,
    look: _Lookup | None = None,
) -> SuggestionInfo:
    look = look or _Lookup(s)
    name, text, participant = look.doc(r.document_id)
    return SuggestionInfo(
        id=str(r.id),
        code_id=str(r.code_id),
        code=look.code(r.code_id),
        document_id=str(r.document_id),
        document=name,
        participant=participant,
        start=r.start,
        end=r.end,
        text=text[r.start : r.end],
        unit=r.unit,
        method=r.method,
        score=r.score,
        terms=list(json.loads(r.terms or "[]")),
        status=r.status,
        created_at=r.created_at.isoformat(),
        reviewed_by=look.coder(r.reviewed_by) if r.reviewed_by else None,
        reviewed_at=r.reviewed_at.isoformat() if r.reviewed_at else None,
        coding_id=str(r.coding_id) if r.coding_id else None,
        duplicates=duplicates,
        context_before=text[max(0, r.start - context) : r.start] if context else "",
        context_after=text[r.end : r.end + context] if context else "",
    )


def infos(
    s: Session,
    rows: Iterable[Suggestion],
    *,
    duplicates: dict[uuid.UUID, int] | None = None,
    context: int = CONTEXT_CHARS,
) -> list[SuggestionInfo]:
    """Plain views of many suggestions (one lookup of each document, code and coder)."""
    look = _Lookup(s)
    dup = duplicates or {}
    return [_info(s, r, duplicates=dup.get(r.id, 0), context=context, look=look) for r in rows]


def list_suggestions(
    store: Store,
    *,
    code: str | None = None,
    status: str | None = "pending",
    limit: int | None = None,
    context: int = CONTEXT_CHARS,
) -> list[SuggestionInfo]:
    """Stored suggestions, best first (of one code, of one status; ``None`` = any)."""
    with store.read() as s:
        q = select(Suggestion)
        if code is not None:
            q = q.where(Suggestion.code_id == resolve_code(s, code).id)
        if status is not None:
            if status not in ("pending", "accepted", "rejected"):
                raise InvalidInputError(f"unknown status {status!r}")
            q = q.where(Suggestion.status == status)
        q = q.order_by(Suggestion.score.desc(), Suggestion.document_id, Suggestion.start)
        if limit:
            q = q.limit(limit)
        return infos(s, list(s.scalars(q)), context=context)


def resolve_suggestion(s: Session, ref: str) -> Suggestion:
    """A suggestion by id or a unique prefix of at least 8 hex digits."""
    uid = parse_uuid(ref)
    if uid is not None:
        row = s.get(Suggestion, uid)
        if row is not None:
            return row
    key = ref.strip().lower().replace("-", "")
    if len(key) >= 8 and all(c in "0123456789abcdef" for c in key):
        rows = [r for r in s.scalars(select(Suggestion)) if r.id.hex.startswith(key)]
        if len(rows) == 1:
            return rows[0]
        if len(rows) > 1:
            raise AmbiguousError(f"suggestion id {ref!r} is ambiguous; give more digits")
    raise NotFoundError(f"no suggestion {ref!r} (see `qda suggest`)")


def get_suggestion(store: Store, ref: str) -> SuggestionInfo:
    with store.read() as s:
        return _info(s, resolve_suggestion(s, ref))


# -- deciding -------------------------------------------------------------------------------


def reject(store: Store, coder: str, refs: Sequence[str]) -> list[SuggestionInfo]:
    """Reject suggestions (one transaction, one undo step): they never come back."""
    from qda.coding.undo import Journal, record_step

    if not refs:
        raise InvalidInputError("give at least one suggestion id")
    with store.write() as s:
        who = get_or_create_coder(s, coder)
        rows = _unique_rows(s, refs)
        journal = Journal(s)
        from qda.coding.codes import SUGGESTIONS as t

        now = utcnow()
        for r in rows:
            if r.status == "accepted":
                raise InvalidInputError(
                    f"suggestion {str(r.id)[:8]} was accepted; remove its coding instead "
                    "(`qda uncode`)"
                )
            if r.status == "rejected":
                continue
            journal.update(
                t, r.id, {"status": "rejected", "reviewed_by": who.id, "reviewed_at": now}
            )
            record_event(
                s,
                coder=who,
                action="reject suggestion",
                entity_kind="suggestion",
                entity_id=r.id,
                summary=f"rejected a suggestion for {code_path(s, r.code_id)!r}",
                before={"status": "pending"},
                after={"status": "rejected"},
            )
        record_step(s, who, "reject", f"reject {plural(len(rows), 'suggestion')}", journal)
        s.expire_all()
        return infos(s, [s.get(Suggestion, r.id) or r for r in rows])


def _unique_rows(s: Session, refs: Sequence[str]) -> list[Suggestion]:
    seen: set[uuid.UUID] = set()
    rows: list[Suggestion] = []
    for ref in refs:
        r = resolve_suggestion(s, ref)
        if r.id not in seen:
            seen.add(r.id)
            rows.append(r)
    return rows


def accept(store: Store, coder: str, refs: Sequence[str]) -> list[SuggestionInfo]:
    """Accept suggestions: each becomes a coding (origin "suggestion") — one transaction."""
    from qda.suggest import accepting

    if not refs:
        raise InvalidInputError("give at least one suggestion id")
    return accepting.accept(store, coder, refs)
