"""Notes, descriptions and links of a REFI-QDA file -> memos, memo links, relations.

Memos arrive in three ways (see ../shared/refi/README.md): a ``Note`` with
``NoteRef``\\ s from what it is about; a ``Description`` on a selection, source or
case (ATLAS.ti quotation comments, MAXQDA memos on selections without codings);
or a ``Link`` between a note and something else.  A ``Link`` between two codes is
an axial relation.  A memo about a selection is linked to the selection's codings
(or to its document when it has none).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qda.db.models import MEMO_TYPES, Memo, MemoLink, Relation
from qda.exchange.refi_common import RELATION_NOTE_PREFIX, derived_id, squash
from qda.exchange.refi_load import Loaded
from qda.exchange.refi_parse import RNote, RProject
from qda.exchange.refi_report import RefiImportReport

if TYPE_CHECKING:
    from qda.exchange.refi_import import _Writer

Target = tuple[str, uuid.UUID]


class MemoBuilder:
    """Builds the memo, memo-link and relation rows of one import (nothing is written)."""

    def __init__(self, s: Session, p: RProject, loaded: Loaded, w: _Writer) -> None:
        self.s, self.p, self.loaded, self.w = s, p, loaded, w
        self.memo_ids = set(s.scalars(select(Memo.id)))
        self.link_keys = {
            (r[0], r[1], r[2])
            for r in s.execute(select(MemoLink.memo_id, MemoLink.target_kind, MemoLink.target_id))
        }
        self.rel_ids = set(s.scalars(select(Relation.id)))
        self.rel_keys = {
            (r[0], r[1], r[2])
            for r in s.execute(select(Relation.source_id, Relation.type, Relation.target_id))
        }
        self.memos: list[dict[str, Any]] = []
        self.links: list[dict[str, Any]] = []
        self.relations: list[dict[str, Any]] = []
        self.note_map: dict[uuid.UUID, uuid.UUID] = {}
        self.relation_map: dict[uuid.UUID, uuid.UUID] = {}

    # -- what a GUID stands for ---------------------------------------------------
    def targets(self, g: uuid.UUID | None) -> list[Target]:
        if g is None:
            return []
        w = self.w
        if g in w.code_map:
            return [("code", w.code_map[g])]
        if g in w.coding_map:
            return [("coding", w.coding_map[g])]
        if g in w.selection_targets:
            return list(w.selection_targets[g])
        if g in w.doc_map:
            return [("document", w.doc_map[g])]
        if g in w.people.case_map:
            return [("participant", w.people.case_map[g])]
        if g in self.note_map:
            return [("memo", self.note_map[g])]
        if g in self.relation_map:
            return [("relation", self.relation_map[g])]
        return []

    def _memo(
        self,
        mid: uuid.UUID,
        mtype: str,
        title: str,
        body: str,
        author: uuid.UUID,
        created: Any,
        updated: Any = None,
    ) -> bool:
        if mid in self.memo_ids:
            return False
        self.memo_ids.add(mid)
        self.memos.append(
            dict(id=mid, type=mtype, title=title[:500], body=body, author_id=author,
                 created_at=created or self.w.now, updated_at=updated or created or self.w.now)
        )  # fmt: skip
        return True

    def _link(self, memo: uuid.UUID, targets: list[Target]) -> None:
        for kind, tid in targets:
            key = (memo, kind, tid)
            if key in self.link_keys or (kind == "memo" and tid == memo):
                continue
            self.link_keys.add(key)
            self.links.append(
                dict(id=derived_id("memo-link", memo, kind, tid), memo_id=memo,
                     target_kind=kind, target_id=tid)
            )  # fmt: skip

    def _note_memo(self, n: RNote) -> tuple[str, str, str]:
        body = n.text if n.text is not None else self.loaded.note_texts.get(n.id, "")
        desc = n.description.strip()
        mtype = "free"
        if desc.lower() in MEMO_TYPES:
            mtype = desc.lower()
        elif desc:
            body = f"{desc}\n\n{body}" if body.strip() else desc
        first = next((ln.strip() for ln in body.splitlines() if ln.strip()), "")
        title = n.name or first[:80] or "Note"
        return mtype, title, body

    # -- build ---------------------------------------------------------------------
    def build(
        self, r: RefiImportReport
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
        p, w = self.p, self.w
        notes = {n.id: n for n in p.notes}
        # relation notes: a note only there to carry a relation's text
        rel_notes: dict[uuid.UUID, str] = {}
        for ln in p.links:
            for ref in ln.note_refs:
                n = notes.get(ref)
                if n is not None and (
                    ref == derived_id("relation-note", ln.id)
                    or n.name.startswith(RELATION_NOTE_PREFIX)
                ):
                    rel_notes[ln.id] = n.text or self.loaded.note_texts.get(n.id, "")
                    notes.pop(ref)
        for n in notes.values():
            mtype, title, body = self._note_memo(n)
            author = w.people.coder_for(n.user)
            if self._memo(n.id, mtype, title, body, author, n.created, n.modified):
                r.memos_created += 1
            self.note_map[n.id] = n.id
        # relations (code -> code links) before memo links: a memo may be about one
        not_imported = 0
        for ln in p.links:
            o, t = self.targets(ln.origin), self.targets(ln.target)
            if len(o) == 1 and len(t) == 1 and o[0][0] == "code" and t[0][0] == "code":
                if o[0][1] == t[0][1]:
                    not_imported += 1
                    continue
                rtype = (ln.name or "is associated with")[:100]
                key = (o[0][1], rtype, t[0][1])
                if ln.id in self.rel_ids or key in self.rel_keys:
                    self.relation_map[ln.id] = ln.id
                    continue
                self.rel_ids.add(ln.id)
                self.rel_keys.add(key)
                self.relation_map[ln.id] = ln.id
                self.relations.append(
                    dict(id=ln.id, source_id=o[0][1], type=rtype, target_id=t[0][1],
                         note=rel_notes.get(ln.id, ""), coder_id=None, created_at=w.now)
                )  # fmt: skip
                r.relations_created += 1
            elif ln.origin in self.note_map and t:
                self._link(self.note_map[ln.origin], t)
            elif ln.target in self.note_map and o:
                self._link(self.note_map[ln.target], o)
            else:
                not_imported += 1
        # NoteRefs: the element holding the ref is what the note is about
        holders: list[tuple[uuid.UUID, list[uuid.UUID]]] = []
        holders += [(c.id, c.note_refs) for c in p.codes]
        for src in p.sources:
            holders.append((src.id, src.note_refs))
            for sel in src.selections:
                holders.append((sel.id, sel.note_refs))
                holders += [(c.id, c.note_refs) for c in sel.codings]
        holders += [(n.id, n.note_refs) for n in p.notes]
        holders += [(ln.id, ln.note_refs) for ln in p.links if ln.id in self.relation_map]
        for holder, refs in holders:
            for ref in refs:
                if ref in self.note_map:
                    self._link(self.note_map[ref], self.targets(holder))
        self._descriptions(r)
        before = len(self.links)
        r.memo_links = before
        if not_imported:
            r.not_imported["links"] = not_imported
        other_sets = [s for s in p.sets if not s.name.lower().startswith("qda: ")]
        if other_sets:
            r.not_imported["sets"] = len(other_sets)
        if p.graphs:
            r.not_imported["graphs"] = p.graphs
        return self.memos, self.links, self.relations

    def _descriptions(self, r: RefiImportReport) -> None:
        """Descriptions of selections, sources and cases become memos linked to them."""
        w = self.w
        for ts in self.loaded.texts:
            src = ts.source
            doc = w.doc_map.get(src.id)
            if doc is None:
                continue
            if src.description.strip():
                mid = derived_id("description", src.id)
                if self._memo(mid, "free", f"About {src.name or 'the source'}", src.description,
                              w.people.coder_for(src.user), src.created):  # fmt: skip
                    r.memos_created += 1
                self._link(mid, [("document", doc)])
            quotes = {sp.selection.id: sp.quote for sp in ts.spans}
            for sel in src.selections:
                if not sel.description.strip():
                    continue
                quote = quotes.get(sel.id, "")
                mid = derived_id("description", sel.id)
                first = squash(sel.description)[:80]
                body = sel.description + (f"\n\n> {quote}" if quote else "")
                author = w.people.coder_for(sel.user, src.user)
                if self._memo(mid, "free", first or "Comment on a selection", body, author,
                              sel.created):  # fmt: skip
                    r.memos_created += 1
                self._link(mid, w.selection_targets.get(sel.id, [("document", doc)]))
        for case in self.p.cases:
            if case.description.strip() and case.id in w.people.case_map:
                mid = derived_id("description", case.id)
                if self._memo(mid, "free", f"About {case.name or 'the case'}", case.description,
                              w.people.coder_for(None), None):  # fmt: skip
                    r.memos_created += 1
                self._link(mid, [("participant", w.people.case_map[case.id])])
