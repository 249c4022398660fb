"""Helpers for the reliability tests: dumps, integrity, all-or-nothing checks, no network."""

from __future__ import annotations

import io
import sqlite3
import sys
import textwrap
from collections import Counter
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any
from urllib.parse import quote


def qda_in_process(*argv: str) -> tuple[int, str, str]:
    """Run ``qda ARGV`` through the real entry point (``qda.cli.main``) in this process.

    Returns (exit code, stdout, stderr).  Much faster than a subprocess; the tests that
    must prove the real command use ``tests.conftest.qda_cmd`` instead.
    """
    from qda.cli import main

    out, err = io.StringIO(), io.StringIO()
    saved = sys.argv
    sys.argv = ["qda", *argv]
    code = 0
    try:
        with redirect_stdout(out), redirect_stderr(err):
            main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.argv = saved
    return code, out.getvalue(), err.getvalue()


def connect_ro(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)


def dump_tables(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (FTS shadow tables included), sorted: compare before/after."""
    conn = connect_ro(path)
    try:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE "
                "'CREATE VIRTUAL TABLE%' ORDER BY name"
            )
        ]
        return {n: sorted(conn.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr) for n in names}
    finally:
        conn.close()


def integrity(path: Path) -> list[str]:
    """``PRAGMA integrity_check`` of a project (a read-write open: it recovers the WAL)."""
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("PRAGMA integrity_check")]
    finally:
        conn.close()


def documents_all_or_nothing(path: Path, expected: dict[str, dict[str, int]]) -> int:
    """Assert every document is complete; return how many there are.

    ``expected`` maps a document's sha256 to its full ``turns`` and ``sentences`` counts
    (from a reference import).  Complete means: every turn, every sentence, one search
    row per sentence, exactly one import event; and nothing left of a document that is
    not there.
    """
    conn = connect_ro(path)
    try:
        docs = conn.execute("SELECT id, sha256 FROM documents").fetchall()
        turns = Counter(dict(conn.execute("SELECT document_id, count(*) FROM turns GROUP BY 1")))
        sents = Counter(
            dict(conn.execute("SELECT document_id, count(*) FROM sentences GROUP BY 1"))
        )
        fts = Counter(
            dict(conn.execute("SELECT document_id, count(*) FROM sentence_fts GROUP BY 1"))
        )
        events = Counter(
            r[0]
            for r in conn.execute(
                "SELECT entity_id FROM events WHERE action = 'import' AND entity_kind = 'document'"
            )
        )
        ids = {d for d, _ in docs}
        for doc_id, sha in docs:
            want = expected[sha]
            assert turns[doc_id] == want["turns"], (doc_id, turns[doc_id], want)
            assert sents[doc_id] == want["sentences"], (doc_id, sents[doc_id], want)
            assert fts[doc_id] == want["sentences"], (doc_id, fts[doc_id], want)
            assert events[doc_id] == 1, (doc_id, events[doc_id])
        assert set(turns) <= ids and set(sents) <= ids and set(fts) <= ids
        assert set(events) <= ids, "an import event without its document"
        return len(docs)
    finally:
        conn.close()


def codings_all_or_nothing(path: Path) -> int:
    """Every coding has its apply event and a quote equal to its span; returns the count."""
    conn = connect_ro(path)
    try:
        rows = conn.execute(
            'SELECT c.id, c.start, c."end", c.quote, d.text FROM codings c '
            "JOIN documents d ON d.id = c.document_id"
        ).fetchall()
        total = conn.execute("SELECT count(*) FROM codings").fetchone()[0]
        assert total == len(rows), "a coding without its document"
        coded_events = Counter(
            r[0] for r in conn.execute("SELECT entity_id FROM events WHERE entity_kind = 'coding'")
        )
        for cid, start, end, quote_, text in rows:
            assert text[start:end] == quote_, cid
            assert coded_events[cid] >= 1, f"coding {cid} has no event"
        ids = {r[0] for r in rows}
        removed = {
            e
            for (e,) in conn.execute(
                "SELECT entity_id FROM events WHERE entity_kind = 'coding' AND action = 'uncode'"
            )
        }
        orphan_events = [
            e
            for (e,) in conn.execute(
                "SELECT entity_id FROM events WHERE entity_kind = 'coding' AND action = 'apply'"
            )
            if e not in ids and e not in removed
        ]
        assert not orphan_events, f"apply events without their coding: {orphan_events[:3]}"
        assert not (removed & ids), "a coding both removed and present"
        return len(rows)
    finally:
        conn.close()


NO_NETWORK_SITECUSTOMIZE = textwrap.dedent(
    '''
    """Installed by the privacy test: any attempt to reach the network is recorded, then fails."""
    import os
    import socket

    _MARK = os.environ["QDA_NET_MARK"]


    def _hit(what, *args):
        with open(_MARK, "a", encoding="utf-8") as fh:
            fh.write(f"{what} {args!r}\\n")
        raise OSError(f"network blocked by the qda privacy test: {what}")


    _orig_connect = socket.socket.connect
    _orig_connect_ex = socket.socket.connect_ex


    def _connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            _hit("connect", address)
        return _orig_connect(self, address)


    def _connect_ex(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            _hit("connect_ex", address)
        return _orig_connect_ex(self, address)


    def _sendto(self, *args):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            _hit("sendto", args[-1])
        raise OSError("blocked")


    socket.socket.connect = _connect
    socket.socket.connect_ex = _connect_ex
    socket.socket.sendto = _sendto
    socket.getaddrinfo = lambda *a, **k: _hit("getaddrinfo", *a)
    socket.gethostbyname = lambda *a, **k: _hit("gethostbyname", *a)
    socket.gethostbyname_ex = lambda *a, **k: _hit("gethostbyname_ex", *a)
    socket.create_connection = lambda *a, **k: _hit("create_connection", *a)
    '''
)
