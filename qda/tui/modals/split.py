"""SplitModal: choose some codings of a code and name the new code they move to."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, SelectionList, Static


class SplitModal(ModalScreen[tuple[list[str], str] | None]):
    """Space ticks a coding; ctrl+s splits the ticked ones off under the new name."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Split", id="split.save", priority=True),
        Binding("escape", "cancel", "Cancel", id="split.cancel"),
    ]

    def __init__(self, code_name: str, codings: list[tuple[str, str]]) -> None:
        super().__init__(classes="qda-modal")
        self.code_name = code_name
        self.codings = codings

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog picker-dialog"):
            yield Label(f"Split “{self.code_name}”", classes="dialog-title", markup=False)
            yield Static("Tick (space) the codings that go to the new code.", classes="form-note")
            yield SelectionList[str](*[(label, cid) for cid, label in self.codings], id="codings")
            yield Label("New code", classes="field-label")
            yield Input(placeholder="name of the new code", id="name")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Split (ctrl+s)", variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    def action_save(self) -> None:
        chosen: list[Any] = list(self.query_one(SelectionList).selected)
        name = self.query_one("#name", Input).value.strip()
        if not chosen or not name:
            self.notify("Tick at least one coding and name the new code.", severity="warning")
            return
        self.dismiss(([str(c) for c in chosen], name))

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_cancel()
