"""HelpModal: every key binding of the screen underneath, grouped by where it works."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, Static

INTRO = (
    "qda codes interview transcripts for grounded theory. Every action is also in the "
    "command palette (ctrl+p). Escape goes back; ctrl+q quits."
)


SCREENS_GROUP = "screens"  # the heading of the number keys in the help


def binding_rows(screen: Screen[object]) -> list[tuple[str, str, str]]:
    """``(where, key, description)`` for each active binding of ``screen``."""
    rows: list[tuple[str, str, str]] = []
    seen: set[tuple[str, str]] = set()
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if not binding.description or binding.system:
            continue
        node = active.node
        if node is not screen and type(node).__module__.startswith("textual."):
            continue  # a stock widget's own keys (scrolling, tabs): not qda's
        where = "everywhere" if node is screen.app else type(node).__name__.removesuffix("Screen")
        if (binding.id or "").startswith("app.go."):
            where = SCREENS_GROUP  # the number keys: first, on every screen's help
        display = screen.app.get_key_display(binding)
        if (where, binding.description) in seen:
            continue
        seen.add((where, binding.description))
        what = binding.description
        if binding.tooltip and binding.tooltip != what:
            what = f"{what} — {binding.tooltip}"
        rows.append((where, display or key, what))
    order = {SCREENS_GROUP: -1, "everywhere": 2}
    rows.sort(key=lambda r: (order.get(r[0], 0 if r[0] != "TranscriptView" else 1), r[0]))
    return rows


class HelpModal(ModalScreen[None]):
    """The keys of the current screen; Escape closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,f1,q", "dismiss", "Close", id="help.close"),
    ]

    def __init__(self, title: str, rows: list[tuple[str, str, str]]) -> None:
        super().__init__(classes="qda-modal")
        self.title_text = title
        self.rows = rows

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=False, pad_edge=False, expand=True)
        table.add_column("key", style="bold", no_wrap=True, min_width=12)
        table.add_column("what")
        last = None
        for where, key, description in self.rows:
            if where != last:
                heading = "transcript" if where == "TranscriptView" else where
                table.add_row(Text(heading.lower(), style="italic underline"), "")
                last = where
            table.add_row(key, description)
        with Vertical(classes="dialog help-dialog"):
            yield Label(f"Keys: {self.title_text}", classes="dialog-title", markup=False)
            yield Static(INTRO, classes="help-intro")
            with VerticalScroll():
                yield Static(table, id="help-table")
