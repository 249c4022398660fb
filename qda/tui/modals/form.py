"""FormModal: a few labelled fields (one-line, multi-line or a choice); returns a dict."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static, TextArea


@dataclass(frozen=True)
class Field:
    """One field of a form: ``kind`` is ``input``, ``text`` (multi-line) or ``select``."""

    name: str
    label: str
    value: str = ""
    kind: str = "input"
    options: tuple[str, ...] = field(default_factory=tuple)
    placeholder: str = ""


class FormModal(ModalScreen[dict[str, str] | None]):
    """Edit fields; ctrl+s (or Enter in a one-line field) saves, Escape cancels.

    ``save_label`` names what saving does ("Find", "Apply"); ``check(values)`` returns
    what is wrong (the dialog stays open and says so), or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="form.save", priority=True),
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
    ]

    def __init__(
        self,
        title: str,
        fields: list[Field],
        *,
        note: str = "",
        focus: str | None = None,
        save_label: str = "Save",
        check: Callable[[dict[str, str]], str | None] | None = None,
    ) -> None:
        super().__init__(classes="qda-modal")
        self.title_text = title
        self.fields = fields
        self.note = note
        self.focus_field = focus
        self.save_label = save_label
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog form-dialog"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            if self.note:
                yield Static(self.note, classes="form-note", markup=False)
            with VerticalScroll(classes="form-fields"):
                for f in self.fields:
                    yield Label(f.label, classes="field-label", markup=False)
                    if f.kind == "text":
                        yield TextArea(f.value, id=f"field-{f.name}", classes="field-text")
                    elif f.kind == "select":
                        yield Select(
                            [(o, o) for o in f.options],
                            value=f.value if f.value in f.options else Select.NULL,
                            allow_blank=f.value not in f.options,
                            id=f"field-{f.name}",
                        )
                    else:
                        yield Input(f.value, placeholder=f.placeholder, id=f"field-{f.name}")
            with Horizontal(classes="dialog-buttons"):
                key = "ctrl+s" if any(f.kind == "text" for f in self.fields) else "Enter"
                yield Button(f"{self.save_label} ({key})", variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        for area in self.query(TextArea):
            area.move_cursor(area.document.end)  # write on after what is there
        if self.focus_field:
            self.query_one(f"#field-{self.focus_field}").focus()
            return
        first = next(iter(self.query("Input, TextArea, Select")), None)
        if first is not None:
            first.focus()

    def values(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for f in self.fields:
            widget: Any = self.query_one(f"#field-{f.name}")
            if isinstance(widget, TextArea):
                out[f.name] = widget.text
            elif isinstance(widget, Select):
                out[f.name] = "" if widget.value is Select.NULL else str(widget.value)
            else:
                out[f.name] = widget.value
        return out

    def action_save(self) -> None:
        values = self.values()
        problem = self.check(values) if self.check is not None else None
        if problem:
            self.notify(problem, severity="warning")
            return
        self.dismiss(values)

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
