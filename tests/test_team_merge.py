"""Merging coded projects: lossless, idempotent, independent of order, reported."""

# ruff: noqa: F811  (pytest fixtures imported from tests.team_support)

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

import qda
from qda.errors import ProjectError, QdaError
from qda.team.fixtures import TeamFixture
from tests.team_support import (  # noqa: F401  (fixtures)
    coding_ids,
    coding_keys,
    copy,
    count,
    dump,
    integrity,
    team,
    team_master,
)


def merge(project: Path, *others: Path, dry_run: bool = False, coder: str = "lead") -> object:
    p = qda.open_project(project, coder=coder)
    try:
        return p.merge_projects(list(others), dry_run=dry_run)
    finally:
        p.close()


def test_fixture_has_two_coders_with_distinct_work(team: TeamFixture) -> None:
    ana, ben = coding_keys(team.ana), coding_keys(team.ben)
    assert max(ana.values()) == 1 and max(ben.values()) == 1  # no internal duplicates
    assert len(ana) > 500 and len(ben) > 500
    coders_ana = {k[2] for k in ana}
    assert {"ana", "lead", "ben"} <= coders_ana  # "BEN" in ana's copy
    assert "ben" in {k[2] for k in ben}


def test_every_coding_of_both_present_exactly_once(team: TeamFixture) -> None:
    want = set(coding_keys(team.ana)) | set(coding_keys(team.ben))
    ids_before = coding_ids(team.ana) | coding_ids(team.ben)
    report = merge(team.ana, team.ben)
    got = coding_keys(team.ana)
    assert set(got) == want
    assert max(got.values()) == 1
    # every coding id of both copies survived, except the one exact duplicate dropped
    src = report.sources[0]  # type: ignore[attr-defined]
    assert src.duplicates == {"codings": 1}
    assert len(ids_before - coding_ids(team.ana)) == 1
    assert count(team.ana, "codings") == len(want)
    ok, fks = integrity(team.ana)
    assert ok == "ok" and fks == []


def test_merging_again_changes_nothing(team: TeamFixture) -> None:
    merge(team.ana, team.ben)
    before = dump(team.ana)
    backups = set(team.ana.parent.glob("ana.qda.*.bak"))
    report = merge(team.ana, team.ben)
    assert dump(team.ana) == before
    assert not report.changed  # type: ignore[attr-defined]
    assert report.sources[0].added == {}  # type: ignore[attr-defined]
    # a merge that changes nothing leaves no backup behind either
    assert set(team.ana.parent.glob("ana.qda.*.bak")) == backups


def test_a_coding_removed_here_is_not_brought_back(team: TeamFixture) -> None:
    merge(team.ana, team.ben)
    p = qda.open_project(team.ana, coder="lead")
    try:
        d = next(
            x
            for x in p.disagreements(coders=["ana", "ben"])
            if len(x.disputed) == 1 and [c.lower() for c in x.disputed[0].applied_by] == ["ben"]
        )
        dropped = p.settle(d.id, "drop", coders=["ana", "ben"])
        assert len(dropped.removed) == 1
    finally:
        p.close()
    before = dump(team.ana)
    report = merge(team.ana, team.ben)
    assert not report.changed  # type: ignore[attr-defined]
    assert report.sources[0].not_merged == {"codings removed in this project": 1}  # type: ignore[attr-defined]
    assert dump(team.ana) == before


def test_other_order_gives_the_same_codings(team: TeamFixture, tmp_path: Path) -> None:
    a_first = copy(team.ana, tmp_path / "a-first.qda")
    b_first = copy(team.ben, tmp_path / "b-first.qda")
    merge(a_first, team.ben)
    merge(b_first, team.ana)
    assert coding_keys(a_first) == coding_keys(b_first)
    # and from the shared base, ana then ben == ben then ana == both at once
    one = copy(team.base, tmp_path / "one.qda")
    two = copy(team.base, tmp_path / "two.qda")
    both = copy(team.base, tmp_path / "both.qda")
    merge(one, team.ana)
    merge(one, team.ben)
    merge(two, team.ben)
    merge(two, team.ana)
    merge(both, team.ana, team.ben)
    assert coding_keys(one) == coding_keys(two) == coding_keys(both) == coding_keys(a_first)
    for p in (one, two, both):
        assert count(p, "codes") == count(a_first, "codes")
        assert count(p, "memos", "title = 'Partnership as a process'") == 1


def test_dry_run_reports_and_writes_nothing(team: TeamFixture) -> None:
    before = dump(team.ana)
    report = merge(team.ana, team.ben, dry_run=True)
    assert dump(team.ana) == before
    assert report.backup is None  # type: ignore[attr-defined]
    src = report.sources[0]  # type: ignore[attr-defined]
    real = merge(team.ana, team.ben).sources[0]  # type: ignore[attr-defined]
    assert src.added == real.added and src.matched == real.matched
    assert [c["message"] for c in src.conflicts] == [c["message"] for c in real.conflicts]


def test_matching_and_conflicts_are_reported(team: TeamFixture) -> None:
    report = merge(team.ana, team.ben)
    assert report.backup and Path(report.backup).exists()  # type: ignore[attr-defined]
    src = report.sources[0]  # type: ignore[attr-defined]
    assert src.matched["documents"] == 14 and src.matched["coders"] == 3  # ana, ben, lead
    # "Coping  Strategies" matched ana's "coping strategies" by path, not added
    added = {c["code"] for c in src.added_codes}
    assert added == {
        "self-management/pacing activities",
        "connecting with health professionals/relationship with GP/trusting the GP",
    }
    by = {m["other_code"]: m["by"] for m in src.matched_codes}
    assert by["Coping  Strategies"] == "path"
    assert by["living with pain/pain"] == "id"
    near = {(n.code.rsplit("/", 1)[1], n.other_code.rsplit("/", 1)[1]) for n in src.near_duplicates}
    assert near == {("pacing activity", "pacing activities"), ("trust in GP", "trusting the GP")}
    opposites = {(o.code.rsplit("/", 1)[1], o.other_code.rsplit("/", 1)[1]) for o in src.opposites}
    assert ("distrust of GP", "trusting the GP") in opposites
    assert not any("distrust" in n.code + n.other_code for n in src.near_duplicates)
    kinds = sorted(c["kind"] for c in src.conflicts)
    assert kinds == ["attribute value", "code", "memo"]
    con = sqlite3.connect(team.ana)
    try:
        # the destination's values are kept, the other's recorded in memos
        (age,) = con.execute(
            "SELECT v.number_value FROM attribute_values v JOIN attributes a ON a.id = "
            "v.attribute_id JOIN participants p ON p.id = v.participant_id "
            "WHERE a.name = 'age' AND p.name = 'P01'"
        ).fetchone()
        assert age == 59.0
        memo = con.execute(
            "SELECT m.body FROM memos m JOIN memo_links l ON l.memo_id = m.id "
            "WHERE l.target_kind = 'participant' AND m.title LIKE 'Merge: age of P01%'"
        ).fetchone()
        assert memo and "57" in memo[0]
        (definition,) = con.execute("SELECT definition FROM codes WHERE name = 'pain'").fetchone()
        assert definition == "Pain as the participant describes it."
        (note,) = con.execute(
            "SELECT m.body FROM memos m JOIN memo_links l ON l.memo_id = m.id "
            "JOIN codes c ON c.id = l.target_id WHERE c.name = 'pain' AND m.type = 'code note'"
        ).fetchone()
        assert "Physical or emotional pain." in note
        versions = con.execute(
            "SELECT body FROM memos WHERE title LIKE 'Partnership as a process%' ORDER BY title"
        ).fetchall()
        assert [v[0] for v in versions] == [
            "Trust grows with repeated contact and continuity of carer.",
            "Trust grows when the clinician listens.",
        ]
        # coders by name, case-insensitive: one coder for "BEN" and "ben"
        names = [r[0].lower() for r in con.execute("SELECT name FROM coders")]
        assert sorted(names) == ["ana", "ben", "lead"]
        # relations, memos and events came along; the merge is an event itself
        assert con.execute("SELECT count(*) FROM relations").fetchone()[0] == 3
        assert con.execute("SELECT count(*) FROM events WHERE action = 'merge'").fetchone()[0] == 1
        ben_events = con.execute(
            "SELECT count(*) FROM events e JOIN coders c ON c.id = e.coder_id "
            "WHERE lower(c.name) = 'ben' AND e.action = 'code'"
        ).fetchone()[0]
        in_ben = count(
            team.ben,
            "events e JOIN coders c ON c.id = e.coder_id",
            "c.name = 'ben' AND e.action = 'code'",
        )
        assert ben_events == in_ben + 1  # + the one coding by "BEN" in ana's copy
    finally:
        con.close()


def test_merge_into_an_empty_project(team: TeamFixture, tmp_path: Path) -> None:
    empty = tmp_path / "empty.qda"
    qda.init_project(empty, coder="lead").close()
    merge(empty, team.ana, team.ben)  # "lead" is the merging coder and one of theirs
    got = coding_keys(empty)
    assert set(got) == set(coding_keys(team.ana)) | set(coding_keys(team.ben))
    assert max(got.values()) == 1
    assert count(empty, "coders", "name = 'lead'") == 1
    assert count(empty, "documents") == 14
    assert count(empty, "sentence_fts") == count(empty, "sentences") > 3000
    assert count(empty, "turns") == count(team.ana, "turns")
    assert count(empty, "attribute_values") == count(team.ana, "attribute_values")


def test_same_name_other_text_keeps_both(team: TeamFixture, tmp_path: Path) -> None:
    other = tmp_path / "other.qda"
    p = qda.init_project(other, coder="zoe")
    try:
        (tmp_path / "in").mkdir()
        (tmp_path / "in" / "P01.txt").write_text("P01: A different interview.\n")
        (tmp_path / "in" / "Z99.txt").write_text("Z99: Something new entirely.\n")
        p.import_paths([tmp_path / "in"])
    finally:
        p.close()
    report = merge(team.ana, other)
    src = report.sources[0]  # type: ignore[attr-defined]
    assert {d["name"] for d in src.added_documents} == {"P01 (2)", "Z99"}
    assert any(c["kind"] == "document" and "P01" in c["message"] for c in src.conflicts)
    assert count(team.ana, "documents") == 16
    assert count(team.ana, "sentence_fts") == count(team.ana, "sentences")
    hits = qda.open_project(team.ana).search("entirely")
    assert [h.document for h in hits] == ["Z99"]


def test_several_coders_sessions_cli(team: TeamFixture, run_qda: object) -> None:
    res = run_qda("merge", str(team.base), str(team.ana), str(team.ben), "--json")  # type: ignore[operator]
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert [s["id"] for s in data["sources"]] == [str(team.ana), str(team.ben)]
    assert data["added"]["codings"] > 1000 and data["backup"]
    again = run_qda("merge", str(team.base), str(team.ana), str(team.ben))  # type: ignore[operator]
    assert again.returncode == 0 and "nothing new" in again.stdout
    dry = run_qda("merge", str(team.ben), str(team.ana), "--dry-run")  # type: ignore[operator]
    assert dry.returncode == 0 and "would add" in dry.stdout and "opposites" in dry.stdout


# -- untrusted input --------------------------------------------------------------


def _tamper(path: Path, sql: str) -> None:
    con = sqlite3.connect(path)
    try:
        con.executescript(sql)
        con.commit()
    finally:
        con.close()


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("UPDATE documents SET text = text || 'x' WHERE name = 'P02'", "SHA-256"),
        (
            "UPDATE codes SET parent_id = (SELECT id FROM codes WHERE name = 'pain') "
            "WHERE name = 'living with pain'",
            "cycle",
        ),
        ('UPDATE codings SET "end" = 10000000 WHERE rowid = 5', "outside"),
        (
            "PRAGMA ignore_check_constraints = ON; "
            "UPDATE codings SET start = 'abc' WHERE rowid = 5",
            "codings.start",
        ),
        ("UPDATE codings SET id = 'not-a-uuid' WHERE rowid = 5", "not an id"),
        ("UPDATE codings SET created_at = 'yesterday' WHERE rowid = 5", "codings.created_at"),
        ("UPDATE coders SET name = printf('%.300c', 'x') WHERE rowid = 1", "longer than 200"),
        ("PRAGMA foreign_keys=OFF; UPDATE codings SET code_id = '" + "0" * 32 + "'", "missing"),
        (
            "ALTER TABLE memo_links RENAME TO ml; CREATE VIEW memo_links AS SELECT * FROM ml",
            "memo_links is a view",
        ),
        ("UPDATE alembic_version SET version_num = '9999'", "newer qda"),
        ("DROP TABLE project_info", "not a qda project"),
    ],
)
def test_unsound_other_is_refused(team: TeamFixture, sql: str, message: str) -> None:
    _tamper(team.ben, sql)
    before = dump(team.ana)
    with pytest.raises(ProjectError, match=message):
        merge(team.ana, team.ben)
    assert dump(team.ana) == before
    assert not list(team.ana.parent.glob("ana.qda.*.bak"))


def test_other_is_opened_read_only(team: TeamFixture) -> None:
    before = team.ben.read_bytes()
    team.ben.chmod(0o400)
    merge(team.ana, team.ben)
    assert team.ben.read_bytes() == before


def test_not_a_database_and_self_merge_refused(team: TeamFixture, tmp_path: Path) -> None:
    junk = tmp_path / "junk.qda"
    junk.write_bytes(b"hello, not sqlite at all" * 10)
    with pytest.raises(ProjectError, match="not a qda project"):
        merge(team.ana, junk)
    with pytest.raises(QdaError, match="itself"):
        merge(team.ana, team.ana)
    res = qda_cli_error(team.ana, junk)
    assert res.returncode != 0 and res.stderr.startswith("qda: error:")
    assert "Traceback" not in res.stderr


def qda_cli_error(project: Path, other: Path) -> object:
    from tests.conftest import qda_cmd

    return qda_cmd("merge", str(project), str(other))


def test_quote_mismatch_skipped_and_reported(team: TeamFixture) -> None:
    _tamper(team.ben, "UPDATE codings SET quote = 'tampered' WHERE rowid = 7")
    report = merge(team.ana, team.ben)
    skipped = report.sources[0].skipped  # type: ignore[attr-defined]
    assert [s["kind"] for s in skipped] == ["coding"]
    assert count(team.ana, "codings", "quote = 'tampered'") == 0
