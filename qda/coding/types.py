"""Plain, frozen results of the coding engine (what services return; never ORM rows).

All ids are ``str(uuid)``; times are ISO 8601 strings in UTC.  The names and fields
here are a contract with the TUI, suggestion, exchange and team code (see
CODING_API.md): add fields at the end, never rename.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

PARADIGM_ROLES = (
    "causal condition of",
    "context of",
    "intervening condition of",
    "strategy for",
    "consequence of",
)
GENERAL_RELATIONS = ("is part of", "is a", "is associated with", "contradicts")
RELATION_TYPES = PARADIGM_ROLES + GENERAL_RELATIONS


class _Plain:
    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]


@dataclass(frozen=True)
class CodeInfo(_Plain):
    id: str
    name: str
    kind: str
    parent_id: str | None
    path: str
    definition: str
    inclusion: str
    exclusion: str
    example: str
    color: str | None
    is_core: bool
    origin: str
    retired: bool
    position: int
    codings: int = 0
    documents: int = 0
    participants: int = 0
    depth: int = 0
    created_at: str = ""
    updated_at: str = ""


@dataclass(frozen=True)
class CodingInfo(_Plain):
    id: str
    code_id: str
    code: str
    code_path: str
    document_id: str
    document: str
    participant: str | None
    coder: str
    start: int
    end: int
    quote: str
    origin: str
    created_at: str
    match: str = "span"  # how the span was found: span, exact, normalised, fuzzy
    score: float = 100.0


@dataclass(frozen=True)
class RelationInfo(_Plain):
    id: str
    source_id: str
    source: str
    type: str
    target_id: str
    target: str
    note: str
    coder: str | None
    created_at: str
    is_paradigm: bool = False


@dataclass(frozen=True)
class MemoInfo(_Plain):
    id: str
    type: str
    title: str
    body: str
    author: str | None
    created_at: str
    updated_at: str
    links: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class EventInfo(_Plain):
    id: str
    at: str
    coder: str | None
    action: str
    entity_kind: str
    entity_id: str | None
    summary: str
    before: Any
    after: Any


@dataclass(frozen=True)
class Segment(_Plain):
    """A coded segment with its context, for constant comparison."""

    id: str  # the coding's id
    code_id: str
    code: str
    code_path: str
    document_id: str
    document: str
    participant_id: str | None
    participant: str | None
    coder: str
    start: int
    end: int
    quote: str
    origin: str
    created_at: str
    context_before: str
    context_after: str
    attributes: dict[str, Any] = field(default_factory=dict)
