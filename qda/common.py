"""Helpers every service uses: coders, events, resolving names to rows."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from qda.db.bulk import table_of
from qda.db.models import Coder, Document, Event, Participant
from qda.db.types import utcnow
from qda.errors import AmbiguousError, NotFoundError


def get_or_create_coder(session: Session, name: str) -> Coder:
    """The coder called ``name`` (case-insensitive), created on first use."""
    clean = " ".join(name.split())
    coder = session.scalars(select(Coder).where(func.lower(Coder.name) == clean.lower())).first()
    if coder is None:
        coder = Coder(id=uuid.uuid4(), name=clean, created_at=utcnow())
        session.add(coder)
        session.flush()
    return coder


def event_values(
    *,
    coder: Coder | uuid.UUID | None,
    action: str,
    entity_kind: str,
    entity_id: uuid.UUID | None,
    summary: str = "",
    before: Any = None,
    after: Any = None,
) -> dict[str, Any]:
    """The row of one event (a new id, now), ready for an insert into ``events``."""
    return {
        "id": uuid.uuid4(),
        "at": utcnow(),
        "coder_id": coder.id if isinstance(coder, Coder) else coder,
        "action": action,
        "entity_kind": entity_kind,
        "entity_id": entity_id,
        "summary": summary,
        "before": None if before is None else json.dumps(before, default=str, ensure_ascii=False),
        "after": None if after is None else json.dumps(after, default=str, ensure_ascii=False),
    }


def record_event(session: Session, **fields: Any) -> uuid.UUID:
    """Append one event to the audit trail (in the caller's transaction); ``fields`` are
    those of :func:`event_values`.

    A Core insert (no ORM bookkeeping): the trail is written, never read back here.
    """
    row = event_values(**fields)
    session.execute(insert(table_of(Event)).values(**row))
    event_id: uuid.UUID = row["id"]
    return event_id


def parse_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value.strip().strip("{}"))
    except (ValueError, AttributeError):
        return None


def resolve_document(session: Session, ref: str) -> Document:
    """A document by id (full or a unique prefix of at least 8 hex digits) or unique name."""
    uid = parse_uuid(ref)
    if uid is not None:
        doc = session.get(Document, uid)
        if doc is not None:
            return doc
    matches = list(session.scalars(select(Document).where(Document.name == ref)))
    if not matches:
        matches = list(
            session.scalars(select(Document).where(func.lower(Document.name) == ref.lower()))
        )
    if not matches and len(ref) >= 8 and all(c in "0123456789abcdef-" for c in ref.lower()):
        prefix = ref.lower().replace("-", "")
        matches = [d for d in session.scalars(select(Document)) if d.id.hex.startswith(prefix)]
    if not matches:
        raise NotFoundError(f"no document {ref!r} (see `qda docs`)")
    if len(matches) > 1:
        raise AmbiguousError(f"{len(matches)} documents are called {ref!r}; use the id")
    return matches[0]


def resolve_participant(session: Session, ref: str) -> Participant:
    uid = parse_uuid(ref)
    if uid is not None:
        p = session.get(Participant, uid)
        if p is not None:
            return p
    p = session.scalars(
        select(Participant).where(func.lower(Participant.name) == ref.strip().lower())
    ).first()
    if p is None:
        raise NotFoundError(f"no participant {ref!r} (see `qda participants`)")
    return p


def get_or_create_participant(session: Session, name: str) -> Participant:
    clean = " ".join(name.split())
    p = session.scalars(
        select(Participant).where(func.lower(Participant.name) == clean.lower())
    ).first()
    if p is None:
        p = Participant(id=uuid.uuid4(), name=clean, created_at=utcnow())
        session.add(p)
        session.flush()
    return p
