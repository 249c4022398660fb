"""Issue 5's evaluation: code five segments about feeling listened to, rank the sample
project's sentences, and count how many of the top 10 a person would code the same way.

The answer key (tests/data/listened_answer_key.json) was written by hand, by reading
all 14 transcripts, and committed before the ranker was run on it.  Its "yes" items
are sentences that on their own say the participant was (or was not) listened to,
heard, believed or taken seriously; "borderline" items are related (having a say,
being treated as a person, being remembered).  Precision is reported both ways, and
with ties at the cut-off counted as their expected share (McSherry & Najork 2008).

Measured (see the lead's report): on this key strict 6/10 (6.0 expected over ties),
lenient 6/10; the issue's target of 7/10 is not reached on it, so that target is an
xfail here and the passing test guards against regressions.  On the held-out key of a
second code (below), written by hand and committed before the ranker was run on it:
strict 7/10, lenient 9/10, and 6/10 and 7/10 without the sentence-context step (that
step and its weight were fixed before the held-out key was first used; each variant
was run on it once, and no weight was tried against it).  On a third key (a code only
two participants really express, 14 "yes" sentences), written after the ranker was
final: strict 5/10, lenient 9/10 (3/10 and 8/10 without the context step).  On a fourth
("managing day to day": pacing, stretches, pills, cushions, timers...), also written
after: strict 3/10, lenient 6/10 (3/10 and 5/10 without it); its misses are onset
stories that share everyday words ("one day I got up...") with the seeds.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

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
    assert got["strict_expected"] >= 0.5
    assert got["lenient"] >= 0.6


@pytest.mark.xfail(reason="issue 5 target (7 of 10) not reached: measured 6/10", strict=True)
def test_issue_target_seven_of_ten(project: Any) -> None:
    assert precision(project)["strict_expected"] >= 0.7


def test_held_out_key_is_as_committed() -> None:
    digest = hashlib.sha256(HELD_OUT.read_bytes()).hexdigest()
    assert digest == "c86590c6f528f770935fc5020e89abfe84a74313a35920920cb9f8e68b6e956d"


def test_held_out_precision_at_10(project: Any) -> None:
    got = precision(project, key_path=HELD_OUT)
    print("held-out precision@10:", got)
    assert got["strict"] >= 0.7 and got["strict_expected"] >= 0.7
    assert got["lenient"] >= 0.9


def test_third_key_precision_at_10(project: Any) -> None:
    assert hashlib.sha256(THIRD.read_bytes()).hexdigest() == (
        "20b5a9e19544909506358a0ab667e79b88d0d6caab22525ca6d88ac1dc1c7ce1"
    )
    got = precision(project, key_path=THIRD)
    print("third key precision@10:", got)
    assert got["strict"] >= 0.5 and got["strict_expected"] >= 0.5
    assert got["lenient"] >= 0.9


def test_fourth_key_precision_at_10(project: Any) -> None:
    assert hashlib.sha256(FOURTH.read_bytes()).hexdigest() == (
        "1336cf78963e25607e680c67bd2cf866a548047dc8431782eb47ab5852822720"
    )
    got = precision(project, key_path=FOURTH)
    print("fourth key precision@10:", got)
    assert got["strict"] >= 0.3 and got["lenient"] >= 0.6


def test_context_reorders_matching_sentences_only() -> None:
    # units 0-2 are one turn, 3-4 another; unit 1 matches nothing itself.
    idx = SimpleNamespace(unit="sentence", u_group=np.array([0, 0, 0, 1, 1], dtype=np.int32))
    scores = np.array([1.0, 0.0, 3.0, 2.0, 0.0], dtype=np.float32)
    out = ranking.with_context(idx, scores)  # type: ignore[arg-type]
    w = ranking.CONTEXT_WEIGHT
    assert out[1] == 0.0 and out[4] == 0.0  # context never makes a candidate
    assert out[0] == pytest.approx(1.0 + w * (0.0 + 3.0) / 2)  # neighbours 1 and 2
    assert out[2] == pytest.approx(3.0 + w * (1.0 + 0.0) / 2)
    assert out[3] == pytest.approx(2.0)  # its only neighbour (4) scores 0; turn 0 is not context
    turns = SimpleNamespace(unit="turn", u_group=idx.u_group)
    assert ranking.with_context(turns, scores) is scores  # type: ignore[arg-type]


def test_precision_without_a_definition_is_reported(project: Any) -> None:
    got = precision(project, definition=False)
    print("precision@10 without a definition:", got)
    assert got["strict"] >= 0.3
