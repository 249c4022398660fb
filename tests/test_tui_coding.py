"""Pilot tests of the coding screen: every action is checked in the database."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from qda.db.models import Code, Coding, Memo, MemoLink
from qda.tui.modals.code_picker import CodePickerModal
from qda.tui.modals.form import FormModal
from qda.tui.screens.coding import CodingScreen
from tests.tui_support import (
    SIZE,
    make_app,
    open_first_document,
    run_async,
    settle,
    type_text,
)


def _codings(project: Any) -> list[Coding]:
    with project.store.read() as s:
        return list(s.scalars(select(Coding).order_by(Coding.created_at)))


async def _select_sentence(pilot: Any, screen: CodingScreen, downs: int) -> tuple[int, int]:
    screen.view.focus()
    await pilot.press(*["down"] * downs, "s")
    await pilot.pause()
    return screen.view.trimmed_selection()


@run_async
async def test_select_and_apply_a_new_code(project: Any) -> None:
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first_document(pilot)
        assert isinstance(screen, CodingScreen)
        start, end = await _select_sentence(pilot, screen, 5)
        assert end > start
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, CodePickerModal)
        await type_text(pilot, "being the back")
        await pilot.press("tab")
        await type_text(pilot, "body part")
        await pilot.press("enter")
        await settle(pilot)
        assert app.errors == []
    rows = _codings(project)
    assert len(rows) == 1
    doc = project.show(screen.doc_id)
    assert (rows[0].start, rows[0].end) == (start, end)
    assert rows[0].quote == doc.text[start:end]
    code = project.code("being the back")
    assert code.definition == "body part"
    assert code.codings == 1


@run_async
async def test_apply_an_existing_code_through_the_picker(project: Any) -> None:
    project.add_code("feeling listened to", definition="the clinician hears the person")
    project.add_code("pacing activity")
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first_document(pilot)
        # extend the selection by keys: a word, then shift+right twice
        screen.view.focus()
        await pilot.press(*["down"] * 7, "w", "shift+right", "shift+right")
        await pilot.pause()
        start, end = screen.view.trimmed_selection()
        await pilot.press("c")
        await pilot.pause()
        await type_text(pilot, "listened")  # a part of the name: fuzzy filter
        await pilot.press("enter")
        await settle(pilot)
    rows = _codings(project)
    assert len(rows) == 1
    assert str(rows[0].code_id) == project.code("feeling listened to").id
    assert (rows[0].start, rows[0].end) == (start, end)
    with project.store.read() as s:
        assert s.scalar(select(func.count()).select_from(Code)) == 2  # nothing new created


@run_async
async def test_invivo_code(project: Any) -> None:
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first_document(pilot)
        start, end = await _select_sentence(pilot, screen, 5)
        await pilot.press("v", "enter")  # in vivo: the selected words (first choice)
        await settle(pilot)
    rows = _codings(project)
    assert len(rows) == 1 and (rows[0].start, rows[0].end) == (start, end)
    with project.store.read() as s:
        code = s.get(Code, rows[0].code_id)
        assert code is not None and code.origin == "invivo"


@run_async
async def test_memo_on_a_coding(project: Any) -> None:
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first_document(pilot)
        await _select_sentence(pilot, screen, 5)
        await pilot.press("v", "enter")  # in vivo: the selected words (first choice)
        await settle(pilot)
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, FormModal)
        app.screen.query_one("#field-title").value = "Being done to"
        body = app.screen.query_one("#field-text")
        body.focus()
        await type_text(pilot, "Contrast")  # typed into the editor, after the quote
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.errors == []
    coding = _codings(project)[0]
    with project.store.read() as s:
        memo = s.scalars(select(Memo)).one()
        links = {(link.target_kind, link.target_id) for link in s.scalars(select(MemoLink))}
    assert memo.title == "Being done to"
    assert memo.body.startswith("> ") and memo.body.rstrip().endswith("Contrast")
    assert ("coding", coding.id) in links
    assert ("document", coding.document_id) in links


@run_async
async def test_undo_and_redo(project: Any) -> None:
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first_document(pilot)
        await _select_sentence(pilot, screen, 5)
        await pilot.press("v", "enter")  # in vivo: the selected words (first choice)
        await settle(pilot)
        assert len(_codings(project)) == 1
        await pilot.press("u")
        await settle(pilot)
        assert _codings(project) == []
        assert screen.view.index.spans == []
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert len(_codings(project)) == 1
        assert len(screen.view.index.spans) == 1


@run_async
async def test_uncode_and_jump_between_codings(project: Any) -> None:
    doc = project.documents()[0]
    text = project.show(doc.id).text
    a = text.index("done to you")
    b = text.index("seven")
    project.add_code("being done to")
    first = project.apply("being done to", doc.id, start=a, end=a + 11)
    second = project.apply("being done to", doc.id, start=b, end=b + 5)
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first_document(pilot)
        screen.view.focus()
        await pilot.press("n")
        assert screen.view.selection == (first.start, first.end)
        await pilot.press("n")
        assert screen.view.selection == (second.start, second.end)
        await pilot.press("p")
        assert screen.view.selection == (first.start, first.end)
        await pilot.press("x")
        await settle(pilot)
    assert [str(c.id) for c in _codings(project)] == [second.id]


@run_async
async def test_next_uncoded_turn_skips_coded_and_interviewer_turns(project: Any) -> None:
    doc = project.show(project.documents()[0].id)
    participant_turns = [t for t in doc.turns if not t.is_interviewer]
    t0 = participant_turns[0]
    project.add_code("x")
    project.apply("x", doc.id, start=t0.body_start, end=t0.body_start + 3)
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first_document(pilot)
        screen.view.focus()
        await pilot.press("g")
        start, _end = screen.view.selection
        assert start == participant_turns[1].body_start


@run_async
async def test_select_by_dragging_the_mouse_and_code(project: Any) -> None:
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first_document(pilot)
        view = screen.view
        await pilot.mouse_down(view, offset=(8, 0))
        await pilot.hover(view, offset=(30, 1))
        await pilot.mouse_up(view, offset=(30, 1))
        await pilot.pause()
        start, end = view.selection
        assert end - start > 20
        expected = view.trimmed_selection()
        await pilot.press("c")
        await type_text(pilot, "dragged")
        await pilot.press("enter")
        await settle(pilot)
    rows = _codings(project)
    assert [(r.start, r.end) for r in rows] == [expected]


@run_async
async def test_choosing_a_code_in_the_tree_highlights_and_steps_through_it(project: Any) -> None:
    doc = project.documents()[0]
    sentences = project.show(doc.id).sentences
    project.add_code("a")
    project.add_code("b")
    spans = {}
    for i, code in ((2, "a"), (4, "b"), (6, "a")):
        spans.setdefault(code, []).append(
            project.apply(code, doc.id, start=sentences[i].start, end=sentences[i].end)
        )
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first_document(pilot)
        screen.code_tree.focus()
        screen.code_tree.show_code(project.code("a").id)
        await pilot.press("enter")
        await pilot.pause()
        assert screen.view.focus_code == project.code("a").id
        screen.view.focus()
        await pilot.press("n", "n")
        a2 = spans["a"][1]
        assert screen.view.selection == (a2.start, a2.end)  # "b" was skipped
