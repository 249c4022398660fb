"""Export a project as a REFI-QDA ``.qdpx`` (the ``.qdc`` is in :mod:`.refi_codebook`).

The XML is written as text, element by element in the order the XSD enforces, and
empty containers are left out (``<Sets/>`` is invalid); it validates against
``Project.xsd`` (tests/test_exchange_export.py).  The mapping of qda's data onto
REFI-QDA is described in :mod:`qda.exchange.refi_common`.

``nvivo=True`` writes the sources the way NVivo for Windows reads them: UTF-8 with a
BOM and CRLF line endings, offsets in UTF-16 code units with a CRLF counting 2, and
one selection per coding.
"""

from __future__ import annotations

import uuid
import zipfile
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qda import __version__
from qda.db.engine import Store
from qda.db.models import (
    Attribute,
    AttributeValue,
    Coder,
    Coding,
    Document,
    Memo,
    MemoLink,
    Participant,
    ProjectInfo,
    Relation,
)
from qda.db.types import utcnow
from qda.exchange.offsets import UnitWriter
from qda.exchange.output import ExportResult, atomic_output
from qda.exchange.refi_codebook import CodeTreeXml, xml_attr
from qda.exchange.refi_common import (
    PARTICIPANT_MEMO_LINK,
    PROJECT_NS,
    RELATION_NOTE_PREFIX,
    attr,
    derived_guid,
    derived_id,
    fmt_datetime,
    fmt_decimal,
    guid,
    quote_name,
    raw_datetime,
    raw_guid,
    text,
)
from qda.exchange.refi_store import raw_rows

Progress = Callable[[int, int], None]


def export_qdpx(
    store: Store, out: str | Path, *, nvivo: bool = False, progress: Progress | None = None
) -> ExportResult:
    """The whole project as a ``.qdpx`` (valid against Project.xsd)."""
    target = Path(out)
    with store.read() as s, atomic_output(target) as tmp:
        result = _Exporter(s, nvivo, progress).write(tmp)
    result.path = str(target)
    return result


class _Exporter:
    def __init__(self, s: Session, nvivo: bool, progress: Progress | None) -> None:
        self.s = s
        self.nvivo = nvivo
        self.progress = progress
        self.now = utcnow()
        self.result = ExportResult(
            path="", format="qdpx", offsets="UTF-16 units, CRLF=2" if nvivo else "code points"
        )

    def write(self, tmp: Path) -> ExportResult:
        s = self.s
        info = dict(s.execute(select(ProjectInfo.key, ProjectInfo.value)).all())
        coders = s.execute(select(Coder.id, Coder.name).order_by(Coder.name)).all()
        cb = CodeTreeXml(s)
        memos = s.execute(select(Memo).order_by(Memo.created_at, Memo.id)).scalars().all()
        links = s.execute(select(MemoLink.memo_id, MemoLink.target_kind, MemoLink.target_id)).all()
        relations = (
            s.execute(select(Relation).order_by(Relation.created_at, Relation.id)).scalars().all()
        )
        docs = s.execute(
            select(Document.id, Document.name, Document.participant_id, Document.imported_at,
                   Document.imported_by).order_by(Document.position, Document.name)
        ).all()  # fmt: skip
        doc_ids = {d.id for d in docs}
        coding_ids = {raw_guid(r[0]) for r in raw_rows(s, select(Coding.id))}
        part_ids = set(s.scalars(select(Participant.id)))
        memo_ids = {m.id for m in memos}
        rel_ids = {r.id for r in relations}
        exists: dict[str, set[Any]] = {"code": cb.ids, "document": doc_ids, "coding": coding_ids,
                  "participant": part_ids, "memo": memo_ids, "relation": rel_ids}  # fmt: skip
        refs: dict[str, dict[uuid.UUID, list[uuid.UUID]]] = defaultdict(lambda: defaultdict(list))
        for memo_id, kind, tid in sorted(links, key=lambda r: (str(r[0]), r[1], str(r[2]))):
            if (guid(tid) if kind == "coding" else tid) in exists.get(kind, ()):
                refs[kind][tid].append(memo_id)
        self.result.coders = len(coders)
        self.result.codes = len(cb.rows)
        self.result.memos = len(memos)
        self.result.relations = len(relations)
        self.result.documents = len(docs)

        x: list[str] = ['<?xml version="1.0" encoding="utf-8"?>\n']
        name = info.get("name") or "qda project"
        created = info.get("created_at")
        origin = f"qda {__version__}" + (" (NVivo-style offsets)" if self.nvivo else "")
        x.append(
            f'<Project xmlns="{PROJECT_NS}"{xml_attr("name", name)}{xml_attr("origin", origin)}'
            f"{xml_attr('creationDateTime', fmt_datetime(_dt(created)))}"
            f"{xml_attr('modifiedDateTime', fmt_datetime(self.now))}>\n"
        )
        if coders:
            x.append("  <Users>\n")
            x.extend(f'    <User guid="{guid(c.id)}"{xml_attr("name", c.name)}/>\n' for c in coders)
            x.append("  </Users>\n")
        if cb.rows:
            x.append("  <CodeBook>\n")
            cb.xml(x, refs["code"])
            x.append("  </CodeBook>\n")
        self._cases(x, docs)
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            self._sources(x, zf, docs, refs)
            self._notes(x, memos, refs, relations, cb)
            self._links(x, relations, refs)
            cb.sets_xml(x, "targetGUID")
            about = f"Exported by qda {__version__} on {fmt_datetime(self.now)}"
            x.append(f"  <Description>{text(about)}</Description>\n")
            x.append("</Project>\n")
            with zf.open("project.qde", "w") as fh:
                _write_chunks(fh, x)
        return self.result

    # -- parts -----------------------------------------------------------------------
    def _cases(self, x: list[str], docs: Sequence[Any]) -> None:
        s = self.s
        parts = s.execute(select(Participant.id, Participant.name).order_by(Participant.name)).all()
        self.result.participants = len(parts)
        if not parts:
            return
        attrs = s.execute(
            select(Attribute.id, Attribute.name, Attribute.type).order_by(Attribute.name)
        ).all()
        values: dict[uuid.UUID, dict[uuid.UUID, Any]] = defaultdict(dict)
        for v in s.execute(select(AttributeValue)).scalars():
            values[v.participant_id][v.attribute_id] = v
        kinds: dict[uuid.UUID, str] = {}
        for a in attrs:
            if a.type == "number":
                nums = [vals[a.id].number_value for vals in values.values() if a.id in vals]
                ints = all(n is None or float(n).is_integer() for n in nums)
                kinds[a.id] = "Integer" if ints else "Float"
            else:
                kinds[a.id] = "Date" if a.type == "date" else "Text"
        if attrs:
            x.append("  <Variables>\n")
            x.extend(
                f'    <Variable guid="{guid(a.id)}"{xml_attr("name", a.name)}'
                f' typeOfVariable="{kinds[a.id]}"/>\n'
                for a in attrs
            )
            x.append("  </Variables>\n")
        by_part: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
        for d in docs:
            if d.participant_id is not None:
                by_part[d.participant_id].append(d.id)
        x.append("  <Cases>\n")
        for p in parts:
            x.append(f'    <Case guid="{guid(p.id)}"{xml_attr("name", p.name)}>\n')
            for a in attrs:
                shown = _variable_value(kinds[a.id], values[p.id].get(a.id))
                if shown is None:
                    continue
                tag = f"{kinds[a.id]}Value"
                x.append(
                    f'      <VariableValue><VariableRef targetGUID="{guid(a.id)}"/>'
                    f"<{tag}>{text(shown)}</{tag}></VariableValue>\n"
                )
            x.extend(f'      <SourceRef targetGUID="{guid(d)}"/>\n' for d in by_part[p.id])
            x.append("    </Case>\n")
        x.append("  </Cases>\n")

    def _sources(self, x: list[str], zf: zipfile.ZipFile, docs: Sequence[Any], refs: Any) -> None:
        s = self.s
        if not docs:
            return
        # raw DBAPI rows: converting 100,000 ids and times through SQLAlchemy costs seconds
        by_doc: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        seen: dict[Any, str] = {}  # few documents, codes and coders: convert each once

        def g(raw: Any) -> str:
            v = seen.get(raw)
            if v is None:
                v = seen[raw] = raw_guid(raw)
            return v

        for cid, did, code, coder, st, en, created in raw_rows(
            s,
            select(Coding.id, Coding.document_id, Coding.code_id, Coding.coder_id, Coding.start,
                   Coding.end, Coding.created_at)
            .order_by(Coding.document_id, Coding.start, Coding.end, Coding.created_at, Coding.id),
        ):  # fmt: skip
            by_doc[g(did)].append((raw_guid(cid), g(code), g(coder), st, en, raw_datetime(created)))
        coding_refs = {guid(k): v for k, v in refs["coding"].items()}
        doc_refs = refs["document"]
        x.append("  <Sources>\n")
        total = len(docs)
        for i, d in enumerate(docs):
            body = s.scalar(select(Document.text).where(Document.id == d.id)) or ""
            doc_guid = guid(d.id)
            fname = f"{doc_guid}.txt"
            units: UnitWriter | None = None
            if self.nvivo:
                data = b"\xef\xbb\xbf" + body.replace("\n", "\r\n").encode("utf-8")
                units = UnitWriter(body)
            else:
                data = body.encode("utf-8")
            zf.writestr(f"sources/{fname}", data)
            x.append(
                f'    <TextSource guid="{doc_guid}"{xml_attr("name", d.name)} '
                f'plainTextPath="internal://{fname}"'
                f"{xml_attr('creatingUser', guid(d.imported_by) if d.imported_by else None)}"
                f"{xml_attr('creationDateTime', fmt_datetime(d.imported_at))}"
            )
            codings = by_doc.get(doc_guid, [])
            drefs = doc_refs.get(d.id, [])
            if not codings and not drefs:
                x.append("/>\n")
                continue
            x.append(">\n")
            groups: list[tuple[str, list[tuple[Any, ...]]]] = []
            if self.nvivo:  # NVivo: one selection per coding
                groups = [(derived_guid("selection", c[0]), [c]) for c in codings]
            else:  # codings of the same span share a selection
                for c in codings:
                    if groups and groups[-1][1][0][3] == c[3] and groups[-1][1][0][4] == c[4]:
                        groups[-1][1].append(c)
                    else:
                        groups.append((derived_guid("selection", doc_guid, c[3], c[4]), [c]))
            for sel_id, cs in groups:
                _, _, coder, st, en, _ = cs[0]
                name = attr(quote_name(body[st:en]))
                if units is not None:
                    st, en = units.units(st), units.units(en)
                when = min((c[5] for c in cs if c[5]), default=None)
                x.append(
                    f'      <PlainTextSelection guid="{sel_id}" name="{name}" '
                    f'startPosition="{st}" endPosition="{en}" creatingUser="{coder}"'
                    + (f' creationDateTime="{when}">\n' if when else ">\n")
                )
                for cid, code, who, _, _, created in cs:
                    stamp = f' creationDateTime="{created}"' if created else ""
                    notes = "".join(
                        f'<NoteRef targetGUID="{guid(m)}"/>' for m in coding_refs.get(cid, ())
                    )
                    x.append(
                        f'        <Coding guid="{cid}" creatingUser="{who}"{stamp}>'
                        f'<CodeRef targetGUID="{code}"/>{notes}</Coding>\n'
                    )
                x.append("      </PlainTextSelection>\n")
            x.extend(f'      <NoteRef targetGUID="{guid(m)}"/>\n' for m in drefs)
            x.append("    </TextSource>\n")
            self.result.codings += len(codings)
            if self.progress and (i % 20 == 0 or i == total - 1):
                self.progress(i + 1, total)
        x.append("  </Sources>\n")

    def _notes(self, x: list[str], memos: Any, refs: Any, relations: Any, cb: CodeTreeXml) -> None:
        names = {r.id: r.name for r in cb.rows}
        rel_notes = [r for r in relations if r.note.strip()]
        if not memos and not rel_notes:
            return
        memo_refs = refs["memo"]
        x.append("  <Notes>\n")
        for m in memos:
            x.append(
                f'    <Note guid="{guid(m.id)}"{xml_attr("name", m.title)}'
                f"{xml_attr('creatingUser', guid(m.author_id) if m.author_id else None)}"
                f"{xml_attr('creationDateTime', fmt_datetime(m.created_at))}"
                f"{xml_attr('modifiedDateTime', fmt_datetime(m.updated_at))}>"
                f"<Description>{text(m.type)}</Description>"
                f"<PlainTextContent>{text(m.body)}</PlainTextContent>"
            )
            x.extend(f'<NoteRef targetGUID="{guid(t)}"/>' for t in memo_refs.get(m.id, []))
            x.append("</Note>\n")
        for r in rel_notes:
            ends = (names.get(r.source_id, "?"), names.get(r.target_id, "?"))
            title = f"{RELATION_NOTE_PREFIX}{ends[0]} {r.type} {ends[1]}"
            note_id = guid(derived_id("relation-note", r.id))
            x.append(
                f'    <Note guid="{note_id}"{xml_attr("name", title)}>'
                f"<PlainTextContent>{text(r.note)}</PlainTextContent></Note>\n"
            )
        x.append("  </Notes>\n")

    def _links(self, x: list[str], relations: Any, refs: Any) -> None:
        part_refs = refs["participant"]
        rel_refs = refs["relation"]
        if not relations and not part_refs:
            return
        x.append("  <Links>\n")
        for r in relations:
            notes = ([derived_id("relation-note", r.id)] if r.note.strip() else []) + rel_refs.get(
                r.id, []
            )
            head = (
                f'    <Link guid="{guid(r.id)}"{xml_attr("name", r.type)} direction="OneWay" '
                f'originGUID="{guid(r.source_id)}" targetGUID="{guid(r.target_id)}"'
            )
            if notes:
                x.append(
                    head
                    + ">"
                    + "".join(f'<NoteRef targetGUID="{guid(n)}"/>' for n in notes)
                    + "</Link>\n"
                )
            else:
                x.append(head + "/>\n")
        for pid, memo_ids in part_refs.items():
            for m in memo_ids:
                x.append(
                    f'    <Link guid="{guid(derived_id("participant-memo", m, pid))}"'
                    f'{xml_attr("name", PARTICIPANT_MEMO_LINK)} direction="OneWay" '
                    f'originGUID="{guid(m)}" targetGUID="{guid(pid)}"/>\n'
                )
        x.append("  </Links>\n")


def _variable_value(kind: str, v: Any) -> str | None:
    if v is None:
        return None
    if kind in ("Integer", "Float"):
        return None if v.number_value is None else fmt_decimal(v.number_value)
    if kind == "Date":
        return v.date_value.isoformat() if v.date_value else None
    return v.text_value or None


def _dt(raw: str | None) -> datetime | None:
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        return None


def _write_chunks(fh: IO[bytes], parts: list[str], size: int = 1 << 20) -> None:
    buf: list[str] = []
    n = 0
    for p in parts:
        buf.append(p)
        n += len(p)
        if n >= size:
            fh.write("".join(buf).encode("utf-8"))
            buf, n = [], 0
    if buf:
        fh.write("".join(buf).encode("utf-8"))
