"""What a REFI-QDA import did, for the command line, JSON and tests."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class RefiImportReport:
    file: str
    kind: str = "project"  # "project" (.qdpx/.qde) or "codebook" (.qdc)
    name: str = ""
    origin: str = ""
    # what the file holds
    sources_in_file: int = 0
    sources_by_kind: dict[str, int] = field(default_factory=dict)
    codes_in_file: int = 0
    selections_in_file: int = 0
    codings_in_file: int = 0
    notes_in_file: int = 0
    # what was stored
    documents: list[dict[str, Any]] = field(default_factory=list)
    reused_documents: list[dict[str, Any]] = field(default_factory=list)
    skipped_sources: list[dict[str, Any]] = field(default_factory=list)
    codes_created: int = 0
    codes_reused: int = 0
    codings_imported: int = 0
    codings_existing: int = 0
    codings_skipped: int = 0  # of skipped sources, unknown codes, empty selections
    memos_created: int = 0
    memo_links: int = 0
    relations_created: int = 0
    participants_created: int = 0
    coders_created: int = 0
    attribute_values: int = 0
    attribute_conflicts: int = 0
    # offsets and the selection-name check
    names_verified: int = 0
    names_unverifiable: int = 0  # a name that is a label, not the quoted text
    mismatch_count: int = 0
    mismatches: list[dict[str, Any]] = field(default_factory=list)
    empty_selections: int = 0
    not_imported: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        return summary_lines(vars(self))[0]  # the fields as they are: no deep copy


def summary_lines(data: dict[str, Any]) -> list[str]:
    """A REFI-QDA import report (as :meth:`RefiImportReport.to_dict`) for people: a
    summary line, then what was not imported and any warnings, one line each."""
    skipped = len(data.get("skipped_sources", []))
    mismatches = data.get("mismatch_count", 0)
    lines = [
        f"{data['file']}: {len(data.get('documents', []))} documents, "
        f"{data.get('codes_created', 0)} codes, {data.get('codings_imported', 0)} codings, "
        f"{data.get('memos_created', 0)} memos imported"
        + (f"; {skipped} sources skipped" if skipped else "")
        + (f"; {mismatches} selection names differ" if mismatches else "")
    ]
    for what, n in sorted(data.get("not_imported", {}).items()):
        lines.append(f"  not imported: {n} {what}")
    for m in data.get("mismatches", [])[:5]:
        lines.append(
            f"  selection name differs: {m.get('source')} {m.get('start')}-{m.get('end')} "
            f"named {m.get('name')!r}, text {m.get('text', '')[:60]!r}"
        )
    lines.extend(f"  warning: {w}" for w in data.get("warnings", []))
    return lines
