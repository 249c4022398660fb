"""Participant attributes from a CSV: one row per participant, typed columns.

The identifying column is the first one named ``participant``, ``id``, ``case`` or
``name`` (else the first column).  A column is a number when every non-empty value is
a number, a date when every one is an ISO date (``2026-03-02``), otherwise text.
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qda.common import get_or_create_coder, get_or_create_participant, record_event
from qda.db.engine import Store
from qda.db.models import Attribute, AttributeValue, Participant
from qda.db.types import utcnow
from qda.documents.text import DecodeError, decode, normalize
from qda.errors import ImportFileError

ID_COLUMNS = ("participant", "id", "case", "name", "participant_id")
MAX_CSV_BYTES = 20 * 1024 * 1024


@dataclass
class AttributeReport:
    participants: int = 0
    created_participants: list[str] = field(default_factory=list)
    attributes: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {
            "participants": self.participants,
            "created_participants": self.created_participants,
            "attributes": self.attributes,
        }


def _as_number(v: str) -> float | None:
    try:
        return float(v.replace(",", "")) if v.strip() else None
    except ValueError:
        return None


def _as_date(v: str) -> date | None:
    try:
        return date.fromisoformat(v.strip())
    except ValueError:
        return None


def infer_type(values: list[str]) -> str:
    filled = [v for v in values if v.strip()]
    if not filled:
        return "text"
    if all(_as_number(v) is not None for v in filled):
        return "number"
    if all(_as_date(v) is not None for v in filled):
        return "date"
    return "text"


def read_attribute_csv(path: Path) -> tuple[str, list[str], list[list[str]]]:
    """Parse the CSV: (id column, other columns, rows).  Errors name the file and line."""
    name = str(path)
    if not path.is_file():
        raise ImportFileError(name, "no such file")
    if path.stat().st_size > MAX_CSV_BYTES:
        raise ImportFileError(name, "attribute CSV too large")
    try:
        raw, _ = decode(path.read_bytes())
    except DecodeError as exc:
        raise ImportFileError(name, str(exc)) from exc
    text_ = normalize(raw)
    try:
        dialect = csv.Sniffer().sniff(text_[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        rows = list(csv.reader(io.StringIO(text_), dialect))
    except csv.Error as exc:
        raise ImportFileError(name, f"malformed CSV ({exc})") from exc
    rows = [r for r in rows if any(c.strip() for c in r)]
    if len(rows) < 2:
        raise ImportFileError(name, "no participant rows in CSV")
    header = [h.strip() for h in rows[0]]
    if any(not h for h in header) or len(set(h.lower() for h in header)) != len(header):
        raise ImportFileError(name, "CSV header has empty or repeated column names")
    lowered = [h.lower() for h in header]
    id_col = next((lowered.index(c) for c in ID_COLUMNS if c in lowered), 0)
    body = rows[1:]
    for n, row in enumerate(body, start=2):
        if len(row) != len(header):
            what = "missing" if len(row) < len(header) else "extra"
            raise ImportFileError(
                name, f"line {n}: {len(row)} fields, header has {len(header)} ({what} columns)"
            )
        if not row[id_col].strip():
            raise ImportFileError(name, f"line {n}: empty participant id")
    ids = [r[id_col].strip().lower() for r in body]
    if len(set(ids)) != len(ids):
        raise ImportFileError(name, "the same participant appears on two rows")
    return (
        header[id_col],
        [h for i, h in enumerate(header) if i != id_col],
        [[r[id_col].strip()] + [c for i, c in enumerate(r) if i != id_col] for r in body],
    )


def _set_value(session: Session, pid: uuid.UUID, attr: Attribute, raw: str) -> None:
    value = session.get(AttributeValue, (pid, attr.id))
    if not raw.strip():
        if value is not None:
            session.delete(value)
        return
    if value is None:
        value = AttributeValue(participant_id=pid, attribute_id=attr.id)
        session.add(value)
    value.text_value = raw.strip()
    value.number_value = _as_number(raw) if attr.type == "number" else None
    value.date_value = _as_date(raw) if attr.type == "date" else None


def import_attributes(store: Store, path: Path, *, coder: str) -> AttributeReport:
    """Create or update participants and their typed attributes, in one transaction."""
    _, columns, rows = read_attribute_csv(path)
    report = AttributeReport()
    with store.write() as session:
        who = get_or_create_coder(session, coder)
        attrs: list[Attribute] = []
        for ci, col in enumerate(columns):
            values = [r[ci + 1] for r in rows]
            kind = infer_type(values)
            attr = session.scalars(select(Attribute).where(Attribute.name == col)).first()
            if attr is None:
                attr = Attribute(id=uuid.uuid4(), name=col, type=kind, created_at=utcnow())
                session.add(attr)
                session.flush()
            elif attr.type != kind and kind != "text" and attr.type == "text":
                pass  # stays text: a text column may hold numbers
            elif attr.type != kind and any(v.strip() for v in values):
                checker = _as_number if attr.type == "number" else _as_date
                bad = next((v for v in values if v.strip() and checker(v) is None), None)
                if bad is not None:
                    raise ImportFileError(
                        str(path), f"column {col!r}: {bad!r} is not a {attr.type} as before"
                    )
            attrs.append(attr)
            report.attributes[col] = attr.type
        for row in rows:
            found = session.scalars(
                select(Participant).where(func.lower(Participant.name) == row[0].lower())
            ).first()
            part = found or get_or_create_participant(session, row[0])
            if found is None:
                report.created_participants.append(part.name)
            for attr, raw in zip(attrs, row[1:], strict=True):
                _set_value(session, part.id, attr, raw)
            report.participants += 1
        record_event(
            session,
            coder=who,
            action="import_attributes",
            entity_kind="participant",
            entity_id=None,
            summary=f"attributes from {path.name}: {report.participants} participants",
            after=report.to_dict(),
        )
    return report
