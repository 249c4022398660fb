"""ReportsScreen: the saturation curve, co-occurrence, code × participant matrix,
crosstab by attribute, the rolled-up tree, and the exports (with a progress bar)."""

from __future__ import annotations

import os
from collections.abc import Callable
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

from qda.tui.fit import (
    clip_words,
    fit,
    fit_path,
    name_column,
    other_columns_width,
    plural,
)
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
NAMED_TABLES = ("cooc", "matrix", "crosstab", "tree")  # first column: a code, cut to fit
NOTES = {
    "cooc": "Codes coding overlapping spans.",
    "matrix": "Codings of each code for each participant.",
    "tree": "Counts rolled up to categories and themes.",
}
SCROLLS = "  Tab to the table, then → scrolls it (the code stays in view)."


def _table(
    table: DataTable[Any],
    header: list[str],
    rows: list[list[Any]],
    width: int | None = None,
    cut_name: Callable[[str, int], str] = fit_path,
) -> bool:
    """Fill ``table``; with ``width`` (the room the table has), the first column (a
    code's name) is cut with "…" so that the number columns stay on the screen.
    Returns whether the table is still wider than ``width`` (it scrolls sideways)."""
    table.clear(columns=True)
    table.add_columns(*header)
    cut, scrolls = 10**6, False
    if width is not None and header:
        cut, scrolls = name_column(width, header, rows)
    for row in rows:
        first = [cut_name(str(row[0]), cut)] if row else []
        table.add_row(
            *[
                Text(str(v), justify="right") if isinstance(v, int | float) else v
                for v in first + row[1:]
            ]
        )
    return scrolls


def export_folder(target: str) -> Path:
    """Where exports are suggested: the project file's own folder (the current folder
    for a project in a database server)."""
    if "://" in target:
        return Path(os.getcwd())
    return Path(target).expanduser().absolute().parent


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def grouping(data: dict[str, Any]) -> str:
    """How the crosstab's participants were grouped, in words."""
    if data.get("type") == "date":
        return "each date"
    if data.get("type") != "number":
        return "each category"
    if not data.get("cuts"):
        return "each value"
    bins = str(data.get("bins", "")).strip().lower()
    named = {"tertile": "tertiles", "tertiles": "tertiles", "quartile": "quartiles",
             "quartiles": "quartiles", "median": "split at the median"}  # fmt: skip
    if bins in named:
        return named[bins]
    if bins.isdigit():
        return f"{bins} equal-sized groups"
    return "cut points " + ", ".join(_num(c) for c in data["cuts"])


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
        # per table: each row's code as a whole (its name may be cut in the table)
        self.full_names: dict[str, list[str]] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(id="reports"):
            with TabPane("Saturation", id="tab-saturation"):
                yield Static(id="saturation-summary", classes="report-note")
                yield SaturationPlot(id="saturation-plot")
                yield DataTable(id="saturation-table", zebra_stripes=True)
            with TabPane("Co-occurrence", id="tab-cooc"):
                yield Static(NOTES["cooc"], classes="report-note", id="cooc-note")
                yield DataTable(id="cooc", zebra_stripes=True, fixed_columns=1)
                yield Static(id="cooc-full", classes="report-note full-name")
            with TabPane("Code × participant", id="tab-matrix"):
                yield Static(NOTES["matrix"], classes="report-note", id="matrix-note")
                yield DataTable(id="matrix", zebra_stripes=True, fixed_columns=1)
                yield Static(id="matrix-full", classes="report-note full-name")
            with TabPane("Crosstab", id="tab-crosstab"):
                yield Select([], prompt="attribute", id="crosstab-attr")
                yield Static(classes="report-note", id="crosstab-note")
                yield DataTable(id="crosstab", zebra_stripes=True, fixed_columns=1)
                yield Static(id="crosstab-full", classes="report-note full-name")
            with TabPane("Tree", id="tab-tree"):
                yield Static(NOTES["tree"], classes="report-note", id="tree-note")
                yield DataTable(id="tree", zebra_stripes=True, fixed_columns=1)
                yield Static(id="tree-full", classes="report-note full-name")
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
        else:
            exports.highlighted = 0  # Enter writes the first one straight away
        self.query_one("#export-progress").display = False
        for name in NAMED_TABLES:
            self.query_one(f"#{name}-full").display = False

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
        if event.pane.id == "tab-export":
            self.query_one("#exports", OptionList).focus()

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
            f"{plural(total, 'codes')} over {plural(n, 'coded transcripts')} "
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
        # the list of new codes gets the room the other columns leave, cut at a word
        others = other_columns_width(header[:-1], [r[:-1] for r in rows]) + 2
        first = max([1, *(len(str(r[0])) for r in rows)]) + 2
        room = max(20, (self.size.width or 140) - others - first - 4)
        for r in rows:
            r[-1] = clip_words(str(r[-1]), room)
        _table(self.query_one("#saturation-table", DataTable), header, rows)

    # -- tables ------------------------------------------------------------------------
    def _named_table(
        self,
        name: str,
        header: list[str],
        rows: list[list[Any]],
        full: list[str],
        cut_name: Callable[[str, int], str] = fit_path,
    ) -> bool:
        """A table whose first column names a code (cut to fit; the whole name shows
        under the table when its row is highlighted).  Returns whether it scrolls."""
        self.full_names[name] = full
        width = self.size.width or 140
        scrolls = _table(self.query_one(f"#{name}", DataTable), header, rows, width, cut_name)
        self.query_one(f"#{name}-full").display = False
        if name in NOTES:  # the crosstab says it with its own note
            self.query_one(f"#{name}-note", Static).update(NOTES[name] + SCROLLS * scrolls)
        return scrolls

    def _show_full_name(self, name: str, row: int) -> None:
        names = self.full_names.get(name, [])
        whole = names[row] if 0 <= row < len(names) else ""
        cell = self.query_one(f"#{name}", DataTable).get_row_at(row)[0] if whole else ""
        note = self.query_one(f"#{name}-full", Static)
        note.display = bool(whole) and str(cell).endswith("…")
        note.update(Text(whole))

    def on_data_table_cell_highlighted(self, event: DataTable.CellHighlighted) -> None:
        if event.data_table.id in NAMED_TABLES:
            self._show_full_name(event.data_table.id, event.coordinate.row)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id in NAMED_TABLES:
            self._show_full_name(event.data_table.id, event.cursor_row)

    def _cooccurrence(self, data: dict[str, Any]) -> None:
        codes = data.get("codes", [])
        matrix = data.get("matrix", [])
        header = ["code", *[fit(c["name"], 12) for c in codes]]
        rows = [[c["path"], *matrix[i]] for i, c in enumerate(codes)]
        self._named_table("cooc", header, rows, [c["path"] for c in codes])

    def _matrix(self, data: dict[str, Any]) -> None:
        cols = data.get("columns", [])
        header = ["code", *[fit(c["name"], 16) for c in cols], "total"]
        found = data.get("rows", [])
        rows = [[r["path"], *r["values"], r["total"]] for r in found]
        self._named_table("matrix", header, rows, [r["path"] for r in found])

    def _tree(self, data: dict[str, Any]) -> None:
        header = ["code", "kind", "segments", "transcripts", "participants"]
        codes = data.get("codes", [])
        rows = [
            [
                "  " * c["depth"] + c["name"] + (" ★" if c.get("is_core") else ""),
                c["kind"],
                c["total_codings"],
                c["total_documents"],
                c["total_participants"],
            ]
            for c in codes
        ]
        full = [c.get("path") or c["name"] for c in codes]
        self._named_table("tree", header, rows, full, fit)

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
        labels = [str(g["label"]) for g in groups]
        header = [
            "code",
            *[f"{label} (n={g['participants']})" for label, g in zip(labels, groups, strict=True)],
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
        paths = [r["path"] for r in data.get("rows", [])]
        scrolls = SCROLLS * self._named_table("crosstab", header, rows, paths)
        self.query_one("#crosstab-note", Static).update(
            f"Share of participants with each code, by {data.get('attribute')} "
            f"({grouping(data)}).{scrolls}"
        )

    # -- exports -----------------------------------------------------------------------
    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        kind = event.option.id
        if not kind or kind not in EXPORTS:
            return
        title, method, filename = EXPORTS[kind]
        default = str(export_folder(self.project.target) / filename)

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
