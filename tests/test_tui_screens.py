"""Pilot tests of the codebook, compare, memos and reports screens, and of the app:
each change is checked in the database."""

from __future__ import annotations

import sys
import types
from typing import Any

from textual.screen import Screen
from textual.widgets import Static

from qda.tui.modals.error import ErrorModal
from qda.tui.modals.help import HelpModal
from qda.tui.modals.picker import PickerModal
from qda.tui.screens.coding import CodingScreen
from qda.tui.screens.compare import CompareScreen
from qda.tui.screens.memos import MemosScreen
from qda.tui.screens.reports import ReportsScreen
from qda.tui.widgets.saturation_plot import SaturationPlot
from qda.tui.widgets.segment_list import SegmentList
from tests.tui_support import SIZE, make_app, open_codebook_at, run_async, settle, type_text


def _coded(project: Any) -> dict[str, Any]:
    """Two codes, a category, and codings in two transcripts."""
    docs = project.documents()
    out: dict[str, Any] = {"docs": docs}
    project.add_code("relationships", kind="category")
    project.add_code("feeling listened to")
    project.add_code("being done to")
    for d in docs[:2]:
        view = project.show(d.id)
        s = view.sentences[3]
        out.setdefault("codings", []).append(
            project.apply("feeling listened to", d.id, start=s.start, end=s.end)
        )
        s = view.sentences[6]
        project.apply("being done to", d.id, start=s.start, end=s.end)
    return out


@run_async
async def test_move_a_code_under_a_category(project: Any) -> None:
    _coded(project)
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await open_codebook_at(pilot, project.code("feeling listened to").id)
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, PickerModal)
        await type_text(pilot, "relationships")
        await pilot.press("enter")
        await settle(pilot)
        assert app.errors == []
    code = project.code("feeling listened to")
    assert code.parent_id == project.code("relationships").id
    assert code.path == "relationships/feeling listened to"


@run_async
async def test_codebook_define_and_indent_by_keys(project: Any) -> None:
    _coded(project)
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await open_codebook_at(pilot, project.code("being done to").id)
        await pilot.press("left_square_bracket")  # above "feeling listened to"
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        await type_text(pilot, "not asked")
        await pilot.press("ctrl+s")
        await settle(pilot)
    codes = [c.name for c in project.codes() if c.parent_id is None]
    assert codes.index("being done to") < codes.index("feeling listened to")
    assert project.code("being done to").definition == "not asked"


@run_async
async def test_compare_and_jump_to_a_segment(project: Any) -> None:
    data = _coded(project)
    code_id = project.code("feeling listened to").id
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.compare_code(code_id)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        segments = screen.query_one("#segments-a", SegmentList)
        assert len(segments.segments) == 2
        await pilot.press("down")  # the second segment (past the participant heading)
        await pilot.pause()
        target = segments.current
        await pilot.press("enter")
        await settle(pilot)
        coding = app.screen
        assert isinstance(coding, CodingScreen)
        assert coding.doc_id == target.document_id
        assert coding.view.selection == (target.start, target.end)
        await pilot.press("escape", "escape")  # clear the selection, then back
        await settle(pilot)
        assert isinstance(app.screen, CompareScreen)
    stored = {(c.document_id, c.start, c.end) for c in project.codings(code=code_id)}
    assert (target.document_id, target.start, target.end) in stored
    assert len(stored) == len(data["codings"])


@run_async
async def test_compare_filter_by_attribute(project: Any) -> None:
    _coded(project)
    code_id = project.code("feeling listened to").id
    people = {p["name"]: p["attributes"] for p in project.participants()}
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.compare_code(code_id)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        first = next(iter(screen.query_one("#segments-a", SegmentList).segments.values()))
        age = people[first.participant]["age"]
        await pilot.press("f")
        await settle(pilot)
        await type_text(pilot, f"age={age}")
        await pilot.press("enter")
        await settle(pilot)
        shown = screen.query_one("#segments-a", SegmentList).segments.values()
        assert {s.participant for s in shown} == {
            name for name, attrs in people.items() if attrs.get("age") == age
        } & {s.participant for s in project.segments(code_id)}


@run_async
async def test_memos_screen_writes_and_edits(project: Any) -> None:
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        assert isinstance(app.screen, MemosScreen)
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        form.query_one("#field-title").value = "Partnership as a process"
        form.query_one("#field-text").focus()
        await type_text(pilot, "Trust builds")
        await pilot.press("ctrl+s")
        await settle(pilot)
        memos = project.memos()
        assert [m.title for m in memos] == ["Partnership as a process"]
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#field-text").focus()
        await pilot.press("end")
        await type_text(pilot, " fast")
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert project.memos()[0].body == "Trust builds fast"


@run_async
async def test_reports_show_the_saturation_curve(project: Any) -> None:
    _coded(project)
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("6")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReportsScreen)
        plot = screen.query_one(SaturationPlot)
        expected = project.report_saturation()["documents"]
        assert [p.cumulative for p in plot.points] == [d["cumulative"] for d in expected]
        assert "●" in str(plot.render())


@run_async
async def test_errors_open_a_modal(project: Any) -> None:
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.run_db(lambda: project.code("no such code"), lambda _r: None)
        await settle(pilot)
        assert isinstance(app.screen, ErrorModal)
        assert "no such code" in str(app.screen.query_one("#error-message", Static).render())
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, ErrorModal)


@run_async
async def test_help_lists_the_keys_of_the_screen(project: Any) -> None:
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpModal)
        keys = {(key, what) for _where, key, what in app.screen.rows}
        assert ("s", "Select sentence (again: extend)") in keys
        assert any(key == "c" and what.startswith("Code — Apply a code") for key, what in keys)


@run_async
async def test_command_palette_offers_screen_actions(project: Any) -> None:
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Code", "In vivo", "Memo", "Undo", "Go to Compare", "Go to Reports"} <= titles


@run_async
async def test_plugin_screens_open_when_their_module_exists(project: Any, monkeypatch: Any) -> None:
    module = types.ModuleType("qda.tui.screens.team")

    class TeamScreen(Screen[None]):
        def __init__(self, project: Any) -> None:
            super().__init__()
            self.project = project

        def compose(self) -> Any:
            yield Static("team", id="team-marker")

    module.TeamScreen = TeamScreen  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "qda.tui.screens.team", module)
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "Go to Team" in {c.title for c in app.get_system_commands(app.screen)}
        await pilot.press("8")
        await pilot.pause()
        assert isinstance(app.screen, TeamScreen) and app.screen.project is project


@run_async
async def test_relate_two_codes_with_a_paradigm_role(project: Any) -> None:
    _coded(project)
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await open_codebook_at(pilot, project.code("being done to").id)
        await pilot.press("l")
        await settle(pilot)
        await type_text(pilot, "consequence of")
        await pilot.press("enter")
        await pilot.pause()
        await type_text(pilot, "feeling listened")
        await pilot.press("enter")
        await settle(pilot)
        assert app.errors == []
    relations = project.relations()
    assert [(r.source, r.type, r.target) for r in relations] == [
        ("being done to", "consequence of", "feeling listened to")
    ]


@run_async
async def test_a_bug_in_an_action_shows_a_modal_not_a_traceback(project: Any) -> None:
    from qda.tui.app import QdaApp

    app = QdaApp(project, catch_errors=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)

        def broken() -> None:
            raise RuntimeError("boom")

        app.action_broken = broken  # type: ignore[attr-defined]
        await app.run_action("broken")
        await settle(pilot)
        assert isinstance(app.screen, ErrorModal)
        assert app.errors and "internal error: RuntimeError: boom" in app.errors[0]
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, ErrorModal)
        await pilot.press("5")  # the app goes on
        await settle(pilot)
        assert isinstance(app.screen, MemosScreen)
