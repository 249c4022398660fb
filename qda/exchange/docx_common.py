"""python-docx helpers shared by the codebook and the theme report.

Tables are built as WordprocessingML directly (python-docx's ``add_row``/``cell``
are quadratic in the table size; a 500-row summary table would take seconds).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor
from lxml import etree

from qda.exchange.refi_common import clean_xml, parse_color

INK = RGBColor(0x22, 0x22, 0x22)
MUTED = RGBColor(0x66, 0x66, 0x66)
ACCENT = RGBColor(0x1F, 0x4E, 0x79)


def setup(doc: DocxDocument, *, title: str) -> None:
    """Fonts, margins, heading colours and the document's core properties."""
    section = doc.sections[0]
    section.left_margin = section.right_margin = Cm(2.3)
    section.top_margin = section.bottom_margin = Cm(2.2)
    styles = doc.styles
    normal = styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(11)
    normal.paragraph_format.space_after = Pt(6)
    rpr = normal.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = etree.SubElement(rpr, qn("w:rFonts"))
    for a in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(a), "Calibri")
    for level, size in ((1, 16), (2, 13), (3, 12), (4, 11)):
        st = styles[f"Heading {level}"]
        st.font.name = "Calibri"
        st.font.size = Pt(size)
        st.font.color.rgb = ACCENT
        st.paragraph_format.space_before = Pt(14 if level == 1 else 10)
        st.paragraph_format.space_after = Pt(4)
        st.paragraph_format.keep_with_next = True
    quote = styles["Quote"]
    quote.font.italic = False
    quote.font.color.rgb = INK
    quote.paragraph_format.left_indent = Cm(1)
    quote.paragraph_format.right_indent = Cm(0.5)
    quote.paragraph_format.space_after = Pt(2)
    if "Attribution" not in [s.name for s in styles]:
        att = styles.add_style("Attribution", WD_STYLE_TYPE.PARAGRAPH)
        att.base_style = styles["Normal"]
        att.font.size = Pt(9.5)
        att.font.color.rgb = MUTED
        att.paragraph_format.left_indent = Cm(1)
        att.paragraph_format.space_after = Pt(8)
    caption = styles["Caption"]
    caption.font.size = Pt(9.5)
    caption.font.color.rgb = MUTED
    caption.font.italic = False
    doc.core_properties.title = clean_xml(title)
    doc.core_properties.author = "qda"


def safe(s: str) -> str:
    """Text Word can hold (no control characters)."""
    return clean_xml(s)


def long_date(d: datetime) -> str:
    return f"{d.day} {d:%B %Y}"


def _esc(s: str) -> str:
    return safe(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass(frozen=True)
class R:
    """A run: text with optional bold, italic, colour (hex) and size (points)."""

    text: str
    bold: bool = False
    italic: bool = False
    color: str | None = None
    size: float | None = None

    def xml(self) -> str:
        props = (
            ("<w:b/>" if self.bold else "")
            + ("<w:i/>" if self.italic else "")
            + (f'<w:color w:val="{self.color}"/>' if self.color else "")
            + (f'<w:sz w:val="{int(self.size * 2)}"/>' if self.size else "")
        )
        rpr = f"<w:rPr>{props}</w:rPr>" if props else ""
        lines = self.text.split("\n")
        body = "<w:br/>".join(f'<w:t xml:space="preserve">{_esc(t)}</w:t>' for t in lines)
        return f"<w:r>{rpr}{body}</w:r>"


class Body:
    """Paragraphs and tables written as WordprocessingML text, inserted in one go.

    python-docx's ``add_paragraph(style=...)`` looks the style up by name on every call
    and re-scans the body to insert, which makes a 500-code codebook take 15 s; this
    writes the same XML in well under a second.  Call :meth:`flush` before using
    python-docx directly (e.g. ``add_picture``) so the order is kept.
    """

    def __init__(self, doc: DocxDocument) -> None:
        self.doc = doc
        self.parts: list[str] = []
        self._ids: dict[str, str] = {}

    def style_id(self, name: str) -> str:
        if name not in self._ids:
            self._ids[name] = self.doc.styles[name].style_id
        return self._ids[name]

    def p(self, *runs: R | str, style: str | None = None, keep_next: bool = False) -> None:
        ppr = ""
        if style or keep_next:
            ppr = (
                "<w:pPr>"
                + (f'<w:pStyle w:val="{self.style_id(style)}"/>' if style else "")
                + ("<w:keepNext/>" if keep_next else "")
                + "</w:pPr>"
            )
        body = "".join((r if isinstance(r, R) else R(r)).xml() for r in runs)
        self.parts.append(f"<w:p>{ppr}{body}</w:p>")

    def heading(self, text: str, level: int) -> None:
        self.p(R(text), style="Title" if level == 0 else f"Heading {min(level, 9)}")

    def labelled(self, label: str, value: str, *, style: str | None = None) -> None:
        self.p(R(label + " ", bold=True), R(value), style=style)

    def muted(self, value: str, *, italic: bool = False, size: float = 9.5) -> None:
        self.p(R(value, italic=italic, color=MUTED_HEX, size=size))

    def page_break(self) -> None:
        self.parts.append('<w:p><w:r><w:br w:type="page"/></w:r></w:p>')

    def swatch(self, color: str | None) -> list[R]:
        hexcode = parse_color(color)
        if hexcode is None:
            return []
        return [R("■ ", color=hexcode[1:].upper(), size=12), R(hexcode, color=MUTED_HEX, size=9)]

    def raw(self, xml: str) -> None:
        self.parts.append(xml)

    def flush(self) -> None:
        if not self.parts:
            return
        frag = parse_xml(f"<w:body {nsdecls('w')}>{''.join(self.parts)}</w:body>")
        body = self.doc.element.body
        sect = body.find(qn("w:sectPr"))
        for el in list(frag):
            if sect is not None:
                sect.addprevious(el)
            else:
                body.append(el)
        self.parts = []


MUTED_HEX = "666666"


def table(
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    widths_cm: Sequence[float],
    numeric: Sequence[int] = (),
    indents: Sequence[int] | None = None,
    font_pt: float = 9.5,
) -> str:
    """A table with a bold, shaded, repeating header row, as XML for :meth:`Body.raw`."""
    half_points = int(font_pt * 2)
    twips = [int(w * 567) for w in widths_cm]

    def cell(value: Any, i: int, head: bool, indent: int = 0) -> str:
        jc = '<w:jc w:val="right"/>' if i in numeric and not head else ""
        ind = f'<w:ind w:left="{indent * 227}"/>' if indent else ""
        shade = '<w:shd w:val="clear" w:color="auto" w:fill="DCE6F1"/>' if head else ""
        bold = "<w:b/>" if head else ""
        text = _esc("" if value is None else str(value))
        return (
            f'<w:tc><w:tcPr><w:tcW w:w="{twips[i]}" w:type="dxa"/>{shade}</w:tcPr>'
            f'<w:p><w:pPr><w:spacing w:before="20" w:after="20"/>{ind}{jc}</w:pPr>'
            f'<w:r><w:rPr>{bold}<w:sz w:val="{half_points}"/></w:rPr>'
            f'<w:t xml:space="preserve">{text}</w:t></w:r></w:p></w:tc>'
        )

    grid = "".join(f'<w:gridCol w:w="{t}"/>' for t in twips)
    head = (
        "<w:tr><w:trPr><w:tblHeader/><w:cantSplit/></w:trPr>"
        + "".join(cell(h, i, True) for i, h in enumerate(header))
        + "</w:tr>"
    )
    body = "".join(
        "<w:tr><w:trPr><w:cantSplit/></w:trPr>"
        + "".join(
            cell(v, i, False, (indents[k] if indents is not None and i == 0 else 0))
            for i, v in enumerate(r)
        )
        + "</w:tr>"
        for k, r in enumerate(rows)
    )
    border = '<w:{0} w:val="single" w:sz="4" w:space="0" w:color="A6A6A6"/>'
    borders = "".join(
        border.format(b) for b in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    xml = (
        f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblW w:w="{sum(twips)}" w:type="dxa"/>'
        f'<w:tblBorders>{borders}</w:tblBorders><w:tblLayout w:type="fixed"/>'
        '<w:tblCellMar><w:left w:w="80" w:type="dxa"/>'
        '<w:right w:w="80" w:type="dxa"/></w:tblCellMar>'
        f"</w:tblPr><w:tblGrid>{grid}</w:tblGrid>{head}{body}</w:tbl>"
    )
    return xml
