"""The suggest methods of :class:`qda.Project` (a mixin; see qda/project.py).

>>> p = qda.open_project("study.qda", coder="ana")
>>> cands = p.suggest("feeling listened to", top=10)       # stored as pending
>>> p.accept_suggestions([cands[0].id])                     # a coding, origin "suggestion"
>>> p.reject_suggestions([cands[1].id])                     # never offered again
>>> p.keyterms("feeling listened to")
>>> p.autocode("feeling listened to", terms=["listen", "hear"], with_terms=["she", "he"])
>>> p.invivo_candidates("P01")

Suggestions are stored apart from codings (status pending / accepted / rejected) and
become codings only when a person accepts them.  The modules behind these methods
(numpy, the lemma index, spaCy) are imported when first used, so that opening a
project for anything else stays quick.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from qda.suggest.types import InvivoCandidate, KeyTerm, RuleInfo, SuggestionInfo

if TYPE_CHECKING:
    from qda.config import Config
    from qda.db.engine import Store


class SuggestAPI:
    store: Store
    coder: str
    config: Config

    def suggest(
        self,
        code: str,
        top: int = 10,
        unit: str = "sentence",
        include_interviewer: bool = False,
    ) -> list[SuggestionInfo]:
        """Rank the project's sentences (or turns) for a code; store the best as pending
        suggestions and return them, best first."""
        from qda.suggest import queue as _queue

        return _queue.suggest(
            self.store, self.coder, code, top=top, unit=unit,
            include_interviewer=include_interviewer,
        )  # fmt: skip

    def suggestions(
        self, code: str | None = None, status: str | None = "pending", limit: int | None = None
    ) -> list[SuggestionInfo]:
        """Stored suggestions (of a code; of a status, ``None`` for any), best first."""
        from qda.suggest import queue as _queue

        return _queue.list_suggestions(self.store, code=code, status=status, limit=limit)

    def suggestion(self, suggestion_id: str) -> SuggestionInfo:
        from qda.suggest import queue as _queue

        return _queue.get_suggestion(self.store, suggestion_id)

    def accept_suggestions(self, ids: Sequence[str]) -> list[SuggestionInfo]:
        """Each becomes a coding (origin "suggestion", by this coder); one undo step."""
        from qda.suggest import queue as _queue

        return _queue.accept(self.store, self.coder, list(ids))

    def reject_suggestions(self, ids: Sequence[str]) -> list[SuggestionInfo]:
        """Hidden for good (the ranking also learns from them); one undo step."""
        from qda.suggest import queue as _queue

        return _queue.reject(self.store, self.coder, list(ids))

    def keyterms(self, code: str, top: int = 30, descendants: bool = False) -> list[KeyTerm]:
        """Lemmas distinctive of the code's segments (log-odds, informative prior)."""
        from qda.suggest import keyterms as _keyterms

        return _keyterms.keyterms(self.store, code, top=top, descendants=descendants)

    def autocode(
        self,
        code: str,
        terms: Sequence[str] | None = None,
        with_terms: Sequence[str] | None = None,
        patterns: Sequence[Any] | None = None,
        unit: str = "sentence",
        save: bool = True,
    ) -> list[SuggestionInfo]:
        """Run a keyword/pattern rule (saved for the code unless ``save=False``), or the
        code's saved rules; hits go to the review queue as pending suggestions."""
        from qda.suggest import rules as _rules

        return _rules.autocode(
            self.store, self.coder, code, terms=terms, with_terms=with_terms,
            patterns=patterns, unit=unit, save=save,
        )  # fmt: skip

    def autocode_rules(self, code: str | None = None) -> list[RuleInfo]:
        from qda.suggest import rules as _rules

        return _rules.list_rules(self.store, code)

    def delete_autocode_rule(self, rule_id: str) -> RuleInfo:
        from qda.suggest import rules as _rules

        return _rules.delete_rule(self.store, self.coder, rule_id)

    def invivo_candidates(
        self, doc: str, start: int | None = None, end: int | None = None, top: int = 20
    ) -> list[InvivoCandidate]:
        """Salient phrases in the participant's words, for a selection or a transcript."""
        from qda.suggest import invivo as _invivo

        return _invivo.invivo_candidates(self.store, doc, start=start, end=end, top=top)

    def suggest_index_stats(self, unit: str = "sentence") -> dict[str, Any]:
        """Size of the suggestion index (built now if needed)."""
        from qda.suggest import index as _index

        return _index.get_index(self.store, unit).stats()
