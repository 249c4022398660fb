"""Undo and redo, per coder, persisted in the project (table ``undo_steps``).

Every undoable action writes its rows through a :class:`Journal`, which executes each
change at once (Core statements, in order) and records it: the whole row for an
insert or a delete, the old and new values for an update.  One action = one step.

*Undo* applies the inverse of each change in reverse order; *redo* replays them in
order.  Before touching a row it checks that the row is exactly as the step left it
(so an undo never overwrites what someone did since); if not, nothing changes and the
user is told.  Because the changes are recorded at row level, undo restores
everything exactly — a merge comes back with both codes, their definitions, the
codings moved back, relations and memo links as they were.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Table, Uuid, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from qda.common import record_event
from qda.db.engine import Store
from qda.db.models import Base, Coder, UndoStep
from qda.db.types import UTCDateTime, utcnow
from qda.errors import InvalidInputError

HISTORY_LIMIT = 500  # steps kept per coder (pruned every PRUNE_EVERY steps)
PRUNE_EVERY = 20
_CHUNK = 500


def table(name: str) -> Table:
    return Base.metadata.tables[name]


def _dump_value(col_type: Any, v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, uuid.UUID):
        return str(v)
    if isinstance(v, datetime | date):
        return v.isoformat()
    return v


def _load_value(col_type: Any, v: Any) -> Any:
    if v is None:
        return None
    if isinstance(col_type, Uuid):
        return uuid.UUID(v)
    if isinstance(col_type, UTCDateTime):
        return datetime.fromisoformat(v)
    if isinstance(col_type, Date):
        return date.fromisoformat(v)
    return v


def dump_row(t: Table, row: dict[str, Any]) -> dict[str, Any]:
    return {k: _dump_value(t.c[k].type, v) for k, v in row.items()}


def load_row(t: Table, row: dict[str, Any]) -> dict[str, Any]:
    return {k: _load_value(t.c[k].type, v) for k, v in row.items()}


def _chunks(items: Sequence[Any], n: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


class Journal:
    """Executes row changes for one user action and records them for undo."""

    def __init__(self, session: Session) -> None:
        self.s = session
        self.changes: list[dict[str, Any]] = []

    def insert(self, t: Table, row: dict[str, Any]) -> None:
        self.s.execute(insert(t).values(**row))
        self.changes.append({"op": "insert", "table": t.name, "row": dump_row(t, row)})

    def update(self, t: Table, row_id: uuid.UUID, values: dict[str, Any]) -> dict[str, Any]:
        """Set ``values`` on one row; returns the old values of the columns that changed."""
        cols = [t.c[k] for k in values]
        cur = self.s.execute(select(*cols).where(t.c.id == row_id)).one()
        before = dict(zip(values, cur, strict=True))
        changed = {k: v for k, v in values.items() if before[k] != v}
        if not changed:
            return {}
        self.s.execute(update(t).where(t.c.id == row_id).values(**changed))
        old = {k: before[k] for k in changed}
        self.changes.append(
            {
                "op": "update",
                "table": t.name,
                "id": str(row_id),
                "before": dump_row(t, old),
                "after": dump_row(t, changed),
            }
        )
        return old

    def update_many(
        self, t: Table, ids: Sequence[uuid.UUID], column: str, old: Any, new: Any
    ) -> None:
        """Set ``column`` from ``old`` to ``new`` on many rows (e.g. codings of a merge)."""
        if not ids or old == new:
            return
        for part in _chunks(list(ids)):
            self.s.execute(
                update(t).where(t.c.id.in_(part), t.c[column] == old).values({column: new})
            )
        typ = t.c[column].type
        self.changes.append(
            {
                "op": "update_many",
                "table": t.name,
                "ids": [str(i) for i in ids],
                "column": column,
                "before": _dump_value(typ, old),
                "after": _dump_value(typ, new),
            }
        )

    def delete(self, t: Table, row_id: uuid.UUID) -> dict[str, Any]:
        """Delete one row; returns it as it was."""
        row = self.s.execute(select(t).where(t.c.id == row_id)).mappings().one()
        data = dict(row)
        self.s.execute(delete(t).where(t.c.id == row_id))
        self.changes.append({"op": "delete", "table": t.name, "row": dump_row(t, data)})
        return data

    def delete_many(self, t: Table, ids: Sequence[uuid.UUID]) -> None:
        for i in ids:
            self.delete(t, i)


# -- applying recorded changes --------------------------------------------------------


class _Conflict(Exception):
    pass


def _invert(ch: dict[str, Any]) -> dict[str, Any]:
    op = ch["op"]
    if op == "insert":
        return {**ch, "op": "delete"}
    if op == "delete":
        return {**ch, "op": "insert"}
    return {**ch, "before": ch["after"], "after": ch["before"]}


def _describe_row(t: Table, ident: str) -> str:
    return f"{t.name.rstrip('s')} {ident[:8]}"


def _apply(s: Session, ch: dict[str, Any]) -> None:
    t = table(ch["table"])
    op = ch["op"]
    if op == "insert":
        row = load_row(t, ch["row"])
        if s.execute(select(t.c.id).where(t.c.id == row["id"])).first() is not None:
            raise _Conflict(f"{_describe_row(t, ch['row']['id'])} exists again")
        s.execute(insert(t).values(**row))
    elif op == "delete":
        row = load_row(t, ch["row"])
        cur = s.execute(select(t).where(t.c.id == row["id"])).mappings().first()
        if cur is None:
            raise _Conflict(f"{_describe_row(t, ch['row']['id'])} is gone")
        if any(cur[k] != v for k, v in row.items()):
            raise _Conflict(f"{_describe_row(t, ch['row']['id'])} was changed")
        s.execute(delete(t).where(t.c.id == row["id"]))
    elif op == "update":
        rid = uuid.UUID(ch["id"])
        before = load_row(t, ch["before"])
        cols = [t.c[k] for k in before]
        now = s.execute(select(*cols).where(t.c.id == rid)).first()
        if now is None:
            raise _Conflict(f"{_describe_row(t, ch['id'])} is gone")
        if any(a != b for a, b in zip(now, before.values(), strict=True)):
            raise _Conflict(f"{_describe_row(t, ch['id'])} was changed")
        s.execute(update(t).where(t.c.id == rid).values(**load_row(t, ch["after"])))
    elif op == "update_many":
        col = t.c[ch["column"]]
        old = _load_value(col.type, ch["before"])
        new = _load_value(col.type, ch["after"])
        ids = [uuid.UUID(i) for i in ch["ids"]]
        for part in _chunks(ids):
            n = s.scalar(select(func.count()).select_from(t).where(t.c.id.in_(part), col == old))
            if n != len(part):
                raise _Conflict(f"{len(part) - (n or 0)} {t.name} were changed")
            s.execute(update(t).where(t.c.id.in_(part)).values({col.key: new}))
    else:  # pragma: no cover - written by this module only
        raise ValueError(op)


def record_step(s: Session, coder: Coder, action: str, summary: str, journal: Journal) -> None:
    """Save the journal as this coder's newest step; clear the coder's redo stack."""
    if not journal.changes:
        return
    ut = table("undo_steps")
    s.execute(delete(ut).where(ut.c.coder_id == coder.id, ut.c.state == "undone"))
    step_id = s.execute(
        insert(ut).values(
            coder_id=coder.id,
            action=action,
            summary=summary,
            changes=json.dumps(journal.changes, ensure_ascii=False, separators=(",", ":")),
            state="done",
            created_at=utcnow(),
        )
    ).inserted_primary_key[0]  # type: ignore[attr-defined]
    if step_id % PRUNE_EVERY:
        return
    oldest_kept = s.scalar(
        select(ut.c.id)
        .where(ut.c.coder_id == coder.id, ut.c.state == "done")
        .order_by(ut.c.id.desc())
        .offset(HISTORY_LIMIT - 1)
        .limit(1)
    )
    if oldest_kept is not None:
        s.execute(
            delete(ut).where(ut.c.coder_id == coder.id, ut.c.state == "done", ut.c.id < oldest_kept)
        )


def _next_step(s: Session, coder: Coder, *, redo: bool) -> UndoStep | None:
    q = select(UndoStep).where(
        UndoStep.coder_id == coder.id, UndoStep.state == ("undone" if redo else "done")
    )
    q = q.order_by(UndoStep.id.asc() if redo else UndoStep.id.desc()).limit(1)
    return s.scalars(q).first()


def _run(store: Store, coder_name: str, *, redo: bool, discard: bool = False) -> str | None:
    verb = "redo" if redo else "undo"
    with store.write() as s:
        found = s.scalars(
            select(Coder).where(func.lower(Coder.name) == " ".join(coder_name.split()).lower())
        ).first()
        if found is None:
            return None  # a coder who never did anything here has nothing to undo
        coder = found
        step = _next_step(s, coder, redo=redo)
        if step is None:
            return None
        summary = step.summary
        if discard:
            s.delete(step)
            record_event(
                s, coder=coder, action=f"discard_{verb}", entity_kind="undo_step",
                entity_id=None, summary=f"dropped from the {verb} history: {summary}",
            )  # fmt: skip
            return summary
        changes: list[dict[str, Any]] = json.loads(step.changes)
        todo = changes if redo else [_invert(c) for c in reversed(changes)]
        try:
            for ch in todo:
                _apply(s, ch)
        except _Conflict as exc:
            raise InvalidInputError(
                f"cannot {verb} '{summary}': {exc} since; "
                f"`qda {verb} --discard` drops it from the history"
            ) from exc
        except IntegrityError as exc:
            raise InvalidInputError(
                f"cannot {verb} '{summary}': other work now depends on it; "
                f"`qda {verb} --discard` drops it from the history"
            ) from exc
        step.state = "done" if redo else "undone"
        record_event(
            s,
            coder=coder,
            action=verb,
            entity_kind="undo_step",
            entity_id=None,
            summary=f"{verb}: {summary}",
            after={"step": step.id, "action": step.action, "changes": len(changes)},
        )
        return summary


def undo(store: Store, coder: str, *, discard: bool = False) -> str | None:
    """Undo this coder's last action; its summary, or None when there is nothing to undo."""
    return _run(store, coder, redo=False, discard=discard)


def redo(store: Store, coder: str, *, discard: bool = False) -> str | None:
    """Redo this coder's last undone action; its summary, or None."""
    return _run(store, coder, redo=True, discard=discard)


def history(store: Store, coder: str, *, limit: int = 50) -> list[dict[str, Any]]:
    """This coder's undo (``done``) and redo (``undone``) stacks, newest first."""
    with store.read() as s:
        c = s.scalars(select(Coder).where(func.lower(Coder.name) == coder.strip().lower())).first()
        if c is None:
            return []
        rows = s.scalars(
            select(UndoStep)
            .where(UndoStep.coder_id == c.id)
            .order_by(UndoStep.id.desc())
            .limit(limit)
        ).all()
        return [
            {
                "id": r.id,
                "action": r.action,
                "summary": r.summary,
                "state": r.state,
                "at": r.created_at.isoformat(),
            }
            for r in rows
        ]
