"""Read another project for a merge, as untrusted input.

The other project is opened read-only (``mode=ro``, ``trusted_schema=OFF``, a quick
check, a schema version this qda knows: :func:`qda.db.engine.open_engine`).  Then
every table a merge reads must be a real table (not a view), and every row is checked
before anything is planned: types and lengths of every column, references between
rows, no cycle in the code tree, each document's text against its SHA-256, every
offset inside its document.  Any violation refuses the whole project with one line;
a merge never half-trusts a file.  (Codings whose stored quote differs from their
text are not structural damage: they are skipped and reported.)
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from sqlalchemy import Engine, Table, bindparam, text

from qda.db.engine import is_url, open_engine
from qda.db.models import CODE_KINDS, LINK_KINDS, Base
from qda.documents.text import sha256_text
from qda.errors import ProjectError
from qda.team import rawio

# Tables a merge reads, in dependency order.
TABLES = (
    "coders", "participants", "attributes", "attribute_values", "documents", "codes",
    "codings", "relations", "memos", "memo_links", "events",
)  # fmt: skip
DETAIL_TABLES = ("turns", "sentences")


class UnsoundProjectError(ProjectError):
    """The other project breaks the rules of a qda project (damaged or hostile)."""


def table(name: str) -> Table:
    return Base.metadata.tables[name]


@dataclass
class Snapshot:
    """Every mergeable row of one other project, checked, as dicts of canonical values
    (:mod:`qda.team.rawio`: ids are 32 hex digits)."""

    target: str
    name: str
    engine: Engine
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    suggestions: int = 0

    def close(self) -> None:
        self.engine.dispose()

    def bad(self, why: str) -> NoReturn:
        _bad(self.target, why)

    def details(self, name: str, doc_ids: list[str]) -> list[dict[str, Any]]:
        """The turns or sentences of some documents (read when they are needed)."""
        wanted = set(doc_ids)
        lengths = {d["id"]: len(d["text"]) for d in self.rows["documents"] if d["id"] in wanted}
        with self.engine.connect() as conn:
            out = _read(conn, table(name), self.target, where_in=("document_id", doc_ids))
        out.sort(key=lambda r: r["id"])
        for r in out:
            if not 0 <= r["start"] <= r["end"] <= lengths[r["document_id"]]:
                self.bad(f"{name} row {r['id']} lies outside its document")
            if name == "turns" and not r["start"] <= r["body_start"] <= r["end"]:
                self.bad(f"turn row {r['id']} has its body outside the turn")
        return out


def _bad(target: str, why: str) -> NoReturn:
    raise UnsoundProjectError(f"{target}: not a sound qda project ({why}); nothing was merged")


def _read(
    conn: Any, t: Table, target: str, where_in: tuple[str, list[str]] | None = None
) -> list[dict[str, Any]]:
    def bad(why: str) -> NoReturn:
        _bad(target, why)

    try:
        return rawio.read(conn, t, where_in=where_in, bad=bad)
    except UnsoundProjectError:
        raise
    except Exception as exc:  # a malformed table fails inside the driver
        msg = " ".join(str(getattr(exc, "orig", exc)).split())[:200]
        _bad(target, f"cannot read {t.name}: {type(exc).__name__}: {msg}")


def _check_real_tables(engine: Engine, target: str) -> None:
    if engine.dialect.name != "sqlite":
        return
    names = (*TABLES, *DETAIL_TABLES, "project_info")
    query = text("SELECT name, type FROM sqlite_master WHERE name IN :names").bindparams(
        bindparam("names", expanding=True)
    )
    with engine.connect() as conn:
        kinds: dict[str, str] = dict(conn.execute(query, {"names": list(names)}).all())
    for n in names:
        if kinds.get(n) != "table":
            _bad(target, f"{n} is {'missing' if n not in kinds else 'a ' + str(kinds[n])}")


def _ids(rows: Iterable[dict[str, Any]]) -> set[str]:
    return {r["id"] for r in rows}


def _check_references(snap: Snapshot) -> None:
    t = snap.target
    r = snap.rows
    coders = _ids(r["coders"])
    participants = _ids(r["participants"])
    attributes = {a["id"]: a for a in r["attributes"]}
    docs = {d["id"]: d for d in r["documents"]}
    codes = {c["id"]: c for c in r["codes"]}
    memos = _ids(r["memos"])

    def need(value: Any, pool: Any, what: str) -> None:
        if value is not None and value not in pool:
            _bad(t, f"{what} refers to a missing row")

    for kind, rows in r.items():
        if len({x["id"] for x in rows if "id" in x}) != len(rows) and kind != "attribute_values":
            _bad(t, f"{kind} has repeated ids")
    for v in r["attribute_values"]:
        need(v["participant_id"], participants, "an attribute value")
        need(v["attribute_id"], attributes, "an attribute value")
    for a in r["attributes"]:
        if a["type"] not in ("number", "text", "date"):
            _bad(t, f"attribute {a['name']!r} has an unknown type")
    shas: set[str] = set()
    for d in r["documents"]:
        need(d["participant_id"], participants, f"document {d['name']!r}")
        need(d["imported_by"], coders, f"document {d['name']!r}")
        if sha256_text(d["text"]) != d["sha256"]:
            _bad(t, f"document {d['name']!r}: text does not match its SHA-256")
        if d["sha256"] in shas:
            _bad(t, "two documents have the same text")
        shas.add(d["sha256"])
        d["char_count"] = len(d["text"])
    for c in r["codes"]:
        need(c["parent_id"], codes, f"code {c['name']!r}")
        need(c["created_by"], coders, f"code {c['name']!r}")
        if c["kind"] not in CODE_KINDS:
            _bad(t, f"code {c['name']!r} has an unknown kind")
        if not c["name"].strip():
            _bad(t, "a code has an empty name")
    for c in r["codes"]:  # no cycles
        seen: set[str] = set()
        cur: str | None = c["id"]
        while cur is not None:
            if cur in seen:
                _bad(t, f"the code tree has a cycle at {c['name']!r}")
            seen.add(cur)
            cur = codes[cur]["parent_id"]
    for k in r["codings"]:
        doc = docs.get(k["document_id"])
        if doc is None or k["code_id"] not in codes or k["coder_id"] not in coders:
            _bad(t, "a coding refers to a missing row")
            return
        if not 0 <= k["start"] < k["end"] <= len(doc["text"]):
            _bad(t, f"coding {k['id']} lies outside its document")
    for rel in r["relations"]:
        need(rel["source_id"], codes, "a relation")
        need(rel["target_id"], codes, "a relation")
        need(rel["coder_id"], coders, "a relation")
    for m in r["memos"]:
        need(m["author_id"], coders, "a memo")
    for link in r["memo_links"]:
        need(link["memo_id"], memos, "a memo link")
        if link["target_kind"] not in LINK_KINDS:
            _bad(t, "a memo link has an unknown kind")
    for e in r["events"]:
        need(e["coder_id"], coders, "an event")


def describe(target: str | os.PathLike[str]) -> str:
    return str(target) if not is_url(target) else str(target).split("@")[-1]


def read_snapshot(target: str | os.PathLike[str]) -> Snapshot:
    """Open ``target`` read-only and read every mergeable row, checked."""
    label = describe(target)
    engine = open_engine(target, read_only=True)
    try:
        _check_real_tables(engine, label)
        with engine.connect() as conn:
            info: dict[str, str] = dict(
                conn.execute(text("SELECT key, value FROM project_info")).all()
            )
            snap = Snapshot(
                target=label,
                name=str(info.get("name") or Path(str(target)).stem),
                engine=engine,
            )
            for name in TABLES:
                snap.rows[name] = _read(conn, table(name), label)
            snap.suggestions = int(
                conn.execute(text("SELECT count(*) FROM suggestions")).scalar() or 0
            )
        _check_references(snap)
    except BaseException:
        engine.dispose()
        raise
    return snap
