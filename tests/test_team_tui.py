"""The team screen on the real app: merge preview and merge, agreement, settling."""

# ruff: noqa: F811  (pytest fixtures imported from tests.team_support)

from __future__ import annotations

import asyncio
from typing import Any

from textual.widgets import DataTable, Input, OptionList, Static

import qda
from qda.team.fixtures import TeamFixture
from qda.tui.screens.team import TeamScreen
from tests.team_support import count, team, team_master  # noqa: F401  (fixtures)
from tests.tui_support import SIZE, make_app, settle, show_screen


def _text(screen: Any, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def test_team_screen_merge_agreement_and_settling(team: TeamFixture) -> None:
    project = qda.open_project(team.ana, coder="lead")
    codings_before = count(team.ana, "codings")

    async def run() -> None:
        app = make_app(project)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            screen = await show_screen(pilot, TeamScreen(project))
            # the agreement table is there from the start (ana, BEN, lead coded)
            table = screen.query_one("#agree-table", DataTable)
            assert table.row_count > 5
            # merge: preview, then confirm
            await pilot.press("M")
            await settle(pilot)
            assert screen.tab == "merge"
            box = screen.query_one("#merge-path", Input)
            assert box.has_focus
            box.value = str(team.ben)
            await pilot.press("enter")
            await settle(pilot)
            report = _text(screen, "#merge-report")
            assert "would add" in report and "Preview only" in report
            assert "opposites" in report and "review" in report
            assert count(team.ana, "codings") == codings_before  # a preview writes nothing
            await pilot.press("m")
            await settle(pilot)
            await pilot.press("y")
            await settle(pilot)
            assert count(team.ana, "codings") > codings_before + 900
            assert "Merged" in _text(screen, "#merge-report")
            # agreement between the two coders, by turn
            await pilot.press("A")
            await settle(pilot)
            coders = screen.query_one("#agree-coders", Input)
            coders.focus()
            coders.value = "ana ben"
            await pilot.press("enter")
            await settle(pilot)
            assert [c.lower() for c in screen.agreement.coders] == ["ana", "ben"]
            assert screen.agreement.overall["cohen_kappa"] is not None
            await pilot.press("u")
            await settle(pilot)
            assert screen.unit == "turn" and screen.agreement.unit == "turn"
            # the disagreement walk: keep, then drop
            await pilot.press("D")
            await settle(pilot)
            assert screen.tab == "disagreements"
            n = len(screen.items)
            assert n > 0
            first = screen.current
            assert first is not None and first.text.strip() in _text(screen, "#dis-detail")
            single = next(i for i, d in enumerate(screen.items) if len(d.disputed) == 1)
            screen.query_one("#dis-list", OptionList).highlighted = single
            await settle(pilot)
            target = screen.current
            await pilot.press("k")
            await settle(pilot)
            assert count(team.ana, "events", "action = 'settle'") == 1
            assert target.id not in {d.id for d in screen.items}
            await pilot.press("down")
            await pilot.press("d")
            await settle(pilot)
            if screen.app.screen is not screen:  # several disputed codes: choose the first
                await pilot.press("enter")
                await settle(pilot)
            assert count(team.ana, "events", "action = 'settle'") == 2
            assert len(screen.items) <= n - 2 + 1
            # recode: pick the new code in the picker
            single = next(i for i, d in enumerate(screen.items) if len(d.disputed) == 1)
            screen.query_one("#dis-list", OptionList).highlighted = single
            await settle(pilot)
            await pilot.press("r")
            await settle(pilot)
            await pilot.press(*"coping")
            await pilot.press("enter")
            await settle(pilot)
            assert count(team.ana, "events", "action = 'settle'") == 3
            assert count(team.ana, "events", "summary LIKE '%as coping strategies'") == 1
            assert not app.errors

    try:
        asyncio.run(run())
    finally:
        project.close()
