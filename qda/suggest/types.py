"""Plain results of the suggestion services (never ORM rows).  Ids are ``str(uuid)``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


class _Plain:
    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]


@dataclass(frozen=True)
class SuggestionInfo(_Plain):
    """A stored suggestion: a candidate segment for a code, waiting for a person."""

    id: str
    code_id: str
    code: str
    document_id: str
    document: str
    participant: str | None
    start: int
    end: int
    text: str
    unit: str
    method: str
    score: float
    terms: list[str]
    status: str
    created_at: str
    reviewed_by: str | None = None
    reviewed_at: str | None = None
    coding_id: str | None = None
    duplicates: int = 0  # near-duplicates collapsed into this one (this ranking only)
    context_before: str = ""
    context_after: str = ""


@dataclass(frozen=True)
class KeyTerm(_Plain):
    """A lemma distinctive of a code's segments (Monroe et al. 2008 log-odds z-score)."""

    id: str  # the lemma itself: key terms have no other identity
    term: str
    z: float
    log_odds: float
    count: int  # in the code's segments
    rest: int  # in the rest of the corpus
    segments: int  # the code's segments that contain it


@dataclass(frozen=True)
class RuleInfo(_Plain):
    """An autocoding rule of a code: terms, optional co-occurring terms, token patterns."""

    id: str
    code_id: str
    code: str
    terms: list[str]
    with_terms: list[str]
    patterns: list[Any]
    unit: str
    created_by: str | None
    created_at: str


@dataclass(frozen=True)
class InvivoCandidate(_Plain):
    """A salient phrase in the participant's own words, with where it occurs."""

    id: str  # "document_id:start:end" of its first occurrence
    phrase: str
    score: float
    count: int  # occurrences in the selection or transcript
    rest: int  # occurrences in the other documents
    document_id: str
    start: int
    end: int
    method: str  # "noun-chunk" or "n-gram"
    occurrences: list[tuple[int, int]] = field(default_factory=list)
