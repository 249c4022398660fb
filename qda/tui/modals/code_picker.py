"""CodePickerModal: choose a code to apply, or name a new one (definition optional)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Input
from textual.widgets.option_list import Option

from qda.tui.modals.picker import NEW, Choice, PickerModal


@dataclass(frozen=True)
class CodePick:
    """The picker's answer: an existing code's id, or a new code's name and definition."""

    code_id: str | None
    name: str
    definition: str = ""


class CodePickerModal(PickerModal):
    """Type to filter the codes; Enter applies; a name no code has creates that code."""

    def __init__(
        self, choices: list[Choice], *, title: str = "Apply a code", allow_new: bool = True
    ):
        super().__init__(
            title,
            choices,
            placeholder="code name (a new name creates the code)",
            hint="↑↓ choose · Enter apply · Tab: definition for a new code · Esc cancel",
            allow_new=allow_new,
        )

    def compose_extra(self) -> ComposeResult:
        if self.allow_new:
            yield Input(placeholder="definition of a new code (optional)", id="definition")

    def extra_options(self, query: str) -> list[Option]:
        name = " ".join(query.split())
        if not self.allow_new or not name:
            return []
        if any(c.label.lower() == name.lower() for c in self.choices):
            return []
        text = Text.assemble(("+ new code ", "bold"), (f"“{name}”", "italic"))
        return [Option(text, id=NEW)]

    def choose(self, choice_id: str | None) -> None:
        if choice_id is None:
            return
        if choice_id == NEW:
            name = " ".join(self.query_one("#query", Input).value.split())
            definition = self.query_one("#definition", Input).value.strip()
            self.dismiss(CodePick(None, name, definition))
            return
        choice = next((c for c in self.choices if c.id == choice_id), None)
        if choice is not None:
            self.dismiss(CodePick(choice.id, choice.label))
