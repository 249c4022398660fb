"""Helpers for the TUI tests: start the app on a project and wait for its workers."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from typing import Any

from textual.pilot import Pilot

from qda.tui.app import QdaApp

SIZE = (140, 40)


async def settle(pilot: Pilot[Any], rounds: int = 6) -> None:
    """Wait until no database worker is running and the messages are handled."""
    app = pilot.app
    for _ in range(rounds):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not app.workers._workers and not getattr(app, "gate").busy:  # noqa: B009
            await pilot.pause()
            if not app.workers._workers:
                return


def make_app(project: Any) -> QdaApp:
    return QdaApp(project, catch_errors=False, theme="qda-dark")


async def type_text(pilot: Pilot[Any], text: str) -> None:
    await pilot.press(*["space" if ch == " " else ch for ch in text])


async def open_first_document(pilot: Pilot[Any]) -> Any:
    """From home, Enter on the first transcript; returns the coding screen."""
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    return pilot.app.screen


async def open_codebook_at(pilot: Pilot[Any], code_id: Any) -> Any:
    """From home, the codebook (key 3) with ``code_id`` highlighted; returns the screen."""
    from qda.tui.screens.codebook import CodebookScreen

    await settle(pilot)
    await pilot.press("3")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, CodebookScreen)
    screen.code_tree.show_code(code_id)
    await pilot.pause()
    return screen


def run_async(fn: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an ``async def`` test with asyncio (no async plugin is needed)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(fn(*args, **kwargs))

    return wrapper


async def show_screen(pilot: Pilot[Any], screen: Any) -> Any:
    """Push ``screen``, wait for its workers, and return it (checked to be on top)."""
    await pilot.app.push_screen(screen)
    await settle(pilot)
    assert isinstance(pilot.app.screen, type(screen)), pilot.app.screen
    return pilot.app.screen
