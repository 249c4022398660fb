"""A large import prepares files in a helper process: same result as without it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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


def test_a_participant_added_meanwhile_by_another_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The unique participant name turns the race into an IntegrityError; the import
    forgets what it remembered, re-reads and stores the file under that participant."""

    for name in ("P50", "P51"):
        (tmp_path / f"{name}.txt").write_text(
            f"Interviewer: Hello?\n\n{name}: The physio listened to {name}.\n", encoding="utf-8"
        )
    project = qda.init_project(tmp_path / "race.qda", coder="ana")
    raced = _race_before(
        monkeypatch,
        "P51",
        project,
        lambda other, _path: other.import_attributes(_csv(tmp_path, "P51")),
    )
    report = project.import_paths([tmp_path / "P50.txt", tmp_path / "P51.txt"])
    assert raced == ["P51"] and len(report.imported) == 2 and not report.skipped
    assert sorted(p["name"] for p in project.participants()) == ["P50", "P51"]
    assert {d.name: d.participant for d in project.documents()} == {"P50": "P50", "P51": "P51"}


def test_the_same_text_imported_meanwhile_leaves_nothing_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process imports P51_a's text (under another participant) just before this
    import stores it: P51_a is a duplicate, and the participant this import created in
    the rolled-back transaction is not reused for P51_b."""

    src = tmp_path / "src"
    src.mkdir()
    for part in ("a", "b"):
        (src / f"P51_{part}.txt").write_text(
            f"Interviewer: Hello?\n\nP51: Part {part}: the GP sent me back.\n", encoding="utf-8"
        )
    project = qda.init_project(tmp_path / "race.qda", coder="ana")
    raced = _race_before(
        monkeypatch,
        "P51_a",
        project,
        lambda other, path: other.import_paths([path], participant="Q9"),
    )
    # P00 first: this import reads the project's state in P00's transaction.
    report = project.import_paths([_seed(tmp_path), src / "P51_a.txt", src / "P51_b.txt"])
    assert raced == ["P51_a"] and not report.skipped
    assert [d.name for d in report.imported] == ["P00", "P51_b"]
    assert [d["path"] for d in report.duplicates] == [str(src / "P51_a.txt")]
    docs = {d.name: d.participant for d in project.documents()}
    assert docs == {"P00": "P00", "P51_a": "Q9", "P51_b": "P51"}


def _race_before(
    monkeypatch: pytest.MonkeyPatch, stem: str, project: qda.Project, other_does: Any
) -> list[str]:
    """Just before this import stores the file ``stem`` (its transaction has not begun:
    the session connects lazily), another connection does ``other_does(project, path)``.
    Returns a list that holds ``stem`` once the race has been run."""
    from qda.documents import importer

    real = importer._store_one
    raced: list[str] = []

    def racing(session: Any, prep: Any, state: Any, report: Any) -> None:
        if prep.path.stem == stem and not raced:
            raced.append(stem)
            other = qda.open_project(project.target, coder="ben")
            try:
                other_does(other, prep.path)
            finally:
                other.close()
        real(session, prep, state, report)

    monkeypatch.setattr(importer, "_store_one", racing)
    return raced


def _seed(folder: Path) -> Path:
    path = folder / "P00.txt"
    path.write_text("P00: Something to begin with.\n", encoding="utf-8")
    return path


def _csv(folder: Path, name: str) -> Path:
    path = folder / "people.csv"
    path.write_text(f"participant,age\n{name},51\n", encoding="utf-8")
    return path
