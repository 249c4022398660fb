"""Store imported text sources as documents, with speaker turns, sentences and search.

The same derived rows as a transcript import (qda.documents.importer): turns from
:func:`~qda.documents.turns.find_turns`, sentences cut at turn edges, the FTS index
on SQLite.  Turns and sentences are computed before the write transaction.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, Table, func, select
from sqlalchemy.orm import Session

from qda.db.bulk import bulk_insert
from qda.db.models import Coding, Document, Sentence, Turn
from qda.documents.text import sha256_text
from qda.documents.turns import TurnSpan, find_turns


def table_of(model: Any) -> Table:
    """A model's table, typed as the Table it is (``__table__`` is typed FromClause)."""
    return cast(Table, model.__table__)


def raw_rows(s: Session, stmt: Any) -> list[tuple[Any, ...]]:
    """Rows straight from the DBAPI cursor: ids and times unconverted (raw hex strings on
    SQLite).  SQLAlchemy's per-row UUID and datetime processing costs seconds at 100k rows."""
    result = s.connection().execute(stmt)
    try:
        return list(result.cursor.fetchall())
    finally:
        result.close()


CODING_COLUMNS = ("id", "code_id", "document_id", "coder_id", "start", "end", "quote",
                  "created_at")  # fmt: skip


def insert_codings(conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert ``(id, code, document, coder, start, end, quote, created)`` tuples.

    On SQLite the values are bound directly (ids as the 32 hex digits SQLAlchemy's
    ``Uuid`` stores, times through the column's own processor): 100,000 codings in
    about a second instead of four through per-value type processing.
    """
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        bulk_insert(
            conn, table_of(Coding),
            [dict(zip(CODING_COLUMNS, r, strict=True), origin="imported") for r in rows],
        )  # fmt: skip
        return
    when = table_of(Coding).c.created_at.type._cached_bind_processor(conn.dialect)
    assert when is not None
    cols = ", ".join(f'"{c}"' for c in (*CODING_COLUMNS, "origin"))
    sql = f"INSERT INTO codings ({cols}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'imported')"
    for i in range(0, len(rows), 20_000):
        conn.exec_driver_sql(
            sql,
            [
                (r[0].hex, r[1].hex, r[2].hex, r[3].hex, r[4], r[5], r[6], when(r[7]))
                for r in rows[i : i + 20_000]
            ],
        )


TURN_COLUMNS = ("document_id", "idx", "start", "end", "body_start", "speaker", "is_interviewer",
                "start_ms", "end_ms")  # fmt: skip
SENTENCE_COLUMNS = ("document_id", "idx", "turn_idx", "start", "end")


def _insert(
    conn: Connection, model: Any, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """Rows whose first column is a document id and the rest plain ints/strings/bools."""
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        bulk_insert(conn, table_of(model), [dict(zip(columns, r, strict=True)) for r in rows])
        return
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    conn.exec_driver_sql(
        f'INSERT INTO "{table_of(model).name}" ({names}) VALUES ({marks})',
        [(r[0].hex, *r[1:]) for r in rows],
    )


@dataclass
class PreparedText:
    turns: list[TurnSpan]
    sentences: list[tuple[int, int, int]]  # start, end, turn index


def prepare_texts(texts: Sequence[str]) -> list[PreparedText]:
    from qda.nlp.pipeline import split_regions

    turns = [find_turns(t) for t in texts]
    regions = [[(t.body_start, t.end) for t in ts] for ts in turns]
    sents = list(split_regions(list(texts), regions))
    return [PreparedText(t, s) for t, s in zip(turns, sents, strict=True)]


PARALLEL_MIN_CHARS = 2_000_000  # below this, a second process costs more than it saves


class Pending:
    """Turns and sentences of many texts, prepared by a helper process.

    :meth:`start` launches the helper early (it loads spaCy while the file is parsed),
    :meth:`submit` hands it the texts (or, for few texts, prepares them here and stops
    it), :meth:`result` waits.  Any failure of the helper falls back to doing the work
    in this process.  The helper is ``python -m qda.exchange.prepare_worker``, a plain
    child process (not :mod:`multiprocessing`: nothing of ``__main__`` runs again).
    """

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.done: list[PreparedText] | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self.feeder: threading.Thread | None = None

    def start(self) -> Pending:
        if os.environ.get("QDA_NO_SUBPROCESS"):
            return self
        import qda

        env = dict(os.environ)
        root = str(Path(qda.__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "qda.exchange.prepare_worker"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                env=env,
            )  # fmt: skip
        except OSError:  # no processes allowed here: everything is done in this one
            self.proc = None
        return self

    def submit(self, texts: Sequence[str]) -> None:
        self.texts = list(texts)
        if self.proc is None or sum(len(t) for t in self.texts) < PARALLEL_MIN_CHARS:
            self.close()
            self.done = prepare_texts(self.texts)
            return
        payload = pickle.dumps(self.texts, protocol=pickle.HIGHEST_PROTOCOL)
        self.feeder = threading.Thread(target=self._feed, args=(payload,), daemon=True)
        self.feeder.start()

    def _feed(self, payload: bytes) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        try:
            self.proc.stdin.write(payload)
            self.proc.stdin.close()
        except OSError:  # the helper died; result() falls back
            pass

    def result(self) -> list[PreparedText]:
        if self.done is None:
            proc = self.proc
            out: object = None
            if proc is not None and proc.stdout is not None:
                try:
                    data = proc.stdout.read()
                    proc.wait()
                    out = pickle.loads(data) if proc.returncode == 0 else None
                except (OSError, pickle.UnpicklingError, EOFError):
                    out = None
            self.close()
            if not isinstance(out, list) or len(out) != len(self.texts):
                out = prepare_texts(self.texts)  # no helper, or it failed: do it here
            self.done = out
        return self.done

    def close(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()
            if proc.stdin is not None and self.feeder is None:  # else the feeder closes it
                proc.stdin.close()
        if self.feeder is not None:
            self.feeder.join(timeout=5)
            self.feeder = None


def insert_documents(
    conn: Connection,
    new: Sequence[tuple[Any, uuid.UUID, str, uuid.UUID | None]],
    *,
    file: str,
    coder_id: uuid.UUID,
    now: datetime,
    position: int,
) -> int:
    """Insert ``(text source, id, name, participant id)`` as documents; the last position.
    Their turns, sentences and search index follow with :func:`insert_derived`."""
    docs: list[dict[str, Any]] = []
    for ts, doc_id, name, part in new:
        position += 1
        body = ts.text
        docs.append(
            dict(
                id=doc_id, name=name, participant_id=part, text=body, sha256=sha256_text(body),
                char_count=len(body), word_count=len(body.split()),
                source_path=f"{file}#{ts.source.name or ts.source.path or ts.source.id}"[:2000],
                source_format="refi", encoding="utf-8", position=position, imported_at=now,
                imported_by=coder_id,
            )
        )  # fmt: skip
    for i in range(0, len(docs), 200):
        bulk_insert(conn, table_of(Document), docs[i : i + 200])
    return position


def insert_derived(conn: Connection, items: Sequence[tuple[uuid.UUID, str, PreparedText]]) -> None:
    """Speaker turns, sentences and (SQLite) the search index of new documents."""
    turns: list[tuple[Any, ...]] = []
    sents: list[tuple[Any, ...]] = []
    for doc_id, _, prep in items:
        turns.extend(
            (doc_id, i, t.start, t.end, t.body_start, t.speaker, t.is_interviewer, t.start_ms,
             t.end_ms)
            for i, t in enumerate(prep.turns)
        )  # fmt: skip
        sents.extend((doc_id, i, ti, st, en) for i, (st, en, ti) in enumerate(prep.sentences))
    _insert(conn, Turn, TURN_COLUMNS, turns)
    last = conn.scalar(select(func.max(Sentence.id))) or 0
    _insert(conn, Sentence, SENTENCE_COLUMNS, sents)
    if conn.dialect.name == "sqlite" and sents:
        # The search index.  Sentence texts are cut in Python: SQLite's substr() on the
        # document re-reads the whole text for every row (quadratic on long transcripts).
        ids = [r[0] for r in conn.exec_driver_sql(
            "SELECT id FROM sentences WHERE id > ? ORDER BY id", (last,)
        )]  # fmt: skip
        if len(ids) != len(sents):  # pragma: no cover - rowids are given in insert order
            raise RuntimeError("sentence ids do not match the sentences just inserted")
        texts = {doc_id: body for doc_id, body, _ in items}
        conn.exec_driver_sql(
            "INSERT INTO sentence_fts (rowid, text, document_id) VALUES (?, ?, ?)",
            [
                (sid, texts[doc_id][st:en], doc_id.hex)
                for sid, (doc_id, _, _, st, en) in zip(ids, sents, strict=True)
            ],
        )
