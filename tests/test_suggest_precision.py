"""Issue 5's evaluation: code five segments about feeling listened to, rank the sample
project's sentences, and count how many of the top 10 a person would code the same way.

The answer key (tests/data/listened_answer_key.json) was written by hand, by reading
all 14 transcripts, and committed before the ranker was run on it.  Its "yes" items
are sentences that on their own say the participant was (or was not) listened to,
heard, believed or taken seriously; "borderline" items are related (having a say,
being treated as a person, being remembered).  Precision is reported both ways, and
with ties at the cut-off counted as their expected share (McSherry & Najork 2008).

Measured with the ranker as it now is (the figures for each step are in the lead's
closing notes), strict/lenient precision@10 on eight keys, each written by hand and
committed before the ranker was run on it:

    key (commit)                                   strict  lenient
    feeling listened to (ad5ef96, the issue's)      6/10    7/10
    passed from pillar to post (37fd41a)            9/10    9/10
    understood but no difference (7862d38)          5/10   10/10
    managing day to day (6692643)                   5/10    8/10
    fear of movement causing harm (462eb67)         4/10    5/10
    pain and working life (f8073d8)                 7/10    8/10
    living with painkillers (4e8a81a)               3/10    5/10
    family and those close (df245ea)                0/10    3/10

The issue's target of 7/10 is not reached on its own key, so that target is an xfail
here; the passing tests hold each key at its measured floor.  The question-context step
(ranking.QUESTION_WEIGHT) was chosen on the first four keys (mean 5.25 -> 6.25 strict)
under a rule fixed before the next two were first used (there: 4 and 7, against 4 and 5
without it); the last two were written after the ranker was frozen (3 and 0, against 0
and 2).  The misses are sentences that share a code's everyday or definition words
(back, day, understand, help) with no shared sense, and senses of a word the lemma cannot
tell apart; the family code is said almost entirely through names and particular
people, which no lexical match can generalise from five examples.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

import qda
from qda.suggest import queue, ranking

KEY = Path(__file__).parent / "data" / "listened_answer_key.json"
#: A second code's key, written by hand (committed in 37fd41a) before the ranker ever
#: ran on it, after the listened key had been used to develop the ranker: the held-out
#: check that changes made while looking at the first key's misses generalise.
HELD_OUT = Path(__file__).parent / "data" / "pillar_answer_key.json"
#: A third code's key, written by hand (committed in 7862d38) after the ranker was
#: final and before it was run on it: a pure test (nothing was changed after it).
THIRD = Path(__file__).parent / "data" / "understood_answer_key.json"
#: A fourth (committed in 6692643), also written after the ranker was final: a broad
#: code of everyday actions, said in many different words.
FOURTH = Path(__file__).parent / "data" / "managing_answer_key.json"
#: Two more (committed in 462eb67 and f8073d8), written by hand by people blind to the
#: ranker, after the first four had been used to choose the question-context step.
FIFTH = Path(__file__).parent / "data" / "fear_answer_key.json"
SIXTH = Path(__file__).parent / "data" / "work_answer_key.json"
#: And two written after the ranker was frozen (4e8a81a, df245ea): a pure test.
SEVENTH = Path(__file__).parent / "data" / "medication_answer_key.json"
EIGHTH = Path(__file__).parent / "data" / "family_answer_key.json"


def _key(path: Path = KEY) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _setup(
    project: Any, *, definition: bool = True, key_path: Path = KEY
) -> tuple[str, list[tuple[str, int, int, str]]]:
    key = _key(key_path)
    name = key["code"]["name"]
    project.add_code(name, definition=key["code"]["definition"] if definition else "")
    for seed in key["seeds"]:
        project.apply(name, seed["document"], quote=seed["sentence"])
    texts = {d.name: project.show(d.id).text for d in project.documents()}
    spans = []
    for item in key["items"]:
        text = texts[item["document"]]
        at = text.find(item["sentence"])
        assert at >= 0, item  # the key quotes the transcripts exactly
        spans.append((item["document"], at, at + len(item["sentence"]), item["level"]))
    return name, spans


def _level(spans: list[tuple[str, int, int, str]], doc: str, start: int, end: int) -> str | None:
    """The key's level for a candidate: it must overlap a key sentence by at least half
    of the shorter of the two (sentence splitting may differ a little)."""
    best = None
    for d, a, b, lv in spans:
        if d == doc and min(end, b) - max(start, a) >= max(1, 0.5 * min(end - start, b - a)):
            if lv == "yes":
                return "yes"
            best = lv
    return best


def precision(
    project: Any, *, definition: bool = True, k: int = 10, key_path: Path = KEY
) -> dict[str, float]:
    name, spans = _setup(project, definition=definition, key_path=key_path)
    _code_id, cands = queue.rank_code(project.store, name, top=5 * k)
    assert len(cands) >= k
    top = cands[:k]
    cut = top[-1].score
    above = [c for c in cands if c.score > cut]
    tied = [c for c in cands if c.score == cut]
    slots = k - len(above)
    out: dict[str, float] = {}
    for label, ok in (("strict", {"yes"}), ("lenient", {"yes", "borderline"})):

        def hit(c: Any, ok: set[str] = ok) -> bool:
            return _level(spans, c.document, c.start, c.end) in ok

        out[label] = sum(hit(c) for c in top) / k
        out[label + "_expected"] = (
            sum(hit(c) for c in above) + slots * sum(hit(c) for c in tied) / len(tied)
        ) / k
    return out


def test_answer_key_is_as_committed() -> None:
    key = _key()
    assert len(key["seeds"]) == 5
    assert sum(i["level"] == "yes" for i in key["items"]) == 78
    assert len(key["items"]) == 217


def test_precision_at_10_with_five_coded_segments(project: Any) -> None:
    got = precision(project)
    print("precision@10:", got)
    assert got["strict"] >= 0.6
    assert got["strict_expected"] >= 0.6
    assert got["lenient"] >= 0.7


@pytest.mark.xfail(reason="issue 5 target (7 of 10) not reached: measured 6/10", strict=True)
def test_issue_target_seven_of_ten(project: Any) -> None:
    assert precision(project)["strict_expected"] >= 0.7


#: each added key: its SHA-256 as committed, and its strict and lenient floors
KEYS = {
    HELD_OUT: ("c86590c6f528f770935fc5020e89abfe84a74313a35920920cb9f8e68b6e956d", 0.9, 0.9),
    THIRD: ("20b5a9e19544909506358a0ab667e79b88d0d6caab22525ca6d88ac1dc1c7ce1", 0.5, 1.0),
    FOURTH: ("1336cf78963e25607e680c67bd2cf866a548047dc8431782eb47ab5852822720", 0.5, 0.8),
    FIFTH: ("da4251c3a2b6cefd5081c70efdbf7c2b2223e21b6851cf6cc86827960ea0a7f4", 0.4, 0.5),
    SIXTH: ("211f1011e9845bc22fc513469959539ff1e5892b3727716c0b0bf095d1a30324", 0.7, 0.8),
    SEVENTH: ("d1d023ac571e3f2d8b9a57ef553f82b158b29de7b486237f49ab5c9a2f980db3", 0.3, 0.5),
    # strict 0/10 here, so only the lenient floor can guard it
    EIGHTH: ("67e2b68a13e53bdeb0b3105b3d6334268cbcf8ad387e17199f6a0839302e0e09", 0.0, 0.3),
}


@pytest.mark.parametrize("key_path", list(KEYS), ids=lambda p: p.stem.split("_")[0])
def test_added_keys_precision_at_10(project: Any, key_path: Path) -> None:
    digest, strict, lenient = KEYS[key_path]
    assert hashlib.sha256(key_path.read_bytes()).hexdigest() == digest
    got = precision(project, key_path=key_path)
    print(key_path.stem, "precision@10:", got)
    if strict:
        assert got["strict"] >= strict - 1e-9 and got["strict_expected"] >= strict - 1e-9
    assert got["lenient"] >= lenient - 1e-9


def test_question_context_step_helps_on_the_eight_keys(_demo_master: Path, tmp_path: Path) -> None:
    """The step earns its place: without it the eight keys score fewer hits in all."""

    def strict(key_path: Path, n: int) -> float:
        dst = tmp_path / f"p{n}.qda"
        shutil.copyfile(_demo_master, dst)
        p = qda.open_project(dst, coder="ana")
        try:
            return precision(p, key_path=key_path)["strict"]
        finally:
            p.close()

    keys = [KEY, *KEYS]
    with_step = sum(strict(k, i) for i, k in enumerate(keys))
    old = ranking.QUESTION_WEIGHT
    ranking.QUESTION_WEIGHT = 0.0
    try:
        without = sum(strict(k, 10 + i) for i, k in enumerate(keys))
    finally:
        ranking.QUESTION_WEIGHT = old
    print(f"hits in the eight top 10s: {with_step * 10:.0f} with the step, {without * 10:.0f} not")
    assert round(with_step * 10) >= 39 and round(without * 10) < round(with_step * 10)


def test_context_reorders_matching_sentences_only() -> None:
    # units 0-2 are one turn, 3-4 another; unit 1 matches nothing itself.
    idx = SimpleNamespace(
        unit="sentence",
        u_group=np.array([0, 0, 0, 1, 1], dtype=np.int32),
        u_doc=np.zeros(5, dtype=np.int32),
        u_interviewer=np.zeros(5, dtype=bool),  # no questions: only the turn context
    )
    scores = np.array([1.0, 0.0, 3.0, 2.0, 0.0], dtype=np.float32)
    out = ranking.with_context(idx, scores)  # type: ignore[arg-type]
    w = ranking.CONTEXT_WEIGHT
    assert out[1] == 0.0 and out[4] == 0.0  # context never makes a candidate
    assert out[0] == pytest.approx(1.0 + w * (0.0 + 3.0) / 2)  # neighbours 1 and 2
    assert out[2] == pytest.approx(3.0 + w * (1.0 + 0.0) / 2)
    assert out[3] == pytest.approx(2.0)  # its only neighbour (4) scores 0; turn 0 is not context
    turns = SimpleNamespace(unit="turn", u_group=idx.u_group)
    assert ranking.with_context(turns, scores) is scores  # type: ignore[arg-type]


def test_question_context_comes_from_the_interviewer_turn_just_before() -> None:
    # document 0: a question (units 0-1), its answer (2-3), a second participant turn
    # (4) that follows no question; document 1: an answer (5) whose unit before it is
    # document 0's last, which is no context; an interviewer sentence (6).
    idx = SimpleNamespace(
        unit="sentence",
        u_group=np.array([0, 0, 1, 1, 2, 3, 4], dtype=np.int32),
        u_doc=np.array([0, 0, 0, 0, 0, 1, 1], dtype=np.int32),
        u_interviewer=np.array([1, 1, 0, 0, 0, 0, 1], dtype=bool),
    )
    scores = np.array([2.0, 4.0, 1.0, 0.0, 1.0, 1.0, 5.0], dtype=np.float32)
    q = ranking._question_scores(idx, scores)  # type: ignore[arg-type]
    assert q.tolist() == [0.0, 0.0, 3.0, 3.0, 0.0, 0.0, 0.0]
    old = ranking.CONTEXT_WEIGHT
    ranking.CONTEXT_WEIGHT = 0.0
    try:
        out = ranking.with_context(idx, scores)  # type: ignore[arg-type]
    finally:
        ranking.CONTEXT_WEIGHT = old
    w = ranking.QUESTION_WEIGHT
    assert out[2] == pytest.approx(1.0 + w * 3.0)
    assert out[3] == 0.0  # a question never makes a candidate of a sentence
    assert out[4] == pytest.approx(1.0) and out[5] == pytest.approx(1.0)


def test_precision_without_a_definition_is_reported(project: Any) -> None:
    # With only the name and five segments the seeds' own words lead: 2/10 here (4/10
    # without the question-context step, which over the six keys without definitions
    # still helps: 27 hits against 22).
    got = precision(project, definition=False)
    print("precision@10 without a definition:", got)
    assert got["strict"] >= 0.2
