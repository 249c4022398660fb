"""The Word codebook and theme report, read back with python-docx."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import docx
import pytest
from sqlalchemy import select

import qda
from qda.db.models import Code, Coding, Document, Participant, Relation
from qda.documents.service import participant_attributes
from tests.exchange_data import TREE, coded_copy


@pytest.fixture(scope="module")
def coded_path(_demo_master: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return coded_copy(_demo_master, tmp_path_factory.mktemp("coded-word") / "coded.qda")


@pytest.fixture(scope="module")
def facts(coded_path: Path) -> dict[str, Any]:
    """What the documents should say, straight from the database."""
    p = qda.open_project(coded_path)
    try:
        with p.store.read() as s:
            codes = {c.name: c for c in s.scalars(select(Code))}
            rows = s.execute(
                select(Code.name, Coding.quote, Document.name, Participant.name)
                .join(Code, Code.id == Coding.code_id)
                .join(Document, Document.id == Coding.document_id)
                .join(Participant, Participant.id == Document.participant_id)
            ).all()
            attrs = {
                name: participant_attributes(s).get(pid, {})
                for pid, name in s.execute(select(Participant.id, Participant.name))
            }
            relations = s.scalars(select(Relation)).all()
        per: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
        for code, quote, doc, part in rows:
            per[code].append((" ".join(quote.split()), doc, part))
        return {"codes": codes, "codings": per, "attrs": attrs, "relations": len(relations)}
    finally:
        p.close()


def paragraphs(path: Path) -> list[tuple[str, str]]:
    d = docx.Document(str(path))
    return [(p.style.name, p.text) for p in d.paragraphs]


def test_codebook_headings_counts_quotes(
    coded_path: Path, facts: dict[str, Any], tmp_path: Path
) -> None:
    p = qda.open_project(coded_path, coder="ana")
    try:
        res = p.export_codebook(tmp_path / "cb.docx", examples=3, memos=True)
    finally:
        p.close()
    paras = paragraphs(tmp_path / "cb.docx")
    texts = [t for _, t in paras]
    assert ("Title", "Codebook") in paras
    assert "Coders: ana, ben" in texts
    live = [name for name, *_ in TREE if not facts["codes"][name].retired]
    headings = [(s, t) for s, t in paras if s.startswith("Heading ")]
    assert [t for _, t in headings][:-1] == live and headings[-1] == (
        "Heading 1",
        "Summary of codes",
    )
    levels = {t: int(s.split()[1]) for s, t in headings}
    assert levels["Connecting with health professionals"] == 1
    assert levels["Being listened to"] == 2 and levels["feeling heard"] == 3
    assert "no difference" not in levels  # retired codes are left out by default
    # counts of a code
    own = facts["codings"]["feeling heard"]
    docs = {d for _, d, _ in own}
    line = f"{len(own)} segments · {len(docs)} documents · {len({x for *_, x in own})} participants"
    i = texts.index("feeling heard")
    assert line in texts[i : i + 8]
    assert "Definition: The clinician attends to what I say." in texts[i : i + 8]
    assert "Include when: Include talk about feeling heard." in texts[i : i + 8]
    # the quotes under it are its own codings, with participant and turn
    quotes = []
    for k in range(i, len(paras) - 1):
        if paras[k][1] == "being dismissed":
            break
        if paras[k][0] == "Quote":
            quotes.append((paras[k][1].strip("“”"), paras[k + 1][1]))
    assert len(quotes) == 3 == min(3, len(own))
    known = {(q, part) for q, _, part in own}
    for q, src in quotes:
        m = re.match(r"— (P\d+), turn (\d+)$", src)
        assert m and (q, m.group(1)) in known
    assert len({src.split(",")[0] for _, src in quotes}) == 3  # three different participants
    assert res.quotes == 15 and res.memos == 2
    assert "Memo (code note): On feeling heard  ana 2026-04-20" in texts
    # the summary table
    table = docx.Document(str(tmp_path / "cb.docx")).tables[-1]
    cells = [[c.text for c in r.cells] for r in table.rows]
    assert cells[0] == ["Code", "Kind", "Segments", "Documents", "Participants"]
    assert [r[0] for r in cells[1:]] == live
    row = next(r for r in cells if r[0] == "Being listened to")
    both = facts["codings"]["feeling heard"] + facts["codings"]["being dismissed"]
    assert row[1:] == ["Category", str(len(both)), str(len({d for _, d, _ in both})),
                       str(len({x for *_, x in both}))]  # fmt: skip


def test_codebook_options(coded_path: Path, tmp_path: Path) -> None:
    p = qda.open_project(coded_path, coder="ana")
    try:
        bare = p.export_codebook(tmp_path / "bare.docx", codes_only=True)
        one = p.export_codebook(tmp_path / "one.docx", examples=1, include_retired=True)
    finally:
        p.close()
    styles = [s for s, _ in paragraphs(tmp_path / "bare.docx")]
    assert bare.quotes == 0 and "Quote" not in styles
    assert not any(t.startswith("Memo (") for _, t in paragraphs(tmp_path / "bare.docx"))
    texts = [t for _, t in paragraphs(tmp_path / "one.docx")]
    assert one.quotes == 6 and "no difference" in texts  # retired code included on request
    assert one.codes == 12


def test_theme_report(coded_path: Path, facts: dict[str, Any], tmp_path: Path) -> None:
    p = qda.open_project(coded_path, coder="ana")
    try:
        res = p.export_report(
            tmp_path / "r.docx", attributes=["age", "pain_severity=pain {}/10"], quotes=2
        )
    finally:
        p.close()
    d = docx.Document(str(tmp_path / "r.docx"))
    paras = [(x.style.name, x.text) for x in d.paragraphs]
    heads = [(s, t) for s, t in paras if s.startswith("Heading")]
    assert heads[:4] == [
        ("Heading 1", "Theme 1: Connecting with health professionals"),
        ("Heading 2", "Being listened to"),
        ("Heading 2", "Joining the dots"),
        ("Heading 1", "Theme 2: Making progress"),
    ]
    assert ("Heading 1", "Saturation") in heads
    assert heads[-1] == ("Heading 1", "Relations between categories and codes")
    assert res.themes == 2
    texts = [t for _, t in paras]
    assert any(t.startswith("Core category: Making progress") for t in texts)
    # quotes with "(P07, 52, pain 6/10)"-style attributions that match the participants
    quotes = [t for s, t in paras if s == "Quote"]
    assert quotes and res.quotes == len(quotes)
    all_quotes = {q for v in facts["codings"].values() for q, _, _ in v}
    for q in quotes:
        m = re.match(r"“(.*)” \((P\d+), (\d+), pain (\d+)/10\)$", q)
        assert m, q
        a = facts["attrs"][m.group(2)]
        assert (int(m.group(3)), int(m.group(4))) == (a["age"], a["pain_severity"])
        assert m.group(1) in all_quotes
    # Table 1: participants n (%) per theme; Table 2: one row per relation
    t1 = [[c.text for c in r.cells] for r in d.tables[0].rows]
    assert t1[0] == ["Theme", "Categories", "Participants n (%)", "Segments"]
    assert t1[1][1] == "Being listened to; Joining the dots"
    parts = {x for k in ("feeling heard", "being dismissed", "nobody joined the dots")
             for *_, x in facts["codings"][k]}  # fmt: skip
    assert t1[1][2] == f"{len(parts)} ({round(100 * len(parts) / 14)}%)"
    assert len(d.tables[1].rows) == 1 + facts["relations"]
    assert d.tables[1].rows[1].cells[1].text == "consequence of"
    sat = next(t for t in texts if t.startswith("Taking the interviews in the order"))
    m = re.search(r"the (\d+) interviews produced (\d+) distinct codes", sat)
    coded_docs = {d for v in facts["codings"].values() for _, d, _ in v}
    assert m and (int(m.group(1)), int(m.group(2))) == (len(coded_docs), len(facts["codings"]))
    assert any("Guest, Namey and Chen (2020)" in t for t in texts)
    i = texts.index("Feeling no difference")  # its only code is retired: not counted
    assert texts[i + 2] == "0 of 14 participants, 0 segments."
    assert len(d.inline_shapes) == 1  # the saturation figure
    assert any(t.startswith("Figure 1. Saturation") for t in texts)


def test_report_without_themes_uses_top_level_codes(
    empty_project: qda.Project, tmp_path: Path
) -> None:
    empty_project.export_report(tmp_path / "e.docx")
    texts = [t for _, t in paragraphs(tmp_path / "e.docx")]
    assert "Findings" in texts and "No relations have been recorded yet." in texts


def test_counts_agree_with_the_coding_engine(coded_path: Path) -> None:
    """The Word exports count segments, documents and participants as `qda code list` does."""
    import uuid

    from qda.exchange.report_data import load_analysis

    p = qda.open_project(coded_path)
    try:
        engine = {
            c.id: (c.codings, c.documents, c.participants) for c in p.codes(include_retired=True)
        }
        a = load_analysis(p.store, quotes=0)
    finally:
        p.close()
    ours = {str(n.id): (n.segments, n.documents, n.participants) for n in a.nodes.values()}
    assert ours == engine and len(ours) == 12
    assert all(isinstance(uuid.UUID(k), uuid.UUID) for k in ours)
