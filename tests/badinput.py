"""A corpus of hostile and broken input files, generated at test time (no binaries in git).

Each :class:`BadInput` knows how to write its file(s) into a folder and which words the
one-line error must contain.  ``qda import`` must refuse every one with a one-line
error on stderr, a non-zero exit, and the project left exactly as it was.
"""

from __future__ import annotations

import io
import os
import random
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

GOOD_TEXT = "Interviewer: How is your back?\n\nP01: Better since the physio, thanks.\n"


@dataclass(frozen=True)
class BadInput:
    name: str
    make: Callable[[Path], list[str]]  # writes into a folder; returns extra CLI arguments
    words: str  # the error message must contain this (case-insensitive)
    slow: bool = False
    env: dict[str, str] = field(default_factory=dict)


# -- helpers ------------------------------------------------------------------------------


def good_docx_bytes(text: str = "P01: a perfectly ordinary interview about my back.") -> bytes:
    import docx

    d = docx.Document()
    for para in text.split("\n"):
        d.add_paragraph(para)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _rewrite_docx(members: dict[str, bytes | None], *, level: int = 6) -> bytes:
    """A real .docx with some members replaced (bytes) or removed (None)."""
    src = zipfile.ZipFile(io.BytesIO(good_docx_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        for info in src.infolist():
            if info.filename in members:
                continue
            z.writestr(info.filename, src.read(info.filename))
        for name, data in members.items():
            if data is not None:
                z.writestr(name, data)
    return out.getvalue()


_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _document_xml(body: str, prolog: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{prolog}'
        f"<w:document {_W}><w:body>{body}</w:body></w:document>"
    ).encode()


def _write(folder: Path, name: str, data: bytes) -> list[str]:
    (folder / name).write_bytes(data)
    return [name]


def _file(name: str, data: bytes) -> Callable[[Path], list[str]]:
    """A case that is one file ``name`` holding ``data``."""
    return lambda folder: _write(folder, name, data)


def _with_csv(
    transcript: str, text: str, csv_name: str, csv_text: str, option: str
) -> Callable[[Path], list[str]]:
    """A case: a good transcript plus ``csv_text`` in ``csv_name``, given with ``option``."""

    def make(folder: Path) -> list[str]:
        (folder / transcript).write_text(text)
        (folder / csv_name).write_text(csv_text)
        return [transcript, option, csv_name]

    return make


def _attributes(csv_text: str) -> Callable[[Path], list[str]]:
    return _with_csv("good.txt", GOOD_TEXT, "attrs.csv", csv_text, "--attributes")


def _names(csv_text: str) -> Callable[[Path], list[str]]:
    knee = GOOD_TEXT.replace("back", "knee")
    return _with_csv("new.txt", knee, "names.csv", csv_text, "--pseudonymise")


# -- the cases ----------------------------------------------------------------------------


_empty = _file("empty.txt", b"")
_blank = _file("blank.txt", b" \r\n\t\n   \n")
_bom_only = _file("bom_only.txt", b"\xef\xbb\xbf")
_nul_bytes = _file("nul.txt", b"P01: I went to the physio\x00 and\x00 then\x00\n" * 50)
_invalid_utf8_after_bom = _file(
    "bad_utf8.txt", b"\xef\xbb\xbfP01: caf\xc3 \xff\xfe broken \xc0\xaf\n" * 20
)
# A UTF-16 BOM then a lone high surrogate: not decodable.
_invalid_utf16 = _file("bad_utf16.txt", b"\xff\xfeP\x000\x00\x00\xd8 \x00")


def _random_bytes(folder: Path) -> list[str]:
    return _write(folder, "random.txt", random.Random(8).randbytes(64 * 1024))


_png_as_txt = _file("picture.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)
_sqlite_as_md = _file("db.md", b"SQLite format 3\x00" + b"\x00" * 4096)


def _truncated_docx(folder: Path) -> list[str]:
    data = good_docx_bytes()
    return _write(folder, "truncated.docx", data[: len(data) // 2])


def _corrupt_docx_xml(folder: Path) -> list[str]:
    return _write(
        folder, "corrupt_xml.docx", _rewrite_docx({"word/document.xml": b"<w:document><w:body"})
    )


def _docx_without_body(folder: Path) -> list[str]:
    return _write(folder, "no_document.docx", _rewrite_docx({"word/document.xml": None}))


def _random_docx(folder: Path) -> list[str]:
    return _write(folder, "random.docx", random.Random(9).randbytes(20_000))


def _zip_bomb_docx(folder: Path) -> list[str]:
    # 60 MB of zeros squeezed into ~60 KB: refused by its compression ratio.
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", b"<Types/>")
        with z.open("word/document.xml", "w") as fh:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(60):
                fh.write(chunk)
    return _write(folder, "bomb.docx", out.getvalue())


def _zip_bomb_lying_sizes(folder: Path) -> list[str]:
    """document.xml's header claims 100 bytes but it inflates to 8 MB (a lying bomb)."""
    body = "<w:p><w:r><w:t>" + "A" * (8 * 1024 * 1024) + "</w:t></w:r></w:p>"
    data = bytearray(_rewrite_docx({"word/document.xml": _document_xml(body)}, level=1))
    name = b"word/document.xml"
    cd = data.rfind(b"PK\x01\x02", 0, data.rfind(name))  # its central directory entry
    data[cd + 24 : cd + 28] = (100).to_bytes(4, "little")  # uncompressed size
    return _write(folder, "lying_bomb.docx", bytes(data))


def _deep_xml_docx(folder: Path) -> list[str]:
    """100,000 nested paragraphs (random ids, so the ratio check does not catch it first)."""
    rng = random.Random(5)
    depth = 100_000
    body = "".join(f'<w:p w:rsidR="{rng.getrandbits(32):08X}">' for _ in range(depth))
    body += "<w:r><w:t>deep</w:t></w:r>" + "</w:p>" * depth
    return _write(folder, "deep.docx", _rewrite_docx({"word/document.xml": _document_xml(body)}))


def _entity_expansion_docx(folder: Path) -> list[str]:
    """The 'billion laughs': nested entities that would expand to gigabytes."""
    ents = ['<!ENTITY lol0 "lollollollollollollollollollol">']
    ents += [f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)]
    prolog = f"<!DOCTYPE w:document [{''.join(ents)}]>"
    body = "<w:p><w:r><w:t>&lol9;</w:t></w:r></w:p>"
    data = _rewrite_docx({"word/document.xml": _document_xml(body, prolog)})
    return _write(folder, "laughs.docx", data)


def _external_entity_docx(folder: Path) -> list[str]:
    """An external entity pointing at a local file (XXE): its text must never be read."""
    prolog = '<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    body = "<w:p><w:r><w:t>&xxe;</w:t></w:r></w:p>"
    data = _rewrite_docx({"word/document.xml": _document_xml(body, prolog)})
    return _write(folder, "xxe.docx", data)


def _path_escape_docx(folder: Path) -> list[str]:
    data = _rewrite_docx({"../../escaped.txt": b"owned", "word/../../../etc/x": b"x"})
    return _write(folder, "escape.docx", data)


def _corrupt_odt(folder: Path) -> list[str]:
    return _write(folder, "broken.odt", b"PK\x03\x04" + random.Random(3).randbytes(5000))


_vtt_without_header = _file("noheader.vtt", b"00:00:01.000 --> 00:00:02.000\nhello\n")
_srt_without_cues = _file("nocues.srt", b"1\nthis is not a timing line\nhello\n")
_unsupported = _file("paper.pdf", b"%PDF-1.4 not a transcript")


def _missing(folder: Path) -> list[str]:
    return ["does_not_exist.txt"]


def _huge_sparse(folder: Path) -> list[str]:
    """A 100 MB single 'line' made instantly (a sparse file): refused by the size limit."""
    with (folder / "huge_sparse.txt").open("wb") as fh:
        fh.truncate(100 * 1024 * 1024)
    return ["huge_sparse.txt"]


def _huge_line_raised_limit(folder: Path) -> list[str]:
    """100 MB of real words on one line, with --max-mb raised: refused cleanly, in memory."""
    chunk = b"and then the physio said my back would improve " * 20_000
    with (folder / "huge_line.txt").open("wb") as fh:
        written = 0
        while written < 100 * 1024 * 1024:
            fh.write(chunk)
            written += len(chunk)
    return ["huge_line.txt", "--max-mb", "200"]


_csv_missing_columns = _attributes("participant,age,sex\nP01,54,F\nP02,61\n")
_csv_extra_columns = _attributes("participant,age\nP01,54,F,extra\nP02,61\n")
_csv_header_only = _attributes("participant,age\n")
_names_csv_missing_column = _names("real,pseudonym\nJohn,Mark\nMary\n")
_names_csv_extra_column = _names("John,Mark,Smith\n")


# -- REFI-QDA projects (the exchange importer, end to end through `qda import`) -------------

_CODE = '<Code guid="C0DE0000-0000-0000-0000-000000000001" name="c" isCodable="true"/>'


def _qde(selection: str = "", *, path: str = "internal://a.txt", prolog: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>{prolog}<Project xmlns="urn:QDA-XML:project:1.0" '
        f'name="h"><CodeBook><Codes>{_CODE}</Codes></CodeBook><Sources>'
        f'<TextSource guid="D0C00000-0000-0000-0000-000000000001" name="a" plainTextPath="{path}">'
        f"{selection}</TextSource></Sources></Project>"
    ).encode()


def _qdpx(folder: Path, name: str, members: dict[str, bytes], level: int = 6) -> list[str]:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        for member, data in members.items():
            info = zipfile.ZipInfo("placeholder")
            info.filename = member  # writestr would sanitise a hostile name
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return _write(folder, name, out.getvalue())


_SOURCE = b"P1: A short interview about my back.\n"


def _qdpx_not_zip(folder: Path) -> list[str]:
    return _write(folder, "junk.qdpx", random.Random(4).randbytes(3000))


def _qdpx_no_project(folder: Path) -> list[str]:
    return _qdpx(folder, "empty.qdpx", {"sources/a.txt": _SOURCE})


def _qdpx_member_escape(folder: Path) -> list[str]:
    members = {"project.qde": _qde(), "sources/a.txt": _SOURCE, "../../evil.txt": b"gotcha"}
    return _qdpx(folder, "escape.qdpx", members)


def _qdpx_source_escape(folder: Path) -> list[str]:
    members = {"project.qde": _qde(path="internal://../../../etc/passwd")}
    return _qdpx(folder, "source_escape.qdpx", members)


def _qdpx_deep_xml(folder: Path) -> list[str]:
    body = _qde().replace(_CODE.encode(), b"<Code>" * 5000 + b"</Code>" * 5000)
    return _qdpx(folder, "deep.qdpx", {"project.qde": body, "sources/a.txt": _SOURCE})


def _qdpx_entities(folder: Path) -> list[str]:
    laughs = (
        '<!DOCTYPE Project [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
    )
    body = _qde(prolog=laughs).replace(b'name="h"', b'name="&c;"')
    return _qdpx(folder, "laughs.qdpx", {"project.qde": body, "sources/a.txt": _SOURCE})


def _qdpx_offsets(folder: Path) -> list[str]:
    sel = (
        '<PlainTextSelection guid="5E100000-0000-0000-0000-000000000001" startPosition="5" '
        'endPosition="99999"><Coding guid="C0D10000-0000-0000-0000-000000000001">'
        '<CodeRef targetGUID="C0DE0000-0000-0000-0000-000000000001"/></Coding>'
        "</PlainTextSelection>"
    )
    return _qdpx(folder, "offsets.qdpx", {"project.qde": _qde(sel), "sources/a.txt": _SOURCE})


def _qdpx_bomb(folder: Path) -> list[str]:
    members = {"project.qde": _qde(), "sources/a.txt": b"\0" * (30 * 1024 * 1024)}
    return _qdpx(folder, "bomb.qdpx", members, level=9)


_qdc_malformed = _file("broken.qdc", b'<?xml version="1.0"?><CodeBook><Codes><Code')


CASES: list[BadInput] = [
    BadInput("empty file", _empty, "empty"),
    BadInput("blank file", _blank, "empty"),
    BadInput("BOM only", _bom_only, "empty"),
    BadInput("NUL bytes", _nul_bytes, "binary"),
    BadInput("invalid UTF-8 after a BOM", _invalid_utf8_after_bom, "invalid utf-8"),
    BadInput("invalid UTF-16 after a BOM", _invalid_utf16, "invalid utf-16"),
    BadInput("random bytes as .txt", _random_bytes, "binary"),
    BadInput("PNG as .txt", _png_as_txt, "binary"),
    BadInput("SQLite as .md", _sqlite_as_md, "binary"),
    BadInput("truncated .docx", _truncated_docx, "corrupt"),
    BadInput("malformed XML in .docx", _corrupt_docx_xml, "corrupt"),
    BadInput(".docx without document.xml", _docx_without_body, "corrupt"),
    BadInput("random bytes as .docx", _random_docx, "corrupt"),
    BadInput("zip bomb .docx (ratio)", _zip_bomb_docx, "suspicious archive"),
    BadInput("zip bomb .docx (lying sizes)", _zip_bomb_lying_sizes, "corrupt"),
    BadInput("deep XML .docx", _deep_xml_docx, "corrupt"),
    BadInput("entity expansion .docx", _entity_expansion_docx, "corrupt"),
    BadInput("external entity .docx", _external_entity_docx, "empty"),
    BadInput("path escaping a .docx", _path_escape_docx, "escaping"),
    BadInput("corrupt .odt", _corrupt_odt, "corrupt"),
    BadInput("WebVTT without header", _vtt_without_header, "webvtt"),
    BadInput("SubRip without cues", _srt_without_cues, "no cues"),
    BadInput("unsupported type", _unsupported, "unsupported"),
    BadInput("missing path", _missing, "no such file"),
    BadInput("100 MB sparse file", _huge_sparse, "too large"),
    BadInput("100 MB single line, --max-mb 200", _huge_line_raised_limit, "single line", True),
    BadInput("attributes CSV with a missing column", _csv_missing_columns, "line 3"),
    BadInput("attributes CSV with extra columns", _csv_extra_columns, "line 2"),
    BadInput("attributes CSV with no rows", _csv_header_only, "no participant rows"),
    BadInput("names CSV with a missing column", _names_csv_missing_column, "two columns"),
    BadInput("names CSV with extra columns", _names_csv_extra_column, "too many columns"),
    BadInput(".qdpx that is not a ZIP", _qdpx_not_zip, "zip"),
    BadInput(".qdpx without project.qde", _qdpx_no_project, "no .qde project"),
    BadInput(".qdpx member escaping the archive", _qdpx_member_escape, "unsafe path"),
    BadInput(".qdpx source path escaping it", _qdpx_source_escape, "escapes the archive"),
    BadInput(".qdpx deep XML", _qdpx_deep_xml, "nested too deeply"),
    BadInput(".qdpx entity expansion", _qdpx_entities, "dtd"),
    BadInput(".qdpx offsets out of range", _qdpx_offsets, "past the end"),
    BadInput(".qdpx zip bomb", _qdpx_bomb, "zip bomb"),
    BadInput(".qdc malformed XML", _qdc_malformed, "qdc"),
]


def write_case(case: BadInput, folder: Path) -> list[str]:
    """Write ``case`` into ``folder``; the arguments to add to ``qda import PROJECT``."""
    folder.mkdir(parents=True, exist_ok=True)
    args = case.make(folder)
    return [str(folder / a) if not a.startswith("-") and not a[0].isdigit() else a for a in args]


def sizes(folder: Path) -> dict[str, int]:
    return {p.name: os.path.getsize(p) for p in folder.iterdir()}
