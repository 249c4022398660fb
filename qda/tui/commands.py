"""The command palette: every qda binding of the current screen (not the stock widgets'
cursor keys), the screens, undo and redo, and the project's transcripts and codes (open
one, compare a code's segments)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from functools import partial
from typing import Any

from textual.app import SystemCommand
from textual.command import Hit, Hits, Provider
from textual.screen import Screen


def binding_commands(screen: Screen[Any]) -> Iterator[SystemCommand]:
    """A palette command for each described binding of ``screen`` (and its focus chain)."""
    seen: set[str] = set()
    for key, active in screen.active_bindings.items():
        binding = active.binding
        node = active.node
        if not binding.description or node is screen.app or binding.system:
            continue
        if node is not screen and type(node).__module__.startswith("textual."):
            continue  # a stock widget's own keys (cursor moves...): not qda actions
        if binding.action.startswith(("app.", "screen.")):
            continue  # Textual's screen keys (focus next, copy text)
        if binding.id and binding.id.startswith("transcript.move"):
            continue
        title = binding.description
        if title in seen or not active.enabled:
            continue
        seen.add(title)
        display = screen.app.get_key_display(binding) or key
        yield SystemCommand(
            title,
            f"{binding.tooltip or title} ({display})",
            partial(screen.app.run_action, binding.action, node),
        )


class ProjectCommands(Provider):
    """Open a transcript by name; show the segments of a code in the compare screen."""

    async def startup(self) -> None:
        project: Any = self.app.project  # type: ignore[attr-defined]
        self.documents = await asyncio.to_thread(project.documents)
        codes = getattr(project, "codes", None)
        self.codes = await asyncio.to_thread(codes) if callable(codes) else []

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        app: Any = self.app
        for d in self.documents:
            text = f"Open transcript {d.name}" + (f" ({d.participant})" if d.participant else "")
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), partial(app.open_document, d.id), text)
        for c in self.codes:
            text = f"Compare segments of {c.path}"
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), partial(app.compare_code, c.id), text)
