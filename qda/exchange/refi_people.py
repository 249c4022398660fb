"""Users, cases and variables of a REFI-QDA file -> coders, participants, attributes."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from qda.db.bulk import bulk_insert
from qda.db.models import Attribute, AttributeValue, Coder, Participant
from qda.documents.importer import participant_from_filename
from qda.exchange.refi_common import parse_date, parse_number
from qda.exchange.refi_parse import RProject, RVariableValue
from qda.exchange.refi_report import RefiImportReport
from qda.exchange.refi_store import table_of

_TYPES = {"integer": "number", "float": "number", "date": "date", "datetime": "date"}


class People:
    """Resolves and creates coders, participants and attributes for one import."""

    def __init__(
        self, s: Session, p: RProject, me: uuid.UUID, now: datetime, report: RefiImportReport
    ) -> None:
        self.s = s
        self.r = report
        self.p = p
        self.me = me
        self.now = now
        self.coder_ids = set(s.scalars(select(Coder.id)))
        self.coder_names = {n.casefold(): i for i, n in s.execute(select(Coder.id, Coder.name))}
        self.coder_map: dict[uuid.UUID, uuid.UUID] = {}
        self.new_coders: list[dict[str, Any]] = []
        self.part_ids = {i: n for i, n in s.execute(select(Participant.id, Participant.name))}
        self.part_names = {n.casefold(): i for i, n in self.part_ids.items()}
        self.new_parts: list[dict[str, Any]] = []
        self.attrs = {
            n.casefold(): (i, t)
            for i, n, t in s.execute(select(Attribute.id, Attribute.name, Attribute.type))
        }
        self.new_attrs: list[dict[str, Any]] = []
        self.values = {
            (r[0], r[1]): r[2]
            for r in s.execute(
                select(
                    AttributeValue.participant_id,
                    AttributeValue.attribute_id,
                    AttributeValue.text_value,
                )
            )
        }
        self.new_values: list[dict[str, Any]] = []
        self.case_map: dict[uuid.UUID, uuid.UUID] = {}
        self.source_case: dict[uuid.UUID, uuid.UUID] = {}
        self.doc_part: dict[uuid.UUID, uuid.UUID | None] = {}

    # -- coders --------------------------------------------------------------------
    def coder_for(self, *guids: uuid.UUID | None) -> uuid.UUID:
        """The coder of the first known GUID (coding, selection, source, project creator)."""
        for g in guids:
            if g is not None:
                hit = self.coder_map.get(g)
                return hit if hit is not None else self._coder(g)
        if self.p.creating_user is not None:
            return self._coder(self.p.creating_user)
        return self.me

    def _coder(self, g: uuid.UUID) -> uuid.UUID:
        if g in self.coder_map:
            return self.coder_map[g]
        if g in self.coder_ids:
            cid = g
        else:
            name = " ".join(self.p.users.get(g, f"user {str(g)[:8]}").split())[:200]
            cid = self.coder_names.get(name.casefold()) or g
            if cid == g:
                self.new_coders.append({"id": g, "name": name, "created_at": self.now})
                self.coder_ids.add(g)
                self.coder_names[name.casefold()] = g
        self.coder_map[g] = cid
        return cid

    # -- participants --------------------------------------------------------------
    def _participant(self, pid: uuid.UUID | None, name: str) -> uuid.UUID:
        if pid is not None and pid in self.part_ids:
            return pid
        clean = " ".join(name.split())[:200]
        hit = self.part_names.get(clean.casefold())
        if hit is not None:
            return hit
        new = pid or uuid.uuid4()
        self.part_ids[new] = clean
        self.part_names[clean.casefold()] = new
        self.new_parts.append({"id": new, "name": clean, "created_at": self.now})
        self.r.participants_created += 1
        return new

    def participants(self) -> None:
        for case in self.p.cases:
            pid = self._participant(case.id, case.name or f"case {str(case.id)[:8]}")
            self.case_map[case.id] = pid
            for sid in case.sources:
                self.source_case.setdefault(sid, pid)
            self._values(pid, case.values)
        bulk_insert(self.s.connection(), table_of(Participant), self.new_parts)
        self.new_parts = []
        self._flush_attrs()

    def participant_for(self, source_id: uuid.UUID, doc_name: str) -> uuid.UUID | None:
        """A new document's participant: its case, else (no cases in the file) its name."""
        pid = self.source_case.get(source_id)
        if pid is None and not self.p.cases:
            pid = self._participant(None, participant_from_filename(Path(doc_name + ".txt")))
            bulk_insert(self.s.connection(), table_of(Participant), self.new_parts)
            self.new_parts = []
        self.doc_part[source_id] = pid
        return pid

    def participant_name(self, pid: uuid.UUID | None) -> str | None:
        return self.part_ids.get(pid) if pid is not None else None

    # -- attributes ----------------------------------------------------------------
    def _attribute(self, var: uuid.UUID | None, kind: str) -> tuple[uuid.UUID, str] | None:
        if var is None or var not in self.p.variables:
            return None
        name, vtype = self.p.variables[var]
        key = name.casefold()
        if key not in self.attrs:
            aid = var
            atype = _TYPES.get(vtype.lower(), _TYPES.get(kind.lower(), "text"))
            self.attrs[key] = (aid, atype)
            self.new_attrs.append(
                {"id": aid, "name": name[:200], "type": atype, "created_at": self.now}
            )
        return self.attrs[key]

    def _values(self, pid: uuid.UUID, values: list[RVariableValue]) -> None:
        r = self.r
        for v in values:
            found = self._attribute(v.variable, v.type)
            if found is None or not v.value:
                continue
            aid, atype = found
            raw = v.value
            if v.type.lower() == "boolean":
                raw = "yes" if raw.lower() in ("true", "1") else "no"
            number = parse_number(raw) if atype == "number" else None
            day = parse_date(raw) if atype == "date" else None
            if (atype == "number" and number is None) or (atype == "date" and day is None):
                r.attribute_conflicts += 1
                continue
            text = raw[:10] if atype == "date" else raw
            if (pid, aid) in self.values:
                if self.values[(pid, aid)] != text:
                    r.attribute_conflicts += 1
                continue
            self.values[(pid, aid)] = text
            self.new_values.append(
                {"participant_id": pid, "attribute_id": aid, "text_value": text,
                 "number_value": number, "date_value": day}
            )  # fmt: skip
            r.attribute_values += 1

    def source_values(self, source_id: uuid.UUID, values: list[RVariableValue]) -> None:
        """Variables a tool put on a source: they belong to the document's participant."""
        pid = self.doc_part.get(source_id)
        if pid is not None:
            self._values(pid, values)
            self._flush_attrs()

    def _flush_attrs(self) -> None:
        conn = self.s.connection()
        bulk_insert(conn, table_of(Attribute), self.new_attrs)
        bulk_insert(conn, table_of(AttributeValue), self.new_values)
        self.new_attrs, self.new_values = [], []

    def flush(self, conn: Connection) -> None:
        """Insert the coders met so far (before rows that refer to them)."""
        self.r.coders_created += len(self.new_coders)
        bulk_insert(conn, table_of(Coder), self.new_coders)
        self.new_coders = []
