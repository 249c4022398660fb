"""MemosScreen: memos filtered by type and by what they are linked to, searchable,
with a Markdown view and an editor."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Header, Input, Markdown, OptionList, Select
from textual.widgets.option_list import Option

from qda.db.models import LINK_KINDS, MEMO_TYPES
from qda.tui.modals.form import Field, FormModal
from qda.tui.modals.picker import Choice, PickerModal
from qda.tui.screens.base import QdaScreen
from qda.tui.widgets.key_bar import KeyBar


class MemosScreen(QdaScreen):
    """All memos; ``n`` writes one, ``e`` edits, ``l`` links the memo to a code."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new", "New", id="memos.new", tooltip="Write a new memo"),
        Binding("e", "edit", "Edit", id="memos.edit", tooltip="Edit the chosen memo"),
        Binding("l", "link", "Link code", id="memos.link", tooltip="Link the memo to a code"),
        Binding("slash", "search", "Search", id="memos.search", tooltip="Search titles and text"),
        Binding(
            "o", "open_link", "Open link", id="memos.open", tooltip="Go to what the memo is about"
        ),
    ]

    def __init__(
        self, project: Any, *, link_kind: str | None = None, link_id: str | None = None
    ) -> None:
        super().__init__(project)
        self.link_kind = link_kind
        self.link_id = link_id
        self.memos: dict[str, Any] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="memos"):
            with Vertical(id="memo-side"):
                with Horizontal(id="memo-filters"):
                    yield Select([(t, t) for t in MEMO_TYPES], prompt="any type", id="memo-type")
                    yield Select(
                        [(k, k) for k in LINK_KINDS], prompt="linked to anything", id="memo-link"
                    )
                yield Input(placeholder="search (/)", id="memo-search")
                yield OptionList(id="memo-list")
            with VerticalScroll(id="memo-view"):
                yield Markdown(id="memo-body")
        yield KeyBar()

    def on_mount(self) -> None:
        self.sub_title = "Memos"
        if self.link_kind:
            self.query_one("#memo-link", Select).value = self.link_kind
        self.query_one("#memo-list").focus()

    def reload(self) -> None:
        p = self.project
        mtype = self.query_one("#memo-type", Select).value
        kind = self.query_one("#memo-link", Select).value
        query = self.query_one("#memo-search", Input).value.strip()
        link_id = self.link_id if kind == self.link_kind else None

        def fetch() -> list[Any]:
            return p.memos(
                type=None if mtype is Select.NULL else str(mtype),
                link_kind=None if kind is Select.NULL else str(kind),
                link_id=link_id,
                query=query or None,
            )

        self.run_db(fetch, self._show)

    def _show(self, memos: list[Any]) -> None:
        options = self.query_one("#memo-list", OptionList)
        keep = options.highlighted_option.id if options.highlighted_option else None
        self.memos = {m.id: m for m in memos}
        options.clear_options()
        for m in memos:
            text = Text(m.title, style="bold")
            text.append(
                f"\n{m.type} · {m.author or '?'} · {m.updated_at[:16].replace('T', ' ')}",
                style="dim",
            )
            options.add_option(Option(text, id=m.id))
        if memos:
            ids = [m.id for m in memos]
            options.highlighted = ids.index(keep) if keep in ids else 0
        self._show_memo()

    @property
    def current(self) -> Any | None:
        option = self.query_one("#memo-list", OptionList).highlighted_option
        return self.memos.get(option.id or "") if option else None

    def _show_memo(self) -> None:
        m = self.current
        body = self.query_one("#memo-body", Markdown)
        if m is None:
            body.update("*No memo here yet.* Press **n** to write one.")
            return
        links = ", ".join(f"{link['kind']} {link['label']}" for link in m.links) or "nothing"
        when = m.updated_at[:16].replace("T", " ")
        head = f"# {m.title}\n\n*{m.type}* · {m.author or '?'} · updated {when}"
        body.update(f"{head}\n\nLinked to: {links}\n\n---\n\n{m.body}")

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show_memo()

    def on_select_changed(self, event: Select.Changed) -> None:
        self.reload()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "memo-search":
            self.reload()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#memo-list").focus()

    def action_search(self) -> None:
        self.query_one("#memo-search").focus()

    def _form(self, title: str, memo: Any | None, then: Any) -> None:
        fields = [
            Field("type", "Type", memo.type if memo else "free", "select", MEMO_TYPES),
            Field("title", "Title", memo.title if memo else ""),
            Field("text", "Memo (Markdown)", memo.body if memo else "", "text"),
        ]
        self.app.push_screen(FormModal(title, fields), then)

    def action_new(self) -> None:
        p = self.project
        links = [(self.link_kind, self.link_id)] if self.link_kind and self.link_id else []

        def saved(values: dict[str, str] | None) -> None:
            if values and values["title"].strip():
                self.run_db(
                    lambda: p.add_memo(
                        values["type"] or "free", values["title"], values["text"], links=links
                    ),
                    self._saved,
                )

        self._form("New memo", None, saved)

    def _saved(self, memo: Any) -> None:
        self.notify(f"Memo “{memo.title}” saved")
        self.changed()
        self.reload()

    def action_edit(self) -> None:
        memo = self.current
        if memo is None:
            return
        p = self.project

        def saved(values: dict[str, str] | None) -> None:
            if values:
                self.run_db(
                    lambda: p.edit_memo(
                        memo.id, title=values["title"], text=values["text"], type=values["type"]
                    ),
                    self._saved,
                )

        self._form("Edit memo", memo, saved)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.action_edit()

    def action_link(self) -> None:
        memo = self.current
        if memo is None:
            return
        p = self.project

        def show(codes: list[Any]) -> None:
            choices = [Choice(c.id, c.path, color=c.color) for c in codes]
            self.app.push_screen(PickerModal(f"Link “{memo.title}” to the code…", choices), link)

        def link(code_id: str | None) -> None:
            if code_id:
                self.run_db(lambda: p.link_memo(memo.id, "code", code_id), self._saved)

        self.run_db(p.codes, show)

    def action_open_link(self) -> None:
        memo = self.current
        if memo is None or not memo.links:
            return
        link = memo.links[0]
        if link["kind"] == "document":
            self.qda.open_document(link["id"], stack=True)
        elif link["kind"] == "code":
            self.qda.compare_code(link["id"])
        elif link["kind"] == "coding":
            p = self.project

            def go(coding: Any) -> None:
                self.qda.open_document(
                    coding.document_id, select=(coding.start, coding.end), stack=True
                )

            self.run_db(lambda: p.coding(link["id"]), go)
