"""TeamScreen: merge another coder's copy, measure agreement, settle disagreements.

Three tabs (``M``, ``A``, ``D``):

* **Merge** -- the path of another project: the path box has the focus when the tab
  opens (``o`` goes back to it, Escape leaves it so that the letter keys work again);
  Enter in the box (or ``p`` elsewhere) previews the merge (a dry run: what would be
  matched, added and in conflict, near-duplicate and opposite code names); ``m``
  merges after a confirmation (one transaction, after a backup).  A project only one
  coder has coded opens here.
* **Agreement** -- per code and overall: percent agreement, Cohen's kappa (two coders),
  Fleiss' kappa, Krippendorff's alpha; ``u`` switches sentence / turn / character.
* **Disagreements** -- the units where the coders differ, one at a time with the text
  and each coder's codes; ``k`` keeps the disputed code, ``d`` drops it, ``r``
  recodes it (each decision is one logged event).
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import (
    DataTable,
    Footer,
    Header,
    Input,
    Label,
    OptionList,
    Static,
    TabbedContent,
    TabPane,
)
from textual.widgets.option_list import Option

from qda.errors import QdaError
from qda.tui.fit import clip_words, fit, fit_path, name_column, plural
from qda.tui.modals.confirm import ConfirmModal
from qda.tui.modals.picker import Choice, PickerModal
from qda.tui.screens.base import QdaScreen
from qda.tui.screens.team_text import counts_line, merge_summary, num, too_few_coders

UNITS = ("sentence", "turn", "character")
SHOWN = 1000  # disagreements listed at once (settling them brings the next ones)
QUOTE = 60  # characters of a disagreement's text in the list
_TAB_ACTIONS = {
    "preview": "merge", "merge": "merge", "open_path": "merge", "compute": "agreement",
    "settle": "disagreements", "recode": "disagreements",
}  # fmt: skip


def _b(key: str, action: str, description: str, tooltip: str, show: bool = True) -> Binding:
    name = action.split("(")[0]
    return Binding(key, action, description, show=show, id=f"team.{name}", tooltip=tooltip)


HINT = (
    "Type the path of a colleague's copy in the box above ([b]o[/b] or a click puts "
    "the cursor there), then [b]Enter[/b] to preview (nothing changes); [b]m[/b] merges "
    "after.  [b]Esc[/b] leaves the box (then M, A, D switch tabs; Esc again goes back)."
)


class PathInput(Input):
    """The merge path box: Escape leaves it (the letters are keys again)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "Leave the box", show=False, id="team.leave_path"),
    ]

    def action_leave(self) -> None:
        self.screen.query_one("#merge-scroll").focus()


class TeamScreen(QdaScreen):
    """Merge preview and merge, the agreement table, the disagreement walk."""

    DEFAULT_CSS = """
    TeamScreen #merge-form { height: auto; padding: 0 1; }
    TeamScreen #merge-form Label { padding: 1 1 0 0; }
    TeamScreen #merge-path { width: 1fr; }
    TeamScreen #merge-scroll { height: 1fr; padding: 0 1; }
    TeamScreen .team-head { height: auto; padding: 0 1; background: $panel; }
    TeamScreen #agree-coders { margin: 0 1; }
    TeamScreen #agree-table { height: 1fr; }
    TeamScreen #agree-full { height: auto; padding: 0 1; color: $text-muted; }
    TeamScreen #dis-body { height: 1fr; }
    TeamScreen #dis-list { width: 45%; height: 1fr; }
    TeamScreen #dis-scroll { width: 1fr; height: 1fr; padding: 0 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        _b("M", "tab('merge')", "Merge tab", "Preview and merge another coder's project"),
        _b("A", "tab('agreement')", "Agreement tab", "Agreement per code and overall"),
        _b("D", "tab('disagreements')", "Disagreements tab", "Walk the disagreements"),
        _b("o", "open_path", "Open project…", "Type the path of the project to merge"),
        _b("p", "preview", "Preview", "What merging the project would do (changes nothing)"),
        _b("m", "merge", "Merge…", "Merge the project in (asks first; writes a backup)"),
        _b("c", "compute", "Compute", "Compute agreement again"),
        _b("u", "cycle_unit", "Unit", "Compare by sentence, turn or character"),
        _b("k", "settle('keep')", "Keep", "The disputed code stands for every coder"),
        _b("d", "settle('drop')", "Drop", "The disputed code goes for every coder"),
        _b("r", "recode", "Recode…", "Replace the disputed code with another one"),
    ]

    def __init__(self, project: Any, *, other: str | None = None) -> None:
        super().__init__(project)
        self.unit = "sentence"
        self.coders: list[str] | None = None
        self.preview: Any = None
        self.preview_for: list[str] = []
        self.agreement: Any = None
        self.items: list[Any] = []
        self.total = 0
        self.other = other or ""
        self.first_compute = True  # a solo project moves to the Merge tab once
        self.solo_switch = False
        self.full_names: list[str] = []  # the agreement table's code names, uncut
        self.name_width = 40
        self.merge_shown = False  # the Merge tab shows a preview, a merge or an error
        self.note = ""  # why agreement cannot be computed yet (the Merge tab says it too)

    # -- layout ------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(initial="agreement", id="team-tabs"):
            with TabPane("Merge", id="merge"):
                with Horizontal(id="merge-form"):
                    yield Label("Project to merge:")
                    yield PathInput(
                        self.other,
                        placeholder="path/to/other.qda (several: separate with ;)",
                        id="merge-path",
                    )
                with VerticalScroll(id="merge-scroll"):
                    yield Static(HINT, id="merge-report")
            with TabPane("Agreement", id="agreement"):
                yield Static(id="agree-head", classes="team-head")
                yield Input(placeholder="coders: blank = everyone who coded", id="agree-coders")
                table: DataTable[Any] = DataTable(
                    id="agree-table", zebra_stripes=True, fixed_columns=1
                )
                yield table
                yield Static(id="agree-full")
            with TabPane("Disagreements", id="disagreements"):
                yield Static(id="dis-head", classes="team-head")
                with Horizontal(id="dis-body"):
                    yield OptionList(id="dis-list")
                    with VerticalScroll(id="dis-scroll"):
                        yield Static(id="dis-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Team"
        self.reload()

    def reload(self) -> None:
        self.action_compute()
        self._load_disagreements()

    @property
    def tab(self) -> str:
        return str(self.query_one("#team-tabs", TabbedContent).active)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        wanted = _TAB_ACTIONS.get(action)
        if wanted is None or not self.is_mounted:
            return True
        if action in ("preview", "open_path") and isinstance(self.focused, Input):
            return False  # p, o type into the box there; Enter previews
        return wanted == self.tab

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self.refresh_bindings()
        if self.tab == "disagreements":
            self.query_one("#dis-list").focus()
        elif self.tab == "agreement":
            self.query_one("#agree-table").focus()
        else:  # typing the path is what this tab is for (Esc leaves the box)
            self.solo_switch = False
            self.query_one("#merge-path").focus()

    def action_open_path(self) -> None:
        self.query_one("#merge-path").focus()

    def _open_merge(self) -> None:
        """A project fewer than two coders have coded opens on the Merge tab, saying why."""
        if self.tab != "agreement" or self.preview is not None:
            return  # the user has moved on
        self.solo_switch = True
        self.action_tab("merge")

    def _merge_hint(self) -> None:
        """The Merge tab's text before a preview: why agreement waits (from the latest
        agreement computed, as on the Agreement tab) and how to merge."""
        if self.preview is not None or self.merge_shown:
            return  # a preview or a merge report is on show
        text = Text(self.note.split("\n")[0] + "\n\n") if self.note else Text()
        self.query_one("#merge-report", Static).update(text + Text.from_markup(HINT))

    def action_tab(self, name: str) -> None:
        self.query_one("#team-tabs", TabbedContent).active = name

    # -- merge -------------------------------------------------------------------
    def _paths(self) -> list[str]:
        raw = self.query_one("#merge-path", Input).value
        return [x.strip() for x in raw.split(";") if x.strip()]

    def action_preview(self) -> None:
        paths = self._paths()
        if not paths:
            self.notify("Type the path of the project to merge first.", severity="warning")
            self.query_one("#merge-path").focus()
            return
        p = self.project
        self.preview, self.preview_for = None, []
        self.query_one("#merge-report", Static).update("previewing…")
        self.run_db(
            lambda: p.merge_projects(paths, dry_run=True),
            lambda report: self._previewed(report, paths),
            self._preview_failed,
        )

    def _previewed(self, report: Any, paths: list[str]) -> None:
        self.preview = report
        self.preview_for = list(paths)  # m merges exactly these paths, nothing else
        self.merge_shown = True
        self.query_one("#merge-report", Static).update(merge_summary(report))
        self.query_one("#merge-scroll").focus()

    def _preview_failed(self, error: BaseException) -> None:
        self.preview, self.preview_for = None, []
        self.merge_shown = True
        line = " ".join(str(error).split()) or type(error).__name__
        self.query_one("#merge-report", Static).update(
            Text("Preview failed: ", style="bold red")
            + Text(line)
            + Text("\n\nCorrect the path (o), then Enter to preview again.", style="dim")
        )

    def action_merge(self) -> None:
        paths = self._paths()
        if not paths:
            self.action_preview()
            return
        if self.preview is None or self.preview_for != paths:
            self.notify("Preview first (p): see what the merge would do.", severity="warning")
            self.action_preview()
            return
        added = self.preview.added
        what = counts_line(added) or "nothing new"
        question = (
            f"Merge {', '.join(paths)} into this project?\n\nIt adds {what}. A backup of "
            "this project is written first; the merge is one transaction."
        )

        def answered(yes: bool | None) -> None:
            if yes:
                p = self.project
                self.query_one("#merge-report", Static).update("merging…")
                self.run_db(lambda: p.merge_projects(paths), self._merged)

        self.app.push_screen(ConfirmModal(question, title="Merge", yes="Merge"), answered)

    def _merged(self, report: Any) -> None:
        self.preview = None
        self.merge_shown = True
        self.query_one("#merge-report", Static).update(merge_summary(report))
        n = report.added.get("codings", 0)
        self.notify(
            f"Merged: {plural(n, 'codings')} added" if report.changed else "Nothing new to merge"
        )
        self.reload()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "merge-path":
            self.action_preview()
        elif event.input.id == "agree-coders":
            names = [x for x in event.value.replace(",", " ").split() if x]
            self.coders = names or None
            self.reload()
            self.query_one("#agree-table").focus()

    # -- agreement ---------------------------------------------------------------
    def action_cycle_unit(self) -> None:
        self.unit = UNITS[(UNITS.index(self.unit) + 1) % len(UNITS)]
        self.reload()

    def action_compute(self) -> None:
        p, coders, unit = self.project, self.coders, self.unit
        self.query_one("#agree-head", Static).update(f"computing agreement by {unit}…")

        def fetch() -> Any:
            try:
                return p.agreement(coders=coders, unit=unit)
            except QdaError as exc:  # too few coders, an unknown coder: said in the tab
                return exc

        self.run_db(fetch, self._show_agreement)

    def _show_agreement(self, report: Any) -> None:
        first, self.first_compute = self.first_compute, False
        table = self.query_one("#agree-table", DataTable)
        table.clear(columns=True)
        self.full_names = []
        self.query_one("#agree-full", Static).update("")
        if isinstance(report, QdaError):
            self.agreement = None
            note = too_few_coders(report)
            self.note = note or ""
            self._merge_hint()
            self.query_one("#agree-head", Static).update(Text(note or str(report)))
            if note and first and not self.coders:
                self.call_after_refresh(self._open_merge)
            return
        self.note = ""
        self._merge_hint()
        self.agreement = report
        header = ["code", *report.coders, "units", "% agree", "Cohen κ", "Fleiss κ", "Kripp. α"]
        rows = [
            [
                c.code, *[str(c.applied.get(n, 0)) for n in report.coders], str(c.units),
                num(c.percent_agreement, True), num(c.cohen_kappa), num(c.fleiss_kappa),
                num(c.krippendorff_alpha),
            ]
            for c in report.codes
        ]  # fmt: skip
        # the code's name gets the room the numbers leave (cut with "…")
        total = self.size.width or 140
        width, scrolls = name_column(total, header, rows)
        self.name_width = width
        table.add_columns(*header)
        for c, row in zip(report.codes, rows, strict=True):
            self.full_names.append(c.code)
            table.add_row(fit_path(c.code, width), *row[1:], key=c.id)
        o = report.overall
        table.add_row(
            Text("overall", style="bold"), *["" for _ in report.coders], str(o["units"]),
            num(o["percent_agreement"], True), num(o["cohen_kappa"]), num(o["fleiss_kappa"]),
            num(o["krippendorff_alpha"]), key="overall",
        )  # fmt: skip
        head = Text(f"Agreement by {report.unit} between {', '.join(report.coders)}", "bold")
        head.append(f"  ({plural(report.documents, 'documents')} compared; u: unit)\n", "dim")
        if scrolls:
            head.append("Tab to the table, then → scrolls it (the code stays in view)\n", "dim")
        head.append("\n".join(report.notes), style="dim")
        self.query_one("#agree-head", Static).update(head)

    def _show_full_name(self, row: int) -> None:
        """Under the table, the whole name of the highlighted code when it was cut."""
        name = self.full_names[row] if 0 <= row < len(self.full_names) else ""
        cut = fit_path(name, self.name_width) != name
        self.query_one("#agree-full", Static).update(Text(name) if cut else "")

    def on_data_table_cell_highlighted(self, event: DataTable.CellHighlighted) -> None:
        if event.data_table.id == "agree-table":
            self._show_full_name(event.coordinate.row)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "agree-table":
            self._show_full_name(event.cursor_row)

    # -- disagreements -----------------------------------------------------------
    def _load_disagreements(self, keep: int | None = None) -> None:
        p, coders, unit = self.project, self.coders, self.unit

        def fetch() -> Any:
            try:
                return p.disagreements(coders=coders, unit=unit)
            except QdaError as exc:  # too few coders: said in the tab, no dialog
                return exc

        self.run_db(fetch, lambda items: self._show_disagreements(items, keep))

    def _show_disagreements(self, items: Any, keep: int | None = None) -> None:
        problem = items if isinstance(items, QdaError) else None
        if problem is not None:
            items = []
        self.total = len(items)
        self.items = list(items[:SHOWN])
        options = self.query_one("#dis-list", OptionList)
        at = keep if keep is not None else (options.highlighted or 0)
        options.clear_options()
        for d in self.items:
            label = Text(f"{d.document} {d.start}-{d.end}  ", style="bold")
            label.append(clip_words(d.text, QUOTE))
            codes = "; ".join(fit(c.code.rsplit("/", 1)[-1], 40) for c in d.disputed)
            label.append("\n" + codes, "dim")
            options.add_option(Option(label, id=d.id))
        if self.items:
            options.highlighted = min(at, len(self.items) - 1)
        head = f"{plural(self.total, 'disagreements')} by {self.unit}"
        if self.total > len(self.items):
            head += f" (the first {len(self.items)} shown)"
        head += "  (k keep · d drop · r recode the disputed code)" if self.items else ""
        if problem is not None:
            head = too_few_coders(problem) or str(problem)
        self.query_one("#dis-head", Static).update(Text(head))
        self._show_current(problem is not None)

    @property
    def current(self) -> Any | None:
        idx = self.query_one("#dis-list", OptionList).highlighted
        if idx is None or not 0 <= idx < len(self.items):
            return None
        return self.items[idx]

    def _show_current(self, no_coders: bool = False) -> None:
        d = self.current
        detail = self.query_one("#dis-detail", Static)
        if no_coders:
            detail.update("")
            return
        if d is None:
            detail.update("No disagreements: the coders agree everywhere they both coded.")
            return
        out = Text(f"{d.document} · {d.unit} {d.start}-{d.end}\n\n", style="dim")
        out.append(d.text.strip() + "\n\n", style="bold")
        for coder, codes in d.coders.items():
            out.append(f"{coder}: ", style="bold")
            out.append(", ".join(codes) or "(no code)")
            out.append("\n")
        if d.not_rated:
            out.append(f"did not code this document: {', '.join(d.not_rated)}\n", style="dim")
        out.append("\ndisputed:\n", style="bold")
        for c in d.disputed:
            out.append(f"  {c.code}", style="yellow")
            out.append(f"  by {', '.join(c.applied_by)}; not by {', '.join(c.not_by)}\n")
        detail.update(out)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show_current()

    def _with_code(self, then: Any) -> None:
        """Ask which disputed code when the unit has several; ``then(d, code)``."""
        d = self.current
        if d is None:
            return
        if len(d.disputed) == 1:
            then(d, d.disputed[0].code)
            return
        choices = [Choice(c.id, c.code) for c in d.disputed]
        paths = {c.id: c.code for c in d.disputed}

        def chosen(code_id: str | None) -> None:
            if code_id:
                then(d, paths[code_id])

        self.app.push_screen(PickerModal("Which disputed code?", choices), chosen)

    def _settle(self, d: Any, decision: str, code: str, to: str | None = None) -> None:
        p, coders = self.project, self.coders
        at = self.query_one("#dis-list", OptionList).highlighted

        def done(result: Any) -> None:
            verb = {"keep": "Kept", "drop": "Dropped", "recode": "Recoded"}[result.action]
            self.notify(f"{verb} {result.code}" + (f" as {result.to}" if result.to else ""))
            self._load_disagreements(keep=at)
            self.action_compute()

        self.run_db(lambda: p.settle(d.id, decision, code=code, to=to, coders=coders), done)

    def action_settle(self, decision: str) -> None:
        self._with_code(lambda d, code: self._settle(d, decision, code))

    def action_recode(self) -> None:
        p = self.project

        def pick_new(d: Any, code: str) -> None:
            def show(codes: list[Any]) -> None:
                choices = [Choice(c.id, c.path) for c in codes if c.path != code]

                def chosen(new_id: str | None) -> None:
                    if new_id:
                        self._settle(d, "recode", code, to=new_id)

                self.app.push_screen(PickerModal(f"Recode {code} as…", choices), chosen)

            if self.has_api("codes"):
                self.run_db(p.codes, show)
            else:
                self.notify("Recoding needs the codebook (not available here).", severity="error")

        self._with_code(pick_new)
