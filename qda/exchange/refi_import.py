"""Import a REFI-QDA ``.qdpx`` or ``.qdc`` into a new or an existing project.

:func:`qda.exchange.refi_load.load` reads and checks the whole file first (hostile
files fail there, before anything is written); then everything goes in as one
transaction with chunked Core inserts.

Identity: a GUID becomes the row's id, so a qda -> .qdpx -> qda round trip keeps ids
and importing the same file twice changes nothing.  Into an existing project a
coder is matched by id then name, a code by id then (parent, name), a participant
by id then name, a document by id or by the SHA-256 of its text (same text = same
document), a coding by id or by (code, document, span, coder).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qda.common import get_or_create_coder, record_event
from qda.db.bulk import bulk_insert
from qda.db.engine import Store
from qda.db.models import (
    Code,
    Coder,
    Coding,
    Document,
    Event,
    Memo,
    MemoLink,
    Relation,
)
from qda.db.types import utcnow
from qda.documents.text import sha256_text
from qda.exchange.refi_common import (
    SET_CATEGORIES,
    SET_CORE,
    SET_INVIVO,
    SET_RETIRED,
    SET_THEMES,
    derived_id,
    parse_description,
)
from qda.exchange.refi_load import Loaded, TextSource, load
from qda.exchange.refi_parse import RCode, RProject
from qda.exchange.refi_people import People
from qda.exchange.refi_report import RefiImportReport
from qda.exchange.refi_store import (
    Pending,
    PreparedText,
    insert_codings,
    insert_derived,
    insert_documents,
    prepare_texts,
    raw_rows,
    table_of,
)
from qda.exchange.safe_zip import DEFAULT_LIMITS, Limits


def import_refi(
    store: Store,
    path: str | Path,
    *,
    coder: str,
    limits: Limits = DEFAULT_LIMITS,
    progress: Callable[[int, int], None] | None = None,
) -> RefiImportReport:
    """Import one REFI-QDA file; raises :class:`~qda.errors.ImportFileError` if unsafe."""
    path = Path(path)
    pending = Pending()
    try:
        if path.is_file() and path.stat().st_size >= HELPER_MIN_FILE_BYTES:
            pending.start()  # a helper process loads spaCy while the file is read
        loaded = load(path, limits)
        if progress:
            progress(1, 3)
        with store.read() as s:  # texts already in the project need no sentence splitting
            known = set(s.scalars(select(Document.sha256)))
        fresh = [t.text for t in loaded.texts if sha256_text(t.text) not in known]
        pending.submit(fresh)

        def prepared() -> dict[str, PreparedText]:
            return dict(zip(map(sha256_text, fresh), pending.result(), strict=True))

        if progress:
            progress(2, 3)
        with store.write() as s:
            if store.dialect == "sqlite":  # 100,000 rows into indexed tables: more page cache
                s.connection().exec_driver_sql("PRAGMA cache_size = -131072")
            report = _Writer(s, loaded, coder, prepared).run()
    finally:
        pending.close()
    if progress:
        progress(3, 3)
    return report


HELPER_MIN_FILE_BYTES = 1_000_000  # smaller files are imported without a helper process


def unflatten(project: RProject, sep: str = "\\") -> None:
    """Taguette writes a flat codebook whose names are paths (``a\\b``): make the tree."""
    if not any(sep in c.name for c in project.codes) or any(c.depth for c in project.codes):
        return
    by_path = {c.name.strip(): c for c in project.codes}
    out: list[RCode] = []
    made: dict[str, RCode] = {}

    def node(parts: list[str]) -> RCode:
        key = sep.join(parts)
        if key in made:
            return made[key]
        parent = node(parts[:-1]) if len(parts) > 1 else None
        src = by_path.get(key)
        code = RCode(
            id=src.id if src else derived_id("path", key),
            name=parts[-1],
            codable=src.codable if src else False,
            color=src.color if src else None,
            description=src.description if src else "",
            parent=parent.id if parent else None,
            depth=len(parts) - 1,
            position=len([c for c in made.values() if c.parent == (parent.id if parent else None)]),
            note_refs=src.note_refs if src else [],
        )
        made[key] = code
        out.append(code)
        return code

    for c in project.codes:
        node([p.strip() for p in c.name.split(sep) if p.strip()] or [c.name])
    project.codes = out


def _kinds(project: RProject) -> dict[uuid.UUID, str]:
    sets = {s.name.lower(): set(s.codes) for s in project.sets}
    if SET_THEMES in sets or SET_CATEGORIES in sets:
        themes, cats = sets.get(SET_THEMES, set()), sets.get(SET_CATEGORIES, set())
        return {
            c.id: "theme" if c.id in themes else "category" if c.id in cats else "code"
            for c in project.codes
        }
    parents = {c.parent for c in project.codes if c.parent is not None}
    return {
        c.id: ("theme" if c.depth == 0 else "category") if c.id in parents else "code"
        for c in project.codes
    }


class _Writer:
    def __init__(
        self,
        s: Session,
        loaded: Loaded,
        coder: str,
        prepared: Callable[[], dict[str, PreparedText]],
    ) -> None:
        self.s = s
        self.conn = s.connection()
        self.loaded = loaded
        self.p = loaded.project
        self.prepared = prepared
        self.now = utcnow()
        self.me = get_or_create_coder(s, coder)
        p = self.p
        self.r = RefiImportReport(
            file=str(loaded.path), kind=p.kind, name=p.name, origin=p.origin,
            sources_in_file=len(p.sources), codes_in_file=len(p.codes),
            selections_in_file=sum(len(x.selections) for x in p.sources),
            codings_in_file=sum(x.codings for x in p.sources), notes_in_file=len(p.notes),
            mismatch_count=loaded.mismatch_count, mismatches=loaded.mismatches,
        )  # fmt: skip
        self.people = People(s, p, self.me.id, self.now, self.r)
        for src in p.sources:
            self.r.sources_by_kind[src.kind] = self.r.sources_by_kind.get(src.kind, 0) + 1
        self.code_map: dict[uuid.UUID, uuid.UUID] = {}
        self.doc_map: dict[uuid.UUID, uuid.UUID] = {}
        self.coding_map: dict[uuid.UUID, uuid.UUID] = {}
        self.selection_targets: dict[uuid.UUID, list[tuple[str, uuid.UUID]]] = {}

    def run(self) -> RefiImportReport:
        if self.p.origin.lower().startswith("taguette"):
            unflatten(self.p)
        self._codes()
        self.people.participants()
        self._documents()
        self._codings()
        memo_rows, link_rows, relation_rows = self._memos_and_relations()
        self.people.flush(self.conn)  # coders first: the rows below refer to them
        bulk_insert(self.conn, table_of(Memo), memo_rows)
        bulk_insert(self.conn, table_of(Relation), relation_rows)
        bulk_insert(self.conn, table_of(MemoLink), link_rows)
        self._derived()
        self._finish()
        return self.r

    # -- codes -------------------------------------------------------------------
    def _codes(self) -> None:
        existing: dict[uuid.UUID, tuple[uuid.UUID | None, str]] = {
            r[0]: (r[1], r[2]) for r in self.s.execute(select(Code.id, Code.parent_id, Code.name))
        }
        by_key = {(par, name.casefold()): cid for cid, (par, name) in existing.items()}
        kinds = _kinds(self.p)
        sets = {s.name.lower(): set(s.codes) for s in self.p.sets}
        rows: list[dict[str, Any]] = []
        for c in self.p.codes:
            parent = self.code_map.get(c.parent) if c.parent is not None else None
            if c.id in existing:
                self.code_map[c.id] = c.id
                self.r.codes_reused += 1
                continue
            hit = by_key.get((parent, c.name.casefold()))
            if hit is not None:
                self.code_map[c.id] = hit
                self.r.codes_reused += 1
                continue
            if c.id in self.code_map.values():  # the same GUID twice in one file
                new_id = derived_id("dup-code", c.id, len(rows))
            else:
                new_id = c.id
            self.code_map[c.id] = new_id
            d = parse_description(c.description)
            rows.append(
                dict(
                    id=new_id, name=c.name[:300], kind=kinds.get(c.id, "code"), parent_id=parent,
                    definition=d["definition"], inclusion=d["inclusion"],
                    exclusion=d["exclusion"], example=d["example"], color=c.color,
                    is_core=c.id in sets.get(SET_CORE, ()),
                    origin="invivo" if c.id in sets.get(SET_INVIVO, ()) else "imported",
                    retired=c.id in sets.get(SET_RETIRED, ()), position=c.position,
                    created_at=self.now, created_by=self.me.id, updated_at=self.now,
                )
            )  # fmt: skip
        bulk_insert(self.conn, table_of(Code), rows)
        self.r.codes_created = len(rows)
        self.new_codes = rows

    # -- documents ---------------------------------------------------------------
    def _documents(self) -> None:
        s = self.s
        by_sha = {
            r[0]: (r[1], r[2])
            for r in s.execute(select(Document.sha256, Document.id, Document.name))
        }
        ids = set(s.scalars(select(Document.id)))
        names = set(s.scalars(select(Document.name)))
        position = s.scalar(select(func.max(Document.position))) or 0
        new: list[tuple[TextSource, uuid.UUID, str, uuid.UUID | None]] = []
        for ts in self.loaded.texts:
            src = ts.source
            sha = sha256_text(ts.text)
            if sha in by_sha:
                doc_id, doc_name = by_sha[sha]
                self.doc_map[src.id] = doc_id
                self.r.reused_documents.append(
                    {"id": str(doc_id), "name": doc_name, "source": src.name or str(src.id)}
                )
                continue
            doc_id = src.id if src.id not in ids else uuid.uuid4()
            name = _unique(names, _doc_name(src.name, src.path, src.id))
            names.add(name)
            ids.add(doc_id)
            by_sha[sha] = (doc_id, name)
            self.doc_map[src.id] = doc_id
            new.append((ts, doc_id, name, self.people.participant_for(src.id, name)))
        position = insert_documents(
            self.conn, new, file=str(self.loaded.path), coder_id=self.me.id, now=self.now,
            position=position,
        )  # fmt: skip
        for ts, doc_id, name, part in new:
            self.r.documents.append(
                {
                    "id": str(doc_id), "name": name, "source": ts.source.name or str(ts.source.id),
                    "participant": self.people.participant_name(part), "chars": len(ts.text),
                    "words": len(ts.text.split()), "turns": 0, "sentences": 0,
                    "offsets": ts.scheme.label,
                    "offsets_reason": ts.scheme_reason, "codings": 0,
                }
            )  # fmt: skip
        self.new_docs = {
            doc_id: entry for (_, doc_id, *_), entry in zip(new, self.r.documents, strict=True)
        }
        for src in self.p.sources:
            if src.variables:
                self.people.source_values(src.id, src.variables)
        for sk in self.loaded.skipped:
            self.r.skipped_sources.append(
                {"source": sk.source.name or sk.source.path or str(sk.source.id),
                 "kind": sk.source.kind, "reason": sk.reason, "codings": sk.source.codings}
            )  # fmt: skip
            self.r.codings_skipped += sk.source.codings

    def _derived(self) -> None:
        """Turns, sentences and the search index of the new documents (spaCy's work is
        waited for only now: it ran in a second process while the rows above went in)."""
        prepared = self.prepared()
        if not self.new_docs:
            return
        items = []
        for ts in self.loaded.texts:
            doc_id = self.doc_map[ts.source.id]
            entry = self.new_docs.get(doc_id)
            if entry is None or entry.get("turns"):
                continue
            sha = sha256_text(ts.text)
            prep = prepared.get(sha) or prepare_texts([ts.text])[0]  # not foreseen: do it now
            entry["turns"], entry["sentences"] = len(prep.turns), len(prep.sentences)
            items.append((doc_id, ts.text, prep))
        insert_derived(self.conn, items)

    # -- codings -----------------------------------------------------------------
    def _codings(self) -> None:
        s = self.s
        existing_ids = {int(r[0], 16) if isinstance(r[0], str) else uuid.UUID(str(r[0])).int
                        for r in raw_rows(s, select(Coding.id))}  # fmt: skip
        reused = [self.doc_map[ts.source.id] for ts in self.loaded.texts
                  if self.doc_map[ts.source.id] not in self.new_docs]  # fmt: skip
        keys: set[tuple[Any, ...]] = set()
        for i in range(0, len(reused), 500):
            keys.update(
                (r[0].int, r[1].int, r[2], r[3], r[4].int)
                for r in s.execute(
                    select(Coding.code_id, Coding.document_id, Coding.start, Coding.end,
                           Coding.coder_id).where(Coding.document_id.in_(reused[i : i + 500]))
                )
            )  # fmt: skip
        # hot loop over 100,000 codings: int keys (UUID.__hash__ is Python code) and tuples
        codes = {k.int: v for k, v in self.code_map.items()}
        seen: set[int] = set()
        rows: list[tuple[Any, ...]] = []
        unknown_codes = 0
        coder_for = self.people.coder_for
        now = self.now
        for ts in self.loaded.texts:
            src = ts.source
            doc_id = self.doc_map[src.id]
            is_new = doc_id in self.new_docs
            doc_int = doc_id.int
            before = len(rows)
            self.r.empty_selections += ts.empty_selections
            self.r.codings_skipped += sum(len(sel.codings) for sel in src.selections) - sum(
                len(sp.selection.codings) for sp in ts.spans
            )
            for sp in ts.spans:
                sel = sp.selection
                if sp.check == "verified":
                    self.r.names_verified += 1
                elif sp.check == "label":
                    self.r.names_unverifiable += 1
                targets: list[tuple[str, uuid.UUID]] = []
                for c in sel.codings:
                    code_id = codes.get(c.code.int) if c.code is not None else None
                    if code_id is None:
                        unknown_codes += 1
                        continue
                    who = coder_for(c.user, sel.user, src.user)
                    cint = c.id.int
                    if cint in existing_ids:
                        self.r.codings_existing += 1
                        self.coding_map[c.id] = c.id
                        targets.append(("coding", c.id))
                        continue
                    if not is_new:
                        key = (code_id.int, doc_int, sp.start, sp.end, who.int)
                        if key in keys:
                            self.r.codings_existing += 1
                            continue
                        keys.add(key)
                    cid = c.id if cint not in seen else derived_id("dup", c.id, len(rows))
                    seen.add(cint)
                    self.coding_map[c.id] = cid
                    targets.append(("coding", cid))
                    rows.append(
                        (cid, code_id, doc_id, who, sp.start, sp.end, sp.quote,
                         c.created or sel.created or now)
                    )  # fmt: skip
                self.selection_targets[sel.id] = targets or [("document", doc_id)]
            if is_new:
                self.new_docs[doc_id]["codings"] += len(rows) - before
        if unknown_codes:
            self.r.codings_skipped += unknown_codes
            self.r.warnings.append(f"{unknown_codes} codings refer to codes not in the codebook")
        self.people.flush(self.conn)
        insert_codings(self.conn, rows)
        self.r.codings_imported = len(rows)

    # -- memos and relations -----------------------------------------------------
    def _memos_and_relations(
        self,
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
        from qda.exchange.refi_links import MemoBuilder

        return MemoBuilder(self.s, self.p, self.loaded, self).build(self.r)

    def _finish(self) -> None:
        r = self.r
        events = [
            dict(
                id=uuid.uuid4(), at=self.now, coder_id=self.me.id, action="import",
                entity_kind="document", entity_id=uuid.UUID(d["id"]),
                summary=f"imported {d['name']} from {Path(r.file).name}", before=None,
                after=f'{{"name": {_json(d["name"])}, "codings": {d["codings"]}}}',
            )
            for d in r.documents
        ]  # fmt: skip
        events += [
            dict(
                id=uuid.uuid4(), at=self.now, coder_id=self.me.id, action="import",
                entity_kind="code", entity_id=c["id"],
                summary=f"imported code {c['name']} from {Path(r.file).name}", before=None,
                after=f'{{"name": {_json(c["name"])}, "kind": "{c["kind"]}"}}',
            )
            for c in self.new_codes
        ]  # fmt: skip
        bulk_insert(self.conn, table_of(Event), events)
        record_event(
            self.s, coder=self.s.get(Coder, self.me.id), action="import_refi",
            entity_kind="project", entity_id=None, summary=r.summary(),
            after={k: v for k, v in r.to_dict().items() if isinstance(v, int | str)},
        )  # fmt: skip


def _json(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def _doc_name(name: str, path: str | None, sid: uuid.UUID) -> str:
    base = name or (path or "").replace("\\", "/").rsplit("/", 1)[-1] or f"source {str(sid)[:8]}"
    stem, dot, ext = base.rpartition(".")
    if dot and stem and ext.lower() in ("txt", "docx", "doc", "rtf", "pdf", "odt", "md", "text"):
        base = stem
    return base.strip()[:300] or f"source {str(sid)[:8]}"


def _unique(names: set[str], name: str) -> str:
    if name not in names:
        return name
    n = 2
    while f"{name} ({n})" in names:
        n += 1
    return f"{name} ({n})"


def import_into_report(
    store: Store, files: list[Path], report: Any, *, coder: str, strict: bool = False
) -> None:
    """``qda import`` with .qdpx/.qdc files: import each, and tell the transcript
    import's report (:class:`qda.documents.importer.ImportReport`) what happened."""
    from qda.documents.importer import ImportedDocument
    from qda.errors import ImportFileError

    for f in files:
        try:
            r = import_refi(store, f, coder=coder)
        except ImportFileError as exc:
            if strict:
                raise
            report.skipped.append({"path": str(f), "reason": exc.reason})
            continue
        for d in r.documents:
            report.imported.append(
                ImportedDocument(
                    id=d["id"], name=d["name"], path=f"{f}#{d['source']}",
                    participant=d["participant"], chars=d["chars"], words=d["words"],
                    turns=d["turns"], sentences=d["sentences"],
                )
            )  # fmt: skip
        for d in r.reused_documents:
            report.duplicates.append({"path": f"{f}#{d['source']}", "existing": d["name"]})
        for sk in r.skipped_sources:
            report.skipped.append(
                {"path": f"{f}#{sk['source']}",
                 "reason": f"{sk['reason']} ({sk['codings']} codings not imported)"}
            )  # fmt: skip
        if hasattr(report, "exchange"):
            report.exchange.append(r.to_dict())
