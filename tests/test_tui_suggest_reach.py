"""Pilot tests: reaching the suggestions screen from the coding and codebook screens,
and the in-vivo picker (the selected words, or a salient phrase), checked in the database."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select

from qda.coding.codings import invivo_name
from qda.db.models import Code, Coding
from qda.tui.modals.invivo_picker import InvivoPickerModal
from qda.tui.modals.picker import PickerModal
from qda.tui.screens.coding import CodingScreen
from qda.tui.screens.suggestions import SuggestionsScreen
from tests.tui_support import (
    SIZE,
    make_app,
    open_codebook_at,
    open_first_document,
    run_async,
    settle,
)

OUTER = "getting the back seen to"
INNER = "a long history"


def _counts(project: Any) -> tuple[int, int]:
    with project.store.read() as s:
        codes = s.scalar(select(func.count()).select_from(Code)) or 0
        codings = s.scalar(select(func.count()).select_from(Coding)) or 0
    return codes, codings


def _coding_of(project: Any, code_name: str) -> Coding:
    code_id = uuid.UUID(project.code(code_name).id)
    with project.store.read() as s:
        rows = list(s.scalars(select(Coding).where(Coding.code_id == code_id)))
    assert len(rows) == 1
    return rows[0]


def _sentence(project: Any, doc_id: str, words: str) -> tuple[int, int]:
    doc = project.show(doc_id)
    at = doc.text.index(words)
    s = next(s for s in doc.sentences if s.start <= at < s.end)
    return s.start, s.end


@run_async
async def test_from_the_coding_screen_for_the_code_at_the_cursor(project: Any) -> None:
    doc = project.documents()[0]
    turn = [t for t in project.show(doc.id).turns if not t.is_interviewer][1]
    start, end = _sentence(project, doc.id, "it's been twelve years now")
    assert turn.body_start < start < end <= turn.end
    project.add_code(OUTER)
    project.add_code(INNER)
    project.apply(OUTER, doc.id, start=turn.body_start, end=turn.end)
    project.apply(INNER, doc.id, start=start, end=end)
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first_document(pilot)
        assert isinstance(screen, CodingScreen)
        screen.view.focus()
        await pilot.press("n", "n")  # the turn's coding, then the sentence's inside it
        assert screen.view.selection[0] == start
        await pilot.press("f")
        await settle(pilot)
        top = app.screen
        assert isinstance(top, SuggestionsScreen)
        assert top.code == project.code(INNER).id  # the innermost coding at the cursor
        assert top.rows and all(r.code == INNER for r in top.rows)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen  # back where we were
        assert screen.view.selection[0] == start

        # nothing at the cursor, nothing chosen: the last code used
        await pilot.press("ctrl+home")
        assert screen.view.spans_at_cursor() == ()
        app.remember_code(project.code(OUTER).id)
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, SuggestionsScreen)
        assert app.screen.code == project.code(OUTER).id
        await pilot.press("escape")
        await settle(pilot)

        # and with no code at hand at all, the suggestions screen asks for one
        app.recent_codes.clear()
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, PickerModal)
        assert isinstance(app.screen_stack[-2], SuggestionsScreen)
        assert app.errors == []


@run_async
async def test_from_the_codebook_accept_one(project: Any) -> None:
    doc = project.documents()[0]
    project.add_code("feeling listened to", definition="Being heard and believed, or not.")
    project.add_code("pacing")
    code_id = project.code("feeling listened to").id
    project.apply(code_id, doc.id, quote="nobody really asked me what I wanted")
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        book = await open_codebook_at(pilot, code_id)
        assert book.current is not None and book.current.id == code_id
        await pilot.press("f")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SuggestionsScreen) and screen.code == code_id
        first = screen.current
        assert first is not None
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is book
        assert book.current is not None and book.current.codings == 2  # reloaded
        assert app.errors == []
    with project.store.read() as s:
        rows = list(s.scalars(select(Coding).where(Coding.origin == "suggestion")))
    assert len(rows) == 1
    assert str(rows[0].code_id) == code_id
    assert (str(rows[0].document_id), rows[0].start, rows[0].end) == (
        first.document_id,
        first.start,
        first.end,
    )


@run_async
async def test_invivo_enter_names_the_code_by_the_selected_words(project: Any) -> None:
    doc = project.documents()[0]
    start, end = _sentence(project, doc.id, "working at the school")
    before = _counts(project)
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first_document(pilot)
        screen.select(start, end)
        await pilot.press("v", "enter")  # at once: the phrases are not needed for this
        await settle(pilot)
        assert isinstance(app.screen, CodingScreen)
        assert app.errors == []
    name = invivo_name(project.show(doc.id).text[start:end])
    coding = _coding_of(project, name)
    assert (coding.start, coding.end) == (start, end)
    assert coding.origin == "invivo"
    assert _counts(project) == (before[0] + 1, before[1] + 1)


@run_async
async def test_invivo_a_salient_phrase_names_the_code(project: Any) -> None:
    doc = project.documents()[0]
    start, end = _sentence(project, doc.id, "working at the school")
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first_document(pilot)
        screen.select(start, end)
        await pilot.press("v")
        await settle(pilot)  # the phrases have arrived
        picker = app.screen
        assert isinstance(picker, InvivoPickerModal) and not picker.searching
        labels = [c.label for c in picker.choices]
        assert len(labels) >= 3
        assert labels[0] == invivo_name(project.show(doc.id).text[start:end])
        phrase = labels[1]
        assert phrase.lower() in project.show(doc.id).text[start:end].lower()
        await pilot.press("down", "enter")
        await settle(pilot)
        assert app.errors == []
        assert [s.code for s in screen.view.index.spans] == [phrase]  # drawn at once
    coding = _coding_of(project, phrase)
    assert (coding.start, coding.end) == (start, end)  # the whole selection
    assert coding.origin == "invivo"
    assert project.code(phrase).origin == "invivo"


@run_async
async def test_invivo_escape_writes_nothing(project: Any) -> None:
    doc = project.documents()[0]
    start, end = _sentence(project, doc.id, "working at the school")
    before = _counts(project)
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first_document(pilot)
        screen.select(start, end)
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, InvivoPickerModal)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        assert screen.view.trimmed_selection() == (start, end)  # the selection stays
        await pilot.press("v", "escape")  # also before the phrases arrive
        await settle(pilot)
        assert app.screen is screen
    assert _counts(project) == before


@run_async
async def test_invivo_without_a_selection_offers_the_turn_and_codes_a_sentence(
    project: Any,
) -> None:
    doc = project.show(project.documents()[0].id)
    turn = [t for t in doc.turns if not t.is_interviewer][1]
    before = _counts(project)
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first_document(pilot)
        screen.select(turn.body_start + 5, turn.body_start + 5)  # a cursor, no selection
        await pilot.press("v")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, InvivoPickerModal)
        assert len(picker.choices) >= 2
        phrase = picker.choices[0].label
        await pilot.press("enter")
        await settle(pilot)
        assert app.errors == []
        coded = screen.view.trimmed_selection()  # the coded sentence is shown selected
    coding = _coding_of(project, phrase)
    assert (coding.start, coding.end) == coded
    first = doc.text.lower().index(phrase.lower(), turn.body_start)
    assert coding.start <= first < first + len(phrase) <= coding.end
    sentence = next(s for s in doc.sentences if s.start <= first < s.end)
    assert sentence.start <= coding.start and coding.end <= sentence.end
    assert (
        doc.text[coding.start : coding.end].strip()
        == doc.text[sentence.start : sentence.end].strip()
    )
    assert _counts(project) == (before[0] + 1, before[1] + 1)


@run_async
async def test_invivo_in_an_interviewer_turn_asks_for_a_selection(project: Any) -> None:
    doc = project.show(project.documents()[0].id)
    turn = next(t for t in doc.turns if t.is_interviewer)
    before = _counts(project)
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first_document(pilot)
        screen.select(turn.body_start + 2, turn.body_start + 2)
        await pilot.press("v")
        await settle(pilot)
        assert app.screen is screen
    assert _counts(project) == before
