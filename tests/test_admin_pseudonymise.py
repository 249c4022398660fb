"""Pseudonymisation at import: names replaced before storage, offsets exact, mapping outside."""

from __future__ import annotations

import csv
import re
import stat
from pathlib import Path

import pytest

import qda
from qda.admin.pseudonymise import (
    NamePair,
    Pseudonymiser,
    load_names,
    match_case,
    ner_pipeline,
)
from qda.errors import InvalidInputError
from tests.reliability_support import qda_in_process

REAL = ["Eleanor", "Whitcombe", "Okonkwo", "Priya"]
TRANSCRIPT = """Interviewer: Thanks for coming in, Eleanor. How was Dr Okonkwo?

Eleanor: ELEANOR WHITCOMBE is what they call me at the clinic, eleanor at home. Dr Okonkwo \
listened. Okonkwo's nurse Priya rang me twice 😊 — Priya's kind.

Interviewer: And the physio, Mr Johnson?

Eleanor: Eleanora my cousin came too. Whitcombe-Smith is my sister's name, e\u0301h.
"""
NAMES = """real,pseudonym
Eleanor Whitcombe,Jane Doe
Eleanor,Jane
Whitcombe,Doe
Okonkwo,Mensah
Priya,Asha
"""


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "in"
    folder.mkdir()
    t = folder / "P07_Eleanor.txt"
    t.write_text(TRANSCRIPT, encoding="utf-8")
    names = tmp_path / "names.csv"
    names.write_text(NAMES, encoding="utf-8")
    return t, names


@pytest.mark.parametrize(
    ("found", "pseudonym", "want"),
    [
        ("JOHN", "Mark", "MARK"),
        ("John", "Mark", "Mark"),
        ("john", "Mark", "mark"),
        ("JOHN SMITH", "Mark Jones", "MARK JONES"),
        ("john smith", "Mark Jones", "mark jones"),
        ("John", "mark", "Mark"),
        ("McDonald", "MacLeod", "MacLeod"),
    ],
)
def test_match_case(found: str, pseudonym: str, want: str) -> None:
    assert match_case(found, pseudonym) == want


def test_whole_words_case_aware() -> None:
    ps = Pseudonymiser([NamePair("John", "Mark"), NamePair("John Smith", "Mark Jones")])
    text = "John, JOHN SMITH and john smith met Johnson; John's dog; P07_John; johnny."
    assert ps.replace(text, "x") == (
        "Mark, MARK JONES and mark jones met Johnson; Mark's dog; P07_Mark; johnny."
    )
    assert sum(ps.counts.values()) == 5


def test_load_names(tmp_path: Path) -> None:
    f = tmp_path / "n.csv"
    f.write_text("\ufeffJohn,Mark\n# a comment\n\n Mary  Ann ,Sue\n", encoding="utf-8")
    assert load_names(f) == [NamePair("John", "Mark"), NamePair("Mary Ann", "Sue")]
    for bad, words in [
        ("real,pseudonym\nJohn\n", "two columns"),
        ("John,Mark,extra\n", "too many columns"),
        ("real,pseudonym\n", "no names"),
        ("John,Mark\njohn,Luke\n", "two pseudonyms"),
        ("---,Mark\n", "not a name"),
    ]:
        f.write_text(bad)
        with pytest.raises(InvalidInputError, match=words):
            load_names(f)
    with pytest.raises(InvalidInputError, match="cannot read"):
        load_names(tmp_path / "missing.csv")


def test_import_replaces_before_storage(files: tuple[Path, Path], tmp_path: Path) -> None:
    transcript, names = files
    project = tmp_path / "p.qda"
    qda.init_project(project).close()
    code, _, err = qda_in_process(
        "import", str(project), str(transcript), "--pseudonymise", str(names), "--json"
    )
    assert code == 0, err
    assert "mapping written to" in err
    with qda.open_project(project) as p:
        [doc] = p.documents()
        assert doc.name == "P07_Jane" and doc.participant == "P07"
        view = p.show(doc.id)
        text = view.text
        # Offsets are of the pseudonymised text: every turn and sentence slices exactly.
        for t in view.turns:
            assert text[t.start : t.end] == t.text
        for s in view.sentences:
            assert text[s.start : s.end] == s.text
        assert "JANE DOE is what" in text and "jane at home" in text
        assert "Dr Mensah" in text and "Mensah's nurse Asha" in text
        assert "Mr Johnson" in text and "Eleanora my cousin" in text  # not whole words
        assert "Whitcombe-Smith" not in text and "Doe-Smith" in text
        assert [t.speaker for t in view.turns if not t.is_interviewer] == ["Jane", "Jane"]
        assert p.search("Eleanor") == [] and p.search("Jane")
        assert p.check().ok
    # Not a trace of a real name anywhere in the project file (text, search index,
    # names, source path, events).
    raw = project.read_bytes().lower()
    for name in REAL:
        assert not re.search(rb"(?<![a-z])" + name.lower().encode() + rb"(?![a-z])", raw), name
    # The mapping lives beside the names file, owner-only, with what happened.
    mapping = tmp_path / "names.mapping.csv"
    assert stat.S_IMODE(mapping.stat().st_mode) == 0o600
    with mapping.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    counts = {r["real_name"]: int(r["replacements"]) for r in rows}
    assert counts["Eleanor Whitcombe"] == 1 and counts["Okonkwo"] == 3
    assert {r["source_file"] for r in rows} == {"P07_Eleanor.txt"}


def test_mapping_path_and_refusals(files: tuple[Path, Path], tmp_path: Path) -> None:
    transcript, names = files
    project = tmp_path / "p.qda"
    qda.init_project(project).close()
    code, _, err = qda_in_process("import", str(project), str(transcript), "--mapping", "m.csv")
    assert code == 1 and "--mapping needs --pseudonymise" in err
    code, _, err = qda_in_process(
        "import", str(project), str(transcript), "--pseudonymise", str(names),
        "--mapping", str(project),
    )  # fmt: skip
    assert code == 1 and "must not be written into the project" in err
    code, _, err = qda_in_process(
        "import", str(project), str(transcript), "--pseudonymise", str(names),
        "--mapping", str(tmp_path / "nowhere" / "m.csv"),
    )  # fmt: skip
    assert code == 1 and "no such folder" in err
    with qda.open_project(project) as p:
        assert p.documents() == []  # refused before anything was imported
    chosen = tmp_path / "keys" / "map.csv"
    chosen.parent.mkdir()
    code, _, err = qda_in_process(
        "import", str(project), str(transcript), "--pseudonymise", str(names),
        "--mapping", str(chosen),
    )  # fmt: skip
    assert code == 0, err
    assert chosen.exists() and not (tmp_path / "names.mapping.csv").exists()


def test_subtitles_speakers_pseudonymised(tmp_path: Path) -> None:
    vtt = tmp_path / "P02.vtt"
    vtt.write_text(
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Priya>Hello, I'm Priya.\n\n"
        "00:00:03.500 --> 00:00:05.000\n<v Interviewer>Thanks Priya.\n",
        encoding="utf-8",
    )
    names = tmp_path / "n.csv"
    names.write_text("Priya,Asha\n")
    with qda.init_project(tmp_path / "p.qda") as p:
        report = p.import_pseudonymised([vtt], names=names)
        view = p.show(report.imported[0].id)
    assert "Priya" not in view.text
    assert [t.speaker for t in view.turns] == ["Asha", "Interviewer"]
    for t in view.turns:
        assert view.text[t.start : t.end] == t.text


def test_docx_pseudonymised(tmp_path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_paragraph("Interviewer: Hello Priya.")
    d.add_paragraph("P03: Hello. Dr Okonkwo sent me.")
    path = tmp_path / "P03.docx"
    d.save(str(path))
    names = tmp_path / "n.csv"
    names.write_text("Priya,Asha\nOkonkwo,Mensah\n")
    with qda.init_project(tmp_path / "p.qda") as p:
        report = p.import_pseudonymised([path], names=names)
        text = p.show(report.imported[0].id).text
    assert text == "Interviewer: Hello Asha.\n\nP03: Hello. Dr Mensah sent me."


def test_ner_candidates_listed_not_replaced(files: tuple[Path, Path], tmp_path: Path) -> None:
    """With an entity recogniser, names missing from the list are listed, never replaced."""
    import spacy

    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns(  # type: ignore[attr-defined]
        [{"label": "PERSON", "pattern": n} for n in ("Johnson", "Mr Johnson", "Jane", "Mensah")]
    )
    transcript, names = files
    with qda.init_project(tmp_path / "p.qda") as p:
        report = p.import_pseudonymised([transcript], names=names, nlp=nlp)
        text = p.show(report.imported[0].id).text
    assert "Johnson" in text  # listed, not replaced
    found = {c["name"] for c in report.pseudonymisation["candidates"]}
    assert "Johnson" in found or "Mr Johnson" in found
    assert not found & {"Jane", "Mensah"}  # pseudonyms are not candidates
    assert any("possible names" in n for n in report.notes)
    with Path(report.mapping).open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert any(r["status"].startswith("candidate") for r in rows)


def test_no_trained_pipeline_means_no_candidates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QDA_SPACY_MODEL", raising=False)
    assert ner_pipeline() is None


def test_refi_files_refused(files: tuple[Path, Path], tmp_path: Path) -> None:
    """A .qdpx would go in with its names: refused before anything is imported."""
    transcript, names = files
    qdpx = transcript.parent / "other.qdpx"
    qdpx.write_bytes(b"PK")
    with qda.init_project(tmp_path / "p.qda") as p:
        with pytest.raises(InvalidInputError, match="not on REFI-QDA"):
            p.import_pseudonymised([transcript, qdpx], names=names)
        assert p.documents() == []
