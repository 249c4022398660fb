"""Pilot tests of the fixes from the second user review of the TUI: screens remember
their code, reload after undo, user text shown literally, names cut so counts show,
help and palette wording."""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable, Label

from qda.tui.modals.form import FormModal
from qda.tui.modals.help import HelpModal
from qda.tui.modals.picker import PickerModal
from qda.tui.screens.coding import CodingScreen
from qda.tui.screens.compare import CompareScreen
from qda.tui.screens.suggestions import SuggestionsScreen
from qda.tui.widgets.key_bar import KeyBar
from tests.tui_support import SIZE, make_app, run_async, settle, type_text

CODE = "feeling listened to"


def _prepare(project: Any) -> str:
    code = project.add_code(CODE, definition="Being listened to, heard and believed, or not.")
    project.apply(CODE, "P01", quote="She actually listened.")
    project.apply(CODE, "P02", quote="And I don't think she believed me.")
    return str(code.id)


def _notes(app: Any) -> list[str]:
    return [str(n.message) for n in app._notifications]


# -- 1. suggestions (and compare) remember their code -------------------------------------
@run_async
async def test_suggestions_by_number_key_show_the_code_last_reviewed(project: Any) -> None:
    code_id = _prepare(project)
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("7")
        await settle(pilot)
        assert isinstance(app.screen, PickerModal)  # nothing reviewed yet: which code?
        await type_text(pilot, "feeling")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SuggestionsScreen) and app.screen.rows
        await pilot.press("r")
        await settle(pilot)
        for key in ("1", "2", "3", "4", "5", "6"):
            await pilot.press(key)
            await settle(pilot)
        await pilot.press("7")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SuggestionsScreen)  # no picker swallowing keys
        assert screen.code == code_id and screen.rows
        head = str(screen.query_one("#suggest-head").render())
        assert "Choose a code" not in head and CODE in head
        await pilot.press("1", "4")  # the number keys still go to the screens
        await settle(pilot)
        assert isinstance(app.screen, CompareScreen)
        assert app.errors == []


@run_async
async def test_compare_by_number_key_shows_the_code_last_compared(project: Any) -> None:
    code_id = _prepare(project)
    other = str(project.add_code("pacing").id)
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.compare_code(code_id)
        await settle(pilot)
        app.remember_code(other)  # a code applied since: compare still shows its own
        await pilot.press("1")
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        assert isinstance(app.screen, CompareScreen)
        assert app.screen.code_a == code_id
        assert app.errors == []


# -- 2. undo on suggestions refreshes the list ---------------------------------------------
@run_async
async def test_palette_undo_brings_back_the_rejected_suggestion(project: Any) -> None:
    _prepare(project)
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.suggest_for(project.code(CODE).id)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SuggestionsScreen)
        first = screen.current
        assert first is not None
        await pilot.press("r")
        await settle(pilot)
        assert first.id not in {r.id for r in screen.rows}
        app.undo_anywhere()
        await settle(pilot)
        assert any("Undone" in n for n in _notes(app))
        assert first.id in {r.id for r in screen.rows}
        table = screen.query_one("#suggest-table", DataTable)
        assert table.row_count == len(screen.rows)
        assert app.errors == []


# -- 3. user text in brackets is shown literally -------------------------------------------
@run_async
async def test_bracketed_words_stay_in_toasts_and_dialog_titles(project: Any) -> None:
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.notify('Memo "Listening as care [laughs] note" saved')
        await pilot.pause()
        from textual.widgets._toast import Toast

        shown = [Toast(n).render().plain for n in app._notifications]
        assert any("care [laughs] note" in text for text in shown)
        await app.push_screen(PickerModal("Link “care [laughs] note” to…", []))
        await pilot.pause()
        title = app.screen.query_one(".dialog-title", Label)
        assert "[laughs]" in str(title.render())
        await pilot.press("escape")
        await pilot.pause()


# -- 4. long code names are cut so that the counts show ------------------------------------
@run_async
async def test_long_code_name_keeps_its_counts_in_the_coding_tree(project: Any) -> None:
    long = "Expériences de la douleur chronique 🧘 " + "et de la vie quotidienne " * 4
    project.add_code(long.strip())
    project.apply(long.strip(), "P01", quote="She actually listened.")
    app = make_app(project)
    for width in (140, 90):
        async with app.run_test(size=(width, 40)) as pilot:
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, CodingScreen)
            tree = screen.code_tree
            node = tree._by_id[str(project.code(long.strip()).id)]
            label = node.label.plain
            assert label.endswith("1/1") and "…" in label
            room = tree.scrollable_content_region.width
            assert len(label) + 2 * (1 + 0) <= room
            bar = str(screen.query_one(KeyBar).render())
            assert "palette" in bar and "? Help" in bar
        app = make_app(project)


# -- 5. help, palette, dialogs say the right words ----------------------------------------
@run_async
async def test_help_names_the_screen_and_only_qda_keys(project: Any) -> None:
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("6")
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpModal)
        assert app.screen.title_text == "Reports"
        wheres = {w for w, _k, _d in app.screen.rows}
        assert not wheres & {"VerticalScroll", "ContentTabs", "DataTable"}
        await pilot.press("escape")
        await pilot.pause()
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert titles.count("Keys") == 1
        await pilot.press("1")
        await settle(pilot)
        await pilot.press("i")
        await pilot.pause()
        assert isinstance(app.screen, FormModal)
        assert str(app.screen.query_one("#save").render()).startswith("Import")


@run_async
async def test_suggestion_code_picker_says_one_segment(project: Any) -> None:
    project.add_code("night pain")
    project.apply("night pain", "P01", quote="She actually listened.")
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("7")
        await settle(pilot)
        assert isinstance(app.screen, PickerModal)
        details = {c.label: c.detail for c in app.screen.choices}
        assert details["night pain"] == "1 segment"
