"""The team methods of :class:`qda.Project` (a mixin; see qda/project.py)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qda.config import Config
    from qda.db.engine import Store
    from qda.team.agreement import AgreementReport
    from qda.team.disagreements import Disagreement, SettleResult
    from qda.team.merge import MergeReport, Progress


class TeamAPI:
    store: Store
    coder: str
    config: Config

    def merge_projects(
        self,
        others: Sequence[str | os.PathLike[str]],
        *,
        dry_run: bool = False,
        backup: bool = True,
        progress: Progress | None = None,
    ) -> MergeReport:
        """Merge other coded projects into this one (one transaction, after a backup).

        ``dry_run=True`` reports what would be matched, added and in conflict, and
        writes nothing.  See :mod:`qda.team.merge`.
        """
        from qda.team.merge import merge_projects

        return merge_projects(
            self.store, others, coder=self.coder, dry_run=dry_run, backup=backup, progress=progress
        )

    def agreement(
        self,
        *,
        coders: list[str] | None = None,
        codes: list[str] | None = None,
        unit: str = "sentence",
        uncoded: bool | None = None,
        documents: list[str] | None = None,
    ) -> AgreementReport:
        """Percent agreement, Cohen's and Fleiss' kappa, Krippendorff's alpha per code
        and overall (``unit``: sentence, turn or character).  See :mod:`qda.team.agreement`."""
        from qda.team.agreement import agreement

        return agreement(
            self.store, coders=coders, codes=codes, unit=unit, uncoded=uncoded, documents=documents
        )

    def disagreements(
        self,
        *,
        coders: list[str] | None = None,
        codes: list[str] | None = None,
        unit: str = "sentence",
        documents: list[str] | None = None,
    ) -> list[Disagreement]:
        """The units where coders differ, with the text and each coder's codes."""
        from qda.team.disagreements import list_disagreements

        return list_disagreements(
            self.store, coders=coders, codes=codes, unit=unit, documents=documents
        )

    def settle(
        self,
        unit: str,
        decision: str,
        *,
        code: str | None = None,
        to: str | None = None,
        coders: list[str] | None = None,
    ) -> SettleResult:
        """Settle one disputed code on one unit: ``keep``, ``drop`` or ``recode`` (with
        ``to``).  Logged as an event.  See :mod:`qda.team.disagreements`."""
        from qda.team.disagreements import settle_unit

        return settle_unit(
            self.store, unit, decision, coder=self.coder, code=code, to=to, coders=coders
        )
