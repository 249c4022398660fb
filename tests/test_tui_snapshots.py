"""Snapshots of the key screens (pytest-textual-snapshot; SVGs in tests/snapshots).

Regenerate after an intended change with ``pytest tests/test_tui_snapshots.py
--snapshot-update`` and look at the SVGs before committing them.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Input

from tests.tui_support import make_app, settle

SIZE = (130, 36)


def _prepare(project: Any) -> None:
    """A small coded project with fixed colours (code ids are random)."""
    project.add_code("connecting with health professionals", kind="theme", color="#4fa3e0")
    project.add_code(
        "being listened to",
        kind="category",
        parent="connecting with health professionals",
        color="#67c23a",
    )
    project.add_code(
        "feeling heard",
        parent="being listened to",
        color="#e6a23c",
        definition="The clinician hears the person.",
    )
    project.add_code(
        "being done to", color="#f56c9d", definition="Decisions made without the person."
    )
    doc = project.documents()[0]
    view = project.show(doc.id)
    for i, code in (
        (3, "feeling heard"),
        (5, "being done to"),
        (9, "feeling heard"),
        (10, "being done to"),
    ):
        s = view.sentences[i]
        project.apply(code, doc.id, start=s.start, end=s.end)
    s = view.sentences[12]
    project.apply("feeling heard", doc.id, start=s.start, end=s.end)
    project.apply("being done to", doc.id, start=s.start + 10, end=s.end)
    project.add_code("pacing", color="#2fc2b6")
    project.add_code("no difference", color="#b47ee5")
    for d, codes in zip(
        project.documents()[1:5],
        (["feeling heard", "pacing"], ["no difference"], ["pacing"], ["feeling heard"]),
        strict=True,
    ):
        sentences = project.show(d.id).sentences
        for i, code in enumerate(codes):
            s = sentences[4 + 3 * i]
            project.apply(code, d.id, start=s.start, end=s.end)


async def _settle(pilot: Any) -> None:
    await settle(pilot)


@pytest.fixture
def coded(project: Any) -> Any:
    _prepare(project)
    return project


def test_coding_screen(coded: Any, snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press(*["down"] * 6, "s", "s")
        await pilot.pause(0.4)  # past the memo panel's 0.25 s debounce
        await settle(pilot)

    assert snap_compare(make_app(coded), terminal_size=SIZE, run_before=run_before)


def test_code_picker(coded: Any, snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press(*["down"] * 6, "s", "c", "h", "e", "a")
        await pilot.pause(0.4)  # past the memo panel's 0.25 s debounce
        for field in pilot.app.screen.query(Input):  # a steady cursor, not a blinking one
            field.cursor_blink = False
        await settle(pilot)

    assert snap_compare(make_app(coded), terminal_size=SIZE, run_before=run_before)


def test_codebook_screen(coded: Any, snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("down", "down")
        await pilot.pause(0.4)  # past the memo panel's 0.25 s debounce
        await settle(pilot)

    assert snap_compare(make_app(coded), terminal_size=SIZE, run_before=run_before)


def test_compare_screen(coded: Any, snap_compare: Any) -> None:
    app = make_app(coded)
    code_id = coded.code("feeling heard").id

    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        app.compare_code(code_id)
        await pilot.pause(0.4)  # past the memo panel's 0.25 s debounce
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_reports_saturation(coded: Any, snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("6")
        await pilot.pause(0.4)  # past the memo panel's 0.25 s debounce
        await settle(pilot)

    assert snap_compare(make_app(coded), terminal_size=SIZE, run_before=run_before)


def test_light_theme_coding(coded: Any, snap_compare: Any) -> None:
    app = make_app(coded)
    app.theme = "qda-light"

    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press(*["down"] * 6, "t")
        await pilot.pause(0.4)  # past the memo panel's 0.25 s debounce
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
