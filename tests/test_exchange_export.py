"""Exports: .qdpx/.qdc valid against the REFI-QDA XSDs, CSV, and the `qda export` CLI."""

# ruff: noqa: F811  (pytest fixtures imported from tests.exchange_data)

from __future__ import annotations

import csv
import io
import json
import uuid
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select

import qda
from qda.common import get_or_create_coder
from qda.db.models import Code, Coding, Event
from qda.errors import QdaError
from tests.conftest import REFI_DIR
from tests.exchange_data import T0, coded, coded_master  # noqa: F401  (fixtures)

xmlschema = pytest.importorskip("xmlschema")
needs_xsd = pytest.mark.skipif(
    not (REFI_DIR / "Project.xsd").is_file(), reason="../shared/refi/*.xsd absent"
)


@needs_xsd
@pytest.mark.parametrize("nvivo", [False, True], ids=["standard", "nvivo"])
def test_qdpx_validates_against_project_xsd(
    coded: qda.Project, tmp_path: Path, nvivo: bool
) -> None:
    out = tmp_path / "p.qdpx"
    coded.export_qdpx(out, nvivo=nvivo)
    schema = xmlschema.XMLSchema(str(REFI_DIR / "Project.xsd"))
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        xml = z.read("project.qde").decode("utf-8")
    schema.validate(xml)
    assert names[-1] == "project.qde"
    assert sum(n.startswith("sources/") and n.endswith(".txt") for n in names) == 14
    for element in ("<Users>", "<CodeBook>", "<Variables>", "<Cases>", "<Sources>", "<Notes>",
                    "<Links>", "<Sets>"):  # fmt: skip
        assert element in xml


@needs_xsd
def test_qdc_validates_against_codebook_xsd(coded: qda.Project, tmp_path: Path) -> None:
    out = tmp_path / "c.qdc"
    res = coded.export_qdc(out)
    assert res.codes == 12
    xmlschema.XMLSchema(str(REFI_DIR / "Codebook.xsd")).validate(out.read_text(encoding="utf-8"))
    back = qda.init_project(tmp_path / "b.qda", coder="zed")
    try:
        rep = back.import_refi(out)
        assert rep.codes_created == 12
        assert {c.name for c in back.codes(include_retired=True)} == {
            c.name for c in coded.codes(include_retired=True)
        }
    finally:
        back.close()


@needs_xsd
def test_empty_project_exports_valid_qdpx(empty_project: qda.Project, tmp_path: Path) -> None:
    out = tmp_path / "e.qdpx"
    empty_project.export_qdpx(out)
    with zipfile.ZipFile(out) as z:
        xml = z.read("project.qde").decode()
    xmlschema.XMLSchema(str(REFI_DIR / "Project.xsd")).validate(xml)
    with pytest.raises(QdaError, match="no codes"):
        empty_project.export_qdc(tmp_path / "e.qdc")
    assert not (tmp_path / "e.qdc").exists()


def test_nvivo_offsets_are_utf16_with_crlf(tmp_path: Path) -> None:
    p = qda.init_project(tmp_path / "u.qda", coder="ana")
    try:
        src = tmp_path / "P1.txt"
        src.write_text("Interviewer: Hi.\nP1: Good 😀 really, I felt heard.\n", encoding="utf-8")
        p.import_paths([src])
        doc = p.documents()[0]
        text = p.show(doc.id).text
        start = text.index("I felt heard")
        with p.store.write() as s:
            cid = uuid.uuid4()
            s.execute(
                insert(Code).values(id=cid, name="heard", kind="code", definition="",
                                    inclusion="", exclusion="", example="", is_core=False,
                                    origin="manual", retired=False, position=0)
            )  # fmt: skip
            s.execute(
                insert(Coding).values(
                    id=uuid.uuid4(), code_id=cid, document_id=uuid.UUID(doc.id),
                    coder_id=get_or_create_coder(s, "ana").id, start=start, end=start + 12,
                    quote="I felt heard", origin="manual", created_at=T0,
                )
            )  # fmt: skip
        out = tmp_path / "n.qdpx"
        p.export_qdpx(out, nvivo=True)
        with zipfile.ZipFile(out) as z:
            xml = z.read("project.qde").decode()
            raw = z.read(f"sources/{doc.id}.txt")
        assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
        units = raw.decode("utf-8-sig").encode("utf-16-le")
        st = int(xml.split('startPosition="')[1].split('"')[0])
        en = int(xml.split('endPosition="')[1].split('"')[0])
        assert units[2 * st : 2 * en].decode("utf-16-le") == "I felt heard"
        assert st == start + 2  # one CRLF before it (+1) and one emoji (2 units, +1)
    finally:
        p.close()


def test_csv_codings_and_matrix(coded: qda.Project, tmp_path: Path) -> None:
    res = coded.export_csv(tmp_path / "out")
    with open(res.codings_path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 55 == res.codings
    assert list(rows[0])[:9] == [
        "coding_id", "document", "participant", "code_path", "coder", "start", "end", "text",
        "created",
    ]  # fmt: skip
    with coded.store.read() as s:
        db = {str(c.id): c for c in s.scalars(select(Coding))}
    for r in rows:
        c = db[r["coding_id"]]
        assert (int(r["start"]), int(r["end"]), r["text"]) == (c.start, c.end, c.quote)
        assert r["code_path"].count("/") == 2 and r["coder"] in ("ana", "ben")
        assert r["created"].endswith("Z")
    raw = Path(res.codings_path).read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r\n" not in raw
    with open(res.matrix_path, encoding="utf-8", newline="") as fh:
        matrix = list(csv.reader(fh))
    header = matrix[0]
    assert header[:2] == ["code_id", "code_path"] and header[-1] == "total"
    assert len(header) == 2 + 14 + 1
    assert sum(int(r[-1]) for r in matrix[1:]) == 55
    for r in matrix[1:]:
        assert sum(int(v) for v in r[2:-1]) == int(r[-1])
    one = coded.export_csv(tmp_path / "single.csv", excel=True)
    assert Path(one.codings_path).read_bytes().startswith(b"\xef\xbb\xbf")
    assert Path(one.matrix_path).name == "single_matrix.csv"


def test_exports_leave_an_audit_event(coded: qda.Project, tmp_path: Path) -> None:
    coded.export_qdc(tmp_path / "c.qdc")
    with coded.store.read() as s:
        ev = s.scalars(select(Event).where(Event.action == "export")).all()
    assert len(ev) == 1 and "qdc" in ev[0].summary and json.loads(ev[0].after)["codes"] == 12


def test_cli_export_commands(coded: qda.Project, tmp_path: Path, run_qda: Any) -> None:
    target = coded.target
    coded.close()
    for kind, out in (
        ("qdpx", tmp_path / "p.qdpx"), ("qdc", tmp_path / "c.qdc"),
        ("codebook", tmp_path / "cb.docx"), ("csv", tmp_path / "csv"),
    ):  # fmt: skip
        res = run_qda("export", kind, target, str(out), "--json")
        assert res.returncode == 0, res.stderr
        data = json.loads(res.stdout)
        assert Path(data.get("path") or data.get("codings_path")).exists()
    res = run_qda(
        "export", "report", target, str(tmp_path / "r.docx"),
        "--attr", "age", "--attr", "pain_severity=pain {}/10", "--quotes", "2",
    )  # fmt: skip
    assert res.returncode == 0 and "themes" in res.stdout
    res = run_qda("export", "qdpx", target, str(tmp_path / "missing" / "p.qdpx"))
    assert res.returncode != 0 and res.stderr.startswith("qda: error:")
    assert len(res.stderr.strip().splitlines()) == 1
    res = run_qda("export", "qdpx", target, str(tmp_path / "n.qdpx"), "--nvivo")
    assert res.returncode == 0 and "UTF-16" in res.stdout
    with zipfile.ZipFile(io.BytesIO((tmp_path / "n.qdpx").read_bytes())) as z:
        assert "NVivo" in z.read("project.qde").decode()[:400]
