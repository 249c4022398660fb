"""Pilot tests of the memos screen's links: link to any kind, unlink, open a link;
every change (or its absence) is checked in the database."""

from __future__ import annotations

from typing import Any

from textual.widgets import Markdown, OptionList

from qda.tui.modals.picker import PickerModal
from qda.tui.screens.coding import CodingScreen
from qda.tui.screens.compare import CompareScreen
from qda.tui.screens.memos import MemosScreen
from tests.tui_support import SIZE, make_app, run_async, settle, type_text


def _people(project: Any) -> dict[str, str]:
    return {p["name"]: p["id"] for p in project.participants()}


def _links(project: Any, memo_id: str) -> set[tuple[str, str]]:
    return {(link["kind"], link["id"]) for link in project.memo(memo_id).links}


async def _memos_screen(pilot: Any) -> MemosScreen:
    await settle(pilot)
    await pilot.press("5")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, MemosScreen)
    return screen


async def _pick(pilot: Any, query: str) -> None:
    """In the open picker: type ``query`` and take the first match."""
    assert isinstance(pilot.app.screen, PickerModal)
    await type_text(pilot, query)
    await pilot.press("enter")
    await settle(pilot)


@run_async
async def test_link_a_memo_to_a_participant_and_a_relation(project: Any) -> None:
    project.add_code("feeling listened to")
    project.add_code("trust")
    rel = project.relate("feeling listened to", "causal condition of", "trust")
    memo = project.add_memo("theoretical", "Listening builds trust", "")
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _memos_screen(pilot)
        await pilot.press("l")
        await pilot.pause()
        await _pick(pilot, "participant")
        picker = app.screen
        assert isinstance(picker, PickerModal)
        assert [c.label for c in picker.choices][:3] == ["P01", "P02", "P03"]
        await _pick(pilot, "P03")
        assert _links(project, memo.id) == {("participant", _people(project)["P03"])}

        await pilot.press("l")
        await pilot.pause()
        await _pick(pilot, "relation")
        picker = app.screen
        assert isinstance(picker, PickerModal)
        label = "feeling listened to —causal condition of→ trust"
        assert [c.label for c in picker.choices] == [label]
        await _pick(pilot, "trust")
        assert _links(project, memo.id) == {
            ("participant", _people(project)["P03"]),
            ("relation", rel.id),
        }
        assert isinstance(app.screen, MemosScreen)
        shown = screen.query_one("#memo-body", Markdown).source
        assert "*participant* P03" in shown
        assert f"*relation* {label}" in shown


@run_async
async def test_link_picker_leaves_out_the_memo_itself_and_links_another(project: Any) -> None:
    other = project.add_memo("free", "Earlier thoughts", "")
    memo = project.add_memo("free", "Later thoughts", "")  # newest: listed first
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _memos_screen(pilot)
        assert screen.current is not None and screen.current.id == memo.id
        await pilot.press("l")
        await pilot.pause()
        await _pick(pilot, "memo")
        picker = app.screen
        assert isinstance(picker, PickerModal)
        assert [c.id for c in picker.choices] == [other.id]
        await pilot.press("enter")
        await settle(pilot)
    assert _links(project, memo.id) == {("memo", other.id)}


@run_async
async def test_unlink_removes_only_the_chosen_link(project: Any) -> None:
    project.add_code("trust")
    code_id = project.code("trust").id
    memo = project.add_memo(
        "code note", "About trust", "", links=[("participant", "P01"), ("code", "trust")]
    )
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await _memos_screen(pilot)
        await pilot.press("u")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, PickerModal)
        assert sorted(c.label for c in picker.choices) == ["P01", "trust"]
        await _pick(pilot, "P01")
    assert _links(project, memo.id) == {("code", code_id)}


@run_async
async def test_escape_at_any_picker_writes_nothing(project: Any) -> None:
    memo = project.add_memo("free", "Untouched", "", links=[("participant", "P01")])
    before = project.memo(memo.id)
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _memos_screen(pilot)
        await pilot.press("l")  # escape at the kind picker
        await pilot.pause()
        assert isinstance(app.screen, PickerModal)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("l")  # escape at the target picker
        await pilot.pause()
        await _pick(pilot, "participant")
        assert isinstance(app.screen, PickerModal)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("u")  # escape at the unlink picker
        await pilot.pause()
        assert isinstance(app.screen, PickerModal)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
    after = project.memo(memo.id)
    assert after.links == before.links
    assert after.updated_at == before.updated_at


@run_async
async def test_open_a_participant_link_opens_their_transcript(project: Any) -> None:
    project.add_code("trust")
    project.add_memo("free", "About P02", "", links=[("code", "trust"), ("participant", "P02")])
    p02 = next(d for d in project.documents() if d.participant == "P02")
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await _memos_screen(pilot)
        await pilot.press("o")  # two links: it asks which
        await pilot.pause()
        assert isinstance(app.screen, PickerModal)
        await _pick(pilot, "participant")
        assert isinstance(app.screen, CodingScreen)
        assert app.screen.doc_id == p02.id


@run_async
async def test_open_a_participant_with_two_transcripts_asks_which(
    project: Any, tmp_path: Any
) -> None:
    follow = tmp_path / "P02_followup.txt"
    follow.write_text("Interviewer: Three months on?\n\nP02: Better, mostly.\n", "utf-8")
    project.import_paths([follow], participant="P02")
    project.add_memo("free", "About P02", "", links=[("participant", "P02")])
    second = next(d for d in project.documents() if d.name == "P02_followup")
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await _memos_screen(pilot)
        await pilot.press("o")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, PickerModal)
        assert [c.label for c in picker.choices] == ["P02", "P02_followup"]
        await _pick(pilot, "followup")
        assert isinstance(app.screen, CodingScreen)
        assert app.screen.doc_id == second.id


@run_async
async def test_open_a_relation_link_compares_its_source_code(project: Any) -> None:
    source = project.add_code("feeling listened to")
    project.add_code("trust")
    rel = project.relate("feeling listened to", "strategy for", "trust")
    project.add_memo("free", "Why", "", links=[("relation", rel.id)])
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await _memos_screen(pilot)
        await pilot.press("o")  # one link: straight there
        await settle(pilot)
        assert isinstance(app.screen, CompareScreen)
        assert app.screen.code_a == source.id


@run_async
async def test_open_a_memo_link_highlights_that_memo(project: Any) -> None:
    target = project.add_memo("free", "The older one", "")
    project.add_memo("free", "Newer, linked", "", links=[("memo", target.id)])
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _memos_screen(pilot)
        screen.query_one("#memo-search").value = "newer"  # the target is filtered out
        await settle(pilot)
        assert list(screen.memos) != [target.id] and target.id not in screen.memos
        await pilot.press("o")
        await settle(pilot)
        assert screen.current is not None and screen.current.id == target.id
        assert screen.query_one("#memo-list", OptionList).has_focus
