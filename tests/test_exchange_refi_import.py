"""REFI-QDA import: the real samples in ../shared/refi/samples and vendor-style files."""

# The vendor-style files below are XML written out in full, one element per line.
# ruff: noqa: E501

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

import qda
from qda.db.models import Code, Coding, Document, Memo, MemoLink
from tests.conftest import REFI_DIR, qda_cmd

SAMPLES = REFI_DIR / "samples"
needs_samples = pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared/refi/samples absent")


def make_qdpx(
    path: Path, qde: str, sources: dict[str, bytes], qde_name: str = "project.qde"
) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(qde_name, qde.encode("utf-8"))
        for name, data in sources.items():
            z.writestr(name, data)
    return path


def count_in_file(path: Path) -> dict[str, int]:
    """What a sample holds, counted independently of qda's parser."""
    with zipfile.ZipFile(path) as z:
        qde = next(n for n in z.namelist() if n.lower().endswith(".qde"))
        xml = z.read(qde).decode("utf-8")
    sources = re.findall(r"<(TextSource|PDFSource|PictureSource|AudioSource|VideoSource)\b", xml)
    return {
        "codes": len(re.findall(r"<Code\b", xml)),
        "sources": len(sources),
        "codings": len(re.findall(r"<Coding\b", xml)),
        "notes": len(re.findall(r"<Note\b", xml)),
    }


def tree_depth(p: qda.Project) -> int:
    with p.store.read() as s:
        parent = dict(s.execute(select(Code.id, Code.parent_id)).all())

    def depth(c: Any) -> int:
        return 1 if parent[c] is None else 1 + depth(parent[c])

    return max((depth(c) for c in parent), default=0)


@needs_samples
@pytest.mark.parametrize(
    "sample", sorted(p.name for p in SAMPLES.glob("*.qdpx")) if SAMPLES.is_dir() else []
)
def test_every_sample_imports_with_matching_counts(sample: str, empty_project: qda.Project) -> None:
    path = SAMPLES / sample
    held = count_in_file(path)
    rep = empty_project.import_refi(path)
    assert rep.codes_in_file == held["codes"] == rep.codes_created
    assert rep.sources_in_file == held["sources"]
    assert len(rep.documents) + len(rep.skipped_sources) == held["sources"]
    assert rep.codings_in_file == held["codings"]
    assert rep.codings_imported + rep.codings_skipped == held["codings"]
    info = empty_project.info()
    assert info["codes"] == held["codes"]
    assert info["codings"] == rep.codings_imported
    assert info["documents"] == len(rep.documents)
    assert rep.mismatch_count == 0


@needs_samples
def test_qc_sample_codes_the_texts_qc_selected(empty_project: qda.Project) -> None:
    path = SAMPLES / "qc_demo.qdpx"
    rep = empty_project.import_refi(path)
    assert rep.codings_imported == 205 and len(rep.documents) == 2
    assert {d["name"] for d in rep.documents} == {"board_2017", "admin-1"}
    with zipfile.ZipFile(path) as z:
        xml = z.read("project.qde").decode()
        texts = {
            n.split("/")[-1]: z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".txt")
        }
    expected = set()
    for src, body in re.findall(
        r'<TextSource plainTextPath="([^"]+)"[^>]*>(.*?)</TextSource>', xml, re.S
    ):
        for start, end, codings in re.findall(
            r'startPosition="(\d+)" endPosition="(\d+)">(.*?)</PlainTextSelection>', body, re.S
        ):
            for _ in re.findall(r"<Coding ", codings):
                expected.add(
                    (
                        src.removesuffix(".txt"),
                        int(start),
                        int(end),
                        texts[src][int(start) : int(end)],
                    )
                )
    with empty_project.store.read() as s:
        rows = s.execute(
            select(Document.name, Coding.start, Coding.end, Coding.quote).join(Document)
        ).all()
    assert {tuple(r) for r in rows} == expected
    assert tree_depth(empty_project) >= 3


@needs_samples
def test_skyloom_atlas_sample_reports_what_it_skips(empty_project: qda.Project) -> None:
    rep = empty_project.import_refi(SAMPLES / "skyloom_TestProject.qdpx")
    assert rep.sources_by_kind == {"text": 6, "PDF": 2, "picture": 1, "audio": 1, "video": 2}
    assert rep.codes_created == 14 and rep.memos_created == 2
    kinds = sorted(s["kind"] for s in rep.skipped_sources)
    assert kinds.count("text") == 6  # their text files were stripped from the sample
    assert sum(s["codings"] for s in rep.skipped_sources) == 16 == rep.codings_skipped
    pdf = next(s for s in rep.skipped_sources if s["kind"] == "PDF" and s["codings"])
    assert pdf["codings"] == 6 and "only text" in pdf["reason"]
    assert rep.not_imported.get("sets") == 16 and rep.not_imported.get("graphs") == 1
    with empty_project.store.read() as s:
        defs = dict(s.execute(select(Code.name, Code.definition)).all())
        colors = set(s.scalars(select(Code.color)))
    assert defs["Coke"] == "the breakfast of champions"
    assert '"rushed"' in defs and "#f00082" in colors


@needs_samples
def test_nvivo_sample_keeps_a_deep_tree(empty_project: qda.Project) -> None:
    rep = empty_project.import_refi(SAMPLES / "nvivo_project.qdpx")
    assert rep.codes_created == 262 and tree_depth(empty_project) == 7
    assert [s["reason"] for s in rep.skipped_sources] == ["empty text", "empty text"]
    with empty_project.store.read() as s:
        kinds = dict(s.execute(select(Code.name, Code.kind).where(Code.parent_id.is_(None))).all())
    assert kinds["rq1_definition"] == "theme"  # a top-level node with children


# -- vendor-style files written here -------------------------------------------------

NVIVO_TEXT = "Interviewer: How was it?\r\nP1: Good 😀 really — I felt heard.\r\nP1: Café again.\r\n"


def _utf16(text: str, cp_index: int) -> int:
    return len(text[:cp_index].encode("utf-16-le")) // 2


def test_nvivo_windows_offsets_bom_and_crlf(empty_project: qda.Project, tmp_path: Path) -> None:
    """UTF-16 units, CRLF counted 2, BOM not counted, one selection per coding, Sources/."""
    t = NVIVO_TEXT
    spans = [("I felt heard", "c1"), ("Café again", "c2"), ("Good 😀 really", "c1")]
    sels = []
    for i, (quote, code) in enumerate(spans):
        st = t.index(quote)
        sels.append(
            f'<PlainTextSelection guid="00000000-0000-0000-0000-00000000010{i}" name="" '
            f'startPosition="{_utf16(t, st)}" endPosition="{_utf16(t, st + len(quote))}">'
            f'<Coding guid="00000000-0000-0000-0000-00000000020{i}" creatingUser="00000000-0000-0000-0000-0000000000a1">'
            f'<CodeRef targetGUID="00000000-0000-0000-0000-0000000000{code}"/></Coding></PlainTextSelection>'
        )
    qde = (
        '<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:project:1.0" name="n" '
        'origin="NVivo 14.23.0 (Windows)"><Users><User guid="00000000-0000-0000-0000-0000000000a1" '
        'name="Sam"/></Users><CodeBook><Codes>'
        '<Code guid="00000000-0000-0000-0000-0000000000c1" name="feeling heard" isCodable="true"/>'
        '<Code guid="00000000-0000-0000-0000-0000000000c2" name="places" isCodable="true"/>'
        '</Codes></CodeBook><Sources><TextSource guid="00000000-0000-0000-0000-0000000000d1" '
        'name="P1 interview" plainTextPath="internal://00000000-0000-0000-0000-0000000000d1.txt">'
        + "".join(sels)
        + "</TextSource></Sources></Project>"
    )
    src = {"Sources/00000000-0000-0000-0000-0000000000d1.txt": b"\xef\xbb\xbf" + t.encode("utf-8")}
    rep = empty_project.import_refi(make_qdpx(tmp_path / "nv.qdpx", qde, src))
    assert rep.codings_imported == 3 and rep.documents[0]["offsets"] == "UTF-16 units, CRLF=2"
    with empty_project.store.read() as s:
        doc = s.scalars(select(Document)).one()
        quotes = sorted(s.scalars(select(Coding.quote)))
        coders = {c.quote: c.coder_id for c in s.scalars(select(Coding))}
    assert "\r" not in doc.text and doc.text.startswith("Interviewer")
    assert quotes == sorted(q for q, _ in spans)
    assert len(set(coders.values())) == 1


ATLAS_TEXT = "Int: Tell me.\r\nP2: The nurse joined the dots for me, finally.\r\nP2: It was slow. Very slow.\r\n"


def atlas_qde(text: str, crlf: int, *, extra_sel: str = "") -> str:
    def cp(i: int) -> int:
        return i if crlf == 2 else i - text[:i].count("\r\n")

    q1 = "The nurse joined the dots for me, finally."
    s1 = text.index(q1)
    q2 = "It was slow."
    s2 = text.index(q2)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<Project xmlns="urn:QDA-XML:project:1.0" '
        'name="Atlas study" origin="ATLAS.ti 26.0 (Windows)">'
        '<Users><User guid="{AAAAAAAA-1111-2222-3333-444444444444}" name="Kim"/></Users>'
        "<CodeBook><Codes>"
        '<Code guid="{C0DE0000-0000-0000-0000-000000000001}" name="coordination" isCodable="true" color="#FF0000"/>'
        '<Code guid="C0DE0000-0000-0000-0000-000000000002" name="waiting" isCodable="true" color="red"/>'
        "</Codes></CodeBook><Sources>"
        '<TextSource guid="{D0C00000-0000-0000-0000-000000000001}" name="P2.docx" '
        'plainTextPath="internal://D0C00000-0000-0000-0000-000000000001.txt" '
        'creatingUser="{AAAAAAAA-1111-2222-3333-444444444444}">'
        f'<PlainTextSelection guid="{{5E100000-0000-0000-0000-000000000001}}" '
        f'name="The nurse joined the dots…" startPosition="{cp(s1)}" endPosition="{cp(s1 + len(q1))}" '
        'creatingUser="{AAAAAAAA-1111-2222-3333-444444444444}">'
        "<Description>A turning point for P2.</Description>"
        '<Coding guid="{C0D10000-0000-0000-0000-000000000001}"><CodeRef targetGUID="{C0DE0000-0000-0000-0000-000000000001}"/></Coding>'
        '<Coding guid="{C0D10000-0000-0000-0000-000000000002}"><CodeRef targetGUID="{C0DE0000-0000-0000-0000-000000000002}"/></Coding>'
        "</PlainTextSelection>"
        f'<PlainTextSelection guid="5E100000-0000-0000-0000-000000000002" name="{q2}" '
        f'startPosition="{cp(s2)}" endPosition="{cp(s2 + len(q2))}">'
        '<Coding guid="C0D10000-0000-0000-0000-000000000003"><CodeRef targetGUID="C0DE0000-0000-0000-0000-000000000002"/></Coding>'
        f"</PlainTextSelection>{extra_sel}</TextSource></Sources></Project>"
    )


def test_atlas_file_several_codings_per_selection_and_memo(
    empty_project: qda.Project, tmp_path: Path
) -> None:
    """`<name>.qde`, braced upper-case GUIDs, CRLF counted 1, memo in a Description."""
    path = make_qdpx(
        tmp_path / "a.qdpx", atlas_qde(ATLAS_TEXT, 1),
        {"sources/D0C00000-0000-0000-0000-000000000001.txt": ATLAS_TEXT.encode()},
        qde_name="Atlas study.qde",
    )  # fmt: skip
    rep = empty_project.import_refi(path)
    assert rep.codings_imported == 3 and rep.names_verified == 2 and rep.mismatch_count == 0
    assert rep.documents[0]["name"] == "P2" and rep.documents[0]["offsets"] == "code points, CRLF=1"
    with empty_project.store.read() as s:
        codings = s.execute(select(Code.name, Coding.quote).join(Code)).all()
        memo = s.scalars(select(Memo)).one()
        links = {(ln.target_kind) for ln in s.scalars(select(MemoLink))}
        colors = dict(s.execute(select(Code.name, Code.color)).all())
    assert sorted(codings) == [
        ("coordination", "The nurse joined the dots for me, finally."),
        ("waiting", "It was slow."),
        ("waiting", "The nurse joined the dots for me, finally."),
    ]
    assert memo.body.startswith("A turning point for P2.") and links == {"coding"}
    assert colors == {"coordination": "#ff0000", "waiting": None}


def test_names_reveal_how_offsets_were_counted(empty_project: qda.Project, tmp_path: Path) -> None:
    """Origin says ATLAS.ti (CRLF=1) but the offsets count CRLF as 2: the names decide."""
    path = make_qdpx(
        tmp_path / "a2.qdpx", atlas_qde(ATLAS_TEXT, 2),
        {"sources/D0C00000-0000-0000-0000-000000000001.txt": ATLAS_TEXT.encode()},
    )  # fmt: skip
    rep = empty_project.import_refi(path)
    assert rep.documents[0]["offsets"] == "code points, CRLF=2"
    assert "names agree" in rep.documents[0]["offsets_reason"]
    assert rep.mismatch_count == 0 and rep.names_verified == 2


def test_a_mismatch_is_reported_not_shifted(empty_project: qda.Project, tmp_path: Path) -> None:
    text = "P3: Alpha beta gamma.\nP3: Delta epsilon.\n"
    wrong = text.index("Delta")
    sel = (
        f'<PlainTextSelection guid="5E100000-0000-0000-0000-000000000009" name="Alpha beta" '
        f'startPosition="{wrong}" endPosition="{wrong + 10}">'
        '<Coding guid="C0D10000-0000-0000-0000-000000000009"><CodeRef targetGUID="C0DE0000-0000-0000-0000-000000000001"/></Coding>'
        "</PlainTextSelection>"
    )
    qde = (
        '<Project xmlns="urn:QDA-XML:project:1.0" name="m" origin="QualCoder 3.5"><CodeBook><Codes>'
        '<Code guid="C0DE0000-0000-0000-0000-000000000001" name="greek" isCodable="true"/></Codes></CodeBook>'
        '<Sources><TextSource guid="D0C00000-0000-0000-0000-000000000003" name="P3" '
        f'plainTextPath="internal://p3.txt">{sel}</TextSource></Sources></Project>'
    )
    rep = empty_project.import_refi(
        make_qdpx(tmp_path / "m.qdpx", qde, {"sources/p3.txt": text.encode()})
    )
    assert rep.mismatch_count == 1
    assert rep.mismatches[0]["name"] == "Alpha beta" and rep.mismatches[0]["text"] == "Delta epsi"
    with empty_project.store.read() as s:
        c = s.scalars(select(Coding)).one()
    assert (c.start, c.end, c.quote) == (wrong, wrong + 10, "Delta epsi")  # as given, never moved


def test_cli_import_says_what_a_refi_file_brought(tmp_path: Path) -> None:
    text = "P3: Alpha beta gamma.\nP3: Delta epsilon.\n"
    wrong = text.index("Delta")
    qde = (
        '<Project xmlns="urn:QDA-XML:project:1.0" name="m" origin="QualCoder 3.5"><CodeBook><Codes>'
        '<Code guid="C0DE0000-0000-0000-0000-000000000001" name="greek" isCodable="true"/></Codes></CodeBook>'
        '<Sources><TextSource guid="D0C00000-0000-0000-0000-000000000003" name="P3" '
        'plainTextPath="internal://p3.txt">'
        f'<PlainTextSelection guid="5E100000-0000-0000-0000-000000000009" name="Alpha beta" '
        f'startPosition="{wrong}" endPosition="{wrong + 10}">'
        '<Coding guid="C0D10000-0000-0000-0000-000000000009"><CodeRef targetGUID="C0DE0000-0000-0000-0000-000000000001"/></Coding>'
        "</PlainTextSelection></TextSource></Sources></Project>"
    )
    qdpx = make_qdpx(tmp_path / "m.qdpx", qde, {"sources/p3.txt": text.encode()})
    proj = tmp_path / "p.qda"
    assert qda_cmd("init", str(proj)).returncode == 0
    res = qda_cmd("import", str(proj), str(qdpx))
    assert res.returncode == 0, res.stderr
    assert (
        "m.qdpx: 1 documents, 1 codes, 1 codings, 0 memos imported; 1 selection names" in res.stdout
    )
    assert "selection name differs: P3" in res.stdout and "'Delta epsi'" in res.stdout


def test_maxqda_selection_without_coding_becomes_a_memo(
    empty_project: qda.Project, tmp_path: Path
) -> None:
    text = "P4: I kept going anyway.\r\nP4: Nobody asked me.\r\n"
    q = "Nobody asked me."
    st = text.index(q) - 1  # MAXQDA counts the CRLF as 1
    qde = (
        '<Project xmlns="urn:QDA-XML:project:1.0" name="mx" origin="MAXQDA 2022 (Release 22.4.0)">'
        '<CodeBook><Codes><Code guid="C0DE0000-0000-0000-0000-000000000001" name="x" isCodable="true"/>'
        '</Codes></CodeBook><Sources><TextSource guid="D0C00000-0000-0000-0000-000000000004" name="P4" '
        'plainTextPath="internal://p4.txt">'
        f'<PlainTextSelection guid="5E100000-0000-0000-0000-00000000000a" startPosition="{st}" '
        f'endPosition="{st + len(q)}"><Description>Silenced?</Description></PlainTextSelection>'
        "</TextSource></Sources></Project>"
    )
    rep = empty_project.import_refi(
        make_qdpx(tmp_path / "mx.qdpx", qde, {"sources/p4.txt": text.encode()})
    )
    assert rep.codings_imported == 0 and rep.memos_created == 1
    with empty_project.store.read() as s:
        memo = s.scalars(select(Memo)).one()
        link = s.scalars(select(MemoLink)).one()
    assert memo.body == f"Silenced?\n\n> {q}" and link.target_kind == "document"


def test_taguette_codebook_paths_become_a_tree(empty_project: qda.Project, tmp_path: Path) -> None:
    qdc = (
        '<?xml version="1.0" encoding="utf-8"?>\n<CodeBook xmlns="urn:QDA-XML:codebook:1.0" '
        'origin="Taguette 1.4.1"><Codes>'
        '<Code guid="9E8F2C7A-1111-5111-8111-000000000001" name="emotions\\anger" isCodable="true"/>'
        '<Code guid="9E8F2C7A-1111-5111-8111-000000000002" name="emotions\\joy" isCodable="true"/>'
        '<Code guid="9E8F2C7A-1111-5111-8111-000000000003" name="setting" isCodable="true"/>'
        "</Codes><Sets/></CodeBook>"
    )
    path = tmp_path / "tag.qdc"
    path.write_text(qdc, encoding="utf-8")
    rep = empty_project.import_refi(path)
    assert rep.kind == "codebook" and rep.codes_created == 4
    with empty_project.store.read() as s:
        rows = s.execute(select(Code.id, Code.name, Code.parent_id, Code.kind)).all()
    names = {r.id: r.name for r in rows}
    tree = sorted((names.get(r.parent_id, ""), r.name, r.kind) for r in rows)
    assert tree == [
        ("", "emotions", "theme"), ("", "setting", "code"),
        ("emotions", "anger", "code"), ("emotions", "joy", "code"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    "ns", ["urn:QDA-XML:codebook:1.0", "urn:QDA-XML:codebook:1:0", "urn:QDA-XML:codebook:0:4", ""]
)
def test_codebook_namespace_variants(ns: str, empty_project: qda.Project, tmp_path: Path) -> None:
    xmlns = f' xmlns="{ns}"' if ns else ""
    qdc = (
        f'<CodeBook{xmlns} origin="ATLAS.ti Win 23.4.0"><Codes>'
        '<Code guid="1FF58B12-6F6F-4B0C-8BE5-BBDC91F55294" name="parent" color="#46AA00" isCodable="true">'
        "<Description>Parent rule\n\nInclusion: when it hurts</Description>"
        '<Code guid="2FF58B12-6F6F-4B0C-8BE5-BBDC91F55294" name="child"/></Code></Codes>'
        '<Sets><Set name="group" guid="ECA18D76-2B8B-4F26-BC1D-19ECA19FB3F0">'
        '<MemberCode guid="1FF58B12-6F6F-4B0C-8BE5-BBDC91F55294"/></Set></Sets></CodeBook>'
    )
    path = tmp_path / "cb.qdc"
    path.write_text(qdc, encoding="utf-8")
    rep = empty_project.import_refi(path)
    assert rep.codes_created == 2 and rep.not_imported == {"sets": 1}
    with empty_project.store.read() as s:
        parent = s.scalars(select(Code).where(Code.name == "parent")).one()
        child = s.scalars(select(Code).where(Code.name == "child")).one()
    assert (parent.definition, parent.inclusion, parent.color) == (
        "Parent rule",
        "when it hurts",
        "#46aa00",
    )
    assert child.parent_id == parent.id


def test_source_variables_and_cases(empty_project: qda.Project, tmp_path: Path) -> None:
    qde = (
        '<Project xmlns="urn:QDA-XML:project:1.0" name="c" origin="QualCoder 3.5">'
        '<Variables><Variable guid="7A000000-0000-0000-0000-000000000001" name="age" typeOfVariable="Integer"/>'
        '<Variable guid="7A000000-0000-0000-0000-000000000002" name="since" typeOfVariable="Date"/></Variables>'
        '<Cases><Case guid="CA000000-0000-0000-0000-000000000001" name="P9">'
        '<VariableValue><VariableRef targetGUID="7A000000-0000-0000-0000-000000000001"/><IntegerValue>61</IntegerValue></VariableValue>'
        '<SourceRef targetGUID="D0C00000-0000-0000-0000-000000000009"/></Case></Cases>'
        '<Sources><TextSource guid="D0C00000-0000-0000-0000-000000000009" name="interview 9">'
        "<PlainTextContent>P9: Hello there.</PlainTextContent>"
        '<VariableValue><VariableRef targetGUID="7A000000-0000-0000-0000-000000000002"/><DateValue>2024-05-01</DateValue></VariableValue>'
        "</TextSource></Sources></Project>"
    )
    path = tmp_path / "c.qdpx"
    make_qdpx(path, qde, {})
    rep = empty_project.import_refi(path)
    assert rep.participants_created == 1 and rep.attribute_values == 2
    (part,) = empty_project.participants()
    assert part["name"] == "P9" and part["documents"] == ["interview 9"]
    assert part["attributes"] == {"age": 61, "since": "2024-05-01"}


def test_bare_qde_file_with_inline_text(empty_project: qda.Project, tmp_path: Path) -> None:
    qde = (
        '<Project xmlns="urn:QDA-XML:project:1.0" name="q"><Sources>'
        '<TextSource guid="D0C00000-0000-0000-0000-00000000000b" name="P5.txt">'
        "<PlainTextContent>P5: Short one.</PlainTextContent></TextSource></Sources></Project>"
    )
    path = tmp_path / "x.qde"
    path.write_bytes(io.BytesIO(qde.encode()).getvalue())
    rep = empty_project.import_refi(path)
    assert [d["name"] for d in rep.documents] == ["P5"]
    assert rep.documents[0]["participant"] == "P5"
