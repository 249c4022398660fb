"""Import transcripts: read, normalise, split, store — one transaction per file.

Files are parsed in batches so that sentence splitting runs through ``nlp.pipe``;
rows go in with SQLAlchemy Core ``executemany`` (an ORM ``add_all`` is ~20x slower).
A bad file is reported and skipped; the others go in.  With ``strict=True`` the whole
command is one transaction and the first bad file aborts it.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from qda.common import event_values, get_or_create_coder
from qda.db.bulk import bound, bulk_insert, insert_tuples, table_of
from qda.db.engine import Store
from qda.db.models import Document, Event, Participant, Sentence, Turn
from qda.db.types import utcnow
from qda.documents.prepare import Prepared, prepared_batches
from qda.documents.readers import TRANSCRIPT_SUFFIXES
from qda.errors import ImportFileError

_PARTICIPANT_FROM_NAME = re.compile(r"^([A-Za-z]{1,4}[-_]?\d{1,5})(?=$|[\W_])")
_SKIP_NAMES = re.compile(r"(?i)^(readme|licen[cs]e|changelog|notes?)(\..*)?$")
_TURN_KEYS = (
    "document_id", "idx", "start", "end", "body_start", "speaker", "is_interviewer",
    "start_ms", "end_ms",
)  # fmt: skip
_SENTENCE_KEYS = ("document_id", "idx", "turn_idx", "start", "end")


@dataclass(frozen=True)
class ImportedDocument:
    id: str
    name: str
    path: str
    participant: str | None
    chars: int
    words: int
    turns: int
    sentences: int


@dataclass
class ImportReport:
    imported: list[ImportedDocument] = field(default_factory=list)
    duplicates: list[dict[str, str]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    exchange: list[dict[str, object]] = field(default_factory=list)  # REFI-QDA imports

    @property
    def ok(self) -> bool:
        return not self.skipped

    def to_dict(self) -> dict[str, object]:
        return {
            "imported": [d.__dict__ for d in self.imported],
            "duplicates": self.duplicates,
            "skipped": self.skipped,
            "ignored": self.ignored,
            "exchange": self.exchange,
        }


def participant_from_filename(path: Path) -> str:
    """``P07_interview.txt`` -> ``P07``; otherwise the file's stem."""
    m = _PARTICIPANT_FROM_NAME.match(path.stem)
    return m.group(1) if m else path.stem


def expand_paths(paths: Iterable[Path], report: ImportReport) -> list[Path]:
    """Files to import: files as given, folders walked (sorted, hidden files skipped)."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for f in sorted(files):
                    fp = Path(root) / f
                    if f.startswith("."):
                        continue
                    if fp.suffix.lower() in TRANSCRIPT_SUFFIXES and not _SKIP_NAMES.match(f):
                        out.append(fp)
                    else:
                        report.ignored.append(str(fp))
        else:
            out.append(p)
    return out


@dataclass
class _ImportState:
    """What one import needs to know of the project, read once instead of per file."""

    coder_name: str
    participant: str | None
    transform: Callable[[str, Path], str] | None
    shas: dict[str, str] = field(default_factory=dict)  # sha256 -> document name
    names: set[str] = field(default_factory=set)
    participants: dict[str, tuple[uuid.UUID, str]] = field(default_factory=dict)
    coder_id: uuid.UUID | None = None
    position: int = 0
    loaded: bool = False

    def load(self, session: Session) -> None:
        if self.loaded:
            return
        for sha, name in session.execute(select(Document.sha256, Document.name)):
            self.shas[sha] = name
            self.names.add(name)
        for pid, pname in session.execute(select(Participant.id, Participant.name)):
            self.participants[pname.lower()] = (pid, pname)
        self.position = session.scalar(select(func.max(Document.position))) or 0
        self.loaded = True

    def reset(self) -> None:
        """Forget what was read or remembered (after a rolled-back transaction)."""
        self.shas.clear()
        self.names.clear()
        self.participants.clear()
        self.coder_id = None
        self.loaded = False

    def label(self, s: str, path: Path) -> str:
        """Names taken from a path are pseudonymised like the text."""
        return self.transform(s, path) if self.transform else s

    def unique_name(self, name: str) -> str:
        if name not in self.names:
            return name
        n = 2
        while f"{name} ({n})" in self.names:
            n += 1
        return f"{name} ({n})"


def _new_participant(conn: Connection, name: str) -> uuid.UUID:
    """A participant row for a name this import has not seen (the unique name makes a
    race with another process an IntegrityError, which the caller retries).  ``name``
    comes with its white space already normalised."""
    pid = uuid.uuid4()
    bulk_insert(conn, table_of(Participant), [{"id": pid, "name": name, "created_at": utcnow()}])
    return pid


def _store_one(session: Session, prep: Prepared, state: _ImportState, report: ImportReport) -> None:
    """Store one prepared file: its document, turns, sentences, full-text rows and event.

    Plain Core / driver inserts on the session's connection (the hot path of an import);
    the caller's transaction makes it all or nothing.
    """
    state.load(session)
    existing = state.shas.get(prep.sha)
    if existing is not None:
        report.duplicates.append({"path": str(prep.path), "existing": existing})
        return
    if state.coder_id is None:
        state.coder_id = get_or_create_coder(session, state.coder_name).id
    conn = session.connection()
    pname = " ".join(
        state.label(state.participant or participant_from_filename(prep.path), prep.path).split()
    )
    if pname.lower() not in state.participants:
        state.participants[pname.lower()] = (_new_participant(conn, pname), pname)
    part_id, part_name = state.participants[pname.lower()]
    text_ = prep.parsed.text
    doc_id = uuid.uuid4()
    name = state.unique_name(state.label(prep.path.stem, prep.path))
    words = len(text_.split())
    position = state.position + 1
    bulk_insert(
        conn,
        table_of(Document),
        [
            {
                "id": doc_id,
                "name": name,
                "participant_id": part_id,
                "text": text_,
                "sha256": prep.sha,
                "char_count": len(text_),
                "word_count": words,
                "source_path": state.label(str(prep.path.resolve()), prep.path),
                "source_format": prep.parsed.format,
                "encoding": prep.parsed.encoding,
                "position": position,
                "imported_at": utcnow(),
                "imported_by": state.coder_id,
            }
        ],
    )
    turns = prep.parsed.turns
    doc_key = bound(conn, table_of(Turn), "document_id", doc_id)
    turn_rows = [
        (doc_key, i, t.start, t.end, t.body_start, t.speaker, t.is_interviewer,
         t.start_ms, t.end_ms)
        for i, t in enumerate(turns)
    ]  # fmt: skip
    insert_tuples(conn, table_of(Turn), _TURN_KEYS, turn_rows)
    # Sentence ids are given here (this transaction holds the write lock), so the
    # full-text rows can use them without reading them back.  On PostgreSQL the
    # sequence gives the ids (and there is no FTS5 table).
    sents = prep.sentences
    if conn.dialect.name == "sqlite":
        first = (conn.exec_driver_sql("SELECT max(id) FROM sentences").scalar() or 0) + 1
        insert_tuples(
            conn,
            table_of(Sentence),
            ("id", *_SENTENCE_KEYS),
            [(first + i, doc_key, i, ti, st, en) for i, (st, en, ti) in enumerate(sents)],
        )
        if sents:
            conn.exec_driver_sql(
                "INSERT INTO sentence_fts (rowid, text, document_id) VALUES (?, ?, ?)",
                [(first + i, text_[st:en], doc_id.hex) for i, (st, en, _) in enumerate(sents)],
            )
    else:
        insert_tuples(
            conn,
            table_of(Sentence),
            _SENTENCE_KEYS,
            [(doc_id, i, ti, st, en) for i, (st, en, ti) in enumerate(sents)],
        )
    event = event_values(
        coder=state.coder_id,
        action="import",
        entity_kind="document",
        entity_id=doc_id,
        summary=f"imported {name} from {state.label(prep.path.name, prep.path)}",
        after={"name": name, "sha256": prep.sha, "participant": part_name},
    )
    bulk_insert(conn, table_of(Event), [event])
    state.shas[prep.sha] = name
    state.names.add(name)
    state.position = position
    report.imported.append(
        ImportedDocument(
            id=str(doc_id),
            name=name,
            path=str(prep.path),
            participant=part_name,
            chars=len(text_),
            words=words,
            turns=len(turns),
            sentences=len(sents),
        )
    )


def import_transcripts(
    store: Store,
    paths: Iterable[str | Path],
    *,
    coder: str,
    participant: str | None = None,
    strict: bool = False,
    max_bytes: int,
    progress: Callable[[int, int], None] | None = None,
    transform: Callable[[str, Path], str] | None = None,
) -> ImportReport:
    """Import transcript files and folders; see the module docstring.

    ``transform(text, source path)`` rewrites each text (and the names taken from the
    file's path) before anything is stored: the pseudonymisation hook.
    """
    report = ImportReport()
    files = expand_paths([Path(p) for p in paths], report)
    refi = [f for f in files if f.suffix.lower() in (".qdpx", ".qdc")]
    if refi:  # REFI-QDA projects and codebooks go to qda.exchange
        from qda.exchange.refi_import import import_into_report

        import_into_report(store, refi, report, coder=coder, strict=strict)
        files = [f for f in files if f not in refi]
    total = len(files)
    done = 0
    state = _ImportState(coder_name=coder, participant=participant, transform=transform)
    prepared = prepared_batches(files, max_bytes, transform)
    if strict:
        with store.write() as session:
            for batch, preps, skipped in prepared:
                if skipped:
                    raise ImportFileError(skipped[0]["path"], skipped[0]["reason"])
                for prep in preps:
                    _store_one(session, prep, state, report)
                done += len(batch)
                if progress:
                    progress(done, total)
        return report
    for batch, preps, skipped in prepared:
        report.skipped.extend(skipped)
        for prep in preps:
            try:
                with store.write() as session:
                    _store_one(session, prep, state, report)
            except IntegrityError:
                # Another process imported the same text (or added the same participant)
                # meanwhile: forget what this import remembered, re-read and go on.
                state.reset()
                with store.write() as session:
                    _store_one(session, prep, state, report)
        done += len(batch)
        if progress:
            progress(done, total)
    return report
