"""CodingScreen: a transcript with its codings, the code tree, and memos at hand.

The transcript (a :class:`TranscriptView`) takes the keys for moving and selecting;
this screen adds coding: ``c`` the code picker, ``v`` in vivo (the selected words or a
salient phrase in them), ``m`` a memo, ``x`` uncode, ``u`` undo, ``n``/``p`` next and
previous coding, ``g`` the next uncoded turn, ``f`` suggestions for the code at hand.
The actions themselves are in :mod:`qda.tui.screens.coding_actions`.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import Header, Label, Static

from qda.tui.screens.coding_actions import CodingActions
from qda.tui.widgets.code_tree import CodeTree
from qda.tui.widgets.key_bar import KeyBar
from qda.tui.widgets.transcript_layout import TurnMark
from qda.tui.widgets.transcript_spans import Span, color_for
from qda.tui.widgets.transcript_view import TranscriptData, TranscriptView

MEMO_PREVIEW_LINES = 6
MEMO_PREVIEW_CHARS = 240


def memo_preview(body: str) -> str:
    """The start of a memo for the side panel: its own lines (a quote stays a quote),
    blank lines squeezed to one, cut after a few lines."""
    lines: list[str] = []
    for raw in body.strip().splitlines():
        line = " ".join(raw.split())
        if line or (lines and lines[-1]):
            lines.append(line)
    cut = len(lines) > MEMO_PREVIEW_LINES
    text = "\n".join(lines[:MEMO_PREVIEW_LINES]).rstrip()
    if len(text) > MEMO_PREVIEW_CHARS:
        text, cut = text[: MEMO_PREVIEW_CHARS - 1].rstrip(), True
    return text + ("…" if cut else "")


CODING_ACTIONS = {"code", "invivo", "memo", "uncode", "undo", "redo", "compare"}


def _b(key: str, action: str, description: str, tooltip: str, show: bool = True) -> Binding:
    return Binding(key, action, description, show=show, id=f"coding.{action}", tooltip=tooltip)


class CodingScreen(CodingActions):
    """Code one transcript: select a passage, then apply, create or memo."""

    BINDINGS: ClassVar[list[BindingType]] = [
        _b("c", "code", "Code", "Apply a code to the selection (type to find or create one)"),
        _b(
            "v",
            "invivo",
            "In vivo",
            "A code named by the selected words, or by a salient phrase in them (or in the turn)",
        ),
        _b("m", "memo", "Memo", "Write a memo on the selection, the coding or the code"),
        _b("x", "uncode", "Uncode", "Remove a coding at the cursor", show=False),
        _b("u,ctrl+z", "undo", "Undo", "Undo your last coding or code-tree change"),
        _b("ctrl+r,ctrl+y", "redo", "Redo", "Redo what was undone", show=False),
        _b("n", "next_coding", "Next", "Next coding (of the chosen code, if any)"),
        _b("p", "prev_coding", "Prev", "Previous coding (of the chosen code, if any)"),
        _b("g", "next_uncoded", "Uncoded", "Next participant turn with no coding", show=False),
        _b("slash", "find", "Find", "Find words in this transcript"),
        _b(
            "f",
            "suggest",
            "Suggest",
            "Passages that may fit the code at the cursor, or chosen in the tree",
        ),
        _b("f3", "find_next", "Find next", "Find the same words again", show=False),
        _b("o", "choose_document", "Transcript", "Open another transcript", show=False),
        _b(
            "k",
            "compare",
            "Compare",
            "All segments of the chosen code (compare screen)",
            show=False,
        ),
        _b(
            "ctrl+t",
            "toggle_tree",
            "Codes panel",
            "Move between transcript and code tree",
            show=False,
        ),
        _b("escape", "app.back", "Back", "Back to the previous screen", show=False),
    ]

    def __init__(self, project: Any, doc_id: str, *, select: tuple[int, int] | None = None) -> None:
        super().__init__(project)
        self.doc_id = doc_id
        self.pending_select = select
        self.doc: Any = None
        self.codes: list[Any] = []
        self.codings: list[Any] = []
        self.loaded = False
        self.load_time = 0.0
        self.codings_time = 0.0
        self._status_timer: Timer | None = None
        self._memo_timer: Timer | None = None
        self.find_text = ""
        self._early: list[dict[str, Any]] = []
        # Start reading the transcript now, while the screen is being built.
        self.reload()
        self._seen_version = self.qda.data_version

    @property
    def can_code(self) -> bool:
        return self.has_api("apply") and self.has_api("codings")

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="coding"):
            with Vertical(id="transcript-pane"):
                yield Static(id="doc-title", markup=False)
                yield TranscriptView(id="transcript")
                yield Static(id="status", markup=False)
            with Vertical(id="coding-side"):
                yield Label("Codes  (here / all)", classes="section-title")
                yield CodeTree(id="code-tree")
                yield Label("Memos", classes="section-title")
                yield Static(id="memos", markup=False)
        yield KeyBar()

    @property
    def view(self) -> TranscriptView:
        return self.query_one("#transcript", TranscriptView)

    @property
    def code_tree(self) -> CodeTree:
        return self.query_one("#code-tree", CodeTree)

    def on_mount(self) -> None:
        self.sub_title = "Coding" if self.can_code else "Transcript (read only)"
        self.view.focus()
        early, self._early = self._early, []
        for data in early:
            self._apply(data)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in CODING_ACTIONS or action == "next_coding" or action == "prev_coding":
            return True if self.can_code else None
        if action == "suggest":
            return True if self.has_api("suggest") else None
        return True

    # -- loading -----------------------------------------------------------------
    def reload(self) -> None:
        """First the transcript (drawn at once), then its codings and the code tree."""
        p = self.project
        doc_id = self.doc_id
        can_code = self.can_code
        if not self.loaded:

            def fetch_text() -> dict[str, Any]:
                doc = p.show(doc_id)
                people = p.participants()
                return {
                    "doc": doc,
                    "participant": next((r for r in people if r["name"] == doc.participant), None),
                }

            self.run_db(fetch_text, self._loaded)
        if can_code:
            self.run_db(
                lambda: {"codes": p.codes(), "codings": p.codings(doc=doc_id)}, self._loaded
            )

    def _loaded(self, data: dict[str, Any]) -> None:
        if not self.is_mounted:
            self._early.append(data)
        else:
            self._apply(data)

    def _apply(self, data: dict[str, Any]) -> None:
        if "doc" in data:
            doc = self.doc = data["doc"]
            turns = [
                TurnMark(t.start, t.body_start, t.end, t.speaker, t.is_interviewer)
                for t in doc.turns
            ]
            sentences = [(s.start, s.end) for s in doc.sentences]
            self.view.load(TranscriptData(doc.text, turns, sentences))
            self._show_title(data.get("participant"))
            self.loaded = True
            self.load_time = time.perf_counter()
        if "codes" in data:
            self.codes = data["codes"]
            self.codings = data["codings"]
            self.view.set_spans(self.spans())
            self._show_tree()
            self.codings_time = time.perf_counter()
        if self.pending_select is not None:
            self.select(*self.pending_select)
            self.pending_select = None
        self._update_status()
        self._schedule_memos()

    def add_coding(self, coding: Any, codes: list[Any]) -> None:
        """A coding was just made here: draw it (and the new counts) at once."""
        self.codes = codes
        self.codings = [*self.codings, coding]
        self.view.set_spans(self.spans())
        self._show_tree()
        self._update_status()

    def spans(self) -> list[Span]:
        colors = {c.id: c.color for c in self.codes}
        return [
            Span(
                c.id, c.code_id, c.code, c.start, c.end, color_for(c.code_id, colors.get(c.code_id))
            )
            for c in self.codings
        ]

    def _show_title(self, participant: dict[str, Any] | None) -> None:
        doc = self.doc
        text = Text()
        text.append(doc.name, style="bold")
        if doc.participant:
            text.append(f"  ·  {doc.participant}")
        if participant:
            attrs = participant.get("attributes", {})
            shown = [f"{k} {v}" for k, v in list(attrs.items())[:5] if v is not None]
            if shown:
                text.append("  ·  " + ", ".join(shown), style="dim")
        self.query_one("#doc-title", Static).update(text)
        self.title = f"qda · {doc.name}"

    def _show_tree(self) -> None:
        here = Counter(c.code_id for c in self.codings)
        counts = {c.id: f"{here.get(c.id, 0)}/{c.codings}" for c in self.codes}
        self.code_tree.set_codes(self.codes, counts)

    def select(self, start: int, end: int) -> None:
        """Select ``[start, end)`` (when the transcript is loaded)."""
        if not self.loaded:
            self.pending_select = (start, end)
            return
        self.view.select(start, end)

    # -- status line and memos ---------------------------------------------------
    def on_transcript_view_selection_changed(self, event: TranscriptView.SelectionChanged) -> None:
        # Debounced: a Static is not redrawn on every key of a held-down arrow.
        if self._status_timer is not None:
            self._status_timer.stop()
        self._status_timer = self.set_timer(0.05, self._update_status)
        self._schedule_memos()

    def _update_status(self) -> None:
        self._status_timer = None
        if not self.loaded:
            return
        view = self.view
        start, end = view.selection
        rows = view.rows
        text = Text()
        if rows is not None:
            row, _col = rows.column(view.cursor)
            line = next((rows.lines[r] for r in range(row, -1, -1) if rows.lines[r]), 1)
            text.append(f"line {line}", style="bold")
        if end > start:
            words = len(view.raw_text[start:end].split())
            text.append(f"  ·  selected {start}–{end}, {words} word{'s' * (words != 1)}")
        turn = view.structure.turn_at(view.cursor)
        if turn and turn.speaker:
            text.append(f"  ·  {turn.speaker}")
        here = view.spans_at_cursor()
        if here:
            text.append("  ·  here: ", style="dim")
            for i, s in enumerate(here):
                name = s.code if len(s.code) <= 30 else s.code[:29] + "…"
                text.append(("" if i == 0 else ", ") + name, style=f"bold {s.color}")
        elif not self.can_code:
            text.append("  ·  read only: the coding engine is not installed", style="dim")
        self.query_one("#status", Static).update(text)

    def _schedule_memos(self) -> None:
        if not self.has_api("memos"):
            return
        if self._memo_timer is not None:
            self._memo_timer.stop()
        self._memo_timer = self.set_timer(0.25, self._fetch_memos)

    def _fetch_memos(self) -> None:
        self._memo_timer = None
        p = self.project
        code_id = self.view.focus_code or self.code_tree.current_code
        coding_ids = [s.id for s in self.view.spans_at_cursor()] if self.loaded else []
        doc_id = self.doc_id

        def fetch() -> list[tuple[str, Any]]:
            found: dict[str, tuple[str, Any]] = {}
            if code_id:
                for m in p.memos(link_kind="code", link_id=code_id):
                    found.setdefault(m.id, ("code", m))
            for cid in coding_ids:
                for m in p.memos(link_kind="coding", link_id=cid):
                    found.setdefault(m.id, ("coding", m))
            for m in p.memos(link_kind="document", link_id=doc_id):
                found.setdefault(m.id, ("transcript", m))
            return list(found.values())

        self.run_db(fetch, self._show_memos)

    def _show_memos(self, memos: list[tuple[str, Any]]) -> None:
        text = Text()
        for i, (why, m) in enumerate(memos[:8]):
            if i:
                text.append("\n")
            text.append(f"{m.title}\n", style="bold")
            text.append(f"{m.type} · on the {why}\n", style="dim")
            text.append(memo_preview(m.body))
            text.append("\n")
        if not memos:
            text.append(
                "No memo on this code, coding or transcript yet (m writes one).", style="dim"
            )
        self.query_one("#memos", Static).update(text)

    def on_code_tree_code_chosen(self, event: CodeTree.CodeChosen) -> None:
        """Enter on a code: highlight its segments here (again: all codes alike)."""
        code_id = None if event.code_id == self.view.focus_code else event.code_id
        self.view.set_focus_code(code_id)
        if code_id:
            n = sum(1 for c in self.codings if c.code_id == code_id)
            name = next((c.name for c in self.codes if c.id == code_id), "")
            self.notify(f"{name}: {n} segment{'s' * (n != 1)} here — n / p to go through them")
        self._schedule_memos()

    def action_toggle_tree(self) -> None:
        if self.view.has_focus:
            self.code_tree.focus()
        else:
            self.view.focus()
