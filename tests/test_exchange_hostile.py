"""Hostile REFI-QDA files: a one-line error, and nothing written to the project."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

import qda
from qda.db.models import Base
from qda.errors import ImportFileError
from qda.exchange.safe_zip import Limits

OK_TEXT = b"P1: A short interview.\n"
CODE = '<Code guid="C0DE0000-0000-0000-0000-000000000001" name="c" isCodable="true"/>'


def qde(selection: str = "", *, path: str = "internal://a.txt", prolog: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>{prolog}<Project xmlns="urn:QDA-XML:project:1.0" '
        f'name="h"><CodeBook><Codes>{CODE}</Codes></CodeBook><Sources>'
        f'<TextSource guid="D0C00000-0000-0000-0000-000000000001" name="a" plainTextPath="{path}">'
        f"{selection}</TextSource></Sources></Project>"
    )


def write_zip(path: Path, members: dict[str, bytes], level: int = 6) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def counts(p: qda.Project) -> dict[str, int]:
    with p.store.read() as s:
        return {
            t.name: int(s.scalar(select(func.count()).select_from(t)) or 0)
            for t in Base.metadata.sorted_tables
        }


def refuse(p: qda.Project, path: Path, words: str, limits: Limits | None = None) -> str:
    before = counts(p)
    with pytest.raises(ImportFileError) as exc:
        p.import_refi(path, limits=limits)
    msg = str(exc.value)
    assert "\n" not in msg and words in msg, msg
    assert counts(p) == before  # nothing written, not even an event
    return msg


def test_zip_bomb_by_ratio(empty_project: qda.Project, tmp_path: Path) -> None:
    bomb = write_zip(
        tmp_path / "ratio.qdpx",
        {"project.qde": qde().encode(), "sources/a.txt": b"\0" * (30 * 1024 * 1024)},
        level=9,
    )
    assert os.path.getsize(bomb) < 200_000
    refuse(empty_project, bomb, "zip bomb")


def test_zip_bomb_by_size(empty_project: qda.Project, tmp_path: Path) -> None:
    big = write_zip(
        tmp_path / "size.qdpx",
        {"project.qde": qde().encode(), "sources/a.txt": os.urandom(300_000).hex().encode()},
    )
    refuse(empty_project, big, "would unpack to", Limits(max_member_bytes=100_000))


def test_total_size_limit(empty_project: qda.Project, tmp_path: Path) -> None:
    big = write_zip(
        tmp_path / "total.qdpx",
        {"project.qde": qde().encode(), "sources/a.txt": os.urandom(60_000).hex().encode()},
    )
    refuse(empty_project, big, "unpacks to more than", Limits(max_total_bytes=100_000))


@pytest.mark.parametrize(
    "member", ["../evil.txt", "/etc/evil.txt", "sources/../../x.txt", "C:/x.txt"]
)
def test_member_path_escaping_the_archive(
    member: str, empty_project: qda.Project, tmp_path: Path
) -> None:
    path = tmp_path / "escape.qdpx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("project.qde", qde())
        z.writestr("sources/a.txt", OK_TEXT)
        info = zipfile.ZipInfo("placeholder")
        info.filename = member  # zipfile would sanitise the name if given to writestr
        z.writestr(info, b"gotcha")
    refuse(empty_project, path, "unsafe path")


@pytest.mark.parametrize(
    "ref", ["internal://../../../etc/passwd", "internal://C:/Windows/win.ini", "..\\..\\secret.txt"]
)
def test_source_path_escaping_the_archive(
    ref: str, empty_project: qda.Project, tmp_path: Path
) -> None:
    path = write_zip(tmp_path / "ref.qdpx", {"project.qde": qde(path=ref).encode()})
    msg = refuse(empty_project, path, "escapes the archive")
    assert "refused" in msg


def test_dtd_and_entity_expansion(empty_project: qda.Project, tmp_path: Path) -> None:
    laughs = (
        '<!DOCTYPE Project [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    )
    body = qde(prolog=laughs).replace('name="h"', 'name="&lol3;"')
    path = write_zip(
        tmp_path / "dtd.qdpx", {"project.qde": body.encode(), "sources/a.txt": OK_TEXT}
    )
    refuse(empty_project, path, "DTD")


def test_external_entity(empty_project: qda.Project, tmp_path: Path) -> None:
    xxe = '<!DOCTYPE Project [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    body = qde(prolog=xxe).replace('name="h"', 'name="&x;"')
    path = tmp_path / "xxe.qdc"
    path.write_text(body, encoding="utf-8")
    refuse(empty_project, path, "DTD")


def test_deeply_nested_xml(empty_project: qda.Project, tmp_path: Path) -> None:
    deep = "<Code>" * 5000 + "</Code>" * 5000
    body = qde().replace(CODE, deep)
    path = write_zip(
        tmp_path / "deep.qdpx", {"project.qde": body.encode(), "sources/a.txt": OK_TEXT}
    )
    refuse(empty_project, path, "nested too deeply")


def test_deep_code_tree_over_the_limit(empty_project: qda.Project, tmp_path: Path) -> None:
    nested = (
        "".join(
            f'<Code guid="C0DE0000-0000-0000-0000-{i:012d}" name="c{i}" isCodable="true">'
            for i in range(2, 40)
        )
        + "</Code>" * 38
    )
    body = qde().replace(CODE, CODE + nested)
    path = write_zip(
        tmp_path / "tree.qdpx", {"project.qde": body.encode(), "sources/a.txt": OK_TEXT}
    )
    refuse(empty_project, path, "nested more than", Limits(max_code_depth=20))


def test_huge_xml(empty_project: qda.Project, tmp_path: Path) -> None:
    filler = "<Description>" + "x" * 300_000 + "</Description>"
    body = qde().replace("<Sources>", f"<Description>{filler}</Description><Sources>")
    path = write_zip(
        tmp_path / "huge.qdpx", {"project.qde": body.encode(), "sources/a.txt": OK_TEXT}
    )
    refuse(empty_project, path, "XML too large", Limits(max_xml_bytes=200_000))


def test_huge_text_node(empty_project: qda.Project, tmp_path: Path) -> None:
    """libxml2 without huge_tree refuses a text node over 10 MB."""
    filler = os.urandom(5_500_000).hex()  # 11 million characters that do not compress
    body = qde().replace("<Sources>", f"<Description>{filler}</Description><Sources>")
    path = write_zip(
        tmp_path / "node.qdpx", {"project.qde": body.encode(), "sources/a.txt": OK_TEXT}
    )
    refuse(empty_project, path, "too large")


def test_too_many_elements(empty_project: qda.Project, tmp_path: Path) -> None:
    many = "".join(
        f'<Code guid="C0DE0000-0000-0000-0000-{i:012d}" name="c{i}" isCodable="true"/>'
        for i in range(2, 2000)
    )
    body = qde().replace(CODE, CODE + many)
    path = write_zip(
        tmp_path / "many.qdpx", {"project.qde": body.encode(), "sources/a.txt": OK_TEXT}
    )
    refuse(empty_project, path, "elements", Limits(max_xml_elements=1000))


@pytest.mark.parametrize(
    "start,end,words",
    [
        (5, 999, "past the end"),
        (-3, 4, "negative"),
        (9, 4, "ends before it starts"),
        ("1e3", 4, "not a whole number"),
    ],
)
def test_bad_offsets(
    start: int | str, end: int, words: str, empty_project: qda.Project, tmp_path: Path
) -> None:
    sel = (
        f'<PlainTextSelection guid="5E100000-0000-0000-0000-000000000001" startPosition="{start}" '
        f'endPosition="{end}"><Coding guid="C0D10000-0000-0000-0000-000000000001">'
        '<CodeRef targetGUID="C0DE0000-0000-0000-0000-000000000001"/></Coding></PlainTextSelection>'
    )
    path = write_zip(
        tmp_path / "off.qdpx", {"project.qde": qde(sel).encode(), "sources/a.txt": OK_TEXT}
    )
    refuse(empty_project, path, words)


def test_not_a_zip_and_not_xml(empty_project: qda.Project, tmp_path: Path) -> None:
    path = tmp_path / "junk.qdpx"
    path.write_bytes(b"this is not a zip file at all")
    refuse(empty_project, path, "not a ZIP")
    bad = tmp_path / "junk.qdc"
    bad.write_bytes(b"<CodeBook><Codes>")
    refuse(empty_project, bad, "not well-formed")


def test_cli_prints_one_line_and_writes_nothing(
    empty_project: qda.Project, tmp_path: Path, run_qda: Any
) -> None:
    path = write_zip(
        tmp_path / "escape.qdpx", {"project.qde": qde(path="internal://../../x.txt").encode()}
    )
    before = counts(empty_project)
    res = run_qda("import", empty_project.target, str(path), "--strict")
    assert res.returncode != 0
    lines = res.stderr.strip().splitlines()
    assert (
        len(lines) == 1 and lines[0].startswith("qda: error:") and "escapes the archive" in lines[0]
    )
    assert counts(empty_project) == before
    res = run_qda("import", empty_project.target, str(path))
    assert res.returncode == 1 and "escapes the archive" in res.stderr
    assert "Traceback" not in res.stderr
    assert counts(empty_project) == before
