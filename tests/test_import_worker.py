"""A large import prepares files in a helper process: same result as without it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

import qda
from qda.documents import prepare

N_FILES = prepare.WORKER_MIN_FILES + 6


def _corpus(folder: Path) -> Path:
    folder.mkdir()
    for i in range(N_FILES):
        body = "\n".join(
            f"Interviewer: How was visit {j} for you, P{i:03d}?\n"
            f"P{i:03d}: Honestly? It was fine. The physio listened 😊 and I felt "
            f"naïve about the exercises. Then the GP called on day {j}."
            for j in range(1 + i % 4)
        )
        (folder / f"P{i:03d}.txt").write_text(body, encoding="utf-8")
    (folder / "P999.txt").write_bytes(b"\x00\x01\x02binary\x00" * 20)  # skipped
    return folder


def _dump(project: qda.Project) -> dict[str, list[tuple[object, ...]]]:
    """Everything an import stores, without the generated ids and times."""
    queries = {
        "documents": "SELECT d.name, p.name, d.text, d.sha256, d.char_count, d.word_count, "
        "d.position FROM documents d JOIN participants p ON p.id = d.participant_id",
        "turns": 'SELECT d.name, t.idx, t.start, t."end", t.body_start, t.speaker, '
        "t.is_interviewer FROM turns t JOIN documents d ON d.id = t.document_id",
        "sentences": 'SELECT d.name, s.idx, s.turn_idx, s.start, s."end", f.text '
        "FROM sentences s JOIN documents d ON d.id = s.document_id "
        "JOIN sentence_fts f ON f.rowid = s.id",
        "events": "SELECT action, summary FROM events WHERE action = 'import'",
    }
    with project.store.read() as s:
        return {k: sorted(s.execute(text(q)).all()) for k, q in queries.items()}


def _import(tmp_path: Path, src: Path, name: str, monkeypatch: pytest.MonkeyPatch, worker: str):
    monkeypatch.setenv("QDA_IMPORT_WORKER", worker)
    project = qda.init_project(tmp_path / name, coder="ana")
    report = project.import_paths([src])
    return project, report


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _corpus(tmp_path_factory.mktemp("worker") / "src")


def test_worker_and_in_process_imports_store_the_same(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[list[str]] = []
    real_popen = prepare.subprocess.Popen

    def spy(args: list[str], **kw: object) -> object:
        started.append(list(args))
        return real_popen(args, **kw)  # type: ignore[call-overload]

    monkeypatch.setattr(prepare.subprocess, "Popen", spy)
    with_worker, rep_w = _import(tmp_path, corpus, "w.qda", monkeypatch, "1")
    without, rep_p = _import(tmp_path, corpus, "p.qda", monkeypatch, "0")
    assert len(started) == 1 and started[0][1:] == prepare.WORKER_ARGS
    assert len(rep_w.imported) == len(rep_p.imported) == N_FILES
    assert [s["path"] for s in rep_w.skipped] == [str(corpus / "P999.txt")]
    assert rep_w.skipped == rep_p.skipped
    a, b = _dump(with_worker), _dump(without)
    assert a == b
    assert len(a["documents"]) == N_FILES and len(a["sentences"]) > 3 * N_FILES
    for name, _i, _ti, start, end, fts in a["sentences"][:50]:
        doc_text = next(d[2] for d in a["documents"] if d[0] == name)
        assert doc_text[start:end] == fts
    # Importing again through the worker adds nothing.
    again = with_worker.import_paths([corpus])
    assert not again.imported and len(again.duplicates) == N_FILES
    assert _dump(with_worker) == a


def test_a_dead_worker_falls_back_to_preparing_in_process(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(prepare, "WORKER_ARGS", ["-c", "import sys; sys.exit(3)"])
    project, report = _import(tmp_path, corpus, "dead.qda", monkeypatch, "1")
    assert len(report.imported) == N_FILES and len(report.skipped) == 1
    monkeypatch.setattr(prepare, "WORKER_ARGS", ["-m", "qda.documents.prepare_worker"])
    reference, _ = _import(tmp_path, corpus, "ref.qda", monkeypatch, "0")
    assert _dump(project) == _dump(reference)
