"""The review queue: suggestions persist, accept makes a coding, reject is for good."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select

import qda
from qda.db.models import Coder, Coding, Event, Suggestion
from qda.errors import InvalidInputError, NotFoundError
from qda.suggest import index as index_mod
from qda.suggest import ranking
from qda.suggest.queue import resolve_code
from qda.suggest.text import lemmatizer

CODE = "feeling listened to"
SEEDS = [
    ("P01", "She actually listened."),
    ("P02", "And I don't think she believed me."),
]


def _coded(project: Any) -> None:
    project.add_code(CODE, definition="Being listened to, heard and believed, or not.")
    for doc, quote in SEEDS:
        project.apply(CODE, doc, quote=quote)


def _row(project: Any, sid: str) -> Suggestion:
    with project.store.read() as s:
        row = s.get(Suggestion, uuid.UUID(sid))
        assert row is not None
        return row


def test_suggest_stores_pending_suggestions_outside_the_codings(project: Any) -> None:
    _coded(project)
    got = project.suggest(CODE, top=8)
    assert len(got) == 8
    assert [g.score for g in got] == sorted((g.score for g in got), reverse=True)
    with project.store.read() as s:
        rows = list(s.scalars(select(Suggestion)))
        n_codings = len(list(s.scalars(select(Coding))))
    assert {str(r.id) for r in rows} == {g.id for g in got}
    assert all(r.status == "pending" and r.method == "bm25" and r.unit == "sentence" for r in rows)
    assert n_codings == len(SEEDS)  # suggestions are not codings
    for g in got:
        assert g.terms, "each candidate says which terms matched"
        doc = project.show(g.document_id)
        assert g.text == doc.text[g.start : g.end]
        for seed_doc, quote in SEEDS:
            assert not (g.document == seed_doc and quote in g.text)  # coded ones left out


def test_interviewer_speech_is_left_out_unless_asked(project: Any) -> None:
    _coded(project)
    idx = index_mod.get_index(project.store, "sentence")
    iv_spans = {
        (idx.doc_ids[idx.u_doc[u]], int(idx.u_start[u]))
        for u in range(idx.n_units)
        if idx.u_interviewer[u]
    }
    plain = project.suggest(CODE, top=30)
    assert not any((g.document_id, g.start) in iv_spans for g in plain)


def test_accept_makes_a_coding_with_origin_suggestion_by_the_acceptor(
    project: Any, demo_path: Any
) -> None:
    _coded(project)
    first = project.suggest(CODE, top=3)[0]
    other = qda.open_project(demo_path, coder="ben")
    try:
        done = other.accept_suggestions([first.id[:8]])
    finally:
        other.close()
    assert done[0].status == "accepted" and done[0].reviewed_by == "ben"
    row = _row(project, first.id)
    assert row.status == "accepted" and row.reviewed_at is not None and row.coding_id
    with project.store.read() as s:
        coding = s.get(Coding, row.coding_id)
        assert coding is not None
        coder = s.get(Coder, coding.coder_id)
        events = [e.action for e in s.scalars(select(Event).where(Event.entity_id == row.id))]
    assert coding.origin == "suggestion"
    assert coder is not None and coder.name == "ben"
    assert (str(coding.document_id), coding.start, coding.end) == (
        first.document_id,
        first.start,
        first.end,
    )
    assert coding.quote == first.text
    assert "accept suggestion" in events
    # accepting again changes nothing
    project.accept_suggestions([first.id])
    with project.store.read() as s:
        assert len(list(s.scalars(select(Coding).where(Coding.origin == "suggestion")))) == 1
    # the accepted passage is now coded: it is not offered again
    assert first.id not in {g.id for g in project.suggest(CODE, top=20)}


def test_undo_reverts_an_accept_and_the_passage_can_come_back(project: Any) -> None:
    _coded(project)
    first = project.suggest(CODE, top=3)[0]
    project.accept_suggestions([first.id])
    assert project.undo() is not None
    row = _row(project, first.id)
    assert row.status == "pending" and row.coding_id is None
    with project.store.read() as s:
        assert not list(s.scalars(select(Coding).where(Coding.origin == "suggestion")))
    project.redo()
    assert _row(project, first.id).status == "accepted"


def test_a_rejected_candidate_never_returns(project: Any) -> None:
    _coded(project)
    got = project.suggest(CODE, top=5)
    rejected = got[:2]
    out = project.reject_suggestions([r.id for r in rejected])
    assert [o.status for o in out] == ["rejected", "rejected"]
    assert all(o.reviewed_by == "ana" for o in out)
    spans = {(r.document_id, r.start, r.end) for r in rejected}
    for top in (5, 20, 200):
        again = project.suggest(CODE, top=top)
        assert spans.isdisjoint((g.document_id, g.start, g.end) for g in again)
    for r in rejected:
        assert _row(project, r.id).status == "rejected"
    # the audit trail names the code, not its id (the home screen shows these lines)
    summaries = [e.summary for e in project.log(limit=5)]
    assert f"rejected a suggestion for {CODE!r}" in summaries
    accepted = project.suggest(CODE, top=1)[0]
    project.accept_suggestions([accepted.id])
    with pytest.raises(InvalidInputError, match="accepted"):
        project.reject_suggestions([accepted.id])


def test_near_duplicates_of_a_rejected_candidate_are_left_out(
    empty_project: Any, tmp_path: Any
) -> None:
    p = empty_project
    path = tmp_path / "X01.txt"
    path.write_text(
        "Interviewer: And then?\n\n"
        "X01: The nurse never listened to me at all. The nurse never listened to me at all!\n\n"
        "Interviewer: Go on.\n\n"
        "X01: Later the doctor listened and wrote it down.\n"
    )
    p.import_paths([path])
    p.add_code("listened", definition="listened")
    got = p.suggest("listened", top=5)
    texts = [g.text for g in got]
    assert sum("nurse never listened" in t for t in texts) == 1  # collapsed
    dup = next(g for g in got if "nurse" in g.text)
    assert dup.duplicates == 1
    p.reject_suggestions([dup.id])
    again = [g.text for g in p.suggest("listened", top=5)]
    assert not any("nurse never listened" in t for t in again)
    assert any("doctor listened" in t for t in again)


def test_rocchio_learns_from_accepted_and_rejected(project: Any) -> None:
    _coded(project)
    idx = index_mod.get_index(project.store, "sentence")
    lem = lemmatizer()

    def ids(text: str) -> set[int]:
        return {idx.term_ids[w] for w in lem.lemmas(text) if w in idx.term_ids}

    seed_terms = set().union(*(ids(q) for _d, q in SEEDS))
    with project.store.read() as s:
        code_id = resolve_code(s, CODE).id
        before = ranking.build_query(idx, ranking.load_feedback(s, code_id))
    got = project.suggest(CODE, top=20)
    good = next(g for g in got if ids(g.text) - seed_terms)
    bad = next(g for g in got if g is not good and ids(g.text) - ids(good.text) - seed_terms)
    project.accept_suggestions([good.id])
    project.reject_suggestions([bad.id])
    with project.store.read() as s:
        after = ranking.build_query(idx, ranking.load_feedback(s, code_id))
    for t in ids(good.text) - ids(bad.text) - seed_terms:
        assert after.get(t, 0.0) > before.get(t, 0.0), idx.vocab[t]
    for t in ids(bad.text) - ids(good.text) - seed_terms:
        assert after.get(t, 0.0) < before.get(t, 0.0), idx.vocab[t]
    # and the rejected passage's wording now pulls candidates down
    assert any(after.get(t, 0.0) < 0 for t in ids(bad.text) - seed_terms)


def test_unknown_ids_and_codes_are_one_line_errors(project: Any) -> None:
    _coded(project)
    with pytest.raises(NotFoundError):
        project.accept_suggestions(["deadbeefdeadbeef"])
    with pytest.raises(NotFoundError):
        project.suggest("no such code")
    with pytest.raises(InvalidInputError):
        project.reject_suggestions([])
    with pytest.raises(InvalidInputError):
        project.suggest(CODE, top=0)


def test_a_code_without_segments_ranks_against_its_own_words(project: Any) -> None:
    project.add_code(
        "sleeping badly", definition="Waking at night; lying awake with pain.", example=""
    )
    got = project.suggest("sleeping badly", top=10)
    assert got
    assert sum(bool({"sleep", "night", "wake", "awake"} & set(g.terms)) for g in got) >= 8
