"""CompareScreen: constant comparison — every segment of a code, by participant,
filtered by attribute; a second code side by side; Enter jumps to the transcript."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Header, Static

from qda.errors import QdaError
from qda.tui.fit import plural
from qda.tui.modals.form import Field, FormModal
from qda.tui.modals.picker import Choice, PickerModal
from qda.tui.screens.base import QdaScreen
from qda.tui.widgets.key_bar import KeyBar
from qda.tui.widgets.segment_list import SegmentList


def _where(text: str) -> dict[str, str]:
    from qda.coding.analysis.common import parse_where

    return parse_where([p for p in (x.strip() for x in text.split(",")) if p])


def _problem(error: BaseException) -> str:
    """A filter's error in the screen's words (the API speaks of ``--where``)."""
    return str(error).replace("--where ", "filter ", 1)


def _b(key: str, action: str, description: str, tooltip: str, show: bool = True) -> Binding:
    name = action.split("(")[0] + ("_b" if "'b'" in action else "")
    return Binding(key, action, description, show=show, id=f"compare.{name}", tooltip=tooltip)


class CompareScreen(QdaScreen):
    """Segments of one code (and optionally a second one beside it)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        _b("a", "choose('a')", "Code", "Choose the code to compare"),
        _b("b", "choose('b')", "Beside", "A second code beside it"),
        _b("f", "filter", "Filter", "Only participants whose attributes match"),
        _b("d", "descendants", "Sub-codes", "Include the codes under it"),
        _b("tab", "switch", "Switch", "The other column", show=False),
    ]

    def __init__(self, project: Any, code_id: str | None = None, code_b: str | None = None) -> None:
        super().__init__(project)
        self.code_a = code_id
        self.code_b = code_b
        self.where_text = ""
        self.descendants = False
        self.codes: list[Any] = []
        self.last_good_where = ""  # the filter shown before a typo
        self.via_sub_codes: set[str] = set()  # categories shown through their sub-codes

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="compare-head")
        with Horizontal(id="compare-columns"):
            yield SegmentList(id="segments-a", classes="segments")
            yield SegmentList(id="segments-b", classes="segments")
        yield KeyBar()

    def on_mount(self) -> None:
        self.sub_title = "Compare"
        self.query_one("#segments-a").focus()
        if self.code_a is None:  # the code last compared here, else the last applied
            last = getattr(self.app, "last_compare_code", None)
            recent = getattr(self.app, "recent_codes", None) or [None]
            self.code_a = last or recent[0]
        # no code yet: the head says "Choose a code (a)"; no picker opens by itself,
        # which would take the number keys typed next into its filter

    def reload(self) -> None:
        p = self.project
        a, b, where, desc = self.code_a, self.code_b, self.where_text, self.descendants

        def of(code_id: str, codes: list[Any], cond: Any, out: dict[str, Any]) -> list[Any]:
            segs = p.segments(code_id, descendants=desc, where=cond)
            if not segs and not desc and any(str(c.parent_id) == code_id for c in codes):
                # a category: no segments of its own, so show its sub-codes'
                out["via"].add(code_id)
                segs = p.segments(code_id, descendants=True, where=cond)
            return list(segs)

        def fetch() -> dict[str, Any]:
            codes = p.codes(include_retired=True)
            out: dict[str, Any] = {"codes": codes, "via": set(), "problem": None}
            try:
                cond = _where(where) if where else None
                out["a"] = of(a, codes, cond, out) if a else []
                out["b"] = of(b, codes, cond, out) if b else None
            except QdaError as exc:  # a filter naming no attribute: said, then undone
                if not where:
                    raise
                out["problem"] = exc
            return out

        self.run_db(fetch, self._show)

    def _code_path(self, code_id: str | None) -> str:
        return next((c.path for c in self.codes if c.id == code_id), "?")

    def _show(self, data: dict[str, Any]) -> None:
        self.codes = data["codes"]
        if self.code_a is not None and hasattr(self.app, "last_compare_code"):
            self.qda.last_compare_code = self.code_a
        if data["problem"] is not None:
            self.notify(_problem(data["problem"]), severity="error")
            # keep the filter that worked (none, if that one fails now too)
            good = self.last_good_where if self.where_text != self.last_good_where else ""
            self.where_text = self.last_good_where = good
            self.reload()
            return
        self.last_good_where = self.where_text
        self.via_sub_codes = data["via"]
        attrs = [
            k.split(">")[0].split("<")[0].split("=")[0].strip() for k in self.where_text.split(",")
        ]
        attrs = [a for a in attrs if a]
        self.query_one("#segments-a", SegmentList).show(data["a"], attrs)
        column_b = self.query_one("#segments-b", SegmentList)
        column_b.display = data["b"] is not None
        if data["b"] is not None:
            column_b.show(data["b"], attrs)
        head = Text()
        if self.code_a is None:
            head.append("Choose a code (a).", style="bold")
        else:
            head.append(self._describe(self.code_a, data["a"]))
            if data["b"] is not None:
                head.append("   beside   ")
                head.append(self._describe(self.code_b, data["b"]))
                pa = {s.participant for s in data["a"]}
                pb = {s.participant for s in data["b"]}
                head.append(
                    f"\nparticipants with both: {len(pa & pb)}, only the first: {len(pa - pb)}, "
                    f"only the second: {len(pb - pa)}",
                    style="dim",
                )
        filt = f"filter: {self.where_text}" if self.where_text else "no filter (f)"
        head.append(f"\n{filt}" + ("  ·  with sub-codes" if self.descendants else ""), style="dim")
        self.query_one("#compare-head", Static).update(head)

    def _describe(self, code_id: str | None, segs: list[Any]) -> Text:
        people = {s.participant for s in segs}
        docs = {s.document_id for s in segs}

        out = Text(self._code_path(code_id), style="bold")
        if code_id in self.via_sub_codes:
            out.append(" (none of its own: its sub-codes')", style="italic")
        out.append(
            f": {plural(len(segs), 'segments')}, {plural(len(docs), 'transcripts')}, "
            f"{plural(len(people), 'participants')}"
        )
        return out

    def action_choose(self, which: str) -> None:
        p = self.project

        def show(codes: list[Any]) -> None:
            self.codes = codes
            choices = [
                Choice(
                    c.id,
                    c.path,
                    detail=plural(c.codings, "segments"),
                    color=c.color,
                )
                for c in codes
                if not c.retired
            ]
            if which == "b" and self.code_b:
                choices.insert(0, Choice("", "(none: one column)"))
            title = "Compare the segments of…" if which == "a" else "…beside the segments of"
            self.app.push_screen(PickerModal(title, choices), picked)

        def picked(code_id: str | None) -> None:
            if code_id is None:
                return
            if which == "a":
                self.code_a = code_id
            else:
                self.code_b = code_id or None
            self.reload()

        self.run_db(p.codes, show)

    def action_filter(self) -> None:
        def done(values: dict[str, str] | None) -> None:
            if values is None:
                return
            text = values["where"].strip()
            try:
                _where(text)
            except QdaError as exc:  # a typo: say so in one line, keep the filter
                self.notify(_problem(exc), severity="error")
                return
            self.where_text = text
            self.reload()

        p = self.project

        def show(attrs: list[dict[str, str]]) -> None:
            names = ", ".join(a["name"] for a in attrs)
            note = (
                f"Attributes: {names}.\n"
                "Conditions separated by commas, e.g. partnership_3m>=7, sex=F"
            )
            field = Field(
                "where", "Only participants where", self.where_text, placeholder="age>=50"
            )
            self.app.push_screen(FormModal("Filter by attribute", [field], note=note), done)

        self.run_db(p.attributes, show)

    def action_descendants(self) -> None:
        self.descendants = not self.descendants
        self.reload()

    def action_switch(self) -> None:
        a = self.query_one("#segments-a", SegmentList)
        b = self.query_one("#segments-b", SegmentList)
        (a if b.has_focus or not b.display else b).focus()

    def _focused_list(self) -> SegmentList:
        b = self.query_one("#segments-b", SegmentList)
        return b if b.has_focus else self.query_one("#segments-a", SegmentList)

    def action_jump(self) -> None:
        seg = self._focused_list().current
        if seg is not None:
            self.qda.open_document(seg.document_id, select=(seg.start, seg.end))

    def on_option_list_option_selected(self, event: SegmentList.OptionSelected) -> None:
        event.stop()
        self.action_jump()
