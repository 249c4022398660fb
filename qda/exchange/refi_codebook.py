"""The code tree as REFI-QDA XML: ``<Codes>`` for a project and the ``.qdc`` codebook.

Also the code sets qda writes (``qda: themes``, ``qda: categories``, ...; see
:mod:`qda.exchange.refi_common`).  The ``.qdc`` validates against ``Codebook.xsd``.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qda import __version__
from qda.db.engine import Store
from qda.db.models import Code
from qda.errors import QdaError
from qda.exchange.output import ExportResult, atomic_output
from qda.exchange.refi_common import (
    CODEBOOK_NS,
    SET_CATEGORIES,
    SET_CORE,
    SET_INVIVO,
    SET_RETIRED,
    SET_THEMES,
    attr,
    compose_description,
    derived_id,
    guid,
    parse_color,
    text,
)


def xml_attr(name: str, value: object) -> str:
    return "" if value is None or value == "" else f' {name}="{attr(str(value))}"'


class CodeTreeXml:
    """The code tree and the qda code sets, shared by .qdpx and .qdc."""

    def __init__(self, s: Session) -> None:
        self.rows = s.execute(
            select(Code.id, Code.name, Code.kind, Code.parent_id, Code.definition, Code.inclusion,
                   Code.exclusion, Code.example, Code.color, Code.is_core, Code.origin,
                   Code.retired).order_by(Code.position, Code.name)
        ).all()  # fmt: skip
        self.ids = {r.id for r in self.rows}
        self.children: dict[uuid.UUID | None, list[Any]] = defaultdict(list)
        for r in self.rows:
            parent = r.parent_id if r.parent_id in self.ids else None
            self.children[parent].append(r)
        self.order: list[Any] = []  # depth-first, siblings by position

        def walk(parent: uuid.UUID | None) -> None:
            for r in self.children.get(parent, []):
                self.order.append(r)
                walk(r.id)

        walk(None)

    def xml(self, out: list[str], note_refs: dict[uuid.UUID, list[uuid.UUID]] | None) -> None:
        def emit(r: Any, depth: int) -> None:
            pad = "  " * depth
            desc = compose_description(r.definition, r.inclusion, r.exclusion, r.example)
            kids = self.children.get(r.id, [])
            refs = (note_refs or {}).get(r.id, [])
            head = (
                f'{pad}<Code guid="{guid(r.id)}"{xml_attr("name", r.name)} isCodable="true"'
                f"{xml_attr('color', parse_color(r.color))}"
            )
            if not (desc or kids or refs):
                out.append(head + "/>\n")
                return
            out.append(head + ">\n")
            if desc:
                out.append(f"{pad}  <Description>{text(desc)}</Description>\n")
            out.extend(f'{pad}  <NoteRef targetGUID="{guid(m)}"/>\n' for m in refs)
            for k in kids:
                emit(k, depth + 1)
            out.append(f"{pad}</Code>\n")

        out.append("    <Codes>\n")
        for r in self.children.get(None, []):
            emit(r, 3)
        out.append("    </Codes>\n")

    def sets(self) -> list[tuple[uuid.UUID, str, str, list[uuid.UUID]]]:
        groups = [
            (SET_THEMES, "Codes qda marks as themes",
             [r.id for r in self.order if r.kind == "theme"]),
            (SET_CATEGORIES, "Codes qda marks as categories",
             [r.id for r in self.order if r.kind == "category"]),
            (SET_CORE, "The core category", [r.id for r in self.order if r.is_core]),
            (SET_INVIVO, "In-vivo codes (named in the participants' words)",
             [r.id for r in self.order if r.origin == "invivo"]),
            (SET_RETIRED, "Codes no longer in use", [r.id for r in self.order if r.retired]),
        ]  # fmt: skip
        return [(derived_id("set", name), name, desc, ids) for name, desc, ids in groups if ids]

    def sets_xml(self, out: list[str], member: str) -> None:
        """``<Sets>`` of :meth:`sets` (left out when there are none); ``member`` is the
        attribute of ``<MemberCode>`` naming the code: ``guid`` in a .qdc, ``targetGUID``
        in a project."""
        sets = self.sets()
        if not sets:
            return
        out.append("  <Sets>\n")
        for sid, name, desc, ids in sets:
            out.append(f'    <Set guid="{guid(sid)}"{xml_attr("name", name)}>\n')
            out.append(f"      <Description>{text(desc)}</Description>\n")
            out.extend(f'      <MemberCode {member}="{guid(i)}"/>\n' for i in ids)
            out.append("    </Set>\n")
        out.append("  </Sets>\n")


def export_qdc(store: Store, out: str | Path) -> ExportResult:
    """The codebook as a ``.qdc`` (valid against Codebook.xsd)."""
    with store.read() as s:
        cb = CodeTreeXml(s)
    if not cb.rows:
        raise QdaError("the project has no codes: nothing to put in a codebook")
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n',
        f'<CodeBook xmlns="{CODEBOOK_NS}"{xml_attr("origin", f"qda {__version__}")}>\n',
    ]
    body: list[str] = []
    cb.xml(body, None)
    parts.extend(line[2:] for line in body)  # one level less deep than in a project
    cb.sets_xml(parts, "guid")
    parts.append("</CodeBook>\n")
    target = Path(out)
    with atomic_output(target) as tmp:
        tmp.write_text("".join(parts), encoding="utf-8")
    return ExportResult(path=str(target), format="qdc", codes=len(cb.rows))
