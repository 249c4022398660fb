"""The coding screen on a 300,000-character transcript with 2,000 codings.

Rows: wrapping and indexing the transcript (the view's model), opening it in the
coding screen (text in the view, first frame, codings drawn, CPU time), drawing one
screen of rows, moving the cursor by a key, the code picker, and applying a code —
in a headless Textual app (``run_test``), so terminal output costs are not included.
Key timings include Pilot's own overhead (it waits for the app to be idle).
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from pathlib import Path
from typing import Any

from qda.bench.harness import Context, Row

CHARS = 300_000
SPANS = 2_000
SIZE = (160, 45)


def _big_project(ctx: Context) -> tuple[Path, int]:
    """A project with one ~300k-character interview, 100 codes and 2,000 codings."""
    import qda
    from qda.bench.synth import add_codes_and_codings, transcript

    path = ctx.workdir / "tui-300k.qda"
    if path.exists():
        path.unlink()
    text = transcript(random.Random(5), "P01", CHARS // 5)
    text = text[: text.rfind("\n\n", 0, CHARS)] + "\n"
    src = ctx.workdir / "tui-300k"
    src.mkdir(exist_ok=True)
    (src / "P01.txt").write_text(text, encoding="utf-8")
    p = qda.init_project(path, coder="bench")
    try:
        p.import_paths([src / "P01.txt"])
        add_codes_and_codings(p.store, codes=100, codings=SPANS)
    finally:
        p.close()
    return path, len(text)


def _row(name: str, seconds: float, note: str, target: str = "", ok: bool | None = None) -> Row:
    return Row("tui", name, seconds * 1000, "ms", target, ok, note)


def _model_rows(path: Path) -> list[Row]:
    import qda
    from qda.tui.widgets.transcript_layout import Rows, display_text
    from qda.tui.widgets.transcript_spans import Margin, Span, SpanIndex

    p = qda.open_project(path, coder="bench")
    try:
        doc = p.show(p.documents()[0].id)
        codings = p.codings(doc=doc.id)
    finally:
        p.close()
    spans = [Span(c.id, c.code_id, c.code, c.start, c.end, "#4fa3e0") for c in codings]
    times = []
    rows = None
    for _ in range(5):
        t0 = time.perf_counter()
        rows = Rows(display_text(doc.text), 110)
        index = SpanIndex(spans)
        Margin(index.spans, rows)
        times.append(time.perf_counter() - t0)
    assert rows is not None
    note = f"{len(rows)} rows"
    return [
        _row("wrap + span index + margin (300k chars, 2k spans)", statistics.median(times), note)
    ]


async def _open_rows(app: Any, pilot: Any, doc_id: str, marks: dict[str, float]) -> list[Row]:
    from qda.tui.screens.coding import CodingScreen

    opened, drawn, coded, cpu = [], [], [], []
    for _ in range(3):
        marks.clear()
        t0, c0 = time.perf_counter(), time.process_time()
        app.open_document(doc_id)
        await _settle(pilot)
        cpu.append(time.process_time() - c0)
        screen = app.screen
        assert isinstance(screen, CodingScreen) and screen.loaded
        opened.append(screen.load_time - t0)
        drawn.append(marks["drawn"] - t0)
        coded.append(screen.codings_time - t0)
        app.pop_screen()
        await _settle(pilot)
    first = statistics.median(drawn)
    return [
        _row("open 300k transcript: text in the view", statistics.median(opened), "median of 3"),
        _row("open 300k transcript: first frame", first, "text drawn", "<= 1000", first <= 1.0),
        _row(
            "open 300k transcript: 2,000 codings drawn", statistics.median(coded), "+ margin, tree"
        ),
        _row("open 300k transcript: CPU time", statistics.median(cpu), "all threads; wall varies"),
    ]


async def _use_rows(app: Any, pilot: Any, project: Any) -> list[Row]:
    from qda.tui.screens.coding import CodingScreen

    screen = app.screen
    assert isinstance(screen, CodingScreen)
    view = screen.view
    rows: list[Row] = []

    # one full screen of rows, drawn from scratch in the middle of the text
    view.scroll_to(y=len(view.rows or []) // 2, animate=False, immediate=True)
    await pilot.pause()
    times = []
    for _ in range(20):
        view._cache.clear()
        t0 = time.perf_counter()
        for y in range(view.size.height):
            view.render_line(y)
        times.append(time.perf_counter() - t0)
    note = f"{view.size.height} rows"
    rows.append(_row("draw one screen of rows (uncached)", statistics.median(times), note))

    view.focus()
    times = []
    for _ in range(30):
        t0 = time.perf_counter()
        await pilot.press("shift+down")
        times.append(time.perf_counter() - t0)
    rows.append(_row("shift+down: key to row redrawn", statistics.median(times), "incl. Pilot"))

    opening, typing, applying = [], [], []
    code = project.codes()[-1].name
    for i in range(5):
        await pilot.press("escape", *["down"] * (i + 3), "s")
        before = len(view.index)
        t0 = time.perf_counter()
        await pilot.press("c")
        opening.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        await pilot.press(*code)
        typing.append((time.perf_counter() - t0) / len(code))
        t0 = time.perf_counter()
        await pilot.press("enter")
        while len(view.index) == before:
            await pilot.pause(0.005)
        applying.append(time.perf_counter() - t0)
    rows.append(_row("code picker: open (c)", statistics.median(opening), "100 codes; incl. Pilot"))
    rows.append(
        _row("code picker: keystroke, refiltered", statistics.median(typing), "incl. Pilot")
    )
    rows.append(_row("apply a code: Enter to drawn", statistics.median(applying), "median of 5"))
    return rows


async def _app_rows(path: Path) -> list[Row]:
    import qda
    from qda.tui.app import QdaApp
    from qda.tui.widgets.transcript_view import TranscriptView

    marks: dict[str, float] = {}
    original = TranscriptView.render_line

    def render_line(self: TranscriptView, y: int) -> Any:
        strip = original(self, y)
        if self.loaded_text:
            marks.setdefault("drawn", time.perf_counter())
        return strip

    TranscriptView.render_line = render_line  # type: ignore[method-assign]
    p = qda.open_project(path, coder="bench")
    try:
        app = QdaApp(p, catch_errors=False)
        async with app.run_test(size=SIZE) as pilot:
            await _settle(pilot)
            doc_id = p.documents()[0].id
            rows = await _open_rows(app, pilot, doc_id, marks)
            app.open_document(doc_id)
            await _settle(pilot)
            rows += await _use_rows(app, pilot, p)
    finally:
        TranscriptView.render_line = original  # type: ignore[method-assign]
        p.close()
    return rows


async def _settle(pilot: Any) -> None:
    app = pilot.app
    for _ in range(10):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not app.gate.busy and not app.workers._workers:
            return


def run(ctx: Context) -> list[Row]:
    path, chars = _big_project(ctx)
    rows = _model_rows(path)
    rows.extend(asyncio.run(_app_rows(path)))
    for r in rows:
        r.note = f"{r.note}; {chars:,} chars"
    return rows
