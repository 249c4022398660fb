"""Key terms (log-odds with an informative Dirichlet prior), autocoding rules, in-vivo
candidates, and the trained-pipeline setting."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from qda.db.models import Coding, Suggestion, SuggestionRule
from qda.errors import InvalidInputError, QdaError
from qda.nlp import pipeline
from qda.suggest import invivo
from qda.suggest.keyterms import log_odds

KEY = Path(__file__).parent / "data" / "listened_answer_key.json"


def test_log_odds_matches_monroe_et_al_by_hand() -> None:
    group = {"a": 10, "b": 2}
    rest = {"a": 20, "b": 80}
    bg = {"a": 30.0, "b": 82.0}
    got = log_odds(group, rest, bg, prior_strength=10.0)
    n_a, n_b, a0 = 12.0, 100.0, 10.0
    a_w = a0 * 30 / 112
    delta = math.log((10 + a_w) / (n_a + a0 - 10 - a_w)) - math.log(
        (20 + a_w) / (n_b + a0 - 20 - a_w)
    )
    z = delta / math.sqrt(1 / (10 + a_w) + 1 / (20 + a_w))
    assert got["a"].delta == pytest.approx(delta)
    assert got["a"].z == pytest.approx(z)
    assert got["a"].z > 0 > got["b"].z
    # the prior shrinks: one mention is weaker evidence than ten at the same rate
    few = log_odds({"w": 1}, {"w": 10}, {"w": 11.0}, n_group=10, n_rest=100)["w"]
    many = log_odds({"w": 10}, {"w": 100}, {"w": 110.0}, n_group=100, n_rest=1000)["w"]
    assert abs(few.z) < abs(many.z) or (few.z == pytest.approx(0) and many.z == pytest.approx(0))


def test_keyterms_of_a_coded_code(project: Any) -> None:
    key = json.loads(KEY.read_text(encoding="utf-8"))
    project.add_code("heard")
    for item in key["items"]:
        if item["level"] == "yes":
            project.apply("heard", item["document"], quote=item["sentence"])
    terms = project.keyterms("heard", top=10)
    words = [t.term for t in terms]
    assert {"listen", "believe"} <= set(words)
    assert all(t.id == t.term and t.count >= 1 and t.segments >= 1 for t in terms)
    assert [t.z for t in terms] == sorted((t.z for t in terms), reverse=True)
    assert not {"um", "like", "know", "yeah"} & set(words)


def _codings(project: Any) -> int:
    with project.store.read() as s:
        return len(list(s.scalars(select(Coding))))


def test_autocode_hits_go_to_the_review_queue_never_to_codings(project: Any) -> None:
    project.add_code("believed")
    before = _codings(project)
    hits = project.autocode("believed", terms=["believe", "take seriously, in my head"])
    assert hits and _codings(project) == before
    texts = [h.text.lower() for h in hits]
    assert all(("believ" in t) or ("in my head" in t) for t in texts)
    assert any("believed me" in t for t in texts)  # lemma matching: "believed" for "believe"
    assert all(h.status == "pending" and h.method == "rule" for h in hits)
    with project.store.read() as s:
        rules = list(s.scalars(select(SuggestionRule)))
        stored = list(s.scalars(select(Suggestion).where(Suggestion.method == "rule")))
    assert len(rules) == 1 and json.loads(rules[0].terms) == [
        "believe",
        "take seriously",
        "in my head",
    ]
    assert {str(r.id) for r in stored} == {h.id for h in hits}
    # rejected hits never come back; the saved rule runs again without --terms
    project.reject_suggestions([hits[0].id])
    again = project.autocode("believed")
    assert hits[0].id not in {h.id for h in again}
    assert {(h.document_id, h.start) for h in again} == {(h.document_id, h.start) for h in hits[1:]}


def test_only_together_with(project: Any) -> None:
    project.add_code("listening")
    plain = project.autocode("listening", terms=["listen"], save=False)
    together = project.autocode("listening", terms=["listen"], with_terms=["she"], save=False)
    assert together and len(together) < len(plain)
    for h in together:
        assert "listen" in h.terms and "with she" in h.terms
        assert " she " in f" {h.text.lower()} " or "she'" in h.text.lower()
    with project.store.read() as s:
        assert not list(s.scalars(select(SuggestionRule)))  # save=False


def test_matcher_patterns_and_bad_patterns(project: Any) -> None:
    project.add_code("taken seriously")
    hits = project.autocode(
        "taken seriously",
        patterns=['[{"LEMMA": "take"}, {"OP": "?"}, {"OP": "?"}, {"LOWER": "seriously"}]'],
    )
    assert hits and all("seriously" in h.text.lower() for h in hits)
    assert any("taking it seriously" in h.text for h in hits)
    with pytest.raises(InvalidInputError):
        project.autocode("taken seriously", patterns=['[{"NOPE": 1}]'])
    with pytest.raises(InvalidInputError):
        project.autocode("taken seriously", patterns=["{not json"])  # type: ignore[list-item]
    with pytest.raises(InvalidInputError):
        project.autocode("taken seriously", with_terms=["she"])


def test_invivo_candidates_for_a_selection(project: Any) -> None:
    doc = project.show("P02")
    at = doc.text.index("Like a parcel")
    end = doc.text.index("Nobody actually opens the box.") + len("Nobody actually opens the box.")
    got = project.invivo_candidates("P02", start=at, end=end, top=10)
    assert got
    for c in got:
        assert at <= c.start < c.end <= end
        assert doc.text[c.start : c.end] == c.phrase
        assert c.method == "n-gram"
        assert "Interviewer" not in c.phrase
    phrases = {c.phrase.lower() for c in got}
    assert any("parcel" in p for p in phrases)
    assert not any(p in {"you know", "like", "um"} for p in phrases)


def test_invivo_phrases_stop_at_punctuation_and_hesitations(
    empty_project: Any, tmp_path: Any
) -> None:
    for name, body in (
        ("P01", "P01: I saw Keith for, ooh, thirty years. The big tables, the fold-out ones. "
                "Keith for um thirty years. She said \"day\" and off we went. Big tables again."),
        ("P02", "P02: Something else entirely about gardens and weather."),
    ):  # fmt: skip
        (tmp_path / f"{name}.txt").write_text(body, encoding="utf-8")
    empty_project.import_paths([tmp_path / "P01.txt", tmp_path / "P02.txt"])
    got = empty_project.invivo_candidates("P01", top=40)
    phrases = [c.phrase for c in got]
    assert "big tables" in {p.lower() for p in phrases}
    assert "fold-out" in {p.lower() for p in phrases} or "fold" in {p.lower() for p in phrases}
    for p in phrases:
        assert not any(ch in p for ch in ',"“”.'), p
        assert not ({"ooh", "um"} & set(p.lower().split())), p


def test_invivo_candidates_for_a_whole_transcript_skip_the_interviewer(project: Any) -> None:
    doc = project.show("P13")
    got = project.invivo_candidates("P13", top=30)
    assert len(got) == 30
    iv = [(t.start, t.end) for t in doc.turns if t.is_interviewer]
    for c in got:
        for a, _b in c.occurrences:
            assert not any(s <= a < e for s, e in iv)
    assert [c.score for c in got] == sorted((c.score for c in got), reverse=True)
    with pytest.raises(InvalidInputError):
        project.invivo_candidates("P13", start=5)


def test_noun_chunks_are_used_when_a_parser_is_present(
    project: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import spacy
    from spacy.tokens import Doc

    vocab = spacy.blank("en").vocab

    class FakeParsed:
        pipe_names = ("parser",)

        def pipe(self, texts: Any) -> Any:
            for text in texts:
                words = text.split(" ")
                spaces = [True] * (len(words) - 1) + [False]
                pos = ["NOUN" if w.strip(".,").lower() in {"parcel", "box", "depot"} else "X"
                       for w in words]  # fmt: skip
                yield Doc(vocab, words=words, spaces=spaces, pos=pos,
                          deps=["nsubj" if p == "NOUN" else "dep" for p in pos],
                          heads=[0] * len(words))  # fmt: skip

    monkeypatch.setattr(invivo, "get_pipeline", lambda **_kw: FakeParsed())
    monkeypatch.setattr(invivo, "configured_model", lambda: "fake")
    doc = project.show("P02")
    at = doc.text.index("Nobody actually opens the box")
    got = project.invivo_candidates("P02", start=at, end=at + 29)
    assert got and got[0].method == "noun-chunk"
    assert {c.phrase.lower() for c in got} == {"box"}


def test_configured_spacy_model_is_used_and_never_downloaded(
    project: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pipeline._trained_pipeline.cache_clear()
    monkeypatch.setenv("QDA_SPACY_MODEL", "no_such_pipeline_xyz")
    assert pipeline.configured_model() == "no_such_pipeline_xyz"
    with pytest.raises(QdaError, match="not installed"):
        project.invivo_candidates("P01", top=3)
    monkeypatch.delenv("QDA_SPACY_MODEL")
    cfg = Path(str(tmp_path / "config.toml"))
    cfg.write_text('spacy_model = "from_config_xyz"\n')
    monkeypatch.setenv("QDA_CONFIG", str(cfg))
    assert pipeline.configured_model() == "from_config_xyz"
    cfg.write_text("")
    assert pipeline.configured_model() is None
    assert project.invivo_candidates("P01", top=3)[0].method == "n-gram"
