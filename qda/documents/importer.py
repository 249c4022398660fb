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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from qda.common import get_or_create_coder, get_or_create_participant, record_event
from qda.db.engine import Store
from qda.db.models import Document, Sentence, Turn
from qda.db.types import utcnow
from qda.documents.readers import TRANSCRIPT_SUFFIXES, ParsedTranscript, read_transcript
from qda.documents.text import sha256_text
from qda.errors import ImportFileError

BATCH_FILES = 32
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

    @property
    def ok(self) -> bool:
        return not self.skipped

    def to_dict(self) -> dict[str, object]:
        return {
            "imported": [d.__dict__ for d in self.imported],
            "duplicates": self.duplicates,
            "skipped": self.skipped,
            "ignored": self.ignored,
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


def _prepare(
    files: list[Path], max_bytes: int, report: ImportReport, strict: bool
) -> list[_Prepared]:
    from qda.nlp.pipeline import split_sentences

    parsed: list[tuple[Path, ParsedTranscript]] = []
    for f in files:
        try:
            parsed.append((f, read_transcript(f, max_bytes=max_bytes)))
        except ImportFileError as exc:
            if strict:
                raise
            report.skipped.append({"path": str(f), "reason": exc.reason})
    bodies: list[str] = []
    owners: list[tuple[int, int, int]] = []  # (prepared idx, turn idx, offset)
    for pi, (_, pt) in enumerate(parsed):
        for ti, turn in enumerate(pt.turns):
            bodies.append(pt.text[turn.body_start : turn.end])
            owners.append((pi, ti, turn.body_start))
    sents: list[list[tuple[int, int, int]]] = [[] for _ in parsed]
    for (pi, ti, offset), spans in zip(owners, split_sentences(bodies), strict=True):
        sents[pi].extend((offset + s, offset + e, ti) for s, e in spans)
    return [
        _Prepared(path=f, parsed=pt, sha=sha256_text(pt.text), sentences=sents[i])
        for i, (f, pt) in enumerate(parsed)
    ]


def _unique_name(session: Session, name: str) -> str:
    existing = set(session.scalars(select(Document.name).where(Document.name.like(f"{name}%"))))
    if name not in existing:
        return name
    n = 2
    while f"{name} ({n})" in existing:
        n += 1
    return f"{name} ({n})"


def _store_one(
    session: Session,
    prep: _Prepared,
    *,
    coder_name: str,
    participant: str | None,
    report: ImportReport,
) -> None:
    existing = session.scalars(select(Document.name).where(Document.sha256 == prep.sha)).first()
    if existing is not None:
        report.duplicates.append({"path": str(prep.path), "existing": existing})
        return
    coder = get_or_create_coder(session, coder_name)
    pname = participant or participant_from_filename(prep.path)
    part = get_or_create_participant(session, pname)
    position = (session.scalar(select(func.max(Document.position))) or 0) + 1
    text_ = prep.parsed.text
    doc_id = uuid.uuid4()
    name = _unique_name(session, prep.path.stem)
    words = len(text_.split())
    session.execute(
        insert(Document),
        [
            {
                "id": doc_id,
                "name": name,
                "participant_id": part.id,
                "text": text_,
                "sha256": prep.sha,
                "char_count": len(text_),
                "word_count": words,
                "source_path": str(prep.path.resolve()),
                "source_format": prep.parsed.format,
                "encoding": prep.parsed.encoding,
                "position": position,
                "imported_at": utcnow(),
                "imported_by": coder.id,
            }
        ],
    )
    turns = prep.parsed.turns
    if turns:
        session.execute(
            insert(Turn),
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
    if prep.sentences:
        session.execute(
            insert(Sentence),
            [
                {"document_id": doc_id, "idx": i, "turn_idx": ti, "start": s, "end": e}
                for i, (s, e, ti) in enumerate(prep.sentences)
            ],
        )
    if session.get_bind().dialect.name == "sqlite":
        session.execute(
            text(
                "INSERT INTO sentence_fts (rowid, text, document_id) "
                'SELECT s.id, substr(d.text, s.start + 1, s."end" - s.start), s.document_id '
                "FROM sentences s JOIN documents d ON d.id = s.document_id "
                "WHERE s.document_id = :doc"
            ),
            {"doc": doc_id.hex},
        )
    record_event(
        session,
        coder=coder,
        action="import",
        entity_kind="document",
        entity_id=doc_id,
        summary=f"imported {name} from {prep.path.name}",
        after={"name": name, "sha256": prep.sha, "participant": part.name},
    )
    report.imported.append(
        ImportedDocument(
            id=str(doc_id),
            name=name,
            path=str(prep.path),
            participant=part.name,
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
) -> ImportReport:
    """Import transcript files and folders; see the module docstring."""
    report = ImportReport()
    files = expand_paths([Path(p) for p in paths], report)
    total = len(files)
    done = 0
    if strict:
        with store.write() as session:
            for batch in _batches(files, BATCH_FILES):
                for prep in _prepare(batch, max_bytes, report, strict=True):
                    _store_one(
                        session, prep, coder_name=coder, participant=participant, report=report
                    )
                done += len(batch)
                if progress:
                    progress(done, total)
        return report
    for batch in _batches(files, BATCH_FILES):
        for prep in _prepare(batch, max_bytes, report, strict=False):
            with store.write() as session:
                _store_one(session, prep, coder_name=coder, participant=participant, report=report)
        done += len(batch)
        if progress:
            progress(done, total)
    return report
