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
from qda.tui.screens import memo_links as ml
from qda.tui.screens.base import QdaScreen
from qda.tui.widgets.key_bar import KeyBar


class MemosScreen(QdaScreen):
    """All memos; ``n`` writes one, ``e`` edits, ``l`` links the memo to a code, a
    transcript, a participant, a relation or another memo, ``u`` unlinks, ``o`` opens
    what it is linked to."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new", "New", id="memos.new", tooltip="Write a new memo"),
        Binding("e", "edit", "Edit", id="memos.edit", tooltip="Edit the chosen memo"),
        Binding(
            "l",
            "link",
            "Link…",
            id="memos.link",
            tooltip="Link the memo to a code, transcript, participant, relation or memo",
        ),
        Binding("u", "unlink", "Unlink…", id="memos.unlink", tooltip="Remove one of its links"),
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
        self.labels: dict[tuple[str, str], str] = {}  # readable labels of the links
        self._goto: str | None = None  # the memo to highlight once it is listed

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="memos"):
            with Vertical(id="memo-side"):
                with Horizontal(id="memo-filters"):  # one line: two compact choices
                    yield Select(
                        [(t, t) for t in MEMO_TYPES],
                        prompt="any type",
                        id="memo-type",
                        compact=True,
                    )
                    yield Select(
                        [(f"→ {ml.KIND_NAMES.get(k, k)}", k) for k in LINK_KINDS],
                        prompt="any link",
                        id="memo-link",
                        compact=True,
                    )
                yield Input(placeholder="search (/)", id="memo-search")
                yield OptionList(id="memo-list")
            with VerticalScroll(id="memo-view"):
                yield Markdown(id="memo-body")
        yield KeyBar()

    def on_mount(self) -> None:
        self.sub_title = "Memos"
        for select in self.query("#memo-filters Select"):
            select.styles.width = "1fr"  # share the line, however narrow the side is
        if self.link_kind:
            self.query_one("#memo-link", Select).value = self.link_kind
        self.query_one("#memo-list").focus()

    def reload(self) -> None:
        p = self.project
        mtype = self.query_one("#memo-type", Select).value
        kind = self.query_one("#memo-link", Select).value
        query = self.query_one("#memo-search", Input).value.strip()
        link_id = self.link_id if kind == self.link_kind else None

        def fetch() -> tuple[list[Any], dict[tuple[str, str], str]]:
            memos = p.memos(
                type=None if mtype is Select.NULL else str(mtype),
                link_kind=None if kind is Select.NULL else str(kind),
                link_id=link_id,
                query=query or None,
            )
            return memos, ml.link_labels(p, memos)

        self.run_db(fetch, self._show)

    def _show(self, fetched: tuple[list[Any], dict[tuple[str, str], str]]) -> None:
        memos, self.labels = fetched
        options = self.query_one("#memo-list", OptionList)
        keep = options.highlighted_option.id if options.highlighted_option else None
        if self._goto is not None:
            keep, self._goto = self._goto, None
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
        links = ml.links_markdown(m, self.labels)
        when = m.updated_at[:16].replace("T", " ")
        head = f"# {m.title}\n\n*{m.type}* · {m.author or '?'} · updated {when}"
        body.update(f"{head}\n\n{links}\n\n---\n\n{m.body}")

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
        self.app.push_screen(FormModal(title, fields, check=ml.memo_check), then)

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
        self._goto = memo.id  # show the memo just written (or edited)
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
        """Pick what kind of thing to link to, then which one."""
        memo = self.current
        if memo is None:
            return

        def kind_chosen(kind: str | None) -> None:
            if kind:
                self.run_db(
                    lambda: ml.target_choices(self.project, kind, memo),
                    lambda choices: self._pick_target(memo, kind, choices),
                )

        title = f"Link “{memo.title}” to…"
        self.app.push_screen(PickerModal(title, list(ml.KINDS)), kind_chosen)

    def _pick_target(self, memo: Any, kind: str, choices: list[Any]) -> None:
        name = ml.KIND_NAMES[kind]
        if not choices:
            self.notify(f"No {name} left to link “{memo.title}” to.")
            return
        p = self.project

        def chosen(target: str | None) -> None:
            if target:
                what = next((c.label for c in choices if c.id == target), target)
                self.run_db(
                    lambda: p.link_memo(memo.id, kind, target),
                    lambda _m: self._relinked(f"Linked “{memo.title}” to {name} {what}"),
                )

        self.app.push_screen(PickerModal(f"Link “{memo.title}” to the {name}…", choices), chosen)

    def _relinked(self, message: str) -> None:
        self.notify(message)
        self.changed()
        self.reload()

    def action_unlink(self) -> None:
        """Pick one of the memo's links and remove it."""
        memo = self.current
        if memo is None:
            return
        if not memo.links:
            self.notify(f"“{memo.title}” is not linked to anything.")
            return
        p = self.project
        choices = ml.link_choices(memo, self.labels)

        def chosen(choice: str | None) -> None:
            if choice:
                kind, target = ml.split(choice)
                what = next(c.label for c in choices if c.id == choice)
                self.run_db(
                    lambda: p.unlink_memo(memo.id, kind, target),
                    lambda _m: self._relinked(
                        f"Unlinked “{memo.title}” from {ml.KIND_NAMES[kind]} {what}"
                    ),
                )

        self.app.push_screen(PickerModal(f"Unlink “{memo.title}” from…", choices), chosen)

    def _open_doc(self, doc_id: str | None) -> None:
        if doc_id:
            self.qda.open_document(doc_id)

    def action_open_link(self) -> None:
        """Go to what the memo is linked to (asking which, if it has several links)."""
        memo = self.current
        if memo is None:
            return
        if not memo.links:
            self.notify(f"“{memo.title}” is not linked to anything: press l to link it.")
            return
        if len(memo.links) == 1:
            link = memo.links[0]
            self._open(link["kind"], link["id"], link["label"])
            return

        def chosen(choice: str | None) -> None:
            if choice:
                kind, target = ml.split(choice)
                raw = next(x["label"] for x in memo.links if (x["kind"], x["id"]) == (kind, target))
                self._open(kind, target, raw)

        choices = ml.link_choices(memo, self.labels)
        self.app.push_screen(PickerModal(f"Open a link of “{memo.title}”", choices), chosen)

    def _open(self, kind: str, target: str, raw_label: str) -> None:
        p = self.project
        if raw_label == ml.DELETED:
            self.notify(f"That {ml.KIND_NAMES[kind]} no longer exists.", severity="warning")
        elif kind == "document":
            self.qda.open_document(target)
        elif kind == "code":
            self.qda.compare_code(target)
        elif kind == "coding":

            def go(coding: Any) -> None:
                self.qda.open_document(coding.document_id, select=(coding.start, coding.end))

            self.run_db(lambda: p.coding(target), go)
        elif kind == "participant":

            def open_one(found: tuple[str, list[Any]]) -> None:
                name, docs = found
                if not docs:
                    self.notify(f"{name} has no transcript.")
                elif len(docs) == 1:
                    self.qda.open_document(docs[0].id)
                else:  # several interviews with one participant: which one?
                    choices = [Choice(d.id, d.name, detail=f"{d.words:,} words") for d in docs]
                    self.app.push_screen(
                        PickerModal(f"Which transcript of {name}?", choices), self._open_doc
                    )

            self.run_db(lambda: ml.participant_documents(p, target), open_one)
        elif kind == "relation":

            def compare(source_id: str | None) -> None:
                if source_id is None:
                    self.notify("That relation no longer exists.", severity="warning")
                else:
                    self.qda.compare_code(source_id)

            self.run_db(lambda: ml.relation_source(p, target), compare)
        elif kind == "memo":
            self._highlight(target)

    def _highlight(self, memo_id: str) -> None:
        """Highlight a memo in the list, clearing the filters if they hide it."""
        options = self.query_one("#memo-list", OptionList)
        if memo_id in self.memos:
            options.highlighted = list(self.memos).index(memo_id)
            options.focus()
            return
        self._goto = memo_id
        self.query_one("#memo-type", Select).clear()
        self.query_one("#memo-link", Select).clear()
        self.query_one("#memo-search", Input).value = ""
        options.focus()
        self.reload()
