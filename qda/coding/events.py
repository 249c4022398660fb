"""The audit trail: every change writes an event; ``log`` lists and filters them."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, or_, select

from qda.coding.types import EventInfo
from qda.coding.views import iso
from qda.common import parse_uuid
from qda.db.engine import Store
from qda.db.models import Coder, Event
from qda.errors import InvalidInputError


def _when(value: str | date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    try:
        d = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidInputError(f"--since {value!r}: give a date (2026-03-01) or a time") from exc
    return d if d.tzinfo else d.replace(tzinfo=UTC)


def _json(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def log(
    store: Store,
    *,
    limit: int | None = 100,
    action: str | None = None,
    coder: str | None = None,
    since: str | date | datetime | None = None,
    until: str | date | datetime | None = None,
    entity: str | None = None,
    entity_kind: str | None = None,
) -> list[EventInfo]:
    """Events, newest first.  ``action`` is a name (``merge_codes``), a comma-separated
    list, or a pattern with ``*`` (``*code*``); ``entity`` an id."""
    q = select(Event, Coder.name).outerjoin(Coder, Coder.id == Event.coder_id)
    if action:
        conds = []
        for a in (x.strip() for x in action.split(",")):
            if not a:
                continue
            conds.append(Event.action.like(a.replace("*", "%")) if "*" in a else Event.action == a)
        if conds:
            q = q.where(or_(*conds))
    if coder:
        q = q.where(func.lower(Coder.name) == coder.strip().lower())
    if since is not None:
        q = q.where(Event.at >= _when(since))
    if until is not None:
        q = q.where(Event.at < _when(until))
    if entity:
        uid = parse_uuid(entity)
        if uid is None:
            raise InvalidInputError(f"--entity {entity!r}: give a full id")
        q = q.where(Event.entity_id == uid)
    if entity_kind:
        q = q.where(Event.entity_kind == entity_kind.strip().lower())
    q = q.order_by(Event.at.desc(), Event.id)
    if limit:
        q = q.limit(limit)
    with store.read() as s:
        return [
            EventInfo(
                id=str(e.id),
                at=iso(e.at),
                coder=name,
                action=e.action,
                entity_kind=e.entity_kind,
                entity_id=str(e.entity_id) if e.entity_id else None,
                summary=e.summary,
                before=_json(e.before),
                after=_json(e.after),
            )
            for e, name in s.execute(q)
        ]
