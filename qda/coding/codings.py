"""Codings: apply a code to a span or a quote, in-vivo codes, remove, list.

Offsets are code points of the document's normalised text, end exclusive.  Each
coding stores the quoted text so it can be checked and re-anchored later.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qda.coding.anchor import DEFAULT_THRESHOLD, locate
from qda.coding.codes import CODES, CODINGS, MEMO_LINKS, SUGGESTIONS, _next_position, check_origin
from qda.coding.codetree import CodeTree, lookup_by_id
from qda.coding.types import CodingInfo
from qda.coding.views import (
    Action,
    action,
    code_snapshot,
    coding_from_row,
    coding_info,
    coding_query,
    resolve_coding,
)
from qda.common import record_event, resolve_document
from qda.db.engine import Store
from qda.db.models import Coder, Coding, Document, MemoLink
from qda.db.types import utcnow
from qda.errors import InvalidInputError, NotFoundError

INVIVO_MAX_WORDS = 12
_EDGE = re.compile(r"^[\W_]+|[\W_]+$", re.UNICODE)


def _span(
    doc: Document,
    start: int | None,
    end: int | None,
    quote: str | None,
    *,
    threshold: float,
    occurrence: int | None,
) -> tuple[int, int, str, float]:
    has_span = start is not None or end is not None
    if quote is not None and quote.strip() and has_span:
        raise InvalidInputError("give either a quote or --start/--end, not both")
    if quote is not None and quote.strip():
        return locate(doc.text, quote, doc=doc.name, threshold=threshold, occurrence=occurrence)
    if start is None or end is None:
        raise InvalidInputError("give a quote, or both --start and --end")
    n = len(doc.text)
    if start < 0 or end > n:
        raise InvalidInputError(f"span {start}-{end} is outside {doc.name} (0-{n})")
    if start >= end:
        raise InvalidInputError(f"span {start}-{end}: the start must be before the end")
    return start, end, "span", 100.0


def _insert_coding(
    a: Action,
    code_id: uuid.UUID,
    doc: Document,
    start: int,
    end: int,
    origin: str,
    *,
    coding_id: uuid.UUID | None = None,
) -> uuid.UUID:
    dup = a.s.scalar(
        select(Coding.id).where(
            Coding.code_id == code_id, Coding.document_id == doc.id, Coding.start == start,
            Coding.end == end, Coding.coder_id == a.coder.id,
        )
    )  # fmt: skip
    if dup is not None:
        raise InvalidInputError(
            f"{doc.name} {start}-{end} is already coded {a.tree.path(code_id)!r} by "
            f"{a.coder.name} (coding {str(dup)[:8]})"
        )
    cid = coding_id or uuid.uuid4()
    a.journal.insert(
        CODINGS,
        dict(
            id=cid, code_id=code_id, document_id=doc.id, coder_id=a.coder.id, start=start,
            end=end, quote=doc.text[start:end], origin=origin, created_at=utcnow(),
        ),
    )  # fmt: skip
    return cid


def _event_after(info: CodingInfo) -> dict[str, Any]:
    return {
        "code_id": info.code_id, "code": info.code_path, "document_id": info.document_id,
        "document": info.document, "start": info.start, "end": info.end, "quote": info.quote,
        "origin": info.origin,
    }  # fmt: skip


def apply_code(
    store: Store,
    coder: str,
    code_ref: str,
    doc_ref: str,
    *,
    start: int | None = None,
    end: int | None = None,
    quote: str | None = None,
    origin: str = "manual",
    threshold: float = DEFAULT_THRESHOLD,
    occurrence: int | None = None,
    coding_id: str | uuid.UUID | None = None,
) -> CodingInfo:
    """Code ``[start, end)`` of a document, or the place where ``quote`` is found."""
    origin = check_origin(origin)
    with action(store, coder, "apply") as a:
        # By id (the TUI's way) without loading the whole tree; else by name or path.
        found = lookup_by_id(a.s, code_ref)
        if found is not None:
            code_id, code_path, retired = found.id, found.path, found.retired
        else:
            node = a.tree.resolve(code_ref)
            code_id, code_path, retired = node.id, a.tree.path(node.id), node.retired
        if retired:
            raise InvalidInputError(f"{code_path!r} is retired; unretire it to use it")
        doc = resolve_document(a.s, doc_ref)
        s, e, how, score = _span(doc, start, end, quote, threshold=threshold, occurrence=occurrence)
        cid = _insert_coding(
            a, code_id, doc, s, e, origin,
            coding_id=uuid.UUID(str(coding_id)) if coding_id else None,
        )  # fmt: skip
        info = coding_info(a.s, None, cid, match=how, score=score, code_path=code_path)
        a.summary = f"code {doc.name} {s}-{e} as {info.code_path!r}"
        record_event(
            a.s, coder=a.coder, action="apply", entity_kind="coding", entity_id=cid,
            summary=a.summary, after=_event_after(info),
        )  # fmt: skip
        return info


def invivo_name(words: str) -> str:
    """A code name from a participant's words: one line, trimmed punctuation, short."""
    parts = " ".join(words.split()).split(" ")
    name = " ".join(parts[:INVIVO_MAX_WORDS])
    name = _EDGE.sub("", name) or name.strip()
    return name[:120]


def invivo(
    store: Store,
    coder: str,
    doc_ref: str,
    *,
    start: int | None = None,
    end: int | None = None,
    quote: str | None = None,
    parent: str | None = None,
    name: str | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    occurrence: int | None = None,
) -> CodingInfo:
    """A new code named by the selected words (in-vivo), applied to them.  When a code
    of that name already exists at that level it is reused."""
    with action(store, coder, "invivo") as a:
        doc = resolve_document(a.s, doc_ref)
        s, e, how, score = _span(doc, start, end, quote, threshold=threshold, occurrence=occurrence)
        code_name = " ".join((name or invivo_name(doc.text[s:e])).split())
        if not code_name:
            raise InvalidInputError("the selection has no words to name a code by")
        parent_id = a.tree.resolve(parent).id if parent else None
        existing = a.tree.sibling_named(parent_id, code_name)
        created = existing is None
        if existing is not None:
            if a.tree.node(existing).retired:
                raise InvalidInputError(f"{a.tree.path(existing)!r} exists but is retired")
            code_id = existing
        else:
            code_id = uuid.uuid4()
            now = utcnow()
            a.journal.insert(
                CODES,
                dict(
                    id=code_id, name=code_name[:300], kind="code", parent_id=parent_id,
                    definition="", inclusion="", exclusion="", example=doc.text[s:e],
                    color=None, is_core=False, origin="invivo", retired=False,
                    position=_next_position(a.tree, parent_id), created_at=now,
                    created_by=a.coder.id, updated_at=now,
                ),
            )  # fmt: skip
            a.changed_tree()
            record_event(
                a.s, coder=a.coder, action="add_code", entity_kind="code", entity_id=code_id,
                summary=f"add in-vivo code {a.tree.path(code_id)!r}",
                after=code_snapshot(a.s, code_id),
            )  # fmt: skip
        cid = _insert_coding(a, code_id, doc, s, e, "invivo")
        info = coding_info(a.s, a.tree, cid, match=how, score=score)
        a.summary = f"in-vivo code {info.code_path!r} on {doc.name} {s}-{e}"
        record_event(
            a.s, coder=a.coder, action="invivo", entity_kind="coding", entity_id=cid,
            summary=a.summary, after={**_event_after(info), "new_code": created},
        )  # fmt: skip
        return info


def uncode(store: Store, coder: str, coding_ref: str) -> CodingInfo:
    """Remove a coding (its memo links go with it; undo brings both back)."""
    with action(store, coder, "uncode") as a:
        cid = resolve_coding(a.s, coding_ref)
        info = coding_info(a.s, a.tree, cid)
        for link_id in a.s.scalars(
            select(MemoLink.id).where(MemoLink.target_kind == "coding", MemoLink.target_id == cid)
        ):
            a.journal.delete(MEMO_LINKS, link_id)
        sug = list(a.s.scalars(select(SUGGESTIONS.c.id).where(SUGGESTIONS.c.coding_id == cid)))
        a.journal.update_many(SUGGESTIONS, sug, "coding_id", cid, None)
        a.journal.delete(CODINGS, cid)
        a.summary = f"remove {info.code_path!r} from {info.document} {info.start}-{info.end}"
        record_event(
            a.s, coder=a.coder, action="uncode", entity_kind="coding", entity_id=cid,
            summary=a.summary, before=_event_after(info) | {"coder": info.coder},
        )  # fmt: skip
        return info


def list_codings(
    store: Store,
    *,
    doc: str | None = None,
    code: str | None = None,
    coder: str | None = None,
    descendants: bool = False,
) -> list[CodingInfo]:
    """Codings, filtered by document, code (optionally with its descendants) and coder;
    in document order, then by start."""
    with store.read() as s:
        tree = CodeTree.load(s)
        q = coding_query()
        if doc is not None:
            q = q.where(Coding.document_id == resolve_document(s, doc).id)
        if code is not None:
            node = tree.resolve(code)
            ids = tree.subtree(node.id) if descendants else [node.id]
            q = q.where(Coding.code_id.in_(ids))
        if coder is not None:
            q = q.where(Coder.name == _coder_name(s, coder))
        q = q.order_by(Document.position, Document.name, Coding.start, Coding.end)
        return [coding_from_row(tree, r) for r in s.execute(q)]


def get_coding(store: Store, ref: str) -> CodingInfo:
    with store.read() as s:
        return coding_info(s, CodeTree.load(s), resolve_coding(s, ref))


def _coder_name(s: Session, name: str) -> str:
    for n in s.scalars(select(Coder.name)):
        if n.lower() == name.strip().lower():
            return n
    raise NotFoundError(f"no coder {name!r} in this project")
