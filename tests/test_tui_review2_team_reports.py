"""Pilot tests for the second review of the team and reports screens: typing the merge
path, a failed preview, notes from current data, wide tables that scroll with their
code names in view, the export list, crosstab groups and saturation's new codes."""

# ruff: noqa: F811  (pytest fixtures imported from tests.team_support)

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import DataTable, Input, OptionList, Static

import qda
from qda.team.fixtures import TeamFixture
from qda.tui.modals.form import FormModal
from qda.tui.screens.reports import ReportsScreen, export_folder, grouping
from qda.tui.screens.team import TeamScreen
from tests.team_support import team, team_master  # noqa: F401  (fixtures)
from tests.tui_support import SIZE, make_app, run_async, settle, show_screen, type_text


def _text(screen: Any, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def _code_two(project: Any, name: str = "feeling listened to") -> None:
    project.add_code(name)
    for d in project.documents()[:2]:
        s = project.show(d.id).sentences[3]
        project.apply(name, d.id, start=s.start, end=s.end)


async def _team(pilot: Any, project: Any) -> TeamScreen:
    await settle(pilot)
    pilot.app.push_screen(TeamScreen(project))
    await settle(pilot)
    await pilot.pause()
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, TeamScreen)
    return screen


# -- 1. one reliable way to type the merge path ---------------------------------------
@run_async
async def test_merge_path_box_has_focus_escape_leaves_it_o_returns(project: Any) -> None:
    _code_two(project)  # one coder: the screen opens on the Merge tab
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _team(pilot, project)
        box = screen.query_one("#merge-path", Input)
        assert screen.tab == "merge" and box.has_focus  # ready to type
        hint = _text(screen, "#merge-report")
        assert "o" in hint and "Esc" in hint and "shift+Tab" not in hint
        await type_text(pilot, "x2/m.qda")
        assert box.value == "x2/m.qda"  # every letter went into the box
        assert screen.tab == "merge" and isinstance(app.screen, TeamScreen)
        await pilot.press("escape")  # leaves the box, stays on the screen
        assert not box.has_focus and app.screen is screen
        await pilot.press("A")
        assert screen.tab == "agreement"
        await pilot.press("M")
        assert screen.tab == "merge" and box.has_focus
        await pilot.press("escape")
        assert screen.check_action("open_path", ()) is True
        await pilot.press("o")
        assert box.has_focus
        await pilot.press("escape", "escape")  # the second Escape goes back
        assert app.screen is not screen


# -- 2. a failed preview says so; the notes come from current data ----------------------
@run_async
async def test_failed_preview_shows_the_error_in_the_tab(project: Any, tmp_path: Path) -> None:
    _code_two(project)
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _team(pilot, project)
        screen.query_one("#merge-path", Input).value = str(tmp_path / "nothing.qda")
        await pilot.press("enter")
        await settle(pilot)
        report = _text(screen, "#merge-report")
        assert "previewing" not in report and "Preview failed" in report
        assert "nothing.qda" in report
        assert screen.preview is None and screen.preview_for == []


@run_async
async def test_merge_note_and_agreement_note_agree_after_reload(project: Any) -> None:
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _team(pilot, project)
        assert "nobody has coded yet" in _text(screen, "#merge-report")
        _code_two(project, "added from the CLI")  # written by another process...
        app.data_version += 1  # ...which the watcher notices: the screen reloads
        screen.on_screen_resume()
        await settle(pilot)
        assert "found: ana." in _text(screen, "#agree-head")
        merge = _text(screen, "#merge-report")
        assert "found: ana." in merge and "nobody" not in merge, merge


# -- 3. wide tables scroll with their code names in view ------------------------------
def test_agreement_table_keeps_the_code_column_and_says_it_scrolls(team: TeamFixture) -> None:
    project = qda.open_project(team.ana, coder="lead")

    async def run() -> None:
        app = make_app(project)
        async with app.run_test(size=(60, 40)) as pilot:
            screen = await _team(pilot, project)
            table = screen.query_one("#agree-table", DataTable)
            assert table.fixed_columns == 1
            assert "→ scrolls" in _text(screen, "#agree-head")
            assert all(len(str(table.get_row_at(i)[0])) <= 40 for i in range(table.row_count))

    import asyncio

    asyncio.run(run())
    project.close()


@run_async
async def test_report_tables_keep_the_code_column_when_scrolling(project: Any) -> None:
    app = make_app(project)
    async with app.run_test(size=(90, 40)) as pilot:
        await settle(pilot)
        app.push_screen(ReportsScreen(project))
        await settle(pilot)
        screen = app.screen
        for tab, name in [("tab-matrix", "matrix"), ("tab-cooc", "cooc")]:
            screen.query_one("#reports").active = tab  # type: ignore[attr-defined]
            await settle(pilot)
            table = screen.query_one(f"#{name}", DataTable)
            assert table.fixed_columns == 1, name
            widths = sum(c.get_render_width(table) for c in table.ordered_columns)
            if widths > table.scrollable_content_region.width:
                assert "→ scrolls" in _text(screen, f"#{name}-note"), name
            # every number column can be reached: scrolling right keeps the code in view
            table.focus()
            table.move_cursor(row=0, column=len(table.ordered_columns) - 1)
            await settle(pilot)
            assert table.cursor_coordinate.column == len(table.ordered_columns) - 1
            assert table.fixed_columns == 1


# -- 4. the export list: the first entry highlighted, the project's own folder ----------
@run_async
async def test_export_highlights_first_entry_and_suggests_project_folder(
    project: Any,
) -> None:
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(ReportsScreen(project))
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        exports = app.screen.query_one("#exports", OptionList)
        assert exports.highlighted == 0 and exports.has_focus
        await pilot.press("enter")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, FormModal)
        value = modal.query_one(Input).value
        assert Path(value).parent == Path(project.target).parent, value


def test_export_folder_of_a_database_url_is_the_current_folder() -> None:
    assert export_folder("postgresql://u@h/db") == Path.cwd()
    assert export_folder("/a/b/p.qda") == Path("/a/b")


# -- 5. crosstab groups, saturation's new codes, plurals ------------------------------
def test_crosstab_groups_are_unambiguous_and_categories_say_so() -> None:
    # the ranges themselves come from the service (qda.coding.analysis.crosstab._labels)
    from qda.coding.analysis.crosstab import _labels

    assert _labels([5.0, 7.0], True, whole=True) == ["T1 (≤5)", "T2 (6–7)", "T3 (≥8)"]
    assert _labels([5.5, 7.0], True) == ["T1 (≤5.5)", "T2 (>5.5 to ≤7)", "T3 (>7)"]
    data = {"type": "number", "bins": "tertile", "cuts": [5.0, 7.0], "groups": []}
    assert grouping(data) == "tertiles"
    assert grouping({"type": "text", "cuts": None}) == "each category"


@run_async
async def test_crosstab_of_a_category_says_by_category(project: Any) -> None:
    attrs = [a for a in project.attributes() if a.get("type") == "text"]
    if not attrs:
        return
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await show_screen(pilot, ReportsScreen(project))
        data = project.report_crosstab(attrs[0]["name"])
        screen._crosstab(data)
        await settle(pilot)
        note = _text(screen, "#crosstab-note")
        assert "each category" in note and "tertile" not in note


@run_async
async def test_saturation_new_codes_are_cut_at_a_word_with_an_ellipsis(project: Any) -> None:
    for i in range(8):
        _code_two(project, f"a rather long code name number {i} about waiting")
    app = make_app(project)
    async with app.run_test(size=(90, 40)) as pilot:
        await settle(pilot)
        app.push_screen(ReportsScreen(project))
        await settle(pilot)
        table = app.screen.query_one("#saturation-table", DataTable)
        cells = [str(table.get_row_at(i)[-1]) for i in range(table.row_count)]
        full = [", ".join(d["new"]) for d in project.report_saturation()["documents"]]
        for cell, whole in zip(cells, full, strict=True):
            if cell != whole:
                assert cell.endswith("…") and whole.startswith(cell[:-1].rstrip(" ,;:"))
        assert any(c.endswith("…") for c in cells), cells
        assert " 1 codes" not in _text(app.screen, "#saturation-summary")
