"""The suggestion index: interview stop words, lemmas, units, BM25, the sidecar cache."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import func, select

from qda.db.models import Sentence, Turn
from qda.errors import InvalidInputError
from qda.suggest import index as index_mod
from qda.suggest.text import lemmatizer, stop_words


def test_interview_stop_words_drop_fillers_and_keep_body_words() -> None:
    lem = lemmatizer()
    got = lem.lemmas(
        "Um, you know, I sort of, like, er, yeah — my back and my side went down, "
        "it came off, I mean she was kind of lovely, and she was kind."
    )
    for filler in ("um", "know", "like", "er", "yeah", "mean", "sort"):
        assert filler not in got
    for kept in ("back", "side", "down", "off", "kind", "lovely"):
        assert kept in got
    assert got.count("kind") == 1  # "kind of" is a hedge, "she was kind" a word
    assert {"back", "side", "down", "up", "off"}.isdisjoint(stop_words())


def test_lemmas_are_lower_cased_lookup_lemmas() -> None:
    lem = lemmatizer()
    assert lem.lemmas("She LISTENED; they Believed me; doctors weren't listening") == [
        "listen",
        "believe",
        "doctor",
        "listen",
    ]
    # offsets point into the original text
    text = "Nobody LISTENED to me."
    toks = list(lem.tokens(text))
    assert [(text[a:b], lemma) for a, b, lemma in toks] == [("LISTENED", "listen")]


def test_index_covers_every_sentence_and_turn(project: Any) -> None:
    idx = index_mod.get_index(project.store, "sentence")
    turns = index_mod.get_index(project.store, "turn")
    with project.store.read() as s:
        n_sent = s.scalar(select(func.count()).select_from(Sentence))
        n_turn = s.scalar(select(func.count()).select_from(Turn))
        n_iv = s.scalar(select(func.count()).select_from(Turn).where(Turn.is_interviewer))
    assert idx.n_units == n_sent
    assert turns.n_units == n_turn
    assert int(turns.u_interviewer.sum()) == n_iv
    # every sentence belongs to a turn of the same document
    assert np.all(turns.u_doc[idx.u_group] == idx.u_doc)
    # postings and forward index agree
    t = idx.term_ids["listen"]
    units = idx.p_unit[idx.p_ptr[t] : idx.p_ptr[t + 1]]
    assert len(units) == idx.df[t] > 0
    for u in units.tolist():
        assert t in idx.unit_terms(u)
        text = project.show(idx.doc_ids[idx.u_doc[u]]).text[idx.u_start[u] : idx.u_end[u]]
        assert "listen" in text.lower()


def test_bm25_scores_only_units_with_the_terms(project: Any) -> None:
    idx = index_mod.get_index(project.store, "sentence")
    t = idx.term_ids["believe"]
    scores = idx.score({t: 1.0})
    hit = set(np.flatnonzero(scores > 0).tolist())
    assert hit == set(idx.p_unit[idx.p_ptr[t] : idx.p_ptr[t + 1]].tolist())
    negative = idx.score({t: -1.0})
    assert np.allclose(negative, -scores)


def test_sidecar_is_private_reused_and_rebuilt_when_the_project_changes(
    project: Any, samples: Path, tmp_path: Path
) -> None:
    index_mod.forget()
    idx = index_mod.get_index(project.store, "sentence")
    side = index_mod.sidecar_path(project.target, "sentence")
    assert side is not None and side.exists()
    assert side.stat().st_mode & 0o777 == 0o600
    index_mod.forget()
    again = index_mod.get_index(project.store, "sentence")
    assert again is not idx and again.key == idx.key
    assert np.array_equal(again.p_unit, idx.p_unit) and again.vocab == idx.vocab

    extra = tmp_path / "Z99.txt"
    extra.write_text("Interviewer: Hello?\n\nZ99: Nobody ever listened to a word I said.\n")
    project.import_paths([extra])
    index_mod.forget()
    fresh = index_mod.get_index(project.store, "sentence")
    assert fresh.key != idx.key
    assert fresh.n_units > idx.n_units


def test_a_damaged_sidecar_is_rebuilt(project: Any) -> None:
    index_mod.forget()
    first = index_mod.get_index(project.store, "sentence")
    side = index_mod.sidecar_path(project.target, "sentence")
    assert side is not None
    side.write_bytes(b"not an npz at all")
    os.chmod(side, 0o600)
    index_mod.forget()
    idx = index_mod.get_index(project.store, "sentence")
    assert idx.n_units == first.n_units
    assert index_mod.UnitIndex.load(side, idx.key, "sentence") is not None  # saved again


def test_unknown_unit_is_a_user_error(project: Any) -> None:
    with pytest.raises(InvalidInputError):
        index_mod.get_index(project.store, "paragraph")


def test_segments_from_the_index_equal_segments_tokenized(project: Any) -> None:
    from qda.suggest import ranking

    idx = index_mod.get_index(project.store, "sentence")
    doc = project.show("P03")
    sents = [s for s in doc.sentences if s.turn is not None][:40]
    segments = [(doc.id, s.start, s.end, s.text) for s in sents[::3]]
    two = sents[5:7]  # two whole sentences together
    segments.append((doc.id, two[0].start, two[1].end, doc.text[two[0].start : two[1].end]))
    part = sents[10]  # part of a sentence: not whole units, tokenized instead
    segments.append((doc.id, part.start + 2, part.end, doc.text[part.start + 2 : part.end]))
    fast = ranking._segments_centroid(idx, segments)
    slow = ranking._centroid([ranking._vector(idx, s[3]) for s in segments])
    assert set(fast) == set(slow)
    for t, w in slow.items():
        assert fast[t] == pytest.approx(w)
