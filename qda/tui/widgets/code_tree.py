"""CodeTree: the theme → category → code tree with colours and counts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from qda.tui.fit import fit
from qda.tui.widgets.transcript_spans import color_for

LEAST_NAME = 6  # a name is never cut shorter than this (the counts may then wrap off)


def code_label(code: Any, count: str = "", width: int | None = None) -> Text:
    """``■ name  count`` with the code's colour; themes and categories in bold.  With
    ``width``, a long name is cut with "…" so that the label (and its counts) fits."""
    kind = f" ({code.kind})" if code.kind != "code" else ""
    core = " ★" if code.is_core else ""
    shown = f"  {count}" if count and not (kind and set(count) <= set("0/· ")) else ""
    name = code.name
    if width is not None:
        room = width - 2 - cell_len(kind) - cell_len(core) - cell_len(shown)
        name = fit(name, max(LEAST_NAME, room))
    text = Text()
    text.append("■ ", style=color_for(code.id, code.color))
    style = "bold" if code.kind != "code" else ""
    if code.retired:
        style += " dim strike"
    text.append(name, style=style.strip())
    if kind:
        text.append(kind, style="dim italic")
    if core:
        text.append(core, style="bold")
    if shown:
        text.append(shown, style="dim")
    return text


class CodeTree(Tree[str]):
    """Codes in tree order; each node's data is the code's id."""

    DEFAULT_CSS = """
    CodeTree { background: $surface; }
    """

    class CodeHighlighted(Message):
        """The cursor moved onto a code (``code_id`` None on the root)."""

        def __init__(self, tree: CodeTree, code_id: str | None) -> None:
            super().__init__()
            self.tree = tree
            self.code_id = code_id

        @property
        def control(self) -> CodeTree:
            return self.tree

    class CodeChosen(Message):
        """Enter or a click on a code."""

        def __init__(self, tree: CodeTree, code_id: str | None) -> None:
            super().__init__()
            self.tree = tree
            self.code_id = code_id

        @property
        def control(self) -> CodeTree:
            return self.tree

    def __init__(self, *, id: str | None = None, label: str = "codes") -> None:
        super().__init__(label, id=id)
        self.show_root = False
        self.guide_depth = 2
        self.auto_expand = False
        self.codes: dict[str, Any] = {}
        self._shape: tuple[tuple[str, str | None], ...] = ()
        self._by_id: dict[str, TreeNode[str]] = {}
        self._counts: dict[str, str] = {}
        self._depth: dict[str, int] = {}
        self._fitted_to = 0

    def _room(self, code_id: str) -> int | None:
        """The cells a node's label may take (None before the tree has a size)."""
        width = self.scrollable_content_region.width
        if width <= 0:
            return None
        # each level indents by the guides; a parent has its fold arrow; 1 to spare
        return width - self.guide_depth * (self._depth.get(code_id, 0) + 1) - 1

    def _label(self, code: Any) -> Text:
        return code_label(code, self._counts.get(code.id, ""), self._room(code.id))

    def on_resize(self, _event: events.Resize) -> None:
        width = self.scrollable_content_region.width
        if width != self._fitted_to and self.codes:
            self._fitted_to = width
            for cid, c in self.codes.items():
                node = self._by_id.get(cid)
                if node is not None:
                    node.set_label(self._label(c))

    def set_codes(self, codes: Sequence[Any], counts: dict[str, str] | None = None) -> None:
        """Show ``codes`` (CodeInfo, tree order); ``counts`` maps id to the count text."""
        self._counts = counts or {}
        self.codes = {c.id: c for c in codes}
        self._depth = {}
        for c in codes:  # tree order: a parent comes before its children
            self._depth[c.id] = self._depth[c.parent_id] + 1 if c.parent_id in self._depth else 0
        self._fitted_to = self.scrollable_content_region.width
        shape = tuple((c.id, c.parent_id) for c in codes)
        if shape == self._shape:  # same tree: relabel in place, keep cursor and folding
            for c in codes:
                self._by_id[c.id].set_label(self._label(c))
            return
        current = self.current_code
        collapsed = {cid for cid, n in self._by_id.items() if n.allow_expand and not n.is_expanded}
        self._shape = shape
        self.clear()
        self._by_id = {}
        parents = {c.parent_id for c in codes if c.parent_id}
        for c in codes:
            parent = self._by_id.get(c.parent_id or "", self.root)
            label = self._label(c)
            if c.id in parents:
                node = parent.add(label, data=c.id, expand=c.id not in collapsed)
            else:
                node = parent.add_leaf(label, data=c.id)
            self._by_id[c.id] = node
        if current and current in self._by_id:
            self.move_cursor(self._by_id[current])

    @property
    def current_code(self) -> str | None:
        node = self.cursor_node
        return node.data if node is not None and node.data else None

    def show_code(self, code_id: str) -> None:
        """Move the cursor to a code (unfolding its parents)."""
        node = self._by_id.get(code_id)
        if node is None:
            return
        parent = node.parent
        while parent is not None:
            parent.expand()
            parent = parent.parent
        self.move_cursor(node)

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[str]) -> None:
        event.stop()
        self.post_message(self.CodeHighlighted(self, event.node.data))

    def on_tree_node_selected(self, event: Tree.NodeSelected[str]) -> None:
        event.stop()
        self.post_message(self.CodeChosen(self, event.node.data))
