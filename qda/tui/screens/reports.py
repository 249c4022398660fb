"""ReportsScreen: the saturation curve, co-occurrence, code × participant matrix,
crosstab by attribute, the rolled-up tree, and the exports (with a progress bar)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import (
    DataTable,
    Header,
    OptionList,
    ProgressBar,
    Select,
    Static,
    TabbedContent,
    TabPane,
)
from textual.widgets.option_list import Option

from qda.tui.messages import ProgressUpdated
from qda.tui.modals.form import Field, FormModal
from qda.tui.screens.base import QdaScreen
from qda.tui.widgets.key_bar import KeyBar
from qda.tui.widgets.saturation_plot import SaturationPlot, SaturationPoint

# kind -> (title, project method, default file name)
EXPORTS = {
    "codebook": ("Codebook (Word)", "export_codebook", "codebook.docx"),
    "report": ("Theme report (Word)", "export_report", "report.docx"),
    "qdpx": ("Project for NVivo, ATLAS.ti, MAXQDA (REFI-QDA .qdpx)", "export_qdpx", "project.qdpx"),
    "qdc": ("Codebook for other tools (REFI-QDA .qdc)", "export_qdc", "codebook.qdc"),
    "csv": ("Codings as CSV", "export_csv", "codings.csv"),
}
WITH_PROGRESS = {"codebook", "report", "qdpx"}


def _table(table: DataTable[Any], header: list[str], rows: list[list[Any]]) -> None:
    table.clear(columns=True)
    table.add_columns(*header)
    for row in rows:
        table.add_row(
            *[Text(str(v), justify="right") if isinstance(v, int | float) else v for v in row]
        )


class ReportsScreen(QdaScreen):
    """Analysis at a glance; each tab is read when it is opened."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "r", "refresh", "Refresh", id="reports.refresh", tooltip="Compute the reports again"
        ),
        Binding(
            "x", "show_tab('tab-export')", "Export", id="reports.export", tooltip="Export files"
        ),
    ]

    def __init__(self, project: Any) -> None:
        super().__init__(project)
        self.loaded_tabs: set[str] = set()

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(id="reports"):
            with TabPane("Saturation", id="tab-saturation"):
                yield Static(id="saturation-summary", classes="report-note")
                yield SaturationPlot(id="saturation-plot")
                yield DataTable(id="saturation-table", zebra_stripes=True)
            with TabPane("Co-occurrence", id="tab-cooc"):
                yield Static("Codes coding overlapping spans.", classes="report-note")
                yield DataTable(id="cooc", zebra_stripes=True)
            with TabPane("Code × participant", id="tab-matrix"):
                yield Static("Codings of each code for each participant.", classes="report-note")
                yield DataTable(id="matrix", zebra_stripes=True)
            with TabPane("Crosstab", id="tab-crosstab"):
                yield Select([], prompt="attribute", id="crosstab-attr")
                yield Static(classes="report-note", id="crosstab-note")
                yield DataTable(id="crosstab", zebra_stripes=True)
            with TabPane("Tree", id="tab-tree"):
                yield Static("Counts rolled up to categories and themes.", classes="report-note")
                yield DataTable(id="tree", zebra_stripes=True)
            with TabPane("Export", id="tab-export"):
                yield Static("Enter writes a file (you choose where).", classes="report-note")
                yield OptionList(id="exports")
                yield ProgressBar(id="export-progress", show_eta=False)
                yield Static(id="export-result", classes="report-note")
        yield KeyBar()

    def on_mount(self) -> None:
        self.sub_title = "Reports"
        exports = self.query_one("#exports", OptionList)
        for kind, (title, method, _f) in EXPORTS.items():
            if self.has_api(method):
                exports.add_option(Option(title, id=kind))
        if not exports.option_count:
            exports.add_option(
                Option(Text("Exports are not installed in this copy.", style="dim"), disabled=True)
            )
        self.query_one("#export-progress").display = False

    def reload(self) -> None:
        self.loaded_tabs.clear()
        self._load(self.query_one(TabbedContent).active or "tab-saturation")

    def action_refresh(self) -> None:
        self.reload()

    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    @on(TabbedContent.TabActivated)
    def _tab(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id:
            self._load(event.pane.id)

    def _load(self, tab: str) -> None:
        if tab in self.loaded_tabs or tab == "tab-export":
            return
        self.loaded_tabs.add(tab)
        p = self.project
        if tab == "tab-saturation" and self.has_api("report_saturation"):
            self.run_db(p.report_saturation, self._saturation)
        elif tab == "tab-cooc" and self.has_api("report_cooccurrence"):
            self.run_db(p.report_cooccurrence, self._cooccurrence)
        elif tab == "tab-matrix" and self.has_api("report_matrix"):
            self.run_db(p.report_matrix, self._matrix)
        elif tab == "tab-tree" and self.has_api("report_tree"):
            self.run_db(p.report_tree, self._tree)
        elif tab == "tab-crosstab":
            self.run_db(p.attributes, self._attributes)

    # -- saturation --------------------------------------------------------------------
    def _saturation(self, data: dict[str, Any]) -> None:
        docs = data.get("documents", [])
        points = [SaturationPoint(d["document"], d["new_codes"], d["cumulative"]) for d in docs]
        self.query_one("#saturation-plot", SaturationPlot).set_data(
            points, data.get("saturation_at")
        )
        text = Text()
        total = data.get("total_codes", points[-1].cumulative if points else 0)
        n = len(points)
        text.append(
            f"{total} code{'s' * (total != 1)} over {n} coded transcript{'s' * (n != 1)} "
            f"({data.get('order')} order). "
        )
        if data.get("saturated"):
            text.append(
                f"Saturation reached at transcript {data.get('saturation_at')}", style="bold"
            )
            text.append(
                f": runs of {data.get('run_length')} brought under "
                f"{data.get('threshold', 0):.0%} new codes "
                f"relative to the first {data.get('base_size')}."
            )
        elif not data.get("enough_documents", True):
            text.append("Too few coded transcripts to judge saturation yet.")
        else:
            text.append("Not saturated: recent transcripts still bring new codes.", style="bold")
        text.append(
            "\nBars: new codes per transcript · dots: cumulative codes · ┆ saturation.", style="dim"
        )
        self.query_one("#saturation-summary", Static).update(text)
        rows = [
            [
                d["index"],
                d["document"],
                d.get("participant") or "",
                d["new_codes"],
                d["cumulative"],
                ", ".join(d["new"]),
            ]
            for d in docs
        ]
        header = ["#", "transcript", "participant", "new", "cumulative", "new codes"]
        _table(self.query_one("#saturation-table", DataTable), header, rows)

    # -- tables ------------------------------------------------------------------------
    def _cooccurrence(self, data: dict[str, Any]) -> None:
        codes = data.get("codes", [])
        matrix = data.get("matrix", [])
        header = ["code", *[c["name"][:12] for c in codes]]
        rows = [[c["path"], *matrix[i]] for i, c in enumerate(codes)]
        _table(self.query_one("#cooc", DataTable), header, rows)

    def _matrix(self, data: dict[str, Any]) -> None:
        cols = data.get("columns", [])
        header = ["code", *[c["name"] for c in cols], "total"]
        rows = [[r["path"], *r["values"], r["total"]] for r in data.get("rows", [])]
        _table(self.query_one("#matrix", DataTable), header, rows)

    def _tree(self, data: dict[str, Any]) -> None:
        header = ["code", "kind", "segments", "transcripts", "participants"]
        rows = [
            [
                "  " * c["depth"] + c["name"] + (" ★" if c.get("is_core") else ""),
                c["kind"],
                c["total_codings"],
                c["total_documents"],
                c["total_participants"],
            ]
            for c in data.get("codes", [])
        ]
        _table(self.query_one("#tree", DataTable), header, rows)

    def _attributes(self, attrs: list[dict[str, str]]) -> None:
        select = self.query_one("#crosstab-attr", Select)
        select.set_options([(a["name"], a["name"]) for a in attrs])
        if not attrs:
            self.query_one("#crosstab-note", Static).update(
                "No participant attributes in this project."
            )

    @on(Select.Changed, "#crosstab-attr")
    def _crosstab_attr(self, event: Select.Changed) -> None:
        if event.value is Select.NULL or not self.has_api("report_crosstab"):
            return
        p = self.project
        attr = str(event.value)
        self.run_db(lambda: p.report_crosstab(attr), self._crosstab)

    def _crosstab(self, data: dict[str, Any]) -> None:
        groups = data.get("groups", [])
        header = [
            "code",
            *[f"{g['label']} (n={g['participants']})" for g in groups],
            "participants",
        ]
        rows = [
            [
                r["path"],
                *[f"{pc:.0f}% ({n})" for pc, n in zip(r["percent"], r["present"], strict=False)],
                r["total_present"],
            ]
            for r in data.get("rows", [])
        ]
        _table(self.query_one("#crosstab", DataTable), header, rows)
        self.query_one("#crosstab-note", Static).update(
            f"Share of participants with each code, by {data.get('attribute')} "
            f"({data.get('bins', 'value')})."
        )

    # -- exports -----------------------------------------------------------------------
    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        kind = event.option.id
        if not kind or kind not in EXPORTS:
            return
        title, method, filename = EXPORTS[kind]
        default = str(Path(os.getcwd()) / filename)

        def chosen(values: dict[str, str] | None) -> None:
            if values and values["path"].strip():
                self._export(kind, method, Path(values["path"].strip()).expanduser())

        field = Field("path", "Write to", default)
        self.app.push_screen(FormModal(f"Export: {title}", [field]), chosen)

    def _export(self, kind: str, method: str, path: Path) -> None:
        bar = self.query_one("#export-progress", ProgressBar)
        bar.display = True
        bar.update(total=None, progress=0)
        fn = getattr(self.project, method)

        def progress(done: int, total: int) -> None:  # called in the worker thread
            self.post_message(ProgressUpdated(kind, done, total))

        def work() -> Any:
            return fn(path, progress=progress) if kind in WITH_PROGRESS else fn(path)

        def done(_result: Any) -> None:
            bar.display = False
            self.query_one("#export-result", Static).update(f"Wrote {path}")
            self.notify(f"Exported {path.name}")

        self.run_db(work, done, lambda _e: setattr(bar, "display", False))

    def on_progress_updated(self, message: ProgressUpdated) -> None:
        bar = self.query_one("#export-progress", ProgressBar)
        bar.update(total=message.total or None, progress=message.done)
