"""Pilot tests of the suggestions screen: accept, reject and jump, checked in the database."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from textual.widgets import DataTable

from qda.db.models import Coder, Coding, Suggestion
from qda.tui.modals.picker import PickerModal
from qda.tui.screens.coding import CodingScreen
from qda.tui.screens.suggestions import SuggestionsScreen
from tests.tui_support import SIZE, make_app, run_async, settle, show_screen, type_text

CODE = "feeling listened to"


def _prepare(project: Any) -> None:
    project.add_code(CODE, definition="Being listened to, heard and believed, or not.")
    project.apply(CODE, "P01", quote="She actually listened.")
    project.apply(CODE, "P02", quote="And I don't think she believed me.")


def _suggestion(project: Any, sid: str) -> Suggestion:
    with project.store.read() as s:
        row = s.get(Suggestion, uuid.UUID(sid))
        assert row is not None
        return row


@run_async
async def test_accept_reject_and_jump(project: Any) -> None:
    _prepare(project)
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await show_screen(pilot, SuggestionsScreen(project, code=CODE))
        table = screen.query_one("#suggest-table", DataTable)
        assert table.row_count == len(screen.rows) > 5
        context = str(screen.query_one("#suggest-context").render())
        assert screen.rows[0].text.split()[0] in context

        first = screen.current
        assert first is not None
        await pilot.press("a")
        await settle(pilot)
        assert first.id not in {r.id for r in screen.rows}
        second = screen.current
        assert second is not None and second.id != first.id
        await pilot.press("r")
        await settle(pilot)
        third = screen.current
        assert third is not None
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CodingScreen)
        assert app.screen.doc_id == third.document_id
        assert app.errors == []

    accepted = _suggestion(project, first.id)
    assert accepted.status == "accepted" and accepted.coding_id is not None
    with project.store.read() as s:
        coding = s.get(Coding, accepted.coding_id)
        assert coding is not None and coding.origin == "suggestion"
        coder = s.get(Coder, coding.coder_id)
        assert coder is not None and coder.name == "ana"
        assert (coding.start, coding.end) == (first.start, first.end)
        assert not list(
            s.scalars(
                select(Coding).where(Coding.start == second.start, Coding.origin == "suggestion")
            )
        )
    assert _suggestion(project, second.id).status == "rejected"
    assert _suggestion(project, third.id).status == "pending"


@run_async
async def test_opened_from_the_app_it_asks_for_a_code(project: Any) -> None:
    _prepare(project)
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("7")  # the app's key for the suggestions screen
        await settle(pilot)
        assert isinstance(app.screen, PickerModal)
        await type_text(pilot, "feeling")
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SuggestionsScreen)
        assert screen.rows and all(r.code == CODE for r in screen.rows)
        await pilot.press("u")  # whole speaker turns
        await settle(pilot)
        assert screen.unit == "turn" and all(r.unit == "turn" for r in screen.rows)
        assert app.errors == []
