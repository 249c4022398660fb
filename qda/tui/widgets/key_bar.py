"""KeyBar: the footer line of the current screen's keys, drawn as one line of text.

Textual's ``Footer`` builds a widget per key and rebuilds them all whenever focus
moves (about a third of the cost of opening the coding screen here); this bar draws
the same keys as text.  A click on a key runs its action, as in the Footer.
"""

from __future__ import annotations

from typing import Any, ClassVar

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
        text = Text(no_wrap=True, overflow="ellipsis")
        key_style = self.get_component_rich_style("keybar--key", partial=True)
        off_style = self.get_component_rich_style("keybar--disabled", partial=True)
        self._spans = []
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
            start = len(text)
            text.append(" ")
            text.append(
                self.app.get_key_display(binding), style=key_style if active.enabled else off_style
            )
            text.append(f" {binding.description} ", style="" if active.enabled else off_style)
            self._spans.append((start, len(text), active.node, binding.action))
        if palette is not None:
            hint = f" {self.app.get_key_display(palette.binding)} palette "
            room = self.size.width - len(text) - len(hint)
            if room > 0:
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
