"""CSV for pandas or R: one row per coding, and the code x participant matrix.

UTF-8 without a BOM (R's ``read.csv`` keeps a BOM in the first column name; pass
``excel=True`` for Excel, which wants one), ``\\n`` line ends, a header row, RFC 4180
quoting.  ``OUT`` is a folder (``codings.csv`` and ``code_participant_matrix.csv``
inside) or a ``.csv`` file for the codings (the matrix goes beside it as
``<name>_matrix.csv``).
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from qda.db.engine import Store
from qda.db.models import Coder, Coding, Document, Participant
from qda.exchange.output import atomic_output
from qda.exchange.refi_common import raw_datetime, raw_guid
from qda.exchange.refi_store import raw_rows
from qda.exchange.report_data import code_tree

CODING_COLUMNS = [
    "coding_id", "document", "participant", "code_path", "coder", "start", "end", "text",
    "created", "code_id", "document_id",
]  # fmt: skip


@dataclass
class CsvResult:
    codings_path: str
    matrix_path: str
    codings: int
    codes: int
    participants: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _paths(out: Path) -> tuple[Path, Path]:
    if out.suffix.lower() == ".csv":
        return out, out.with_name(out.stem + "_matrix.csv")
    out.mkdir(parents=True, exist_ok=True)
    return out / "codings.csv", out / "code_participant_matrix.csv"


def _hex(raw: Any) -> str:
    """A raw id as 32 hex digits (how SQLite stores it; a UUID on other databases)."""
    return raw if isinstance(raw, str) else raw.hex


def _write(path: Path, rows: list[list[Any]], excel: bool) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerows(rows)
    with atomic_output(path) as tmp:
        tmp.write_text(buf.getvalue(), encoding="utf-8-sig" if excel else "utf-8")


def export_csv(store: Store, out: str | Path, *, excel: bool = False) -> CsvResult:
    codings_path, matrix_path = _paths(Path(out))
    with store.read() as s:
        nodes, _ = code_tree(s)
        paths = {n.id.hex: n.path for n in nodes.values()}
        coders = {c.hex: name for c, name in s.execute(select(Coder.id, Coder.name))}
        parts = {p.hex: name for p, name in s.execute(select(Participant.id, Participant.name))}
        docs = {
            d.hex: (name, parts.get(pid.hex) if pid else None)
            for d, name, pid in s.execute(
                select(Document.id, Document.name, Document.participant_id)
            )
        }
        # raw rows (ids as stored): 100,000 codings without per-value conversion
        rows = raw_rows(
            s,
            select(Coding.id, Coding.document_id, Coding.code_id, Coding.coder_id, Coding.start,
                   Coding.end, Coding.quote, Coding.created_at)
            .join(Document, Document.id == Coding.document_id)
            .order_by(Document.position, Document.name, Coding.start, Coding.end, Coding.id),
        )  # fmt: skip
        participants = [
            n for (n,) in s.execute(select(Participant.name).order_by(Participant.name))
        ]
    out_rows: list[list[Any]] = [CODING_COLUMNS]
    matrix: dict[str, dict[str, int]] = {}
    for cid, did, code, coder, start, end, quote, created in rows:
        d, c, k = _hex(did), _hex(code), _hex(coder)
        doc_name, part = docs.get(d, ("", None))
        out_rows.append([
            raw_guid(cid), doc_name, part or "", paths.get(c, ""), coders.get(k, ""), start, end,
            quote, raw_datetime(created) or "", raw_guid(code), raw_guid(did),
        ])  # fmt: skip
        per = matrix.setdefault(c, {})
        per[part or ""] = per.get(part or "", 0) + 1
    _write(codings_path, out_rows, excel)
    cols = participants + ([""] if any("" in v for v in matrix.values()) else [])
    mrows: list[list[Any]] = [
        ["code_id", "code_path", *[c or "(no participant)" for c in cols], "total"]
    ]
    for cid in sorted(nodes, key=lambda c: nodes[c].path.casefold()):
        counts = matrix.get(cid.hex, {})
        mrows.append([str(cid), nodes[cid].path, *[counts.get(c, 0) for c in cols],
                      sum(counts.values())])  # fmt: skip
    _write(matrix_path, mrows, excel)
    return CsvResult(
        codings_path=str(codings_path), matrix_path=str(matrix_path), codings=len(rows),
        codes=len(nodes), participants=len(participants),
    )  # fmt: skip
