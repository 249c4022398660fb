"""Long work from the TUI (import, export) runs in a worker; the result is on disk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Input, OptionList

from qda.tui.modals.form import FormModal
from qda.tui.screens.reports import ReportsScreen
from tests.tui_support import SIZE, make_app, run_async, settle


@run_async
async def test_import_a_transcript_from_home(project: Any, tmp_path: Path) -> None:
    src = tmp_path / "P99.txt"
    src.write_text(
        "Interviewer: How is it?\n\nP99: Better since the group started.\n", encoding="utf-8"
    )
    before = len(project.documents())
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await pilot.pause()
        assert isinstance(app.screen, FormModal)
        app.screen.query_one("#field-paths", Input).value = str(src)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.errors == []
    docs = project.documents()
    assert len(docs) == before + 1
    assert any(d.name == "P99" and d.participant == "P99" for d in docs)


@run_async
async def test_export_csv_from_reports(project: Any, tmp_path: Path) -> None:
    if not callable(getattr(project, "export_csv", None)):
        return  # exports not installed in this copy
    project.add_code("pacing")
    doc = project.documents()[0]
    s = project.show(doc.id).sentences[2]
    project.apply("pacing", doc.id, start=s.start, end=s.end)
    out = tmp_path / "codings.csv"
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("6")
        await settle(pilot)
        assert isinstance(app.screen, ReportsScreen)
        await pilot.press("x")
        await settle(pilot)
        exports = app.screen.query_one("#exports", OptionList)
        exports.focus()
        ids = [exports.get_option_at_index(i).id for i in range(exports.option_count)]
        exports.highlighted = ids.index("csv")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, FormModal)
        app.screen.query_one("#field-path", Input).value = str(out)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.errors == []
    written = list(tmp_path.glob("codings*"))
    assert written, "nothing was written"
    assert any("pacing" in p.read_text(encoding="utf-8") for p in written if p.is_file())
