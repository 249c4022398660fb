"""What a merge knows about the destination, and what it reports and plans.

:class:`Index` holds the destination's ids and matching keys (no texts), read once in
the merge's transaction and updated as rows are planned.  :class:`SourceReport` is
what one other project brought; :class:`Plan` the rows to insert for it.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from qda.db.models import Base
from qda.team import rawio
from qda.team.matching import CodePair, norm

if TYPE_CHECKING:
    from qda.team.snapshot import Snapshot

Id = str  # a canonical id: 32 hex digits (see qda.team.rawio)

MERGE_NS = uuid.UUID("5b0f6f2e-3c1d-4a8e-9f57-6a1e2d9c7b40")
DEFINITION_FIELDS = ("definition", "inclusion", "exclusion", "example")
INSERT_ORDER = (
    "coders", "participants", "attributes", "attribute_values", "documents", "turns",
    "sentences", "codes", "codings", "relations", "memos", "memo_links", "events",
)  # fmt: skip
CodingKey = tuple[Id, Id, Id, int, int]


def derived_id(kind: str, *parts: object) -> Id:
    """An id that depends only on what it names (so a repeated merge finds it)."""
    return uuid.uuid5(MERGE_NS, "|".join([kind, *(str(p) for p in parts)])).hex


def digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:16]


@dataclass
class Index:
    """What the destination holds: ids and matching keys (updated while planning)."""

    coder_by_name: dict[str, Id] = field(default_factory=dict)
    coder_ids: set[Id] = field(default_factory=set)
    participants: dict[Id, str] = field(default_factory=dict)
    participant_by_name: dict[str, Id] = field(default_factory=dict)
    attributes: dict[Id, tuple[str, str]] = field(default_factory=dict)
    attribute_by_name: dict[str, Id] = field(default_factory=dict)
    values: dict[tuple[Id, Id], tuple[Any, Any, Any]] = field(default_factory=dict)
    docs: dict[Id, tuple[str, str]] = field(default_factory=dict)  # id -> (sha, name)
    doc_by_sha: dict[str, Id] = field(default_factory=dict)
    doc_names: set[str] = field(default_factory=set)
    max_position: int = 0
    codes: dict[Id, dict[str, Any]] = field(default_factory=dict)
    code_by_key: dict[tuple[Id | None, str], Id] = field(default_factory=dict)
    codings: dict[Id, CodingKey] = field(default_factory=dict)
    coding_by_key: dict[CodingKey, Id] = field(default_factory=dict)
    relations: dict[Id, tuple[Id, str, Id]] = field(default_factory=dict)
    relation_by_key: dict[tuple[Id, str, Id], Id] = field(default_factory=dict)
    memos: dict[Id, tuple[str, str]] = field(default_factory=dict)
    link_keys: set[tuple[Id, str, Id]] = field(default_factory=set)
    link_ids: set[Id] = field(default_factory=set)
    events_added: set[Id] = field(default_factory=set)

    @classmethod
    def build(cls, s: Session) -> Index:
        conn = s.connection()
        t = Base.metadata.tables

        def rows(name: str, *cols: str) -> list[Sequence[Any]]:
            return rawio.tuples(conn, t[name], cols)

        ix = cls()
        for cid, name in rows("coders", "id", "name"):
            ix.coder_by_name[norm(name)] = cid
            ix.coder_ids.add(cid)
        for pid, name in rows("participants", "id", "name"):
            ix.participants[pid] = name
            ix.participant_by_name[norm(name)] = pid
        for aid, name, type_ in rows("attributes", "id", "name", "type"):
            ix.attributes[aid] = (name, type_)
            ix.attribute_by_name[norm(name)] = aid
        values = ("participant_id", "attribute_id", "text_value", "number_value", "date_value")
        for pid, aid, text_, number, day in rows("attribute_values", *values):
            ix.values[(pid, aid)] = (text_, number, day)
        for did, sha, name, pos in rows("documents", "id", "sha256", "name", "position"):
            ix.docs[did] = (sha, name)
            ix.doc_by_sha[sha] = did
            ix.doc_names.add(norm(name))
            ix.max_position = max(ix.max_position, pos or 0)
        code_cols = ("id", "name", "parent_id", "kind", *DEFINITION_FIELDS)
        for row in rows("codes", *code_cols):
            info = dict(zip(code_cols, row, strict=True))
            ix.codes[info["id"]] = info
            ix.code_by_key[(info["parent_id"], norm(info["name"]))] = info["id"]
        cols = ("id", "document_id", "code_id", "coder_id", "start", "end")
        for kid, doc, code, coder, start, end in rows("codings", *cols):
            key = (doc, code, coder, start, end)
            ix.codings[kid] = key
            ix.coding_by_key.setdefault(key, kid)
        for rid, src, type_, tgt in rows("relations", "id", "source_id", "type", "target_id"):
            rkey = (src, norm(type_), tgt)
            ix.relations[rid] = rkey
            ix.relation_by_key.setdefault(rkey, rid)
        for mid, title, body in rows("memos", "id", "title", "body"):
            ix.memos[mid] = (title, body)
        for lid, memo, kind, target in rows(
            "memo_links", "id", "memo_id", "target_kind", "target_id"
        ):
            ix.link_ids.add(lid)
            ix.link_keys.add((memo, kind, target))
        return ix

    def code_path(self, cid: Id) -> str:
        parts: list[str] = []
        cur: Id | None = cid
        seen: set[Id] = set()
        while cur is not None and cur in self.codes and cur not in seen:
            seen.add(cur)
            parts.append(self.codes[cur]["name"])
            cur = self.codes[cur]["parent_id"]
        return "/".join(reversed(parts))


@dataclass
class SourceReport:
    """What one other project brought: matched, added, dropped, in conflict."""

    id: str
    name: str
    matched: dict[str, int] = field(default_factory=dict)
    added: dict[str, int] = field(default_factory=dict)
    duplicates: dict[str, int] = field(default_factory=dict)
    conflicts: list[dict[str, str]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    added_coders: list[dict[str, str]] = field(default_factory=list)
    added_documents: list[dict[str, str]] = field(default_factory=list)
    added_codes: list[dict[str, str]] = field(default_factory=list)
    matched_codes: list[dict[str, str]] = field(default_factory=list)
    near_duplicates: list[CodePair] = field(default_factory=list)
    opposites: list[CodePair] = field(default_factory=list)
    not_merged: dict[str, int] = field(default_factory=dict)

    @property
    def changes(self) -> int:
        return sum(self.added.values())

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Plan:
    report: SourceReport
    inserts: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {t: [] for t in INSERT_ORDER}
    )
    # (code id, field, old value, new value)
    code_updates: list[tuple[Id, str, str, str]] = field(default_factory=list)
    made_memos: list[dict[str, Any]] = field(default_factory=list)
    new_docs: list[Id] = field(default_factory=list)  # dest ids, for the FTS index


def existing_events(s: Session, snaps: list[Snapshot]) -> set[Id]:
    """Which of the other projects' event ids the destination holds already."""
    ids = sorted({e["id"] for snap in snaps for e in snap.rows["events"]})
    events = Base.metadata.tables["events"]
    rows = rawio.read(s.connection(), events, columns=["id"], where_in=("id", ids))
    return {r["id"] for r in rows}


def deleted_here(s: Session, ix: Index, snaps: list[Snapshot]) -> set[Id]:
    """Codings of the other projects that this project's events know but it no longer
    holds: they were removed here (uncoded, settled) and must not come back."""
    ids = sorted(
        {k["id"] for snap in snaps for k in snap.rows["codings"] if k["id"] not in ix.codings}
    )
    events = Base.metadata.tables["events"]
    rows = rawio.read(s.connection(), events, columns=["entity_id"], where_in=("entity_id", ids))
    return {r["entity_id"] for r in rows}
