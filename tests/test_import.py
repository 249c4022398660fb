"""Transcript import: encodings, normalisation, exact offsets, formats, bad input."""

from __future__ import annotations

import unicodedata
import zipfile
from pathlib import Path

import docx
import pytest
from sqlalchemy import func, select, text

import qda
from qda.db.models import Document, Event, Sentence, Turn
from qda.documents.readers import read_transcript
from qda.errors import ImportFileError

TRICKY = (
    "Interviewer: Hello 👍🏽 and welcome. How is the pain today?\r\n"
    "\r\n"
    "P07: Well, the cafe\u0301 was closed. Zoë said 🧑‍⚕️ would call! It's ok.\r\n"
    "It still hurts, you know.\r\n"
    "\r\n"
    "Interviewer: Can you tell me more?\r\n"
    "\r\n"
    "P07: Naïve me thought physio would fix it. It didn't.\r\n"
)


def _check_offsets(project: qda.Project, name: str) -> qda.Project:
    view = project.show(name)
    t = view.text
    assert "\r" not in t and not t.startswith("\ufeff")
    assert unicodedata.is_normalized("NFC", t)
    assert view.turns and view.sentences
    for turn in view.turns:
        assert t[turn.start : turn.end] == turn.text
        assert turn.start <= turn.body_start <= turn.end
        assert turn.text == turn.text.strip()
    for s in view.sentences:
        assert t[s.start : s.end] == s.text
        assert s.text == s.text.strip() and s.text
        owner = view.turns[s.turn]
        assert owner.body_start <= s.start and s.end <= owner.end
    return project


@pytest.mark.parametrize(
    "encoding, prefix",
    [
        ("utf-8", b""),
        ("utf-8", b"\xef\xbb\xbf"),
        ("utf-16-le", b"\xff\xfe"),
        ("utf-16-be", b"\xfe\xff"),
    ],
)
def test_unicode_offsets_are_exact(
    empty_project: qda.Project, tmp_path: Path, encoding: str, prefix: bytes
) -> None:
    raw = unicodedata.normalize("NFD", TRICKY)  # combining accents must be composed
    f = tmp_path / "P07.txt"
    f.write_bytes(prefix + raw.encode(encoding))
    report = empty_project.import_paths([f])
    assert not report.skipped and len(report.imported) == 1
    _check_offsets(empty_project, "P07")
    view = empty_project.show("P07")
    assert view.text == unicodedata.normalize("NFC", TRICKY.replace("\r\n", "\n"))
    assert [t.speaker for t in view.turns] == ["Interviewer", "P07", "Interviewer", "P07"]
    assert [t.is_interviewer for t in view.turns] == [True, False, True, False]
    assert view.participant == "P07"
    doc_sents = [s.text for s in view.sentences if s.turn == 1]
    assert doc_sents[0] == "Well, the café was closed."


def test_cp1252_is_detected(empty_project: qda.Project, tmp_path: Path) -> None:
    body = (
        "Interviewer: What did the physiotherapist say about your back?\n\n"
        "P03: She said \u201cpacing\u201d \u2013 that\u2019s all \u2013 and I thought, "
        "na\u00efve of me, that it would be enough. The caf\u00e9 downstairs helped more.\n\n"
    ) * 5
    f = tmp_path / "P03.txt"
    f.write_bytes(body.encode("cp1252"))
    report = empty_project.import_paths([f])
    assert not report.skipped
    view = empty_project.show("P03")
    assert "\u201cpacing\u201d" in view.text and "naïve" in view.text
    _check_offsets(empty_project, "P03")


def test_reimport_adds_nothing(empty_project: qda.Project, samples: Path) -> None:
    first = empty_project.import_paths([samples])
    assert len(first.imported) == 14
    before = empty_project.info()
    again = empty_project.import_paths([samples])
    assert again.imported == [] and len(again.duplicates) == 14
    assert empty_project.info() == before


def test_bad_files_are_skipped_and_good_ones_imported(
    empty_project: qda.Project, tmp_path: Path
) -> None:
    good = tmp_path / "P01.txt"
    good.write_text("Interviewer: Hi.\n\nP01: Hello there, it hurts.\n", encoding="utf-8")
    (tmp_path / "P02.txt").write_bytes(b"")
    (tmp_path / "P03.txt").write_bytes(b"\x00\x01\x02\x03binary\x00\x00" * 50)
    (tmp_path / "P04.docx").write_bytes(b"PK\x03\x04 this is not a real docx")
    missing = tmp_path / "P05.txt"
    report = empty_project.import_paths(
        [good, tmp_path / "P02.txt", tmp_path / "P03.txt", tmp_path / "P04.docx", missing]
    )
    assert [d.name for d in report.imported] == ["P01"]
    reasons = {Path(s["path"]).name: s["reason"] for s in report.skipped}
    assert reasons["P02.txt"].startswith("empty")
    assert "binary" in reasons["P03.txt"]
    assert "docx" in reasons["P04.docx"]
    assert reasons["P05.txt"] == "no such file"
    assert empty_project.info()["documents"] == 1


def test_strict_import_is_all_or_nothing(empty_project: qda.Project, tmp_path: Path) -> None:
    good = tmp_path / "P01.txt"
    good.write_text("Interviewer: Hi.\n\nP01: Hello there.\n", encoding="utf-8")
    bad = tmp_path / "P02.txt"
    bad.write_bytes(b"")
    with pytest.raises(ImportFileError, match=r"P02\.txt: empty"):
        empty_project.import_paths([good, bad], strict=True)
    assert empty_project.info()["documents"] == 0
    with empty_project.store.read() as s:
        assert s.scalar(select(func.count()).select_from(Event)) == 0


def test_size_limit(empty_project: qda.Project, tmp_path: Path) -> None:
    f = tmp_path / "P09.txt"
    f.write_text("Interviewer: x\n\nP09: " + "word " * 5000, encoding="utf-8")
    report = empty_project.import_paths([f], max_bytes=1000)
    assert report.skipped and "too large" in report.skipped[0]["reason"]
    big = tmp_path / "P10.txt"
    big.write_text("P10: " + "x" * (3 * 1024 * 1024), encoding="utf-8")
    report = empty_project.import_paths([big], max_bytes=2 * 1024 * 1024)
    assert "(3.0 MB > limit 2 MB; see --max-mb)" in report.skipped[0]["reason"]


def test_docx_paragraphs_and_tables(empty_project: qda.Project, tmp_path: Path) -> None:
    d = docx.Document()
    d.add_paragraph("Interview P11")
    table = d.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Date"
    table.rows[0].cells[1].text = "2026-04-06"
    d.add_paragraph("Interviewer: How was the physio?")
    d.add_paragraph("P11: Brilliant. She set goals with me.")
    f = tmp_path / "P11.docx"
    d.save(str(f))
    report = empty_project.import_paths([f])
    assert not report.skipped
    view = empty_project.show("P11")
    assert view.text.split("\n\n") == [
        "Interview P11",
        "Date | 2026-04-06",
        "Interviewer: How was the physio?",
        "P11: Brilliant. She set goals with me.",
    ]
    assert [t.speaker for t in view.turns] == [None, None, "Interviewer", "P11"]
    _check_offsets(empty_project, "P11")


def test_docx_zip_bomb_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "bomb.docx"
    with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/document.xml", b"\x00" * (50 * 1024 * 1024))
    with pytest.raises(ImportFileError, match="suspicious archive"):
        read_transcript(f, max_bytes=10**9)


def test_webvtt_voices_and_timings(empty_project: qda.Project, tmp_path: Path) -> None:
    f = tmp_path / "P12.vtt"
    f.write_text(
        "WEBVTT\n\n"
        "1\n00:00:01.000 --> 00:00:04.500\n<v Interviewer>How are you finding the physio?</v>\n\n"
        "00:00:05.000 --> 00:00:09.000\n<v Lee>Honestly? Mixed. The videos &amp; apps</v>\n\n"
        "00:00:09.000 --> 00:01:02.250\n<v Lee>don't <i>listen</i>.\nShe does.</v>\n\n",
        encoding="utf-8",
    )
    report = empty_project.import_paths([f])
    assert not report.skipped
    view = empty_project.show("P12")
    assert view.text == (
        "Interviewer: How are you finding the physio?\n\n"
        "Lee: Honestly? Mixed. The videos & apps don't listen. She does."
    )
    assert [(t.speaker, t.start_ms, t.end_ms) for t in view.turns] == [
        ("Interviewer", 1000, 4500),
        ("Lee", 5000, 62250),
    ]
    assert "-->" not in view.text
    _check_offsets(empty_project, "P12")


def test_srt_name_prefixes(empty_project: qda.Project, tmp_path: Path) -> None:
    f = tmp_path / "P13.srt"
    f.write_text(
        "1\n00:00:01,000 --> 00:00:03,000\nInterviewer: Who is your GP?\n\n"
        "2\n00:00:03,500 --> 00:00:07,000\nJanet: Depends on the week. Nobody owns my back.\n",
        encoding="utf-8",
    )
    empty_project.import_paths([f])
    view = empty_project.show("P13")
    assert [t.speaker for t in view.turns] == ["Interviewer", "Janet"]
    assert view.turns[1].start_ms == 3500
    _check_offsets(empty_project, "P13")


def test_odt_import(empty_project: qda.Project, tmp_path: Path) -> None:
    from odf.opendocument import OpenDocumentText
    from odf.text import P

    doc = OpenDocumentText()
    doc.text.addElement(P(text="Interviewer: And the nurse?"))
    doc.text.addElement(P(text="P10: Lovely woman. Felt no difference, mind."))
    f = tmp_path / "P10.odt"
    doc.save(str(f))
    empty_project.import_paths([f])
    view = empty_project.show("P10")
    assert [t.speaker for t in view.turns] == ["Interviewer", "P10"]
    _check_offsets(empty_project, "P10")


def test_sample_corpus_offsets_and_fts(project: qda.Project) -> None:
    """Every stored turn and sentence of the demo matches its text; FTS rows match."""
    for d in project.documents():
        _check_offsets(project, d.name)
    with project.store.read() as s:
        n_sent = s.scalar(select(func.count()).select_from(Sentence))
        n_fts = s.execute(text("SELECT count(*) FROM sentence_fts")).scalar()
        assert n_sent == n_fts
        mismatched = s.execute(
            text(
                "SELECT count(*) FROM sentence_fts f JOIN sentences s ON s.id = f.rowid "
                "JOIN documents d ON d.id = s.document_id "
                'WHERE f.text <> substr(d.text, s.start + 1, s."end" - s.start)'
            )
        ).scalar()
        assert mismatched == 0
        assert s.scalar(select(func.count()).select_from(Turn)) > 14 * 20
        shas = s.execute(select(Document.sha256, Document.text)).all()
    import hashlib

    assert all(hashlib.sha256(t.encode()).hexdigest() == h for h, t in shas)


def test_annotations_and_opening_quotes_start_the_next_sentence() -> None:
    from qda.nlp.pipeline import split_sentences

    text = (
        "It was me, not the back. [laughs] Does that make sense? [pause] So she did. "
        'He said "fine." "Right," I said. Yes [inaudible 00:12:03] and then. (Sighs) no.'
    )
    got = [text[a:b] for a, b in next(split_sentences([text]))]
    assert got == [
        "It was me, not the back.",
        "[laughs] Does that make sense?",
        "[pause] So she did.",
        'He said "fine."',
        '"Right," I said.',
        "Yes [inaudible 00:12:03] and then.",
        "(Sighs) no.",
    ]


def test_no_stored_sentence_splits_a_bracketed_annotation(project: qda.Project) -> None:
    """The review found "... attached to it. [" + "laughs] Does ..." in the demo."""
    with project.store.read() as s:
        rows = s.execute(
            text(
                'SELECT substr(d.text, s.start + 1, s."end" - s.start) FROM sentences s '
                "JOIN documents d ON d.id = s.document_id"
            )
        ).scalars()
        bad = [t for t in rows if t.endswith(("[", "(", ' "')) or t[:1] in "])"]
    assert bad == []


def test_participant_attributes_are_typed(project: qda.Project) -> None:
    types = {a["name"]: a["type"] for a in project.attributes()}
    assert types["age"] == "number" and types["interview_date"] == "date"
    assert types["sex"] == "text"
    people = {p["name"]: p for p in project.participants()}
    assert len(people) == 14
    assert people["P07"]["attributes"]["pseudonym"] == "Helen"
    assert people["P07"]["attributes"]["partnership_baseline"] == 9
    assert people["P09"]["attributes"]["interview_date"] == "2026-03-30"
    assert people["P09"]["documents"] == ["P09"]


@pytest.mark.parametrize(
    "content, message",
    [
        ("participant,age\nP01,50,extra\n", "extra columns"),
        ("participant,age,sex\nP01,50\n", "missing columns"),
        ("participant,age\nP01,50\np01,51\n", "two rows"),
        ("participant,age\n", "no participant rows"),
    ],
)
def test_bad_attribute_csv_changes_nothing(
    project: qda.Project, tmp_path: Path, content: str, message: str
) -> None:
    before = project.participants()
    f = tmp_path / "attrs.csv"
    f.write_text(content, encoding="utf-8")
    with pytest.raises(ImportFileError, match=message):
        project.import_attributes(f)
    assert project.participants() == before
