"""SuggestionsScreen: passages that may fit a code, for a person to accept or reject.

Candidates are ranked against the code's coded segments (or its name, definition and
example) and stored as pending suggestions; each row shows its score and the terms
that matched, and the panel below shows it in its context.  ``a`` accepts (a coding,
origin "suggestion"), ``r`` rejects (never offered again), Enter opens the passage in
its transcript.  Suggestions are never codings until accepted.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Header, Static

from qda.suggest.types import SuggestionInfo
from qda.tui.fit import plural
from qda.tui.modals.picker import Choice, PickerModal
from qda.tui.screens.base import QdaScreen

TOP = 20


def _b(key: str, action: str, description: str, tooltip: str, show: bool = True) -> Binding:
    return Binding(key, action, description, show=show, id=f"suggestions.{action}", tooltip=tooltip)


def _flat(text: str) -> str:
    return " ".join(text.split())


def in_context(s: SuggestionInfo) -> Text:
    """The candidate in its surroundings, the matched words underlined."""
    from qda.suggest.text import lemmatizer

    body = Text(s.text, style="bold")
    wanted = set(s.terms)
    for a, b, lemma in lemmatizer().tokens(s.text):
        if lemma in wanted:
            body.stylize("bold underline", a, b)
    out = Text("… ", style="dim")
    out.append(_flat(s.context_before) + " ", style="dim")
    out.append_text(body)
    out.append(" " + _flat(s.context_after) + " …", style="dim")
    return out


class SuggestionsScreen(QdaScreen):
    """The review queue of one code: candidates, their context, accept or reject."""

    DEFAULT_CSS = """
    SuggestionsScreen #suggest-head { height: auto; padding: 0 1; background: $panel; }
    SuggestionsScreen #suggest-table { height: 1fr; }
    SuggestionsScreen #suggest-context {
        height: auto; min-height: 4; max-height: 12; padding: 0 1;
        border-top: solid $panel;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        _b("a", "accept", "Accept", "Code this passage with the code"),
        _b("r", "reject", "Reject", "Not this code: never offer it again"),
        _b("enter", "jump", "Go to", "Open the passage in its transcript"),
        _b("c", "choose_code", "Code", "Choose the code to find passages for"),
        _b("s", "rank", "Re-rank", "Rank again (learns from what you accepted and rejected)"),
        _b("u", "toggle_unit", "Sentences/turns", "Rank sentences or whole speaker turns"),
    ]

    def __init__(self, project: Any, code: str | None = None, *, ask: bool = False) -> None:
        super().__init__(project)
        self.code = code
        self.ask = ask  # no code given and asked for one: the picker, not the last code
        self.unit = "sentence"
        self.rows: list[SuggestionInfo] = []
        self.code_label = ""
        self.keyterms: list[str] = []
        self.busy = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="suggest-head")
        table: DataTable[Any] = DataTable(id="suggest-table", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static(id="suggest-context")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Suggestions"
        table = self.query_one("#suggest-table", DataTable)
        table.add_columns("score", "where", "matched", "passage")
        table.focus()
        if self.code is None and not self.ask:  # its number key: the code last reviewed
            self.code = getattr(self.app, "last_suggest_code", None)
        self._head()
        if self.code is not None:
            self.action_rank()
        else:  # nothing reviewed yet: which code? (the picker's filter takes what is typed)
            self.call_after_refresh(self.action_choose_code)

    def reload(self) -> None:
        """Read the code's queue again (pending suggestions, no re-ranking): after an
        undo, a change elsewhere, or coming back from the transcript."""
        if self.code is None or self.busy or not self.code_label:
            return  # nothing shown yet (the first ranking shows it)
        p, code, unit = self.project, self.code, self.unit
        alike = {r.id: r.duplicates for r in self.rows}

        def fetch() -> list[SuggestionInfo]:
            return [r for r in p.suggestions(code, status="pending") if r.unit == unit]

        def done(rows: list[SuggestionInfo]) -> None:
            if self.code != code or self.unit != unit or self.busy:
                return  # another code or a ranking since: that one shows
            rows = [replace(r, duplicates=r.duplicates or alike.get(r.id, 0)) for r in rows]
            self._fill(rows[:TOP], keep_cursor=True)

        self.run_db(fetch, done)

    # -- data ------------------------------------------------------------------------
    def action_rank(self) -> None:
        if self.code is None:
            self.action_choose_code()
            return
        p, code, unit = self.project, self.code, self.unit
        self.busy = True
        self._head("ranking… (the first time builds the index)")

        def fetch() -> dict[str, Any]:
            rows = p.suggest(code, top=TOP, unit=unit)
            info = p.code(code) if callable(getattr(p, "code", None)) else None
            terms = [k.term for k in p.keyterms(code, top=8)]
            return {"rows": rows, "code": info, "keyterms": terms}

        self.run_db(fetch, self._show)

    def _show(self, data: dict[str, Any]) -> None:
        self.busy = False
        self.rows = list(data["rows"])
        info = data["code"]
        self.code_label = info.path if info is not None else str(self.code)
        self.keyterms = data["keyterms"]
        if hasattr(self.app, "last_suggest_code"):
            self.qda.last_suggest_code = self.code
        self._fill(self.rows)

    def _fill(self, rows: list[SuggestionInfo], keep_cursor: bool = False) -> None:
        """Show ``rows`` in the table (with ``keep_cursor``, on the same row if there)."""
        table = self.query_one("#suggest-table", DataTable)
        at = self.current if keep_cursor else None
        self.rows = list(rows)
        table.clear()
        for r in self.rows:
            self._add_row(table, r)
        keep = next((i for i, r in enumerate(self.rows) if at is not None and r.id == at.id), 0)
        if self.rows:
            table.move_cursor(row=keep)
        self._head()
        self._show_context()

    def _add_row(self, table: DataTable[Any], r: SuggestionInfo) -> None:
        alike = f" (+{r.duplicates} alike)" if r.duplicates else ""
        who = r.participant if r.participant not in (None, "", r.document) else ""
        table.add_row(  # Text: user text shown literally ("[pause]" is not markup)
            f"{r.score:.2f}",
            Text(f"{r.document} {who}".strip()),
            Text(", ".join(r.terms[:4])),
            Text(_flat(r.text)[:160] + alike),
            key=r.id,
        )

    def _head(self, note: str = "") -> None:
        head = Text()
        if self.code is None:
            head.append("Choose a code (c).", style="bold")
        else:
            head.append(self.code_label or str(self.code), style="bold")
            head.append(f": {len(self.rows)} candidate {self.unit}s")
            if self.keyterms:
                head.append("   key terms: ", style="dim")
                head.append(", ".join(self.keyterms))
        head.append(
            "\na accept · r reject · Enter go to transcript · s re-rank · u sentences/turns"
            + (f"   {note}" if note else ""),
            style="dim",
        )
        self.query_one("#suggest-head", Static).update(head)

    def _table(self) -> DataTable[Any] | None:
        found = self.query("#suggest-table")
        return found.first(DataTable) if found else None

    @property
    def current(self) -> SuggestionInfo | None:
        table = self._table()
        if table is None or not self.rows or table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((r for r in self.rows if r.id == key), None)

    def _show_context(self) -> None:
        s = self.current
        found = self.query("#suggest-context")
        if not found:
            return
        panel = found.first(Static)
        if s is None:
            panel.update(Text("No candidates." if self.code else "", style="dim"))
            return
        panel.update(in_context(s))

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._show_context()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_jump()

    # -- decisions -------------------------------------------------------------------
    def _decide(self, verb: str) -> None:
        s = self.current
        if s is None or self.busy:
            return
        p = self.project
        fn = p.accept_suggestions if verb == "accept" else p.reject_suggestions

        def done(_result: Any) -> None:
            self.changed()  # the screens below show the new coding when they come back
            self._remove(s.id)
            self.notify(f"{verb}ed: {s.document} {_flat(s.text)[:50]}", timeout=3)
            if not self.rows:
                self.action_rank()

        self.run_db(lambda: fn([s.id]), done)

    def _remove(self, sid: str) -> None:
        table = self.query_one("#suggest-table", DataTable)
        row = table.cursor_row
        self.rows = [r for r in self.rows if r.id != sid]
        try:
            table.remove_row(sid)
        except Exception:  # the row is already gone (a re-rank in between)
            return
        if table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1))
        self._head()
        self._show_context()

    def action_accept(self) -> None:
        self._decide("accept")

    def action_reject(self) -> None:
        self._decide("reject")

    def action_jump(self) -> None:
        s = self.current
        if s is None:
            return
        opener = getattr(self.app, "open_document", None)
        if callable(opener):
            opener(s.document_id, select=(s.start, s.end))
        else:  # no transcript view in this app: leave, telling where the passage is
            self.notify(f"{s.document} {s.start}-{s.end}")
            self.app.pop_screen()

    def action_toggle_unit(self) -> None:
        self.unit = "turn" if self.unit == "sentence" else "sentence"
        self.action_rank()

    def action_choose_code(self) -> None:
        p = self.project

        def show(codes: list[Any]) -> None:
            choices = [
                Choice(c.id, c.path, detail=plural(c.codings, "segments"), color=c.color)
                for c in codes
                if not c.retired
            ]
            self.app.push_screen(PickerModal("Find passages for…", choices), picked)

        def picked(code_id: str | None) -> None:
            if code_id:
                self.code = code_id
                self.action_rank()

        self.run_db(p.codes, show)
