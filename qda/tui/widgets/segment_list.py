"""SegmentList: coded segments with their context, grouped by participant."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from qda.tui.fit import one_line


def _tail(text: str, n: int) -> str:
    """The last ``n`` characters or so of ``text``, from a word start, after "…"."""
    text = one_line(text)
    if len(text) <= n:
        return text
    cut = text[-n:]
    space = cut.find(" ")
    if 0 <= space < n // 2 and text[-n - 1] != " ":
        cut = cut[space + 1 :]
    return "…" + cut


def _head(text: str, n: int) -> str:
    """The first ``n`` characters or so of ``text``, to a word end, then "…"."""
    text = one_line(text)
    if len(text) <= n:
        return text
    cut = text[:n]
    space = cut.rfind(" ")
    if space > n // 2 and text[n] != " ":
        cut = cut[:space]
    return cut + "…"


def segment_text(seg: Any, context: int = 90) -> Text:
    """``…before quote after…`` with the quote emphasised: the transcript's own words
    (runs of white space shown as one space), nothing added between them."""
    text = Text()
    text.append(_tail(seg.context_before, context), style="dim")
    text.append(one_line(seg.quote), style="bold")
    text.append(_head(seg.context_after, context), style="dim")
    where = f"{seg.document}, characters {seg.start}–{seg.end}, coded by {seg.coder}"
    text.append(f"\n  {where}", style="italic dim")
    return text


def participant_heading(seg: Any, attributes: Sequence[str] = ()) -> Text:
    text = Text(seg.participant or "no participant", style="bold reverse")
    attrs = seg.attributes or {}
    shown = [f"{k} {attrs[k]}" for k in (attributes or list(attrs)[:4]) if attrs.get(k) is not None]
    if shown:
        text.append("  " + ", ".join(shown), style="dim")
    return text


class SegmentList(OptionList):
    """Segments grouped by participant; the option id is the coding id."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "select",
            "Go to transcript",
            id="segments.open",
            tooltip="Open it in its transcript",
        ),
    ]

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.segments: dict[str, Any] = {}

    def show(self, segments: Sequence[Any], attributes: Sequence[str] = ()) -> None:
        self.clear_options()
        self.segments = {s.id: s for s in segments}
        options: list[Option | None] = []
        last: object = object()
        for seg in segments:
            if seg.participant != last:
                if options:
                    options.append(None)
                options.append(Option(participant_heading(seg, attributes), disabled=True))
                last = seg.participant
            options.append(Option(segment_text(seg), id=seg.id))
        if not segments:
            options.append(Option(Text("No segments.", style="dim"), disabled=True))
        self.add_options(options)
        first = next((i for i, o in enumerate(self.options) if not o.disabled), None)
        if first is not None:
            self.highlighted = first

    @property
    def current(self) -> Any | None:
        if self.highlighted is None:
            return None
        option = self.get_option_at_index(self.highlighted)
        return self.segments.get(option.id or "")
