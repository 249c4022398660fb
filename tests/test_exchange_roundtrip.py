"""REFI-QDA round trip: demo project -> .qdpx -> new project -> .qdpx, and merges."""

# ruff: noqa: F811  (pytest fixtures imported from tests.exchange_data)

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from sqlalchemy import func, select

import qda
from qda.db.models import (
    Code,
    Coder,
    Coding,
    Document,
    Event,
    Memo,
    MemoLink,
    Participant,
    Relation,
)
from qda.documents.service import participant_attributes
from tests.exchange_data import coded, coded_master  # noqa: F401  (fixtures)


def snapshot(p: qda.Project) -> dict[str, Any]:
    """Everything a round trip must keep, keyed by id."""
    with p.store.read() as s:
        coders = dict(s.execute(select(Coder.id, Coder.name)).all())
        parts = dict(s.execute(select(Participant.id, Participant.name)).all())
        attrs = participant_attributes(s)
        codes = list(s.scalars(select(Code)))
        return {
            "documents": {
                d.id: (d.name, d.sha256, parts.get(d.participant_id))
                for d in s.scalars(select(Document))
            },
            "codes": {
                c.id: (
                    c.name,
                    c.kind,
                    c.parent_id,
                    c.definition,
                    c.inclusion,
                    c.exclusion,
                    c.example,
                    c.color,
                    c.is_core,
                    c.retired,
                    c.origin == "invivo",
                    sibling_rank(codes, c),
                )
                for c in codes
            },
            "codings": {
                c.id: (
                    c.code_id,
                    c.document_id,
                    coders[c.coder_id],
                    c.start,
                    c.end,
                    c.quote,
                    c.created_at,
                )
                for c in s.scalars(select(Coding))
            },
            "memos": {
                m.id: (m.type, m.title, m.body, coders.get(m.author_id), m.created_at)
                for m in s.scalars(select(Memo))
            },
            "memo_links": {
                (ln.memo_id, ln.target_kind, ln.target_id) for ln in s.scalars(select(MemoLink))
            },
            "participants": {pid: (name, attrs.get(pid, {})) for pid, name in parts.items()},
            "relations": {
                r.id: (r.source_id, r.type, r.target_id, r.note)
                for r in s.scalars(select(Relation))
            },
        }


def sibling_rank(codes: list[Code], c: Code) -> int:
    """A code's place among its siblings (positions are only an order)."""
    sibs = sorted(
        (x for x in codes if x.parent_id == c.parent_id), key=lambda x: (x.position, x.name)
    )
    return [x.id for x in sibs].index(c.id)


def normalised_qde(path: Path, drop_users: set[str]) -> bytes:
    """project.qde without what legitimately changes: export time, who imported the texts."""
    with zipfile.ZipFile(path) as z:
        root = etree.fromstring(z.read("project.qde"), etree.XMLParser(remove_blank_text=True))
    ns = "{urn:QDA-XML:project:1.0}"
    for attr in ("modifiedDateTime", "creationDateTime", "name"):
        root.attrib.pop(attr, None)
    for el in root.iter(f"{ns}TextSource"):
        el.attrib.pop("creatingUser", None)
        el.attrib.pop("creationDateTime", None)
    root.remove(root.find(f"{ns}Description"))
    users = root.find(f"{ns}Users")
    for u in list(users):
        if u.get("name") in drop_users:
            users.remove(u)
    return etree.tostring(root, method="c14n")


def sources(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n.startswith("sources/")}


@pytest.mark.parametrize("nvivo", [False, True], ids=["standard", "nvivo"])
def test_round_trip_keeps_everything(coded: qda.Project, tmp_path: Path, nvivo: bool) -> None:
    before = snapshot(coded)
    assert len(before["codings"]) == 55 and len(before["memos"]) == 5
    first = tmp_path / "first.qdpx"
    res = coded.export_qdpx(first, nvivo=nvivo)
    assert (res.documents, res.codings, res.memos) == (14, 55, 5)

    new = qda.init_project(tmp_path / "new.qda", coder="zed")
    try:
        rep = new.import_refi(first)
        assert rep.codings_imported == 55 and rep.codes_created == 12
        assert rep.mismatch_count == 0 and rep.names_verified == rep.selections_in_file
        assert not rep.skipped_sources and not rep.warnings
        after = snapshot(new)
        for key in before:
            assert after[key] == before[key], key
        # the imported documents are searchable and split like imported transcripts
        hits = [(h.document, h.start, h.end) for h in new.search("physio*", limit=1000)]
        assert hits and hits == [
            (h.document, h.start, h.end) for h in coded.search("physio*", limit=1000)
        ]
        assert new.info()["sentences"] == coded.info()["sentences"]
        assert new.info()["turns"] == coded.info()["turns"]
        second = tmp_path / "second.qdpx"
        new.export_qdpx(second, nvivo=nvivo)
    finally:
        new.close()
    assert normalised_qde(first, set()) == normalised_qde(second, {"zed"})
    assert sources(first) == sources(second)
    if nvivo:
        data = next(iter(sources(first).values()))
        assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data


def test_importing_twice_changes_nothing(coded: qda.Project, tmp_path: Path) -> None:
    out = tmp_path / "p.qdpx"
    coded.export_qdpx(out)
    new = qda.init_project(tmp_path / "new.qda", coder="zed")
    try:
        new.import_refi(out)
        once = snapshot(new)
        again = new.import_refi(out)
        assert snapshot(new) == once
        assert again.codings_imported == 0 and again.codings_existing == 55
        assert again.codes_created == 0 and again.memos_created == 0
        assert len(again.reused_documents) == 14 and not again.documents
    finally:
        new.close()


def test_import_into_existing_project_merges(
    coded: qda.Project, project: qda.Project, tmp_path: Path
) -> None:
    """The plain demo (same transcripts, no codes) takes the coded work onto its documents."""
    out = tmp_path / "p.qdpx"
    coded.export_qdpx(out)
    docs_before = {d.id: d.name for d in project.documents()}
    rep = project.import_refi(out)
    assert not rep.documents and len(rep.reused_documents) == 14
    assert {d.id: d.name for d in project.documents()} == docs_before
    with project.store.read() as s:
        assert s.scalar(select(func.count()).select_from(Coding)) == 55
        assert s.scalar(select(func.count()).select_from(Participant)) == 14
        # the coded texts are the same spans of the same documents
        quotes = {(c.document_id, c.start, c.end, c.quote) for c in s.scalars(select(Coding))}
    original = {v[1:2] + v[3:6] for v in snapshot(coded)["codings"].values()}
    assert {(d, st, en, q) for d, st, en, q in quotes} == original
    with project.store.read() as s:
        actions = list(s.scalars(select(Event.action).where(Event.action == "import_refi")))
    assert actions == ["import_refi"]


def test_qda_import_command_takes_qdpx(coded: qda.Project, tmp_path: Path, run_qda: Any) -> None:
    out = tmp_path / "p.qdpx"
    coded.export_qdpx(out)
    target = tmp_path / "cli.qda"
    assert run_qda("init", str(target)).returncode == 0
    res = run_qda("import", str(target), str(out), "--json", "--coder", "zed")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert len(data["imported"]) == 14
    assert data["exchange"][0]["codings_imported"] == 55
    p = qda.open_project(target)
    try:
        assert p.info()["codings"] == 55
    finally:
        p.close()
    codebook = tmp_path / "c.qdc"
    coded.export_qdc(codebook)
    other = tmp_path / "cb.qda"
    assert run_qda("init", str(other)).returncode == 0
    res = run_qda("import", str(other), str(codebook), "--json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["exchange"][0]["codes_created"] == 12


def test_big_import_splits_sentences_in_a_helper_process(
    coded: qda.Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above PARALLEL_MIN_CHARS spaCy runs in a helper process; the result is the same."""
    import subprocess

    from qda.exchange import refi_store

    monkeypatch.setattr(refi_store, "PARALLEL_MIN_CHARS", 1)
    monkeypatch.setattr("qda.exchange.refi_import.HELPER_MIN_FILE_BYTES", 1)
    started: list[list[str]] = []
    real = subprocess.Popen

    def spy(cmd: list[str], *args: Any, **kwargs: Any) -> Any:
        started.append(cmd)
        return real(cmd, *args, **kwargs)

    monkeypatch.setattr(refi_store.subprocess, "Popen", spy)
    out = tmp_path / "p.qdpx"
    coded.export_qdpx(out)
    new = qda.init_project(tmp_path / "new.qda", coder="zed")
    try:
        rep = new.import_refi(out)
        assert len(started) == 1 and started[0][1:] == ["-m", "qda.exchange.prepare_worker"]
        assert rep.codings_imported == 55
        assert new.info()["sentences"] == coded.info()["sentences"]
        assert sum(d["sentences"] for d in rep.documents) == coded.info()["sentences"]
        hits = new.search("physio*", limit=1000)
        assert len(hits) == len(coded.search("physio*", limit=1000)) > 0
    finally:
        new.close()
