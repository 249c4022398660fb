"""The exchange methods of :class:`qda.Project` (a mixin; see qda/project.py)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qda.config import Config
    from qda.db.engine import Store
    from qda.exchange.codebook_docx import WordResult
    from qda.exchange.csv_export import CsvResult
    from qda.exchange.output import ExportResult
    from qda.exchange.refi_report import RefiImportReport
    from qda.exchange.safe_zip import Limits

Progress = Callable[[int, int], None]
PathLike = str | os.PathLike[str]


class ExchangeAPI:
    store: Store
    coder: str
    config: Config

    def _exported(self, kind: str, out: PathLike, counts: dict[str, Any]) -> None:
        """Exports leave the audit trail a line: who sent what out of the project, where."""
        from sqlalchemy.exc import OperationalError

        from qda.common import get_or_create_coder, record_event

        try:
            with self.store.write() as s:
                record_event(
                    s, coder=get_or_create_coder(s, self.coder), action="export",
                    entity_kind="project", entity_id=None,
                    summary=f"exported {kind} to {Path(out).name}",
                    after={"format": kind, "path": str(Path(out).absolute()), **counts},
                )  # fmt: skip
        except OperationalError as exc:  # a project opened read-only: nothing to record in
            if "readonly" not in str(exc).replace("-", "").replace(" ", "").lower():
                raise

    def export_codebook(
        self,
        out: PathLike,
        *,
        examples: int = 3,
        codes_only: bool = False,
        memos: bool = False,
        include_retired: bool = False,
        progress: Progress | None = None,
    ) -> WordResult:
        """The codebook as a Word document (see :mod:`qda.exchange.codebook_docx`)."""
        from qda.exchange.codebook_docx import export_codebook

        res = export_codebook(
            self.store, Path(out), examples=examples, codes_only=codes_only, memos=memos,
            include_retired=include_retired, progress=progress,
        )  # fmt: skip
        self._exported("codebook", out, {"codes": res.codes, "quotes": res.quotes})
        return res

    def export_report(
        self,
        out: PathLike,
        *,
        attributes: Sequence[str] = (),
        quotes: int = 3,
        progress: Progress | None = None,
    ) -> WordResult:
        """The theme report as a Word document (see :mod:`qda.exchange.report_docx`)."""
        from qda.exchange.report_docx import export_report

        res = export_report(
            self.store, Path(out), attributes=attributes, quotes=quotes, progress=progress
        )
        self._exported("report", out, {"themes": res.themes, "quotes": res.quotes})
        return res

    def export_qdpx(
        self, out: PathLike, *, nvivo: bool = False, progress: Progress | None = None
    ) -> ExportResult:
        """The project as REFI-QDA ``.qdpx``; ``nvivo=True`` for NVivo-style offsets."""
        from qda.exchange.refi_export import export_qdpx

        res = export_qdpx(self.store, Path(out), nvivo=nvivo, progress=progress)
        self._exported("qdpx", out, {"documents": res.documents, "codings": res.codings})
        return res

    def export_qdc(self, out: PathLike) -> ExportResult:
        """The codebook as REFI-QDA ``.qdc``."""
        from qda.exchange.refi_codebook import export_qdc

        res = export_qdc(self.store, Path(out))
        self._exported("qdc", out, {"codes": res.codes})
        return res

    def export_csv(self, out: PathLike, *, excel: bool = False) -> CsvResult:
        """Codings (one row each) and the code x participant matrix as CSV."""
        from qda.exchange.csv_export import export_csv

        res = export_csv(self.store, Path(out), excel=excel)
        self._exported("csv", out, {"codings": res.codings})
        return res

    def import_refi(
        self, path: PathLike, *, limits: Limits | None = None, progress: Progress | None = None
    ) -> RefiImportReport:
        """Import a REFI-QDA ``.qdpx`` or ``.qdc`` (see :mod:`qda.exchange.refi_import`)."""
        from qda.exchange.refi_import import import_refi
        from qda.exchange.safe_zip import DEFAULT_LIMITS

        return import_refi(
            self.store, Path(path), coder=self.coder, limits=limits or DEFAULT_LIMITS,
            progress=progress,
        )  # fmt: skip
