"""TeamScreen: merge another coder's copy, measure agreement, settle disagreements.

Three tabs (``M``, ``A``, ``D``):

* **Merge** -- the path of another project; ``p`` previews the merge (a dry run: what
  would be matched, added and in conflict, near-duplicate and opposite code names);
  ``m`` merges after a confirmation (one transaction, after a backup).
* **Agreement** -- per code and overall: percent agreement, Cohen's kappa (two coders),
  Fleiss' kappa, Krippendorff's alpha; ``u`` switches sentence / turn / character.
* **Disagreements** -- the units where the coders differ, one at a time with the text
  and each coder's codes; ``k`` keeps the disputed code, ``d`` drops it, ``r``
  recodes it (each decision is one logged event).
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.markup import escape
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

from qda.tui.modals.confirm import ConfirmModal
from qda.tui.modals.picker import Choice, PickerModal
from qda.tui.screens.base import QdaScreen

UNITS = ("sentence", "turn", "character")
SHOWN = 1000  # disagreements listed at once (settling them brings the next ones)
_TAB_ACTIONS = {
    "preview": "merge", "merge": "merge", "compute": "agreement",
    "settle": "disagreements", "recode": "disagreements",
}  # fmt: skip


def _b(key: str, action: str, description: str, tooltip: str, show: bool = True) -> Binding:
    name = action.split("(")[0]
    return Binding(key, action, description, show=show, id=f"team.{name}", tooltip=tooltip)


def _num(x: float | None, pct: bool = False) -> str:
    if x is None:
        return "n/a"
    return f"{x:.1f}%" if pct else f"{x:.3f}"


def merge_summary(report: Any) -> str:
    """The merge report as console markup (used for the preview and the result)."""
    verb = "would add" if report.dry_run else "added"
    lines: list[str] = []
    for src in report.sources:
        lines.append(f"[b]{escape(src.name)}[/b]  [dim]{escape(src.id)}[/dim]")
        matched = ", ".join(f"{v} {k}" for k, v in src.matched.items() if v) or "nothing"
        added = ", ".join(f"{v} {k}" for k, v in src.added.items()) or "nothing"
        lines.append(f"  matched: {escape(matched)}")
        lines.append(f"  {verb}: {escape(added)}")
        if src.duplicates:
            dups = ", ".join(f"{v} {k}" for k, v in src.duplicates.items())
            lines.append(f"  exact duplicates dropped: {escape(dups)}")
        for c in src.added_codes:
            lines.append(f"  [green]new code[/green] {escape(c['code'])}")
        for d in src.added_documents:
            lines.append(f"  [green]new document[/green] {escape(d['name'])}")
        for c in src.conflicts:
            lines.append(f"  [yellow]conflict[/yellow] {escape(c['message'])}")
        for n in src.near_duplicates:
            lines.append(
                f"  [cyan]review[/cyan] {escape(n.code)} ~ {escape(n.other_code)} "
                f"({n.score:.0f}, not merged)"
            )
        for o in src.opposites:
            lines.append(
                f"  [magenta]opposites[/magenta] {escape(o.code)} / {escape(o.other_code)} "
                "(kept apart)"
            )
        for s in src.skipped:
            lines.append(f"  [red]skipped[/red] {escape(s['kind'])}: {escape(s['reason'])}")
    if report.dry_run:
        lines.append("\n[b]Preview only: nothing was changed.[/b] Press [b]m[/b] to merge.")
    elif not report.changed:
        lines.append("\nNothing new: the project is unchanged.")
    elif report.backup:
        lines.append(f"\nMerged. Backup of the project before: {escape(report.backup)}")
    return "\n".join(lines)


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
    TeamScreen #dis-body { height: 1fr; }
    TeamScreen #dis-list { width: 45%; height: 1fr; }
    TeamScreen #dis-scroll { width: 1fr; height: 1fr; padding: 0 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        _b("M", "tab('merge')", "Merge tab", "Preview and merge another coder's project"),
        _b("A", "tab('agreement')", "Agreement tab", "Agreement per code and overall"),
        _b("D", "tab('disagreements')", "Disagreements tab", "Walk the disagreements"),
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

    # -- layout ------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(initial="agreement", id="team-tabs"):
            with TabPane("Merge", id="merge"):
                with Horizontal(id="merge-form"):
                    yield Label("Project to merge:")
                    yield Input(
                        self.other,
                        placeholder="path/to/other.qda (several: separate with ;)",
                        id="merge-path",
                    )
                with VerticalScroll(id="merge-scroll"):
                    yield Static(
                        "Type the path of a coder's copy, then [b]p[/b] to preview.",
                        id="merge-report",
                    )
            with TabPane("Agreement", id="agreement"):
                yield Static(id="agree-head", classes="team-head")
                yield Input(placeholder="coders: blank = everyone who coded", id="agree-coders")
                table: DataTable[Any] = DataTable(id="agree-table", zebra_stripes=True)
                yield table
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
        return wanted == self.tab

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self.refresh_bindings()
        if self.tab == "disagreements":
            self.query_one("#dis-list").focus()
        elif self.tab == "agreement":
            self.query_one("#agree-table").focus()
        else:
            self.query_one("#merge-path").focus()

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
        self.query_one("#merge-report", Static).update("previewing…")
        self.run_db(lambda: p.merge_projects(paths, dry_run=True), self._previewed)

    def _previewed(self, report: Any) -> None:
        self.preview = report
        self.preview_for = [s.id for s in report.sources]
        self.query_one("#merge-report", Static).update(merge_summary(report))
        self.query_one("#merge-scroll").focus()

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
        what = ", ".join(f"{v} {k}" for k, v in added.items()) or "nothing new"
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
        self.query_one("#merge-report", Static).update(merge_summary(report))
        n = report.added.get("codings", 0)
        self.notify(f"Merged: {n} codings added" if report.changed else "Nothing new to merge")
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
        self.run_db(lambda: p.agreement(coders=coders, unit=unit), self._show_agreement)

    def _show_agreement(self, report: Any) -> None:
        self.agreement = report
        table = self.query_one("#agree-table", DataTable)
        table.clear(columns=True)
        table.add_columns(
            "code", *report.coders, "units", "% agree", "Cohen κ", "Fleiss κ", "Kripp. α"
        )
        for c in report.codes:
            table.add_row(
                c.code, *[str(c.applied.get(n, 0)) for n in report.coders], str(c.units),
                _num(c.percent_agreement, True), _num(c.cohen_kappa), _num(c.fleiss_kappa),
                _num(c.krippendorff_alpha), key=c.id,
            )  # fmt: skip
        o = report.overall
        table.add_row(
            Text("overall", style="bold"), *["" for _ in report.coders], str(o["units"]),
            _num(o["percent_agreement"], True), _num(o["cohen_kappa"]), _num(o["fleiss_kappa"]),
            _num(o["krippendorff_alpha"]), key="overall",
        )  # fmt: skip
        head = Text(f"Agreement by {report.unit} between {', '.join(report.coders)}", "bold")
        head.append(f"  ({report.documents} documents compared; u: unit)\n", style="dim")
        head.append("\n".join(report.notes), style="dim")
        self.query_one("#agree-head", Static).update(head)

    # -- disagreements -----------------------------------------------------------
    def _load_disagreements(self, keep: int | None = None) -> None:
        p, coders, unit = self.project, self.coders, self.unit
        self.run_db(
            lambda: p.disagreements(coders=coders, unit=unit),
            lambda items: self._show_disagreements(items, keep),
        )

    def _show_disagreements(self, items: list[Any], keep: int | None = None) -> None:
        self.total = len(items)
        self.items = list(items[:SHOWN])
        options = self.query_one("#dis-list", OptionList)
        at = keep if keep is not None else (options.highlighted or 0)
        options.clear_options()
        for d in self.items:
            label = Text(f"{d.document} {d.start}-{d.end}  ", style="bold")
            label.append(" ".join(d.text.split())[:60])
            label.append("\n" + "; ".join(c.code.rsplit("/", 1)[-1] for c in d.disputed), "dim")
            options.add_option(Option(label, id=d.id))
        if self.items:
            options.highlighted = min(at, len(self.items) - 1)
        head = f"{self.total} disagreements by {self.unit}"
        if self.total > len(self.items):
            head += f" (the first {len(self.items)} shown)"
        head += "  (k keep · d drop · r recode the disputed code)" if self.items else ""
        self.query_one("#dis-head", Static).update(head)
        self._show_current()

    @property
    def current(self) -> Any | None:
        idx = self.query_one("#dis-list", OptionList).highlighted
        if idx is None or not 0 <= idx < len(self.items):
            return None
        return self.items[idx]

    def _show_current(self) -> None:
        d = self.current
        detail = self.query_one("#dis-detail", Static)
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
