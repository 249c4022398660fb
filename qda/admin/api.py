"""The admin methods of :class:`qda.Project` (a mixin; see qda/project.py)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qda.documents.importer import ImportReport

REFI = (".qdpx", ".qdc")

if TYPE_CHECKING:
    from qda.admin.backup import BackupResult
    from qda.admin.check import CheckReport
    from qda.config import Config
    from qda.db.engine import Store


@dataclass
class PseudonymisedImportReport(ImportReport):
    """An import report plus what pseudonymisation did (no real names: see the mapping)."""

    mapping: str = ""
    pseudonymisation: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        data = super().to_dict()
        data["mapping"] = self.mapping
        data["pseudonymisation"] = self.pseudonymisation
        return data


class AdminAPI:
    store: Store
    coder: str
    config: Config

    def backup(self, out: str | os.PathLike[str]) -> BackupResult:
        """A consistent copy of this (SQLite) project through SQLite's backup API."""
        from qda.admin.backup import backup_project

        return backup_project(self.store.target, out)

    def check(self) -> CheckReport:
        """Integrity, offsets and quotes against their documents, orphans."""
        from qda.admin.check import check_store

        return check_store(self.store)

    def import_pseudonymised(
        self,
        paths: Iterable[str | os.PathLike[str]],
        *,
        names: str | os.PathLike[str],
        mapping: str | os.PathLike[str] | None = None,
        participant: str | None = None,
        strict: bool = False,
        max_bytes: int | None = None,
        progress: Callable[[int, int], None] | None = None,
        nlp: Any = None,
    ) -> PseudonymisedImportReport:
        """Import transcripts with real names replaced by pseudonyms before storage.

        ``names`` is a CSV of ``real name,pseudonym``; the mapping CSV goes to
        ``mapping`` (default: beside ``names``), never into the project.  ``nlp``
        overrides the entity recogniser used to list candidate names (default: the
        configured trained pipeline, if any).
        """
        from qda.admin.pseudonymise import (
            Pseudonymiser,
            default_mapping_path,
            load_names,
            mapping_target,
            ner_pipeline,
            write_mapping,
        )
        from qda.documents.importer import expand_paths, import_transcripts
        from qda.errors import InvalidInputError

        names_path = Path(names)
        pairs = load_names(names_path)
        given = [Path(p) for p in paths]
        refi = [f for f in expand_paths(given, ImportReport()) if f.suffix.lower() in REFI]
        if refi:  # their text would go in as it is: refuse rather than leak names
            raise InvalidInputError(
                f"{refi[0]}: --pseudonymise works on transcripts, not on REFI-QDA files"
            )
        out = mapping_target(
            Path(mapping) if mapping else default_mapping_path(names_path),
            project=self.store.target,
        )
        ps = Pseudonymiser(pairs, nlp=nlp if nlp is not None else ner_pipeline())
        try:
            base = import_transcripts(
                self.store,
                given,
                coder=self.coder,
                participant=participant,
                strict=strict,
                max_bytes=max_bytes or self.config.max_import_bytes,
                progress=progress,
                transform=ps,
            )
        except BaseException:
            if not strict:  # some files may be in already: keep the mapping of all seen
                write_mapping(out, ps.mapping_rows())
            raise
        imported = {Path(d.path).name for d in base.imported}
        rows = [r for r in ps.mapping_rows() if r["source_file"] in imported]
        written = write_mapping(out, rows)
        summary = ps.summary()
        summary["candidates"] = [c for c in summary["candidates"] if c["source_file"] in imported]
        report = PseudonymisedImportReport(
            imported=base.imported,
            duplicates=base.duplicates,
            skipped=base.skipped,
            ignored=base.ignored,
            mapping=str(written),
            pseudonymisation=summary,
        )
        report.notes.append(
            f"pseudonymised: {summary['replacements']} replacements; mapping written to {written}"
        )
        if summary["candidates"]:
            names_found = sorted({c["name"] for c in summary["candidates"]})
            report.notes.append(
                f"{len(names_found)} possible names not in the list (not replaced; see the "
                f"mapping file): {', '.join(names_found[:20])}"
                + (" ..." if len(names_found) > 20 else "")
            )
        return report
