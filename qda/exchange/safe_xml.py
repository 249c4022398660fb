"""Parse untrusted XML (a ``project.qde`` or a ``.qdc``) with entities off.

lxml with ``resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False``;
any document type declaration is refused outright (REFI-QDA files never need one,
and it is where entity expansion attacks live).  libxml2 without ``huge_tree``
refuses nesting deeper than 256 and text nodes over 10 MB; qda also caps the size
and the number of elements.  Every failure is one line.
"""

from __future__ import annotations

import re

from lxml import etree

from qda.errors import ImportFileError
from qda.exchange.safe_zip import DEFAULT_LIMITS, Limits, MiB

_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def _prolog_text(data: bytes) -> bytes:
    """The start of the document as ASCII-compatible bytes (UTF-16/32 decoded)."""
    head = data[: 256 * 1024]
    for bom, enc in (
        (b"\xff\xfe\x00\x00", "utf-32-le"),
        (b"\x00\x00\xfe\xff", "utf-32-be"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
    ):
        if head.startswith(bom):
            return head.decode(enc, errors="replace").encode("utf-8", errors="replace")
    if head[:4] in (b"<\x00?\x00", b"\x00<\x00?"):
        enc = "utf-16-le" if head[0:1] == b"<" else "utf-16-be"
        return head.decode(enc, errors="replace").encode("utf-8", errors="replace")
    return head


def parse_xml(data: bytes, *, name: str, limits: Limits = DEFAULT_LIMITS) -> etree._Element:
    """The root element of ``data``; :class:`ImportFileError` for anything unsafe or broken."""
    if len(data) > limits.max_xml_bytes:
        raise ImportFileError(
            name,
            f"XML too large ({len(data) / MiB:.0f} MB, limit {limits.max_xml_bytes / MiB:.0f})",
        )
    if _DOCTYPE.search(_prolog_text(data)):
        raise ImportFileError(name, "XML with a DTD or entity declarations is refused")
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        msg = str(exc)
        if "depth" in msg.lower():
            raise ImportFileError(name, "XML nested too deeply: refused") from exc
        if "limit" in msg.lower() or "huge" in msg.lower():
            raise ImportFileError(name, f"XML too large: refused ({msg})") from exc
        raise ImportFileError(name, f"not well-formed XML ({msg})") from exc
    except ValueError as exc:  # e.g. an unsupported encoding declaration
        raise ImportFileError(name, f"cannot read the XML ({exc})") from exc
    if root is None:
        raise ImportFileError(name, "empty XML document")
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None:
        raise ImportFileError(name, "XML with a DTD or entity declarations is refused")
    for count, el in enumerate(root.iter(), start=1):
        if isinstance(el, etree._Entity):
            raise ImportFileError(name, "XML with entity references is refused")
        if count > limits.max_xml_elements:
            raise ImportFileError(name, f"XML has more than {limits.max_xml_elements} elements")
    return root


def local(tag: object) -> str:
    """An element's local name, whatever its namespace (REFI files use several)."""
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]
