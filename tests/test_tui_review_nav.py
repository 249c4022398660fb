"""Pilot tests of the fixes from the user review of the TUI: Escape goes back along
the user's path, uncode says whose coding it removes, ``s`` selects the sentence at the
cursor, jumps show the passage, no silent no-ops, memos, help and narrow terminals."""

from __future__ import annotations

from typing import Any

from textual.widgets import OptionList

from qda.tui.modals.form import FormModal
from qda.tui.screens.codebook import CodebookScreen
from qda.tui.screens.coding import CodingScreen
from qda.tui.screens.compare import CompareScreen
from qda.tui.screens.home import HomeScreen
from qda.tui.screens.memos import MemosScreen
from tests.tui_support import SIZE, make_app, open_codebook_at, run_async, settle


def _notes(app: Any) -> list[str]:
    return [n.message for n in app._notifications]


# -- 1. Escape goes back along the user's path -------------------------------------------
@run_async
async def test_escape_from_compare_goes_back_to_the_codebook(project: Any) -> None:
    code = project.add_code("pain")
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await open_codebook_at(pilot, code.id)
        await pilot.press("k")
        await settle(pilot)
        assert isinstance(app.screen, CompareScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CodebookScreen)
        # a dialog first closes on Escape, the screen stays
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, FormModal)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CodebookScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("escape")  # nothing below home
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert app.errors == []


@run_async
async def test_escape_from_a_memo_link_goes_back_to_the_memos(project: Any) -> None:
    code = project.add_code("pain")
    project.add_memo("code note", "On pain", "text", links=[("code", code.id)])
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        assert isinstance(app.screen, MemosScreen)
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, CompareScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, MemosScreen)
        assert app.errors == []


@run_async
async def test_number_keys_jump_and_do_not_pile_up_screens(project: Any) -> None:
    code = project.add_code("pain")
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await open_codebook_at(pilot, code.id)
        await pilot.press("k")
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        assert [type(s) for s in app.screen_stack] == [
            HomeScreen,
            CodebookScreen,
            CompareScreen,
            MemosScreen,
        ]
        await pilot.press("3")  # the codebook is on the way back: back to it
        await settle(pilot)
        assert [type(s) for s in app.screen_stack] == [HomeScreen, CodebookScreen]
        # a change made elsewhere shows when going back (the screen reloads)
        await pilot.press("5")
        await settle(pilot)
        project.add_code("fatigue")
        app.data_version += 1
        await pilot.press("escape")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CodebookScreen)
        assert "fatigue" in {c.name for c in screen.codes}
        await pilot.press("1")
        await settle(pilot)
        assert len(app.screen_stack) == 1


# -- 2. uncode says whose coding it removes ------------------------------------------------
def _ben_and_ana_codings(project: Any, demo_path: Any) -> tuple[str, Any, Any]:
    import qda

    doc = project.documents()[0]
    text = project.show(doc.id).text
    start = text.index("back")
    ben = qda.open_project(demo_path, coder="ben")
    try:
        theirs = ben.apply(ben.add_code("back pain").id, doc.id, start=start, end=start + 20)
    finally:
        ben.close()
    mine = project.apply(project.add_code("body").id, doc.id, start=start, end=start + 10)
    return doc.id, theirs, mine


async def _coding_at(pilot: Any, doc_id: str, offset: int) -> CodingScreen:
    await settle(pilot)
    pilot.app.open_document(doc_id)
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, CodingScreen)
    screen.view.select(offset, offset)
    await pilot.pause()
    return screen


@run_async
async def test_uncode_lists_whose_codings_and_confirms_anothers(
    project: Any, demo_path: Any
) -> None:
    from qda.tui.modals.confirm import ConfirmModal
    from qda.tui.modals.picker import PickerModal

    doc_id, theirs, mine = _ben_and_ana_codings(project, demo_path)
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await _coding_at(pilot, doc_id, theirs.start)
        await pilot.press("x")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, PickerModal)
        # the user's own coding first, the other coder's named
        assert [c.id for c in picker.choices] == [mine.id, theirs.id]
        assert "ben" not in picker.choices[0].detail
        assert picker.choices[1].detail.endswith("— ben")
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        assert "ben" in app.screen.question
        await pilot.press("n")  # no: nothing removed
        await settle(pilot)
        assert {c.id for c in project.codings(doc=doc_id)} == {mine.id, theirs.id}
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("down", "enter")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert {c.id for c in project.codings(doc=doc_id)} == {mine.id}
        # the user's own coding goes without a question
        await pilot.press("x")
        await settle(pilot)
        assert project.codings(doc=doc_id) == []
        assert app.errors == []


# -- 3. s selects the sentence holding a found passage -------------------------------------
@run_async
async def test_s_after_find_selects_the_whole_sentence(project: Any) -> None:
    from tests.tui_support import type_text

    doc = next(d for d in project.documents() if d.name == "P02")
    text = project.show(doc.id).text
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _coding_at(pilot, doc.id, 0)
        await pilot.press("slash")
        await pilot.pause()
        await type_text(pilot, "basically pressed")
        await pilot.press("enter")
        await settle(pilot)
        found = text.index("basically pressed")
        assert screen.view.trimmed_selection() == (found, found + len("basically pressed"))
        await pilot.press("s")
        await pilot.pause()
        start, end = screen.view.trimmed_selection()
        assert text[start:end].startswith("And it was a locum, a guy I'd never seen before")
        assert text[start:end].endswith("six weeks.")
        # again: one more sentence
        await pilot.press("s")
        await pilot.pause()
        assert screen.view.trimmed_selection()[0] == start
        assert text[start : screen.view.trimmed_selection()[1]].endswith("six weeks. Fine.")


# -- 4. a jump shows the passage, not just its first line at the bottom ---------------------
async def _jump_shows(pilot: Any, doc_id: str, start: int, end: int) -> None:
    app = pilot.app
    app.open_document(doc_id, select=(start, end))
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, CodingScreen)
    view = screen.view
    assert view.trimmed_selection() == (start, end)
    rows = view.rows
    top, height = view.scroll_offset.y, view.size.height
    first, last = rows.row_of(start), rows.row_of(end)
    assert top + 2 <= first, (top, first)  # some context above it
    assert last < top + height, (top, height, first, last)  # all of it in view


@run_async
async def test_a_jump_scrolls_the_whole_passage_into_view(project: Any) -> None:
    doc = next(d for d in project.documents() if d.name == "P02")
    text = project.show(doc.id).text
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for words in ("It's like groundhog day", "basically pressed"):
            at = text.index(words)
            sentence = next(s for s in project.show(doc.id).sentences if s.start <= at < s.end)
            await _jump_shows(pilot, doc.id, sentence.start, sentence.end)
        # also in an open transcript, far below
        at = len(text) * 3 // 4
        await _jump_shows(pilot, doc.id, at, at + 300)
        await pilot.press("escape")
        await settle(pilot)


# -- 5. no silent no-ops --------------------------------------------------------------------
@run_async
async def test_v_between_turns_says_why(project: Any) -> None:
    doc = next(d for d in project.documents() if d.name == "P02")
    turns = project.show(doc.id).turns
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await _coding_at(pilot, doc.id, turns[0].end + 1)  # the blank line after a turn
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, CodingScreen)
        assert "Put the cursor in a participant's words or select text." in _notes(app)


@run_async
async def test_a_code_needs_a_name_and_the_dialog_stays(project: Any) -> None:
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("e")  # an empty codebook: say how to start
        await pilot.pause()
        assert "No codes yet: a adds one." in _notes(app)
        await pilot.press("a")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, FormModal)
        assert any("A code needs a name" in n for n in _notes(app))
        from tests.tui_support import type_text

        await type_text(pilot, "pain")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CodebookScreen)
    assert [c.name for c in project.codes()] == ["pain"]


@run_async
async def test_an_empty_memo_is_not_dropped_silently(project: Any) -> None:
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, FormModal)
        assert any("memo is empty" in n for n in _notes(app))
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, MemosScreen)
    assert project.memos() == []


@run_async
async def test_coding_key_on_a_project_without_transcripts(empty_project: Any) -> None:
    app = make_app(empty_project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert "No transcripts yet: press i on the home screen to import." in _notes(app)


# -- 6. memos ------------------------------------------------------------------------------
@run_async
async def test_a_new_memo_is_the_one_shown(project: Any) -> None:
    from tests.tui_support import type_text

    project.add_memo("free", "An older memo", "old")
    app = make_app(project)
    async with app.run_test(size=(90, 28)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MemosScreen)
        assert screen.current.title == "An older memo"
        # the filters fit on one line at 90 columns
        filters = screen.query_one("#memo-filters")
        assert filters.size.height == 1
        for select in filters.children:
            assert select.size.width >= 12
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("tab")
        await type_text(pilot, "A new memo")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen.current is not None and screen.current.title == "A new memo"
        highlighted = screen.query_one("#memo-list", OptionList).highlighted_option
        assert highlighted is not None
        assert screen.memos[highlighted.id or ""].title == "A new memo"


def test_the_memo_panel_keeps_line_breaks() -> None:
    from qda.tui.screens.coding import memo_preview

    body = "Body vs person\n\nThe person attached to it.\n> a quote\n> (1712–1765)\n\n\n\nEnd"
    assert memo_preview(body) == (
        "Body vs person\n\nThe person attached to it.\n> a quote\n> (1712–1765)…"
    )
    assert memo_preview("one  line") == "one line"


# -- 7. help lists the screen keys; dialogs say what their button does ---------------------
@run_async
async def test_help_starts_with_the_screen_keys_and_find_says_find(project: Any) -> None:
    from textual.widgets import Button

    from qda.tui.modals.help import HelpModal

    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        for screen_key in ("2", "3"):
            await pilot.press(screen_key)
            await settle(pilot)
            await pilot.press("question_mark")
            await pilot.pause()
            assert isinstance(app.screen, HelpModal)
            first = [(key, what.split(" — ")[0]) for _w, key, what in app.screen.rows[:8]]
            assert first[:3] == [("1", "Home"), ("2", "Coding"), ("3", "Codebook")]
            await pilot.press("escape")
            await pilot.pause()
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("slash")
        await pilot.pause()
        assert isinstance(app.screen, FormModal)
        assert str(app.screen.query_one("#save", Button).label) == "Find (Enter)"


# -- 8. narrow terminals --------------------------------------------------------------------
@run_async
async def test_home_at_90_columns_shows_the_whole_table(project: Any) -> None:
    from textual.widgets import DataTable

    app = make_app(project)
    async with app.run_test(size=(90, 28)) as pilot:
        await settle(pilot)
        screen = app.screen
        side = screen.query_one("#home-side")
        table = screen.query_one("#documents", DataTable)
        assert side.size.width < 40
        needed = sum(col.get_render_width(table) for col in table.columns.values())
        assert table.size.width >= needed
    async with make_app(project).run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert pilot.app.screen.query_one("#home-side").outer_size.width == 52


@run_async
async def test_palette_offers_undo_everywhere_and_not_the_widgets_cursor_keys(
    project: Any,
) -> None:
    code = project.add_code("pain")
    project.apply(code.id, "P01", quote="I was just the back")
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("5")  # memos: a screen with no undo key of its own
        await settle(pilot)
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        assert "Undo" in commands and "Redo" in commands
        assert not {"Cursor down", "Cursor up", "Copy selected text"} & set(commands)
        commands["Undo"].callback()
        await settle(pilot)
        assert project.codings(code="pain") == []
        await pilot.press("1")
        await settle(pilot)
        home = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Undo", "Redo", "Go to Codebook"} <= home
