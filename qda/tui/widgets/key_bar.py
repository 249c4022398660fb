"""KeyBar: the footer line of the current screen's keys, drawn as one line of text.

Textual's ``Footer`` builds a widget per key and rebuilds them all whenever focus
moves (about a third of the cost of opening the coding screen here); this bar draws
the same keys as text.  A click on a key runs its action, as in the Footer.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.widget import Widget


class KeyBar(Widget):
    """``key Description`` for each shown binding of the screen; the palette key at the end."""

    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: 1; background: $panel; color: $text-muted; }
    KeyBar > .keybar--key { color: $accent; text-style: bold; }
    KeyBar > .keybar--disabled { color: $text-disabled; }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"keybar--key", "keybar--disabled"}

    def __init__(self) -> None:
        super().__init__()
        self._spans: list[tuple[int, int, Any, str]] = []  # (x0, x1, node, action)

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Any) -> None:
        if self.is_attached and screen is self.screen:
            self.refresh()

    def render(self) -> Text:
        """The keys in binding order.  When they do not fit, the screen-number keys
        (``1``-``8``, always reachable and listed in the help) go first, then the
        screen's last keys; ``? Help``, which lists every key, and the palette key stay."""
        key_style = self.get_component_rich_style("keybar--key", partial=True)
        off_style = self.get_component_rich_style("keybar--disabled", partial=True)
        items: list[tuple[str, str, Any]] = []  # (key shown, description, active binding)
        seen: set[str] = set()
        palette = None
        for key, active in self.screen.active_bindings.items():
            binding = active.binding
            if key == self.app.COMMAND_PALETTE_BINDING:
                palette = active
                continue
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            items.append((self.app.get_key_display(binding), binding.description, active))
        hint = f" {self.app.get_key_display(palette.binding)} palette " if palette else ""

        def width(chosen: list[tuple[str, str, Any]]) -> int:
            return sum(cell_len(k) + cell_len(d) + 3 for k, d, _ in chosen) + cell_len(hint)

        while width(items) > self.size.width and any(k.isdigit() for k, _, _ in items):
            last = max(i for i, (k, _, _) in enumerate(items) if k.isdigit())
            del items[last]
        # then the screen's last keys, but never "? Help", which lists them all
        while width(items) > self.size.width and any(k != "?" for k, _, _ in items):
            last = max(i for i, (k, _, _) in enumerate(items) if k != "?")
            del items[last]
        text = Text(no_wrap=True, overflow="ellipsis")
        self._spans = []
        for shown, description, active in items:
            start = len(text)
            text.append(" ")
            text.append(shown, style=key_style if active.enabled else off_style)
            text.append(f" {description} ", style="" if active.enabled else off_style)
            self._spans.append((start, len(text), active.node, active.binding.action))
        if palette is not None:
            room = self.size.width - text.cell_len - cell_len(hint)
            if room >= 0:
                text.append(" " * room)
                start = len(text)
                text.append(hint, style=key_style)
                self._spans.append((start, len(text), palette.node, palette.binding.action))
        return text

    async def on_click(self, event: events.Click) -> None:
        for x0, x1, node, action in self._spans:
            if x0 <= event.x < x1:
                event.stop()
                await self.app.run_action(action, node)
                return
