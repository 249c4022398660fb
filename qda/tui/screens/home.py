"""HomeScreen: the project at a glance, its transcripts, recent activity, the way on."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Header, Label, OptionList, ProgressBar, Static
from textual.widgets.option_list import Option

from qda.tui.messages import ProgressUpdated
from qda.tui.modals.form import Field, FormModal
from qda.tui.navigation import SCREENS, screen_class
from qda.tui.screens.base import QdaScreen
from qda.tui.widgets.key_bar import KeyBar


class HomeScreen(QdaScreen):
    """Documents with participants; Enter opens one in the coding screen."""

    document_count: int | None = None  # None until the list is read

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("o", "open_document", "Open transcript", id="home.open"),
        Binding(
            "i",
            "import",
            "Import",
            id="home.import",
            tooltip="Import transcripts (files or a folder)",
        ),
        Binding("r", "reload", "Refresh", id="home.refresh"),
        Binding("ctrl+q", "app.quit", "Quit", id="home.quit"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="home"):
            with Vertical(id="home-side"):
                yield Static(id="stats")
                yield Label("Go to", classes="section-title")
                nav = OptionList(id="nav")
                yield nav
                yield Label("Recent activity", classes="section-title")
                yield Static(id="activity", markup=False)
            with Vertical(id="home-main"):
                yield Label("Transcripts — Enter opens one for coding", classes="section-title")
                table: DataTable[Any] = DataTable(
                    id="documents", cursor_type="row", zebra_stripes=True
                )
                yield table
                yield ProgressBar(id="import-progress", show_eta=False)
                yield Static(id="participant", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self.sub_title = "Home"
        side = self.query_one("#home-side").styles
        side.width, side.max_width, side.min_width = "38%", 52, 30  # narrow: the table wins
        table = self.query_one("#documents", DataTable)
        table.add_columns("transcript", "participant", "words", "turns", "codings")
        nav = self.query_one("#nav", OptionList)
        for name, (_m, _c, key, title, desc) in SCREENS.items():
            if name == "home" or (name in ("suggestions", "team") and screen_class(name) is None):
                continue
            nav.add_option(
                Option(Text.assemble((f" {key} ", "bold"), f"{title} — {desc}"), id=name)
            )
        self.participants: dict[str, dict[str, Any]] = {}
        self.query_one("#import-progress").display = False
        table.focus()

    def action_reload(self) -> None:
        self.reload()

    def reload(self) -> None:
        p = self.project

        def fetch() -> dict[str, Any]:
            data: dict[str, Any] = {
                "info": p.info(),
                "documents": p.documents(),
                "participants": {r["name"]: r for r in p.participants()},
            }
            log = getattr(p, "log", None)
            data["log"] = log(limit=8) if callable(log) else []
            return data

        self.run_db(fetch, self._show)

    def _show(self, data: dict[str, Any]) -> None:
        info = data["info"]
        stats = Table.grid(padding=(0, 1))
        stats.add_column(justify="right", style="bold")
        stats.add_column()
        for key in ("documents", "participants", "words", "codes", "codings", "memos"):
            n = info.get(key, 0)
            stats.add_row(f"{n:,}", key if n != 1 else key[:-1])
        coders = info.get("coders") or []
        label = "coder" if len(coders) == 1 else "coders"
        stats.add_row(str(len(coders)), label + (f": {', '.join(coders)}" if coders else ""))
        self.query_one("#stats", Static).update(stats)
        self.participants = data["participants"]
        self.document_count = len(data["documents"])
        table = self.query_one("#documents", DataTable)
        keep = table.cursor_row
        table.clear()
        for d in data["documents"]:
            table.add_row(
                d.name, d.participant or "—", f"{d.words:,}", str(d.turns), str(d.codings), key=d.id
            )
        if data["documents"]:
            table.move_cursor(row=min(keep, len(data["documents"]) - 1))
            if self.qda.last_document is None:
                self.qda.last_document = data["documents"][0].id
        lines = [
            f"{e.at[5:16].replace('T', ' ')}  {e.coder or '?'}: {e.summary or e.action}"
            for e in data["log"]
        ]
        self.query_one("#activity", Static).update("\n".join(lines) or "nothing yet")

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        row = event.data_table.get_row(event.row_key) if event.row_key else None
        if not row:
            return
        person = self.participants.get(str(row[1]))
        text = Text()
        if person:
            text.append(f"{person['name']}  ", style="bold")
            attrs = person.get("attributes", {})
            text.append("  ".join(f"{k}: {v}" for k, v in attrs.items() if v is not None))
        self.query_one("#participant", Static).update(text)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self.qda.open_document(event.row_key.value)

    def action_open_document(self) -> None:
        table = self.query_one("#documents", DataTable)
        if table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
            if key.value:
                self.qda.open_document(key.value)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.qda.action_go(event.option.id)

    def action_import(self) -> None:
        fields = [
            Field(
                "paths", "Files or folders (separate several with ;)", placeholder="~/interviews"
            ),
            Field("participant", "Participant (optional: else from each file name)"),
            Field("attributes", "Participant attributes CSV (optional)"),
        ]
        self.app.push_screen(
            FormModal("Import transcripts", fields, save_label="Import"), self._import
        )

    def _import(self, values: dict[str, str] | None) -> None:
        if not values or not values["paths"].strip():
            return
        from pathlib import Path

        paths = [Path(p.strip()).expanduser() for p in values["paths"].split(";") if p.strip()]
        participant = values["participant"].strip() or None
        attrs = values["attributes"].strip()
        p = self.project
        bar = self.query_one("#import-progress", ProgressBar)
        bar.display = True
        bar.update(total=None, progress=0)

        def progress(done: int, total: int) -> None:  # in the worker thread
            self.post_message(ProgressUpdated("import", done, total))

        def work() -> Any:
            report = p.import_paths(paths, participant=participant, progress=progress)
            if attrs:
                p.import_attributes(Path(attrs).expanduser())
            return report

        def done(report: Any) -> None:
            bar.display = False
            skipped = "; ".join(f"{s['path']}: {s['reason']}" for s in report.skipped)
            text = f"Imported {len(report.imported)}, unchanged {len(report.duplicates)}"
            if skipped:
                self.qda.show_error(f"{text}; skipped {len(report.skipped)}: {skipped}")
            else:
                self.notify(text)
            self.changed()
            self.reload()

        self.run_db(work, done, lambda _e: setattr(bar, "display", False))

    def on_progress_updated(self, message: ProgressUpdated) -> None:
        self.query_one("#import-progress", ProgressBar).update(
            total=message.total or None, progress=message.done
        )
