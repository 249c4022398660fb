"""Pilot tests for the review of the team, reports and compare screens: solo projects,
long code names in tables, the merge hint, quotes in context, filter typos,
categories in compare, cut quotes, plurals."""

# ruff: noqa: F811  (pytest fixtures imported from tests.team_support)

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from rich.cells import cell_len
from textual.widgets import DataTable, Input, OptionList, Static

import qda
from qda.team.fixtures import TeamFixture
from qda.tui.fit import clip_words, fit, fit_path, plural
from qda.tui.modals.error import ErrorModal
from qda.tui.screens.compare import CompareScreen
from qda.tui.screens.reports import ReportsScreen
from qda.tui.screens.team import TeamScreen
from qda.tui.screens.team_text import merge_summary
from qda.tui.widgets.segment_list import SegmentList, segment_text
from tests.team_support import team, team_master  # noqa: F401  (fixtures)
from tests.tui_support import SIZE, make_app, run_async, settle, show_screen, type_text

LONG = (
    "Feeling 😊 listened to by the clinician — «ça va» when the physiotherapist "
    "explained what the pain meant and why the exercises would help over the months"
)


def _text(screen: Any, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def _notes(app: Any) -> list[str]:
    return [n.message for n in app._notifications]


def _code_two(project: Any, name: str = "feeling listened to") -> list[Any]:
    """``name`` applied to a sentence in each of the first two transcripts."""
    project.add_code(name)
    out = []
    for d in project.documents()[:2]:
        s = project.show(d.id).sentences[3]
        out.append(project.apply(name, d.id, start=s.start, end=s.end))
    return out


def _table_fits(table: DataTable[Any]) -> bool:
    """Whether every column of ``table`` is on the screen (nothing off to the right)."""
    widths = sum(c.get_render_width(table) for c in table.ordered_columns)
    return widths <= table.scrollable_content_region.width


# -- 1. the team screen on a project one coder (or nobody) has coded ------------------
@pytest.mark.parametrize("who", ["solo", "empty"])
def test_team_screen_explains_agreement_needs_two_coders(
    who: str, project: Any, empty_project: Any
) -> None:
    target = project if who == "solo" else empty_project
    if who == "solo":
        _code_two(project)

    async def run() -> None:
        app = make_app(target)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.push_screen(TeamScreen(target))
            await settle(pilot)
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, TeamScreen), screen  # no error dialog on top
            assert app.errors == []
            head = _text(screen, "#agree-head")
            assert "at least two coders" in head
            assert ("found: ana" if who == "solo" else "nobody has coded yet") in head
            assert "Merge" in head and "computing" not in head
            assert "at least two coders" in _text(screen, "#dis-head")
            assert screen.tab == "merge"  # there is nothing to compare yet
            await pilot.press("A")
            await settle(pilot)
            assert isinstance(app.screen, TeamScreen) and app.errors == []

    import asyncio

    asyncio.run(run())


# -- 2. long code names leave the numbers on the screen ------------------------------
@pytest.mark.parametrize("width", [140, 90])
def test_long_code_names_are_cut_in_the_report_tables(width: int, project: Any) -> None:
    project.add_code("being processed", kind="category")
    _code_two(project, LONG)
    project.move_code(LONG, "being processed")
    _code_two(project, "being done to")

    async def run() -> None:
        app = make_app(project)
        async with app.run_test(size=(width, 40)) as pilot:
            await settle(pilot)
            app.push_screen(ReportsScreen(project))
            await settle(pilot)
            screen = app.screen
            for tab, table_id in [
                ("tab-tree", "tree"),
                ("tab-cooc", "cooc"),
                ("tab-matrix", "matrix"),
            ]:
                screen.query_one("#reports").active = tab  # type: ignore[attr-defined]
                await settle(pilot)
                table = screen.query_one(f"#{table_id}", DataTable)
                names = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
                long = next((n for n in names if "Feeling" in n), str((table_id, names)))
                assert long.endswith("…") and cell_len(long) <= 40, long
                if table_id == "tree":
                    assert _table_fits(table), (width, table_id)
                    # the whole name is under the table when its row is highlighted
                    table.focus()
                    table.move_cursor(row=names.index(long))
                    await settle(pilot)
                    full = screen.query_one("#tree-full", Static)
                    assert full.display and LONG in str(full.render())
            assert app.errors == []

    import asyncio

    asyncio.run(run())


@pytest.mark.parametrize("width", [140, 90])
def test_long_code_names_are_cut_in_the_agreement_table(width: int, team: TeamFixture) -> None:
    project = qda.open_project(team.ana, coder="lead")
    first = next(c for c in project.codes() if c.codings)
    project.rename_code(first.id, LONG)

    async def run() -> None:
        app = make_app(project)
        async with app.run_test(size=(width, 40)) as pilot:
            await settle(pilot)
            screen = await show_screen(pilot, TeamScreen(project))
            assert screen.tab == "agreement"
            table = screen.query_one("#agree-table", DataTable)
            names = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
            long = next(n for n in names if "Feeling" in n)
            assert long.endswith("…"), long
            assert _table_fits(table), width
            table.move_cursor(row=names.index(long))
            await settle(pilot)
            assert LONG in _text(screen, "#agree-full")

    import asyncio

    asyncio.run(run())
    project.close()


# -- 3. the merge hint says what works --------------------------------------------------
def test_merge_hint_says_enter_previews(team: TeamFixture) -> None:
    project = qda.open_project(team.ana, coder="lead")

    async def run() -> None:
        app = make_app(project)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            screen = await show_screen(pilot, TeamScreen(project))
            await pilot.press("M")
            await settle(pilot)
            box = screen.query_one("#merge-path", Input)
            assert box.has_focus
            hint = _text(screen, "#merge-report")
            assert "Enter" in hint and "p to preview" not in hint
            # p is a letter of the path there, so the footer does not offer it
            assert screen.check_action("preview", ()) is False
            box.value = str(team.ben)
            await pilot.press("enter")
            await settle(pilot)
            assert "Preview only" in _text(screen, "#merge-report")
            assert box.value == str(team.ben)
            assert screen.check_action("preview", ()) is True  # focus left the box

    import asyncio

    asyncio.run(run())
    project.close()


# -- 4. the context reproduces the transcript ---------------------------------------
@run_async
async def test_compare_context_quotes_the_transcript_exactly(project: Any) -> None:
    doc = project.documents()[0]
    text = project.show(doc.id).text
    comma = text.index(", ", 200)
    start = text.rindex(" ", 0, comma - 3) + 1
    project.add_code("being done to")
    project.apply("being done to", doc.id, start=start, end=comma)  # ends before ", "
    code_id = project.code("being done to").id
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.compare_code(code_id)
        await settle(pilot)
        seg = app.screen.query_one("#segments-a", SegmentList).current
        assert seg is not None
        shown = segment_text(seg).plain.split("\n")[0].strip("…")
        flat = " ".join(text.split())
        assert shown in flat, shown
        assert f"{' '.join(text[start:comma].split())}," in shown


# -- 5. a filter typo keeps the filter ------------------------------------------------
@run_async
async def test_compare_filter_typo_says_so_and_keeps_the_filter(project: Any) -> None:
    _code_two(project)
    code_id = project.code("feeling listened to").id
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.compare_code(code_id)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        for where in ["sex=F", "foo=1"]:
            await pilot.press("f")
            await settle(pilot)
            await pilot.press("ctrl+a", "ctrl+k")  # clear the box
            await type_text(pilot, where)
            await pilot.press("enter")
            await settle(pilot)
        assert app.screen is screen and app.errors == []
        assert not any(isinstance(s, ErrorModal) for s in app.screen_stack)
        assert screen.where_text == "sex=F"
        assert "filter: sex=F" in _text(screen, "#compare-head")
        assert any("no participant attribute 'foo'" in n for n in _notes(app))


# -- 6. a category shows its sub-codes' segments --------------------------------------
@run_async
async def test_compare_a_category_shows_its_sub_codes_segments(project: Any) -> None:
    project.add_code("being processed", kind="category")
    codings = _code_two(project, "it was done to you")
    project.move_code("it was done to you", "being processed")
    category = project.code("being processed").id
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.compare_code(category)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        shown = screen.query_one("#segments-a", SegmentList).segments
        assert set(shown) == {c.id for c in codings}
        head = _text(screen, "#compare-head")
        assert "2 segments" in head and "sub-codes" in head


# -- 7. quotes in the disagreement list end at a word, with "…" ----------------------
def test_disagreement_quotes_are_cut_at_a_word(team: TeamFixture) -> None:
    project = qda.open_project(team.ana, coder="lead")

    async def run() -> None:
        app = make_app(project)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            screen = await show_screen(pilot, TeamScreen(project))
            options = screen.query_one("#dis-list", OptionList)
            cut = 0
            for i, d in enumerate(screen.items[:200]):
                label = str(options.get_option_at_index(i).prompt).split("\n")[0]
                quote = label.split("  ", 1)[1]
                flat = " ".join(d.text.split())
                if quote == flat:
                    continue
                cut += 1
                assert quote.endswith("…"), quote
                kept = quote[:-1]
                assert flat.startswith(kept)
                assert flat[len(kept)] in " ,;:", quote  # the next word was not split
            assert cut > 0

    import asyncio

    asyncio.run(run())
    project.close()


# -- 8. one of a thing -------------------------------------------------------------------
def test_counts_of_one_are_singular() -> None:
    assert plural(1, "codes") == "1 code" and plural(2, "codes") == "2 codes"
    assert plural(1, "categories") == "1 category" and plural(0, "coders") == "0 coders"
    assert clip_words("and I'd think so", 10) == "and I'd…"
    assert fit("feeling listened to", 10) == "feeling l…"
    assert fit_path("being processed/feeling listened to", 28) == "being p…/feeling listened to"

    src = SimpleNamespace(
        name="ben", id="x", matched={"coders": 1, "codes": 3},
        added={"coders": 1, "codes": 1, "codings": 1}, duplicates={}, added_codes=[],
        added_documents=[], conflicts=[], near_duplicates=[], opposites=[], skipped=[],
    )  # fmt: skip
    report = SimpleNamespace(dry_run=True, changed=False, backup=None, sources=[src])
    text = merge_summary(report)
    assert "matched: 1 coder, 3 codes" in text
    assert "would add: 1 coder, 1 code, 1 coding" in text


@run_async
async def test_merge_question_counts_one_in_the_singular(project: Any, tmp_path: Any) -> None:
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = TeamScreen(project)
        app.push_screen(screen)
        await settle(pilot)

        added = {"coders": 1, "codes": 1}
        report = SimpleNamespace(dry_run=True, changed=False, backup=None, added=added)
        path = str(tmp_path / "ben.qda")
        screen.query_one("#merge-path", Input).value = path
        screen.preview, screen.preview_for = report, [path]
        screen.action_merge()
        await pilot.pause()
        question = app.screen.question  # type: ignore[attr-defined]
        assert "It adds 1 coder, 1 code." in question
