"""What the suggestion index is built from: the project's documents, sentences and
turns read in one pass of raw driver rows, and a content hash of them (the index's key).
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from typing import Any

from qda.db.engine import Store
from qda.suggest.text import TOKENIZER_VERSION

_lock = threading.Lock()
_keys: dict[tuple[str, tuple[Any, ...]], str] = {}


def content_key(store: Store, index_format: int) -> str:
    """A hash of everything the indexes depend on: documents, sentences, turns, tokenizer.

    A document's text never changes after import, and its sentences and turns are
    written once with it (new rows, new ids); so the hash is computed from every
    document's id and text hash, and remembered for as long as the number of documents
    and the newest sentence and turn ids stay the same (three cheap queries).
    """
    with store.read() as s:
        conn = s.connection()
        stamp = tuple(
            conn.exec_driver_sql(
                "SELECT (SELECT count(*) FROM documents), (SELECT max(id) FROM sentences), "
                "(SELECT max(id) FROM turns)"
            ).one()
        )
        known = _keys.get((store.target, stamp))
        if known is not None:
            return known
        docs = conn.exec_driver_sql("SELECT id, sha256 FROM documents").fetchall()
    h = hashlib.sha256()
    h.update(f"{TOKENIZER_VERSION}|{index_format}|{stamp[1]}|{stamp[2]}|".encode())
    for did, sha in sorted((_hex(d), sha) for d, sha in docs):
        h.update(f"{did}:{sha};".encode())
    key = h.hexdigest()
    with _lock:
        if len(_keys) > 64:
            _keys.clear()
        _keys[(store.target, stamp)] = key
    return key


def _hex(raw: Any) -> str:
    """A uuid as the 32 hex digits SQLite stores, from however the driver returns it."""
    return raw.hex if isinstance(raw, uuid.UUID) else str(raw).replace("-", "").lower()


def load_source(store: Store) -> tuple[list[tuple[str, str, str, str]], list[list[Any]], list[Any]]:
    """Documents ``(id, name, participant, text)`` in reading order, each document's
    sentences ``(start, end, turn idx)`` by offset, and turns ``(doc, idx, body, end, iv)``.

    Raw driver rows: converting 100,000s of uuids through the ORM would cost seconds.
    """
    with store.read() as s:
        cur = s.connection().connection.cursor()  # the DBAPI cursor: no per-row processing
        try:
            cur.execute(
                "SELECT d.id, d.name, p.name, d.text FROM documents d "
                "LEFT JOIN participants p ON p.id = d.participant_id "
                "ORDER BY d.position, d.name, d.id"
            )
            docs = cur.fetchall()
            pos = {_hex(d[0]): i for i, d in enumerate(docs)}
            if docs and not isinstance(docs[0][0], str):
                pos.update({d[0]: i for i, d in enumerate(docs)})  # native uuid values
            per_doc: list[list[Any]] = [[] for _ in docs]
            cur.execute('SELECT document_id, start, "end", turn_idx FROM sentences')
            for did, start, end, tidx in cur.fetchall():
                per_doc[pos[did]].append((start, end, tidx))
            cur.execute('SELECT document_id, idx, body_start, "end", is_interviewer FROM turns')
            turns = [(pos[r[0]], r[1], r[2], r[3], r[4]) for r in cur.fetchall()]
        finally:
            cur.close()
    for sents in per_doc:
        sents.sort()
    turns.sort(key=lambda r: (r[0], r[2]))
    out_docs = [(str(uuid.UUID(_hex(d[0]))), d[1], d[2] or "", d[3]) for d in docs]
    return out_docs, per_doc, turns


def forget_keys(target: str | None = None) -> None:
    """Forget remembered content hashes (of one project, or all)."""
    with _lock:
        for k in [k for k in _keys if target is None or k[0] == target]:
            del _keys[k]
