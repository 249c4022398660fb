"""PickerModal: type to filter a list (rapidfuzz), arrows to move, Enter to choose."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rapidfuzz import fuzz, process
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

NEW = "\x00new"


@dataclass(frozen=True)
class Choice:
    """One pickable item: ``id`` is returned, ``label`` shown, ``search`` matched."""

    id: str
    label: str
    search: str = ""
    detail: str = ""
    color: str | None = None


def rank(query: str, choices: list[Choice], limit: int = 100) -> list[Choice]:
    """Choices matching ``query``: substrings first (earlier is better), then fuzzy."""
    q = query.strip().lower()
    if not q:
        return choices[:limit]
    exact: list[tuple[float, int]] = []
    rest: dict[int, str] = {}
    for i, c in enumerate(choices):
        label = c.label.lower()
        s = (c.search or c.label).lower()
        at = label.find(q)
        if at >= 0:  # in the name itself: best, earlier is better
            exact.append((at + len(label) / 1000, i))
        elif q in s:  # only in the path or the detail
            exact.append((1000 + s.find(q), i))
        else:
            rest[i] = s
    exact.sort()
    fuzzy = process.extract(q, rest, scorer=fuzz.WRatio, limit=limit, score_cutoff=60)
    order = [i for _, i in exact] + [int(key) for _s, _score, key in fuzzy]
    return [choices[i] for i in order[:limit]]


class PickerModal(ModalScreen[Any]):
    """A fuzzy list picker; returns the chosen :class:`Choice` id (None on Escape)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="picker.cancel"),
        Binding("down", "cursor(1)", "Next", show=False, id="picker.down"),
        Binding("up", "cursor(-1)", "Previous", show=False, id="picker.up"),
        Binding("pagedown", "cursor(10)", "Page down", show=False, id="picker.pagedown"),
        Binding("pageup", "cursor(-10)", "Page up", show=False, id="picker.pageup"),
    ]

    def __init__(
        self,
        title: str,
        choices: list[Choice],
        *,
        placeholder: str = "type to filter",
        hint: str = "",
        allow_new: bool = False,
    ) -> None:
        super().__init__(classes="qda-modal")
        self.title_text = title
        self.choices = choices
        self.placeholder = placeholder
        self.hint = hint
        self.shown: list[Choice] = []
        self.allow_new = allow_new

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog picker-dialog"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            yield Input(placeholder=self.placeholder, id="query")
            options = OptionList(id="choices")
            options.can_focus = False
            yield options
            yield from self.compose_extra()
            if self.hint:
                yield Static(self.hint, classes="picker-hint", markup=False)

    def compose_extra(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        self.refilter("")
        self.query_one("#query", Input).focus()

    def extra_options(self, query: str) -> list[Option]:
        """Options shown before the matches ("use what I typed", when allowed)."""
        text = " ".join(query.split())
        if (
            not self.allow_new
            or not text
            or any(c.label.lower() == text.lower() for c in self.choices)
        ):
            return []
        return [Option(Text.assemble(("+ ", "bold"), f"“{text}”"), id=NEW)]

    def refilter(self, query: str) -> None:
        self.shown = rank(query, self.choices)
        options = self.query_one("#choices", OptionList)
        options.clear_options()
        extra = self.extra_options(query)
        items = extra + [Option(self.render_choice(c), id=c.id) for c in self.shown]
        options.add_options(items)
        if items:
            options.highlighted = self.default_highlight(query, len(extra))

    def default_highlight(self, query: str, extra: int) -> int:
        """The option Enter takes: a name containing what was typed, else the first."""
        q = query.strip().lower()
        if (
            extra
            and self.shown
            and q
            and q in (self.shown[0].search or self.shown[0].label).lower()
        ):
            return extra
        return 0

    def render_choice(self, choice: Choice) -> Text:
        text = Text()
        if choice.color:
            text.append("■ ", style=choice.color)
        text.append(choice.label)
        if choice.detail:
            text.append(f"  {choice.detail}", style="dim")
        return text

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "query":
            event.stop()
            self.refilter(event.value)

    def action_cursor(self, step: int) -> None:
        options = self.query_one("#choices", OptionList)
        if options.option_count:
            current = options.highlighted or 0
            options.highlighted = max(0, min(options.option_count - 1, current + step))

    def action_cancel(self) -> None:
        self.dismiss(None)

    def highlighted_id(self) -> str | None:
        options = self.query_one("#choices", OptionList)
        if options.highlighted is None:
            return None
        return options.get_option_at_index(options.highlighted).id

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.choose(self.highlighted_id())

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.choose(event.option.id)

    def choose(self, choice_id: str | None) -> None:
        if choice_id == NEW:
            self.dismiss(" ".join(self.query_one("#query", Input).value.split()))
        elif choice_id is not None:
            self.dismiss(choice_id)
