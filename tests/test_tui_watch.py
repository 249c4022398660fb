"""The workbench notices changes other processes make to the project and reloads."""

from __future__ import annotations

import asyncio
from typing import Any

import qda
from qda.tui.screens.coding import CodingScreen
from qda.tui.screens.home import HomeScreen
from tests.tui_support import SIZE, make_app, open_first_document, run_async, settle


async def _wait_for(pilot: Any, ok: Any, seconds: float = 5.0) -> bool:
    for _ in range(int(seconds / 0.05)):
        await pilot.pause(0.05)
        await settle(pilot)
        if ok():
            return True
    return False


@run_async
async def test_a_coding_made_elsewhere_appears_in_the_open_transcript(project: Any) -> None:
    app = make_app(project)
    app.WATCH_SECONDS = 0.1
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first_document(pilot)
        assert isinstance(screen, CodingScreen)
        await pilot.pause(0.3)  # the watcher has seen the project once
        before = len(screen.view.index.spans)
        doc = project.show(screen.doc_id)
        sentence = doc.sentences[3]
        other = qda.open_project(project.target, coder="bob")  # another connection
        try:
            other.add_code("seen from afar")
            other.apply("seen from afar", screen.doc_id, start=sentence.start, end=sentence.end)
        finally:
            other.close()
        assert await _wait_for(pilot, lambda: len(screen.view.index.spans) == before + 1)
        span = next(s for s in screen.view.index.spans if s.code == "seen from afar")
        assert (span.start, span.end) == (sentence.start, sentence.end)
        assert app.errors == []


@run_async
async def test_own_work_does_not_count_as_a_change_elsewhere(project: Any) -> None:
    app = make_app(project)
    app.WATCH_SECONDS = 0.1
    reloads: list[int] = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        home = app.screen
        assert isinstance(home, HomeScreen)
        real = home.reload

        def counted() -> None:
            reloads.append(1)
            real()

        home.reload = counted  # type: ignore[method-assign]
        await pilot.pause(0.3)
        app.run_db(lambda: project.add_code("our own"), lambda _r: home.changed())
        await settle(pilot)
        await asyncio.sleep(0.5)
        await settle(pilot)
        assert reloads == []  # our own change was not taken for someone else's
        other = qda.open_project(project.target, coder="bob")
        try:
            other.add_code("theirs")
        finally:
            other.close()
        assert await _wait_for(pilot, lambda: bool(reloads))


def test_change_stamp_moves_with_every_change(empty_project: qda.Project) -> None:
    first = empty_project.change_stamp()
    assert empty_project.change_stamp() == first
    empty_project.add_code("a")
    second = empty_project.change_stamp()
    empty_project.undo()
    assert len({first, second, empty_project.change_stamp()}) == 3
