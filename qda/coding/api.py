"""The coding methods of :class:`qda.Project` (a mixin; see qda/project.py).

>>> p = qda.open_project("study.qda", coder="ana")
>>> p.add_code("connecting with health professionals", kind="theme")
>>> p.apply("feeling listened to", "P01", quote="she sat down next to me")
>>> p.undo()

CODE arguments take an id, a name or a path (``theme/category/code``); DOC a
document's id or name.  Every method is one transaction and returns plain data.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from qda.coding import codes as _codes
from qda.coding import codings as _codings
from qda.coding import events as _events
from qda.coding import memos as _memos
from qda.coding import merge as _merge
from qda.coding import relations as _relations
from qda.coding import undo as _undo
from qda.coding.anchor import DEFAULT_THRESHOLD
from qda.coding.types import CodeInfo, CodingInfo, EventInfo, MemoInfo, RelationInfo, Segment

if TYPE_CHECKING:
    from qda.config import Config
    from qda.db.engine import Store


class CodingAPI:
    store: Store
    coder: str
    config: Config

    # -- codes -----------------------------------------------------------------------
    def codes(self, include_retired: bool = False) -> list[CodeInfo]:
        """Every code in tree order (depth-first by position), with counts."""
        return _codes.list_codes(self.store, include_retired=include_retired)

    def code(self, ref: str) -> CodeInfo:
        return _codes.get_code(self.store, ref)

    def add_code(
        self,
        name: str,
        kind: str = "code",
        parent: str | None = None,
        definition: str = "",
        color: str | None = None,
        origin: str = "manual",
        **criteria: Any,
    ) -> CodeInfo:
        """A new code, category or theme.  ``criteria``: inclusion, exclusion, example,
        position, code_id (keep an id from elsewhere, e.g. an import)."""
        return _codes.add_code(
            self.store, self.coder, name, kind=kind, parent=parent, definition=definition,
            color=color, origin=origin, **criteria,
        )  # fmt: skip

    def rename_code(self, ref: str, new_name: str) -> CodeInfo:
        return _codes.rename_code(self.store, self.coder, ref, new_name)

    def define_code(
        self,
        ref: str,
        definition: str | None = None,
        inclusion: str | None = None,
        exclusion: str | None = None,
        example: str | None = None,
        color: str | None = None,
        kind: str | None = None,
    ) -> CodeInfo:
        """Set what is given (None leaves a field alone; "" clears it)."""
        return _codes.define_code(
            self.store, self.coder, ref, definition=definition, inclusion=inclusion,
            exclusion=exclusion, example=example, color=color, kind=kind,
        )  # fmt: skip

    def move_code(self, ref: str, parent: str | None, position: int | None = None) -> CodeInfo:
        return _codes.move_code(self.store, self.coder, ref, parent, position)

    def merge_codes(self, source_ref: str, into_ref: str) -> CodeInfo:
        return _merge.merge_codes(self.store, self.coder, source_ref, into_ref)

    def split_code(
        self, ref: str, coding_ids: Sequence[str], new_name: str, parent: str | None = None
    ) -> CodeInfo:
        return _codes.split_code(self.store, self.coder, ref, coding_ids, new_name, parent=parent)

    def retire_code(self, ref: str, retired: bool = True) -> CodeInfo:
        return _codes.retire_code(self.store, self.coder, ref, retired=retired)

    def set_core(self, ref: str, core: bool = True) -> CodeInfo:
        return _codes.set_core(self.store, self.coder, ref, core=core)

    # -- codings ---------------------------------------------------------------------
    def apply(
        self,
        code_ref: str,
        doc_ref: str,
        start: int | None = None,
        end: int | None = None,
        quote: str | None = None,
        origin: str = "manual",
        threshold: float = DEFAULT_THRESHOLD,
        occurrence: int | None = None,
        coding_id: str | None = None,
    ) -> CodingInfo:
        """Code a span, or the place a quote is found (exact, else fuzzy >= threshold)."""
        return _codings.apply_code(
            self.store, self.coder, code_ref, doc_ref, start=start, end=end, quote=quote,
            origin=origin, threshold=threshold, occurrence=occurrence, coding_id=coding_id,
        )  # fmt: skip

    def invivo(
        self,
        doc_ref: str,
        start: int | None = None,
        end: int | None = None,
        quote: str | None = None,
        parent: str | None = None,
        name: str | None = None,
        threshold: float = DEFAULT_THRESHOLD,
        occurrence: int | None = None,
    ) -> CodingInfo:
        return _codings.invivo(
            self.store, self.coder, doc_ref, start=start, end=end, quote=quote, parent=parent,
            name=name, threshold=threshold, occurrence=occurrence,
        )  # fmt: skip

    def uncode(self, coding_id: str) -> CodingInfo:
        return _codings.uncode(self.store, self.coder, coding_id)

    def codings(
        self,
        doc: str | None = None,
        code: str | None = None,
        coder: str | None = None,
        descendants: bool = False,
    ) -> list[CodingInfo]:
        return _codings.list_codings(
            self.store, doc=doc, code=code, coder=coder, descendants=descendants
        )

    def coding(self, ref: str) -> CodingInfo:
        return _codings.get_coding(self.store, ref)

    # -- undo ------------------------------------------------------------------------
    def undo(self, discard: bool = False) -> str | None:
        """Undo this coder's last coding or code-tree action; what it was, or None."""
        return _undo.undo(self.store, self.coder, discard=discard)

    def redo(self, discard: bool = False) -> str | None:
        return _undo.redo(self.store, self.coder, discard=discard)

    def undo_history(self, limit: int = 50) -> list[dict[str, Any]]:
        return _undo.history(self.store, self.coder, limit=limit)

    # -- relations -------------------------------------------------------------------
    def relate(self, source_ref: str, type: str, target_ref: str, note: str = "") -> RelationInfo:
        return _relations.relate(self.store, self.coder, source_ref, type, target_ref, note)

    def unrelate(self, relation_id: str) -> RelationInfo:
        return _relations.unrelate(self.store, self.coder, relation_id)

    def relations(self, code: str | None = None, type: str | None = None) -> list[RelationInfo]:
        return _relations.list_relations(self.store, code=code, rel_type=type)

    def relation_types(self) -> list[dict[str, Any]]:
        return _relations.relation_types(self.store)

    # -- memos -----------------------------------------------------------------------
    def add_memo(
        self,
        type: str,
        title: str,
        text: str = "",
        links: Iterable[tuple[str, str] | str] = (),
    ) -> MemoInfo:
        return _memos.add_memo(self.store, self.coder, type, title, text, links)

    def edit_memo(
        self,
        id: str,
        title: str | None = None,
        text: str | None = None,
        type: str | None = None,
        append: str | None = None,
    ) -> MemoInfo:
        return _memos.edit_memo(
            self.store, self.coder, id, title=title, text=text, memo_type=type, append=append
        )

    def link_memo(self, id: str, kind: str, ref: str) -> MemoInfo:
        return _memos.link_memo(self.store, self.coder, id, kind, ref)

    def unlink_memo(self, id: str, kind: str, ref: str) -> MemoInfo:
        return _memos.unlink_memo(self.store, self.coder, id, kind, ref)

    def memos(
        self,
        type: str | None = None,
        link_kind: str | None = None,
        link_id: str | None = None,
        query: str | None = None,
    ) -> list[MemoInfo]:
        return _memos.list_memos(
            self.store, memo_type=type, link_kind=link_kind, link_id=link_id, query=query
        )

    def memo(self, id: str) -> MemoInfo:
        return _memos.get_memo(self.store, id)

    # -- audit trail -----------------------------------------------------------------
    def log(
        self,
        limit: int | None = 100,
        action: str | None = None,
        coder: str | None = None,
        since: str | date | datetime | None = None,
        entity: str | None = None,
        entity_kind: str | None = None,
    ) -> list[EventInfo]:
        return _events.log(
            self.store, limit=limit, action=action, coder=coder, since=since, entity=entity,
            entity_kind=entity_kind,
        )  # fmt: skip

    # -- constant comparison and reports ---------------------------------------------
    def segments(
        self,
        code_ref: str,
        descendants: bool = False,
        context: int = 200,
        where: dict[str, Any] | None = None,
        coder: str | None = None,
        doc: str | None = None,
    ) -> list[Segment]:
        """Every segment of a code with context, grouped by participant (sorted so),
        only of participants whose attributes meet ``where`` ({"age": ">=50"})."""
        from qda.coding.analysis.segments import segments

        return segments(
            self.store, code_ref, descendants=descendants, context=context, where=where,
            coder=coder, doc=doc,
        )  # fmt: skip

    def compare(self, code_a: str, code_b: str, **options: Any) -> dict[str, Any]:
        """Two codes side by side: segments, participants with one, the other or both."""
        from qda.coding.analysis.compare import compare

        return compare(self.store, code_a, code_b, **options)

    def report_saturation(self, **options: Any) -> dict[str, Any]:
        """New codes per document and the cumulative curve; saturation after Guest et al."""
        from qda.coding.analysis.saturation import saturation

        return saturation(self.store, **options)

    def report_cooccurrence(self, **options: Any) -> dict[str, Any]:
        from qda.coding.analysis.cooccurrence import cooccurrence

        return cooccurrence(self.store, **options)

    def report_matrix(self, **options: Any) -> dict[str, Any]:
        from qda.coding.analysis.matrix import code_participant_matrix

        return code_participant_matrix(self.store, **options)

    def report_crosstab(self, attribute: str, **options: Any) -> dict[str, Any]:
        from qda.coding.analysis.crosstab import crosstab

        return crosstab(self.store, attribute, **options)

    def report_tree(self, **options: Any) -> dict[str, Any]:
        from qda.coding.analysis.tree import tree_report

        return tree_report(self.store, **options)
