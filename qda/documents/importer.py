"""Import transcripts: read, normalise, split, store — one transaction per file.

Files are parsed in batches so that sentence splitting runs through ``nlp.pipe``;
rows go in with SQLAlchemy Core ``executemany`` (an ORM ``add_all`` is ~20x slower).
A bad file is reported and skipped; the others go in.  With ``strict=True`` the whole
command is one transaction and the first bad file aborts it.
"""

from __future__ import annotations

import os
import pickle
import re
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from qda.common import get_or_create_coder, get_or_create_participant, record_event
from qda.db.bulk import bulk_insert, table_of
from qda.db.engine import Store
from qda.db.models import Document, Participant, Sentence, Turn
from qda.db.types import utcnow
from qda.documents.readers import TRANSCRIPT_SUFFIXES, ParsedTranscript, read_transcript
from qda.documents.text import sha256_text
from qda.errors import ImportFileError

BATCH_FILES = 32
WORKER_MIN_FILES = 64  # below this, a helper process costs more than it saves
_PARTICIPANT_FROM_NAME = re.compile(r"^([A-Za-z]{1,4}[-_]?\d{1,5})(?=$|[\W_])")
_SKIP_NAMES = re.compile(r"(?i)^(readme|licen[cs]e|changelog|notes?)(\..*)?$")


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


def _batches(items: list[Path], n: int) -> Iterator[list[Path]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


@dataclass
class _Prepared:
    path: Path
    parsed: ParsedTranscript
    sha: str
    sentences: list[tuple[int, int, int]]  # (start, end, turn idx)


def prepare_batch(
    files: list[Path],
    max_bytes: int,
    transform: Callable[[str, Path], str] | None = None,
) -> tuple[list[_Prepared], list[dict[str, str]]]:
    """Read, normalise and split a batch of files: (prepared, skipped with reasons)."""
    from qda.nlp.pipeline import split_regions

    parsed: list[tuple[Path, ParsedTranscript]] = []
    skipped: list[dict[str, str]] = []
    for f in files:
        try:
            parsed.append((f, read_transcript(f, max_bytes=max_bytes, transform=transform)))
        except ImportFileError as exc:
            skipped.append({"path": str(f), "reason": exc.reason})
    regions = [[(t.body_start, t.end) for t in pt.turns] for _, pt in parsed]
    sents = list(split_regions([pt.text for _, pt in parsed], regions))
    prepared = [
        _Prepared(path=f, parsed=pt, sha=sha256_text(pt.text), sentences=sents[i])
        for i, (f, pt) in enumerate(parsed)
    ]
    return prepared, skipped


def _prepared_batches(
    files: list[Path], max_bytes: int, transform: Callable[[str, Path], str] | None
) -> Iterator[tuple[list[Path], list[_Prepared], list[dict[str, str]]]]:
    """Prepared batches in order.  A large import prepares them in a helper process
    (``python -m qda.documents.prepare_worker``), so that reading and sentence
    splitting of the next batch overlap with storing this one on the other core."""
    batches = list(_batches(files, BATCH_FILES))
    use_worker = (
        transform is None
        and len(files) >= WORKER_MIN_FILES
        and os.environ.get("QDA_IMPORT_WORKER", "1") != "0"
    )
    if not use_worker:
        for batch in batches:
            yield (batch, *prepare_batch(batch, max_bytes, transform))
        return
    proc = subprocess.Popen(
        [sys.executable, "-m", "qda.documents.prepare_worker"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        try:
            proc.stdin.write(pickle.dumps((max_bytes, [[str(f) for f in b] for b in batches])))
            proc.stdin.close()
        except OSError:
            pass  # the helper died: every batch is prepared here instead
        for batch in batches:
            try:
                prepared, skipped = pickle.load(proc.stdout)
            except (EOFError, OSError, pickle.UnpicklingError):
                prepared, skipped = prepare_batch(batch, max_bytes, None)
            yield batch, prepared, skipped
    finally:
        proc.kill()
        proc.wait()


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


def _store_one(
    session: Session, prep: _Prepared, state: _ImportState, report: ImportReport
) -> None:
    state.load(session)
    existing = state.shas.get(prep.sha)
    if existing is not None:
        report.duplicates.append({"path": str(prep.path), "existing": existing})
        return
    if state.coder_id is None:
        state.coder_id = get_or_create_coder(session, state.coder_name).id
    pname = state.label(state.participant or participant_from_filename(prep.path), prep.path)
    if pname.lower() not in state.participants:
        part = get_or_create_participant(session, pname)
        state.participants[pname.lower()] = (part.id, part.name)
    part_id, part_name = state.participants[pname.lower()]
    text_ = prep.parsed.text
    doc_id = uuid.uuid4()
    name = state.unique_name(state.label(prep.path.stem, prep.path))
    words = len(text_.split())
    position = state.position + 1
    conn = session.connection()  # Core executemany: no ORM bookkeeping for bulk rows
    conn.execute(
        insert(table_of(Document)),
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
    bulk_insert(
        conn,
        table_of(Turn),
        [
            {
                "document_id": doc_id,
                "idx": i,
                "start": t.start,
                "end": t.end,
                "body_start": t.body_start,
                "speaker": t.speaker,
                "is_interviewer": t.is_interviewer,
                "start_ms": t.start_ms,
                "end_ms": t.end_ms,
            }
            for i, t in enumerate(turns)
        ],
    )
    # Sentence ids are given here (this transaction holds the write lock), so the
    # full-text rows can use them without reading them back.
    sqlite = conn.dialect.name == "sqlite"
    first_id = (conn.exec_driver_sql("SELECT max(id) FROM sentences").scalar() or 0) + 1
    rows: list[dict[str, object]] = [
        {"document_id": doc_id, "idx": i, "turn_idx": ti, "start": st, "end": en}
        for i, (st, en, ti) in enumerate(prep.sentences)
    ]
    if sqlite:  # on PostgreSQL the sequence gives the ids (and there is no FTS5 table)
        for i, row in enumerate(rows):
            row["id"] = first_id + i
    bulk_insert(conn, table_of(Sentence), rows)
    if sqlite and prep.sentences:
        conn.exec_driver_sql(
            "INSERT INTO sentence_fts (rowid, text, document_id) VALUES (?, ?, ?)",
            [
                (first_id + i, text_[st:en], doc_id.hex)
                for i, (st, en, _) in enumerate(prep.sentences)
            ],
        )
    record_event(
        session,
        coder=state.coder_id,
        action="import",
        entity_kind="document",
        entity_id=doc_id,
        summary=f"imported {name} from {state.label(prep.path.name, prep.path)}",
        after={"name": name, "sha256": prep.sha, "participant": part_name},
    )
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
            sentences=len(prep.sentences),
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
    prepared = _prepared_batches(files, max_bytes, transform)
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
                # Another process imported the same text meanwhile: re-read and go on.
                state.loaded = False
                with store.write() as session:
                    _store_one(session, prep, state, report)
        done += len(batch)
        if progress:
            progress(done, total)
    return report
