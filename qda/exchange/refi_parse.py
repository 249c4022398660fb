"""A REFI-QDA ``project.qde`` or ``.qdc`` as plain Python objects.

Namespace-agnostic (``urn:QDA-XML:project:1.0``, ``codebook:1.0``, ``1:0``, ``0:4`` and
none are all seen in the wild): elements are matched by local name.  Nothing here
touches a database; :mod:`qda.exchange.refi_import` decides what to store.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree

from qda.errors import ImportFileError
from qda.exchange.refi_common import parse_color, parse_datetime, parse_guid
from qda.exchange.safe_xml import local

SOURCE_KINDS = {
    "TextSource": "text",
    "PDFSource": "PDF",
    "PictureSource": "picture",
    "AudioSource": "audio",
    "VideoSource": "video",
}


@dataclass
class RCode:
    id: uuid.UUID
    name: str
    codable: bool
    color: str | None
    description: str
    parent: uuid.UUID | None
    depth: int
    position: int
    note_refs: list[uuid.UUID] = field(default_factory=list)


@dataclass(slots=True)
class RCoding:
    id: uuid.UUID
    code: uuid.UUID | None
    user: uuid.UUID | None
    created: datetime | None
    note_refs: list[uuid.UUID] = field(default_factory=list)


@dataclass(slots=True)
class RSelection:
    id: uuid.UUID
    name: str
    start: int
    end: int
    user: uuid.UUID | None
    created: datetime | None
    description: str
    codings: list[RCoding]
    note_refs: list[uuid.UUID]


@dataclass
class RVariableValue:
    variable: uuid.UUID | None
    type: str  # Text Boolean Integer Float Date DateTime
    value: str


@dataclass
class RSource:
    id: uuid.UUID
    kind: str  # text, PDF, picture, audio, video
    name: str
    path: str | None  # plainTextPath (text) or path (others)
    inline_text: str | None
    user: uuid.UUID | None
    created: datetime | None
    description: str
    selections: list[RSelection]
    codings: int  # every Coding inside (all kinds of selection), for reports
    note_refs: list[uuid.UUID]
    variables: list[RVariableValue]


@dataclass
class RNote:
    id: uuid.UUID
    name: str
    text: str | None
    path: str | None
    description: str
    user: uuid.UUID | None
    created: datetime | None
    modified: datetime | None
    note_refs: list[uuid.UUID]


@dataclass
class RCase:
    id: uuid.UUID
    name: str
    description: str
    values: list[RVariableValue]
    sources: list[uuid.UUID]


@dataclass
class RLink:
    id: uuid.UUID
    name: str
    direction: str
    origin: uuid.UUID | None
    target: uuid.UUID | None
    note_refs: list[uuid.UUID]


@dataclass
class RSet:
    id: uuid.UUID
    name: str
    description: str
    codes: list[uuid.UUID]
    sources: list[uuid.UUID]
    notes: list[uuid.UUID]


@dataclass
class RProject:
    kind: str  # "project" or "codebook"
    name: str
    origin: str
    creating_user: uuid.UUID | None
    created: datetime | None
    users: dict[uuid.UUID, str] = field(default_factory=dict)
    codes: list[RCode] = field(default_factory=list)  # parents before children
    variables: dict[uuid.UUID, tuple[str, str]] = field(default_factory=dict)  # name, type
    cases: list[RCase] = field(default_factory=list)
    sources: list[RSource] = field(default_factory=list)
    notes: list[RNote] = field(default_factory=list)
    links: list[RLink] = field(default_factory=list)
    sets: list[RSet] = field(default_factory=list)
    graphs: int = 0
    description: str = ""
    note_refs: list[uuid.UUID] = field(default_factory=list)


def _children(el: etree._Element, name: str) -> list[etree._Element]:
    return list(el.iterchildren("{*}" + name))  # any namespace, or none


def _child(el: etree._Element, name: str) -> etree._Element | None:
    return next(el.iterchildren("{*}" + name), None)


def _text(el: etree._Element, name: str) -> str:
    c = _child(el, name)
    return (c.text or "") if c is not None else ""


def _refs(el: etree._Element, name: str, attr: str = "targetGUID") -> list[uuid.UUID]:
    out = []
    for c in el.iterchildren("{*}" + name):
        g = parse_guid(c.get(attr) or c.get("guid"))
        if g is not None:
            out.append(g)
    return out


def _int(el: etree._Element, attr: str) -> int:
    raw = el.get(attr)
    try:
        return int(raw or "")
    except (TypeError, ValueError):
        where = f"{local(el.tag)} {el.get('guid')}"
        raise ValueError(f"{where}: {attr}={raw!r} is not a whole number") from None


def _need_guid(el: etree._Element, what: str) -> uuid.UUID:
    g = parse_guid(el.get("guid"))
    if g is None:
        raise ValueError(f"a {what} without a guid")
    return g


def _bool(raw: str | None, default: bool = True) -> bool:
    if raw is None:
        return default
    return raw.strip().lower() in ("true", "1", "yes")


def _codes(parent_el: etree._Element, project: RProject, max_depth: int) -> None:
    stack: list[tuple[etree._Element, uuid.UUID | None, int]] = [(parent_el, None, 0)]
    while stack:
        el, parent, depth = stack.pop()
        kids = _children(el, "Code")
        if depth > max_depth and kids:
            raise ValueError(f"the code tree is nested more than {max_depth} levels deep")
        entries: list[tuple[etree._Element, uuid.UUID | None, int]] = []
        for pos, c in enumerate(kids):
            code = RCode(
                id=_need_guid(c, "code"),
                name=(c.get("name") or "").strip() or "(unnamed code)",
                codable=_bool(c.get("isCodable")),
                color=parse_color(c.get("color")),
                description=_text(c, "Description"),
                parent=parent,
                depth=depth,
                position=pos,
                note_refs=_refs(c, "NoteRef"),
            )
            project.codes.append(code)
            entries.append((c, code.id, depth + 1))
        stack.extend(reversed(entries))


def _value(el: etree._Element) -> RVariableValue:
    ref = _child(el, "VariableRef")
    var = parse_guid((ref if ref is not None else el).get("targetGUID"))
    for c in el:
        name = local(c.tag)
        if name.endswith("Value") and name != "VariableValue":
            return RVariableValue(var, name[: -len("Value")], (c.text or "").strip())
    return RVariableValue(var, "Text", "")


def _coding(c: etree._Element) -> RCoding:
    code: uuid.UUID | None = None
    notes: list[uuid.UUID] = []
    for ref in c:  # CodeRef, then NoteRefs: one pass
        tag = ref.tag
        if not isinstance(tag, str):
            continue
        if tag.endswith("CodeRef") and code is None:
            code = parse_guid(ref.get("targetGUID"))
        elif tag.endswith("NoteRef"):
            g = parse_guid(ref.get("targetGUID"))
            if g is not None:
                notes.append(g)
    return RCoding(
        id=_need_guid(c, "coding"),
        code=code,
        user=parse_guid(c.get("creatingUser")),
        created=parse_datetime(c.get("creationDateTime")),
        note_refs=notes,
    )


def _selection(s: etree._Element) -> RSelection:
    """A PlainTextSelection; its children read in one pass (100,000 of them in a big file)."""
    desc = ""
    codings: list[RCoding] = []
    notes: list[uuid.UUID] = []
    for ch in s:
        tag = ch.tag
        if not isinstance(tag, str):
            continue
        if tag.endswith("}Coding") or tag == "Coding":
            codings.append(_coding(ch))
        elif tag.endswith("NoteRef"):
            g = parse_guid(ch.get("targetGUID"))
            if g is not None:
                notes.append(g)
        elif tag.endswith("Description"):
            desc = ch.text or ""
    return RSelection(
        id=_need_guid(s, "selection"),
        name=s.get("name") or "",
        start=_int(s, "startPosition"),
        end=_int(s, "endPosition"),
        user=parse_guid(s.get("creatingUser")),
        created=parse_datetime(s.get("creationDateTime")),
        description=desc,
        codings=codings,
        note_refs=notes,
    )


def _source(el: etree._Element, kind: str) -> RSource:
    is_text = kind == "text"
    path = el.get("plainTextPath") if is_text else el.get("path")
    content = _child(el, "PlainTextContent") if is_text else None
    selections: list[RSelection] = []
    if is_text:
        selections = [_selection(s) for s in el.iterchildren("{*}PlainTextSelection")]
    n_codings = sum(1 for _ in el.iter("{*}Coding"))
    name = (el.get("name") or "").strip()
    return RSource(
        id=_need_guid(el, "source"),
        kind=kind,
        name=name,
        path=path,
        inline_text=(content.text or "") if content is not None else None,
        user=parse_guid(el.get("creatingUser")),
        created=parse_datetime(el.get("creationDateTime")),
        description=_text(el, "Description"),
        selections=selections,
        codings=n_codings,
        note_refs=_refs(el, "NoteRef"),
        variables=[_value(v) for v in _children(el, "VariableValue")],
    )


def parse_project(root: etree._Element, *, name: str, max_code_depth: int = 100) -> RProject:
    """Read a ``Project`` or ``CodeBook`` root element; ImportFileError if it is neither."""
    kind = local(root.tag)
    if kind not in ("Project", "CodeBook"):
        raise ImportFileError(name, f"not a REFI-QDA file (root element <{kind}>)")
    try:
        return _parse(root, kind, name, max_code_depth)
    except ValueError as exc:
        raise ImportFileError(name, str(exc)) from exc


def _parse(root: etree._Element, kind: str, name: str, max_code_depth: int) -> RProject:
    p = RProject(
        kind="project" if kind == "Project" else "codebook",
        name=(root.get("name") or "").strip(),
        origin=(root.get("origin") or "").strip(),
        creating_user=parse_guid(root.get("creatingUserGUID")),
        created=parse_datetime(root.get("creationDateTime")),
    )
    codes_el = root if kind == "CodeBook" else _child(root, "CodeBook")
    if codes_el is not None:
        codes = _child(codes_el, "Codes")
        if codes is not None:
            _codes(codes, p, max_code_depth)
    for top in root:
        tag = local(top.tag)
        if tag == "Users":
            for u in _children(top, "User"):
                g = _need_guid(u, "user")
                p.users[g] = (u.get("name") or u.get("id") or "").strip() or f"user {str(g)[:8]}"
        elif tag == "Variables":
            for v in _children(top, "Variable"):
                p.variables[_need_guid(v, "variable")] = (
                    (v.get("name") or "").strip() or "variable",
                    (v.get("typeOfVariable") or "Text").strip(),
                )
        elif tag == "Cases":
            for c in _children(top, "Case"):
                p.cases.append(
                    RCase(
                        id=_need_guid(c, "case"),
                        name=(c.get("name") or "").strip(),
                        description=_text(c, "Description"),
                        values=[_value(v) for v in _children(c, "VariableValue")],
                        sources=_refs(c, "SourceRef"),
                    )
                )
        elif tag == "Sources":
            for s in top:
                k = SOURCE_KINDS.get(local(s.tag))
                if k is not None:
                    p.sources.append(_source(s, k))
        elif tag == "Notes":
            for n in _children(top, "Note"):
                content = _child(n, "PlainTextContent")
                p.notes.append(
                    RNote(
                        id=_need_guid(n, "note"),
                        name=(n.get("name") or "").strip(),
                        text=(content.text or "") if content is not None else None,
                        path=n.get("plainTextPath"),
                        description=_text(n, "Description"),
                        user=parse_guid(n.get("creatingUser")),
                        created=parse_datetime(n.get("creationDateTime")),
                        modified=parse_datetime(n.get("modifiedDateTime")),
                        note_refs=_refs(n, "NoteRef"),
                    )
                )
        elif tag == "Links":
            for ln in _children(top, "Link"):
                p.links.append(
                    RLink(
                        id=_need_guid(ln, "link"),
                        name=(ln.get("name") or "").strip(),
                        direction=(ln.get("direction") or "").strip(),
                        origin=parse_guid(ln.get("originGUID")),
                        target=parse_guid(ln.get("targetGUID")),
                        note_refs=_refs(ln, "NoteRef"),
                    )
                )
        elif tag == "Sets":
            for s in _children(top, "Set"):
                p.sets.append(
                    RSet(
                        id=_need_guid(s, "set"),
                        name=(s.get("name") or "").strip(),
                        description=_text(s, "Description"),
                        codes=_refs(s, "MemberCode"),
                        sources=_refs(s, "MemberSource"),
                        notes=_refs(s, "MemberNote"),
                    )
                )
        elif tag == "Graphs":
            p.graphs += len(_children(top, "Graph"))
        elif tag == "Description":
            p.description = top.text or ""
        elif tag == "NoteRef":
            ref = parse_guid(top.get("targetGUID"))
            if ref is not None:
                p.note_refs.append(ref)
    return p
