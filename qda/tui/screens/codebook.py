"""CodebookScreen: the theme → category → code tree, each code's definition and
relations.  The editing actions are in :mod:`qda.tui.screens.codebook_actions`."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Header, Label, OptionList, Static
from textual.widgets.option_list import Option

from qda.tui.fit import plural
from qda.tui.screens.codebook_actions import CodebookActions
from qda.tui.widgets.code_tree import CodeTree
from qda.tui.widgets.key_bar import KeyBar


def _b(key: str, action: str, description: str, tooltip: str, show: bool = True) -> Binding:
    return Binding(key, action, description, show=show, id=f"codebook.{action}", tooltip=tooltip)


class CodebookScreen(CodebookActions):
    """Define, arrange, merge, split and retire codes; relate them (axial coding)."""

    # the footer shows them in this order (a narrow terminal cuts the last ones)
    BINDINGS: ClassVar[list[BindingType]] = [
        _b("a", "add", "Add", "Add a code (under the chosen category or theme)"),
        _b("e", "edit", "Define", "Edit definition, criteria, example, colour"),
        _b("k", "compare", "Compare", "All segments of this code"),
        _b("f", "suggest", "Suggest", "Passages that may fit this code (suggestions screen)"),
        _b("u", "undo", "Undo", "Undo the last change"),
        _b("r", "rename", "Rename", "Rename the code"),
        _b("m", "move_under", "Move", "Move the code under a category or theme"),
        _b(
            "alt+up,left_square_bracket",
            "shift(-1)",
            "Up",
            "Move up among its siblings",
            show=False,
        ),
        _b(
            "alt+down,right_square_bracket",
            "shift(1)",
            "Down",
            "Move down among its siblings",
            show=False,
        ),
        _b("less_than_sign", "outdent", "Out", "Move out of its parent (<)", show=False),
        _b("greater_than_sign", "indent", "In", "Move under the code above it (>)", show=False),
        _b("M", "merge", "Merge", "Merge this code into another"),
        _b("S", "split", "Split", "Split some codings off to a new code"),
        _b("x", "retire", "Retire", "Retire (hide) the code, or bring it back"),
        _b("asterisk", "core", "Core", "Mark as the core category"),
        _b("l", "relate", "Relate", "Relate this code to another (axial coding)"),
        _b("delete", "unrelate", "Unrelate", "Remove the chosen relation", show=False),
        _b("h", "toggle_retired", "Retired", "Show or hide retired codes", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="codebook"):
            with Vertical(id="codebook-tree-pane"):
                yield Label("Code tree  (segments · participants)", classes="section-title")
                yield CodeTree(id="codebook-tree")
            with Vertical(id="codebook-detail"):
                yield Static(id="code-detail")
                yield Label("Relations (l adds, delete removes)", classes="section-title")
                yield OptionList(id="relations")
        yield KeyBar()

    def on_mount(self) -> None:
        self.sub_title = "Codebook"
        self.code_tree.focus()

    @property
    def code_tree(self) -> CodeTree:
        return self.query_one("#codebook-tree", CodeTree)

    def reload(self) -> None:
        p = self.project
        retired = self.show_retired

        def fetch() -> dict[str, Any]:
            return {"codes": p.codes(include_retired=retired), "relations": p.relations()}

        self.run_db(fetch, self._show)

    def _show(self, data: dict[str, Any]) -> None:
        self.codes = data["codes"]
        self.relations = data["relations"]
        counts = {c.id: f"{c.codings} · {c.participants}" for c in self.codes}
        self.code_tree.set_codes(self.codes, counts)
        if self.select_after and self.select_after in {c.id for c in self.codes}:
            self.code_tree.show_code(self.select_after)
            self.select_after = None
        elif self.code_tree.cursor_line < 0 and self.codes:
            self.code_tree.cursor_line = 0
        self._show_detail()

    def on_code_tree_code_highlighted(self, event: CodeTree.CodeHighlighted) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        code = self.current
        detail = self.query_one("#code-detail", Static)
        relations = self.query_one("#relations", OptionList)
        relations.clear_options()
        if code is None:
            detail.update(Text("No codes yet: press a to add one.", style="dim"))
            return
        t = Table.grid(padding=(0, 1))
        t.add_column(style="bold", justify="right", no_wrap=True)
        t.add_column()
        core = "  ★ core category" if code.is_core else ""
        t.add_row("name", Text(code.name + core, style="bold"))
        t.add_row("kind", f"{code.kind}" + (" (retired)" if code.retired else ""))
        t.add_row("path", code.path)
        for key in ("definition", "inclusion", "exclusion", "example"):
            value = getattr(code, key)
            t.add_row(key, Text(value) if value else Text("—", style="dim"))
        t.add_row("colour", Text("■ " + (code.color or "automatic"), style=code.color or ""))
        t.add_row(
            "counts",
            f"{plural(code.codings, 'segments')}, {plural(code.documents, 'transcripts')}, "
            f"{plural(code.participants, 'participants')}",
        )
        t.add_row("origin", code.origin)
        detail.update(t)
        mine = [r for r in self.relations if code.id in (r.source_id, r.target_id)]
        for r in mine:
            text = Text.assemble(
                (r.source, "bold" if r.source_id == code.id else ""), f"  {r.type}  "
            )
            text.append(r.target, style="bold" if r.target_id == code.id else "")
            if r.note:
                text.append(f"  — {r.note}", style="dim")
            relations.add_option(Option(text, id=r.id))
        if not mine:
            relations.add_option(Option(Text("none", style="dim"), disabled=True))
