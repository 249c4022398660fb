"""Agreement and disagreements from a project, against a brute-force unit-by-unit
computation; settling disagreements; the CLI."""

# ruff: noqa: F811  (pytest fixtures imported from tests.team_support)

from __future__ import annotations

import json
import random
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select

import qda
from qda.common import get_or_create_coder
from qda.db.models import Code, Coder, Coding, Document, Sentence, Turn
from qda.db.types import utcnow
from qda.errors import AmbiguousError, InvalidInputError, QdaError
from qda.team.fixtures import TeamFixture
from tests.team_support import count, dump, team, team_master  # noqa: F401  (fixtures)
from tests.test_team_stats import naive_alpha, naive_cohen, naive_fleiss, naive_percent

CODERS = ("c1", "c2", "c3")
CODES = ("alpha", "beta", "gamma", "delta")


@pytest.fixture(scope="module")
def random_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four small transcripts coded at random (overlapping, unaligned spans) by three
    coders; c3 never codes the last document (missing data)."""
    where = tmp_path_factory.mktemp("agree")
    rng = random.Random(5)
    words = ["pain", "trust", "physio", "exercises", "sleep", "work", "walking", "tablets"]
    (where / "in").mkdir()
    for i in range(4):
        turns = []
        for t in range(rng.randint(4, 8)):
            sents = [
                " ".join(rng.choice(words) for _ in range(rng.randint(3, 9))).capitalize() + "."
                for _ in range(rng.randint(1, 4))
            ]
            turns.append(("Interviewer: " if t % 2 == 0 else f"R{i}: ") + " ".join(sents))
        (where / "in" / f"R{i}.txt").write_text("\n\n".join(turns) + "\n")
    path = where / "random.qda"
    p = qda.init_project(path, coder="c1")
    try:
        p.import_paths([where / "in"])
        with p.store.write() as s:
            coder_ids = [get_or_create_coder(s, c).id for c in CODERS]
            code_ids = [uuid.uuid4() for _ in CODES]
            s.execute(
                insert(Code),
                [dict(id=cid, name=n, kind="code", parent_id=None, definition="", inclusion="",
                      exclusion="", example="", color=None, is_core=False, origin="manual",
                      retired=False, position=0, created_at=utcnow(), created_by=coder_ids[0],
                      updated_at=utcnow()) for cid, n in zip(code_ids, CODES, strict=True)],
            )  # fmt: skip
            docs = s.execute(select(Document.id, Document.text).order_by(Document.name)).all()
            rows = []
            for di, (did, text) in enumerate(docs):
                for ci, coder in enumerate(coder_ids):
                    if ci == 2 and di == len(docs) - 1:
                        continue
                    for _ in range(rng.randint(3, 12)):
                        start = rng.randrange(len(text) - 5)
                        end = min(len(text), start + rng.randint(1, 120))
                        rows.append(dict(id=uuid.uuid4(), code_id=rng.choice(code_ids),
                                         document_id=did, coder_id=coder, start=start, end=end,
                                         quote=text[start:end], origin="manual",
                                         created_at=utcnow()))  # fmt: skip
            s.execute(insert(Coding), rows)
    finally:
        p.close()
    return path


def _brute(path: Path, coders: tuple[str, ...], unit: str, uncoded: bool) -> dict[str, Any]:
    """Unit rows built one unit at a time, then the naive coefficients."""
    p = qda.open_project(path)
    try:
        with p.store.read() as s:
            names = dict(s.execute(select(Coder.id, Coder.name)).all())
            codes = dict(s.execute(select(Code.id, Code.name)).all())
            codings = s.execute(
                select(
                    Coding.document_id, Coding.code_id, Coding.coder_id, Coding.start, Coding.end
                )
            ).all()
            docs = s.execute(select(Document.id, Document.text)).all()
            units_of: dict[Any, list[tuple[int, int]]] = {}
            for did, text in docs:
                if unit == "character":
                    units_of[did] = [(i, i + 1) for i in range(len(text))]
                else:
                    model = Sentence if unit == "sentence" else Turn
                    units_of[did] = [
                        (a, b)
                        for a, b in s.execute(
                            select(model.start, model.end).where(model.document_id == did)
                        )
                    ]
    finally:
        p.close()
    by_name = {n: cid for cid, n in names.items()}
    chosen = [by_name[c] for c in coders]
    per_code: dict[str, list[list[int | None]]] = {n: [] for n in codes.values()}
    for did, _ in docs:
        mine = [k for k in codings if k.document_id == did and k.coder_id in chosen]
        rated = {k.coder_id for k in mine}
        for us, ue in units_of[did]:
            if not uncoded and not any(k.start < ue and k.end > us for k in mine):
                continue
            for cid, cname in codes.items():
                row: list[int | None] = []
                for coder in chosen:
                    if coder not in rated:
                        row.append(None)
                    else:
                        hit = any(
                            k.coder_id == coder and k.code_id == cid and k.start < ue and k.end > us
                            for k in mine
                        )
                        row.append(int(hit))
                per_code[cname].append(row)
    return per_code


def _check(report: Any, brute: dict[str, list[list[int | None]]], coders: int) -> None:
    pooled: list[list[int | None]] = []
    got = {c.code: c for c in report.codes}
    assert set(got) == set(brute)
    for name, rows in brute.items():
        pooled.extend(rows)
        c = got[name]
        _compare(
            c.percent_agreement, c.fleiss_kappa, c.krippendorff_alpha, c.cohen_kappa, rows, coders
        )
    o = report.overall
    _compare(
        o["percent_agreement"], o["fleiss_kappa"], o["krippendorff_alpha"], o["cohen_kappa"],
        pooled, coders,
    )  # fmt: skip
    assert o["units"] == sum(1 for r in pooled if None not in r)
    assert o["pairable_units"] == sum(1 for r in pooled if sum(v is not None for v in r) >= 2)


def _compare(pct: Any, fleiss: Any, alpha: Any, cohen: Any, rows: Any, coders: int) -> None:
    assert pct == pytest.approx(float(naive_percent(rows)), abs=1e-9)
    assert fleiss == pytest.approx(float(naive_fleiss(rows)), abs=1e-9)
    assert alpha == pytest.approx(float(naive_alpha(rows)), abs=1e-9)
    if coders == 2:
        assert cohen == pytest.approx(float(naive_cohen(rows)), abs=1e-9)
    else:
        assert cohen is None


@pytest.mark.parametrize("unit", ["sentence", "turn", "character"])
@pytest.mark.parametrize("coders", [CODERS, ("c1", "c3")])
@pytest.mark.parametrize("uncoded", [True, False])
def test_agreement_matches_brute_force(
    random_project: Path, unit: str, coders: tuple[str, ...], uncoded: bool
) -> None:
    p = qda.open_project(random_project)
    try:
        report = p.agreement(coders=list(coders), unit=unit, uncoded=uncoded)
    finally:
        p.close()
    assert report.unit == unit and report.coders == list(coders)
    assert report.uncoded_counted is uncoded
    _check(report, _brute(random_project, coders, unit, uncoded), len(coders))


def test_character_level_leaves_uncoded_text_out_by_default(random_project: Path) -> None:
    p = qda.open_project(random_project)
    try:
        default = p.agreement(coders=["c1", "c2"], unit="character")
        counted = p.agreement(coders=["c1", "c2"], unit="character", uncoded=True)
        by_sentence = p.agreement(coders=["c1", "c2"])
    finally:
        p.close()
    assert default.uncoded_counted is False and by_sentence.uncoded_counted is True
    assert default.overall["units"] < counted.overall["units"]
    # counting the text nobody coded inflates percent agreement
    assert counted.overall["percent_agreement"] > default.overall["percent_agreement"]
    assert any("left out" in n for n in default.notes)


def test_codes_filter_and_errors(random_project: Path) -> None:
    p = qda.open_project(random_project)
    try:
        r = p.agreement(coders=["c1", "c2"], codes=["ALPHA", " beta "])
        assert [c.code for c in r.codes] == ["alpha", "beta"]
        with pytest.raises(QdaError, match="no coder"):
            p.agreement(coders=["c1", "zz"])
        with pytest.raises(InvalidInputError, match="at least two"):
            p.agreement(coders=["c1"])
        with pytest.raises(InvalidInputError, match="unknown unit"):
            p.agreement(unit="paragraph")
    finally:
        p.close()


def test_disagreements_match_brute_force(random_project: Path) -> None:
    p = qda.open_project(random_project)
    try:
        found = p.disagreements(coders=list(CODERS))
    finally:
        p.close()
    brute = _brute(random_project, CODERS, "sentence", True)
    # a unit differs when, for some code, the rated coders' values are not all equal
    n_units = len(next(iter(brute.values())))
    differing = {
        i
        for i in range(n_units)
        if any(len({v for v in rows[i] if v is not None}) > 1 for rows in brute.values())
    }
    assert len(found) == len(differing)
    for d in found[:20]:
        assert d.text and d.disputed
        for c in d.disputed:
            assert c.applied_by and c.not_by
            assert set(c.applied_by) | set(c.not_by) == set(d.coders)
            for who in c.applied_by:
                assert c.code in d.coders[who]


# -- settling --------------------------------------------------------------------


def _merged(team: TeamFixture) -> qda.Project:
    p = qda.open_project(team.ana, coder="lead")
    p.merge_projects([team.ben])
    return p


def test_settle_keep_drop_recode(team: TeamFixture) -> None:
    p = _merged(team)
    try:
        before = p.disagreements(coders=["ana", "ben"])
        events = count(team.ana, "events", "action = 'settle'")
        d = before[0]
        code = d.disputed[0]
        kept = p.settle(d.id, "keep", code=code.code, coders=["ana", "ben"])
        assert [a["coder"].lower() for a in kept.added] == [c.lower() for c in code.not_by]
        after = p.disagreements(coders=["ana", "ben"])
        assert d.id not in {x.id for x in after if code.code in [c.code for c in x.disputed]}
        # drop: the code is cut out of the unit for both coders
        d2 = next(x for x in after if len(x.disputed) == 1)
        dropped = p.settle(d2.id, "drop", coders=["ana", "ben"])
        assert dropped.removed or dropped.trimmed
        assert not dropped.added or all(a["start"] >= d2.end for a in dropped.added)
        # recode: the unit gets another code instead, for both
        d3 = next(x for x in p.disagreements(coders=["ana", "ben"]) if len(x.disputed) == 1)
        recoded = p.settle(d3.id, "recode", to="coping strategies", coders=["ana", "ben"])
        assert recoded.to == "coping strategies"
        assert {a["coder"].lower() for a in recoded.added} == {"ana", "ben"}
        remaining = {x.id for x in p.disagreements(coders=["ana", "ben"])}
        assert d3.id not in remaining or all(
            c.code != d3.disputed[0].code
            for x in p.disagreements(coders=["ana", "ben"])
            if x.id == d3.id
            for c in x.disputed
        )
        assert count(team.ana, "events", "action = 'settle'") == events + 3
        with pytest.raises(InvalidInputError, match="nothing to settle"):
            p.settle(d3.id, "keep", code="coping strategies", coders=["ana", "ben"])
        with pytest.raises(InvalidInputError, match="not a unit"):
            p.settle("nonsense", "keep")
        with pytest.raises(InvalidInputError, match="recode needs"):
            p.settle(d3.id, "recode")
    finally:
        p.close()


def test_settle_trims_a_longer_coding_at_character_level(team: TeamFixture) -> None:
    p = _merged(team)
    try:
        doc = p.show("P05")
        s0, s1 = doc.sentences[5], doc.sentences[6]
        with p.store.write() as s:
            ana = s.scalar(select(Coder.id).where(Coder.name == "ana"))
            ben = s.scalar(select(Coder.id).where(Coder.name.in_(["BEN", "ben"])))
            code = s.scalar(select(Code.id).where(Code.name == "coping strategies"))
            text = doc.text
            s.execute(insert(Coding), [
                dict(id=uuid.uuid4(), code_id=code, document_id=uuid.UUID(doc.id), coder_id=ana,
                     start=s0.start, end=s1.end, quote=text[s0.start:s1.end], origin="manual",
                     created_at=utcnow()),
                dict(id=uuid.uuid4(), code_id=code, document_id=uuid.UUID(doc.id), coder_id=ben,
                     start=s1.start, end=s1.end, quote=text[s1.start:s1.end], origin="manual",
                     created_at=utcnow()),
            ])  # fmt: skip
        units = [
            d
            for d in p.disagreements(
                coders=["ana", "ben"], unit="character", codes=["coping strategies"]
            )
            if d.document == "P05"
        ]
        assert [(u.start, u.end) for u in units] == [(s0.start, s1.start)]
        result = p.settle(units[0].id, "drop", code="coping strategies", coders=["ana", "ben"])
        assert len(result.trimmed) == 1 and result.trimmed[0]["now"] == [s1.start, s1.end]
        after = p.disagreements(
            coders=["ana", "ben"], unit="character", codes=["coping strategies"]
        )
        assert not [d for d in after if d.document == "P05"]
        with p.store.read() as s:
            spans = s.execute(
                select(Coding.start, Coding.end, Coding.quote).where(
                    Coding.code_id == code, Coding.document_id == uuid.UUID(doc.id)
                )
            ).all()
        assert sorted(spans) == [(s1.start, s1.end, text[s1.start : s1.end])] * 2
    finally:
        p.close()


def test_settle_can_be_undone(team: TeamFixture) -> None:
    p = _merged(team)
    try:
        before = dump(team.ana)["codings"]
        d = next(x for x in p.disagreements(coders=["ana", "ben"]) if len(x.disputed) == 1)
        p.settle(d.id, "recode", to="coping strategies", coders=["ana", "ben"])
        assert dump(team.ana)["codings"] != before
        assert p.undo() is not None
        assert dump(team.ana)["codings"] == before
        assert p.redo() is not None
        assert dump(team.ana)["codings"] != before
    finally:
        p.close()


def test_settle_ambiguous_without_code(team: TeamFixture) -> None:
    p = _merged(team)
    try:
        multi = next(
            (d for d in p.disagreements(coders=["ana", "ben"]) if len(d.disputed) > 1), None
        )
        if multi is None:
            pytest.skip("no unit with two disputed codes in this fixture")
        with pytest.raises(AmbiguousError, match="--code"):
            p.settle(multi.id, "keep", coders=["ana", "ben"])
    finally:
        p.close()


def test_cli_agreement_disagreements_settle(team: TeamFixture, run_qda: Any) -> None:
    assert run_qda("merge", str(team.ana), str(team.ben)).returncode == 0
    res = run_qda("agreement", str(team.ana), "--coders", "ana", "ben", "--unit", "turn", "--json")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["unit"] == "turn" and [c.lower() for c in data["coders"]] == ["ana", "ben"]
    assert all("id" in c and c["cohen_kappa"] is not None for c in data["codes"] if c["units"])
    human = run_qda("agreement", str(team.ana), "--coders", "ana", "ben", "--codes", "pain", "work")
    assert human.returncode == 0 and "overall" in human.stdout and "Cohen" in human.stdout
    lst = run_qda("disagreements", str(team.ana), "--coders", "ana", "ben", "--json")
    items = json.loads(lst.stdout)
    assert items and all(i["id"].startswith("sentence:") for i in items)
    first = items[0]
    short = first["id"].replace(first["document_id"], first["document"])  # DOC by name works too
    settled = run_qda(
        "settle", str(team.ana), short, "--keep", "--code", first["disputed"][0]["code"],
        "--coders", "ana", "ben", "--json",
    )  # fmt: skip
    assert settled.returncode == 0, settled.stderr
    assert json.loads(settled.stdout)["action"] == "keep"
    bad = run_qda("settle", str(team.ana), short, "--keep", "--drop")
    assert bad.returncode != 0 and bad.stderr.startswith("qda: error:")
    assert count(team.ana, "events", "action = 'settle'") == 1
