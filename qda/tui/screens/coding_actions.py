"""The coding screen's actions: apply, in vivo, memo, uncode, undo, jumps, find.

Each change is one call of the coding engine (one transaction) in a worker, followed
by a fresh read of this transcript's codings; the screen redraws from that.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qda.coding.codings import invivo_name
from qda.db.models import MEMO_TYPES
from qda.tui.modals.code_picker import CodePick, CodePickerModal
from qda.tui.modals.confirm import ConfirmModal
from qda.tui.modals.form import Field, FormModal
from qda.tui.modals.invivo_picker import InvivoPickerModal
from qda.tui.modals.picker import Choice, PickerModal
from qda.tui.screens.base import QdaScreen
from qda.tui.screens.memo_links import memo_check

if TYPE_CHECKING:
    from qda.tui.widgets.code_tree import CodeTree
    from qda.tui.widgets.transcript_view import TranscriptView


INVIVO_TOP = 12  # candidate phrases offered by ``v``


def short(text: str, n: int = 48) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _target(start: int, end: int, name: str) -> str:
    """A picker choice id carrying what to code and the code's name."""
    return f"{start}:{end}:{' '.join(name.split())}"


def _parse_target(choice: str) -> tuple[int, int, str]:
    start, end, name = choice.split(":", 2)
    return int(start), int(end), name


def _seen(c: Any) -> str:
    """How distinctive a candidate phrase is: here, and in the other transcripts."""
    here = f"{c.count}× here, " if c.count > 1 else ""
    return here + (f"also {c.rest}× in other transcripts" if c.rest else "only here")


class CodingActions(QdaScreen):
    """Mixed into CodingScreen (which provides the widgets and the loading)."""

    doc_id: str
    codes: list[Any]
    codings: list[Any]
    loaded: bool
    find_text: str

    @property
    def view(self) -> TranscriptView:
        raise NotImplementedError

    @property
    def code_tree(self) -> CodeTree:
        raise NotImplementedError

    def reload(self) -> None:
        raise NotImplementedError

    def _selected(self) -> tuple[int, int] | None:
        start, end = self.view.trimmed_selection()
        if end <= start:
            self.notify("Select a passage first: shift+arrows, w / s / t, or drag the mouse.")
            return None
        return start, end

    def _change(self, fn: Any, message: Any = None) -> None:
        """Run one change in a worker, then reload the codings and say what happened."""

        def done(result: Any) -> None:
            text = message(result) if callable(message) else message
            if text:
                self.notify(text)
            self.changed()
            self.reload()

        self.run_db(fn, done)

    def _coded(self, fn: Any, message: Any) -> None:
        """Apply a coding in a worker; add it here without reading every coding again."""
        p = self.project

        def work() -> tuple[Any, list[Any]]:
            coding = fn()
            return coding, p.codes()

        def done(result: tuple[Any, list[Any]]) -> None:
            coding, codes = result
            self.notify(message(coding))
            self.changed()
            self.add_coding(coding, codes)

        self.run_db(work, done)

    def add_coding(self, coding: Any, codes: list[Any]) -> None:
        raise NotImplementedError

    # -- coding --------------------------------------------------------------------
    def code_choices(self) -> list[Choice]:
        recent = {cid: i for i, cid in enumerate(self.qda.recent_codes)}
        codes = [c for c in self.codes if not c.retired]
        codes.sort(key=lambda c: recent.get(c.id, len(recent)))
        return [
            Choice(
                c.id,
                c.name,
                search=c.path,
                detail=c.path.rpartition("/")[0],
                color=c.color,
            )
            for c in codes
        ]

    def action_code(self) -> None:
        span = self._selected()
        if span is None:
            return
        start, end = span

        def picked(pick: CodePick | None) -> None:
            if pick is not None:
                self.apply_pick(pick, start, end)

        quote = short(self.view.raw_text[start:end], 60)
        self.app.push_screen(CodePickerModal(self.code_choices(), title=f"Code “{quote}”"), picked)

    def apply_pick(self, pick: CodePick, start: int, end: int) -> None:
        p = self.project
        doc_id = self.doc_id

        def work() -> Any:
            code_id = pick.code_id
            if code_id is None:
                code_id = p.add_code(pick.name, definition=pick.definition).id
            return p.apply(code_id, doc_id, start=start, end=end)

        def said(coding: Any) -> str:
            self.qda.remember_code(coding.code_id)
            new = " (new code)" if pick.code_id is None else ""
            return f"Coded as {coding.code}{new}"

        self._coded(work, said)

    def action_invivo(self) -> None:
        """A code named by the participant's words: the selection, or a salient phrase
        in it; with no selection, a salient phrase of the turn at the cursor."""
        view = self.view
        start, end = view.trimmed_selection()
        if end > start:
            self._invivo_selection(start, end)
            return
        turn = view.structure.turn_at(view.cursor) if self.loaded else None
        lo, hi = _trim(view.raw_text, turn.body_start, turn.end) if turn else (0, 0)
        if turn is None or turn.is_interviewer or not turn.start <= view.cursor <= hi:
            # the interviewer's words, a speaker label or a blank line between turns
            self.notify("Put the cursor in a participant's words or select text.")
            return
        if hi <= lo:
            self.notify("This turn has no words.")
            return
        self._invivo_turn(lo, hi, turn.speaker or "this speaker")

    def _invivo_selection(self, start: int, end: int) -> None:
        name = invivo_name(self.view.raw_text[start:end])
        if not name:
            self.notify("The selection has no words to name a code by.")
            return
        p, doc_id = self.project, self.doc_id
        first = Choice(_target(start, end, name), name, detail="the selected words")

        def find() -> list[Choice]:
            return [
                Choice(_target(start, end, c.phrase), " ".join(c.phrase.split()), detail=_seen(c))
                for c in p.invivo_candidates(doc_id, start=start, end=end, top=INVIVO_TOP)
            ]

        picker = InvivoPickerModal(
            f"In-vivo code for “{short(self.view.raw_text[start:end], 50)}”",
            [first],
            find if self.has_api("invivo_candidates") else None,
            found_hint="Phrases in the participant's words; the code goes on the whole selection.",
        )
        self.app.push_screen(picker, self._invivo_picked)

    def _invivo_turn(self, lo: int, hi: int, speaker: str) -> None:
        if not self.has_api("invivo_candidates"):
            self.notify("Select the words to name the code by first.")
            return
        p, doc_id = self.project, self.doc_id
        text, structure = self.view.raw_text, self.view.structure

        def find() -> list[Choice]:
            out = []
            for c in p.invivo_candidates(doc_id, start=lo, end=hi, top=INVIVO_TOP):
                a, b = min(c.occurrences) if c.occurrences else (c.start, c.end)
                around = structure.sentence_at(a)
                s, e = _trim(text, max(lo, around[0]), min(hi, around[1])) if around else (a, b)
                if not s <= a < b <= e:  # a sentence cut oddly: the phrase itself
                    s, e = a, b
                quote = short(text[s:e], 44)
                out.append(
                    Choice(_target(s, e, c.phrase), " ".join(c.phrase.split()), detail=quote)
                )
            return out

        picker = InvivoPickerModal(
            f"In-vivo code from {speaker}'s turn",
            [],
            find,
            found_hint="Enter codes the sentence that holds the phrase (shown beside it).",
            none_hint="No phrase stands out in this turn: select words, then v.",
        )
        self.app.push_screen(picker, self._invivo_picked)

    def _invivo_picked(self, choice: str | None) -> None:
        if not choice:
            return
        start, end, name = _parse_target(choice)
        p, doc_id = self.project, self.doc_id

        def said(coding: Any) -> str:
            self.qda.remember_code(coding.code_id)
            if self.view.trimmed_selection() != (start, end):
                self.view.select(start, end)
            return f"In-vivo code “{coding.code}”"

        self._coded(lambda: p.invivo(doc_id, start=start, end=end, name=name), said)

    def action_uncode(self) -> None:
        """Remove a coding at the cursor (or in the selection): the current coder's
        listed first, anyone else's marked with their name and confirmed first."""
        here = self.view.spans_at_cursor()
        start, end = self.view.selection
        if end > start:
            here = tuple(s for s in self.view.index.spans if s.start < end and s.end > start)
        if not here:
            self.notify("No coding at the cursor.")
            return
        me = getattr(self.project, "coder", None)
        coders = {c.id: c.coder for c in self.codings}
        theirs = {s.id: coders[s.id] for s in here if coders.get(s.id, me) != me}
        if len(here) == 1:
            self._uncode(here[0].id, theirs.get(here[0].id))
            return
        ordered = sorted(here, key=lambda s: s.id in theirs)
        choices = [
            Choice(
                s.id,
                s.code,
                detail=short(self.view.raw_text[s.start : s.end])
                + (f"  — {theirs[s.id]}" if s.id in theirs else ""),
                color=s.color,
            )
            for s in ordered
        ]

        def picked(sid: str | None) -> None:
            if sid:
                self._uncode(sid, theirs.get(sid))

        self.app.push_screen(PickerModal("Remove which coding?", choices), picked)

    def _uncode(self, coding_id: str, other_coder: str | None = None) -> None:
        p = self.project
        if other_coder is not None:
            code = next((s.code for s in self.view.index.spans if s.id == coding_id), "this")
            question = (
                f"The {code} coding here was made by {other_coder}, not by you "
                f"({getattr(p, 'coder', '?')}). Remove it anyway? (u undoes)"
            )

            def answered(yes: bool | None) -> None:
                if yes:
                    self._uncode(coding_id)

            self.app.push_screen(
                ConfirmModal(question, title=f"Remove {other_coder}'s coding?", yes="Remove"),
                answered,
            )
            return
        self._change(lambda: p.uncode(coding_id), lambda c: f"Removed {c.code} (u undoes)")

    def action_undo(self) -> None:
        p = self.project
        self._change(p.undo, lambda what: f"Undone: {what}" if what else "Nothing to undo")

    def action_redo(self) -> None:
        p = self.project
        self._change(p.redo, lambda what: f"Redone: {what}" if what else "Nothing to redo")

    # -- memos ---------------------------------------------------------------------
    def action_memo(self) -> None:
        view = self.view
        start, end = view.trimmed_selection()
        quote = view.raw_text[start:end] if end > start else ""
        links: list[tuple[str, str]] = [("document", self.doc_id)]
        about = ["this transcript"]
        exact = [s for s in view.index.spans if (s.start, s.end) == (start, end)] if quote else []
        here = exact or ([] if quote else list(view.spans_at_cursor()))
        for s in here:
            links.append(("coding", s.id))
            about.append(f"the coding {s.code}")
        code_id = view.focus_code
        if code_id:
            links.append(("code", code_id))
            about.append("the code " + next((c.name for c in self.codes if c.id == code_id), "?"))
        title = f"On “{short(quote, 40)}”" if quote else ""
        body = "> " + " ".join(quote.split()) + f"\n> ({start}–{end})\n\n" if quote else ""
        fields = [
            Field("type", "Type", "code note" if code_id or here else "free", "select", MEMO_TYPES),
            Field("title", "Title", title),
            Field("text", "Memo (Markdown)", body, "text"),
        ]

        def saved(values: dict[str, str] | None) -> None:
            if values is None:
                return
            p = self.project
            self._change(
                lambda: p.add_memo(
                    values["type"] or "free", values["title"], values["text"], links=links
                ),
                lambda m: f"Memo “{m.title}” saved",
            )

        note = "Linked to " + ", ".join(about) + "."
        form = FormModal(
            "New memo", fields, note=note, focus="text" if quote else "title", check=memo_check
        )
        self.app.push_screen(form, saved)

    # -- moving ----------------------------------------------------------------------
    def action_next_coding(self) -> None:
        view = self.view
        span = view.index.next_span(view.selection[0], view.focus_code)
        if span is None:
            self.notify(
                "No more codings below." if not view.focus_code else "No more of this code below."
            )
            return
        view.select(span.start, span.end)

    def action_prev_coding(self) -> None:
        view = self.view
        span = view.index.prev_span(view.selection[0], view.focus_code)
        if span is None:
            self.notify("No codings above.")
            return
        view.select(span.start, span.end)

    def action_next_uncoded(self) -> None:
        view = self.view
        s = view.structure
        i = s.turn_index(view.cursor) + 1
        for turn in s.turns[max(0, i) :]:
            if turn.is_interviewer:
                continue
            start, end = turn.body_start, turn.end
            while end > start and view.raw_text[end - 1].isspace():
                end -= 1
            if end > start and not view.index.covers_any(start, end):
                view.select(start, end)
                return
        self.notify("Every participant turn below has a coding.")

    def action_find(self) -> None:
        def found(values: dict[str, str] | None) -> None:
            if values and values["words"].strip():
                self.find_text = values["words"].strip()
                self.action_find_next()

        form = FormModal(
            "Find in this transcript",
            [Field("words", "Words", self.find_text)],
            save_label="Find",
            check=lambda v: None if v["words"].strip() else "Type the words to find.",
        )
        self.app.push_screen(form, found)

    def action_find_next(self) -> None:
        if not self.find_text:
            self.action_find()
            return
        view = self.view
        low = view.raw_text.lower()
        needle = self.find_text.lower()
        at = low.find(needle, view.selection[0] + 1)
        if at < 0:
            at = low.find(needle)
        if at < 0:
            self.notify(f"“{self.find_text}” is not in this transcript.")
            return
        view.select(at, at + len(needle))

    # -- elsewhere -------------------------------------------------------------------
    def action_choose_document(self) -> None:
        p = self.project

        def show(docs: list[Any]) -> None:
            choices = [
                Choice(
                    d.id,
                    d.name,
                    search=f"{d.name} {d.participant or ''}",
                    detail=d.participant or "",
                )
                for d in docs
            ]
            self.app.push_screen(PickerModal("Open a transcript", choices), opened)

        def opened(doc_id: str | None) -> None:
            if doc_id:
                self.qda.open_document(doc_id)

        self.run_db(p.documents, show)

    def action_compare(self) -> None:
        view = self.view
        code_id = view.focus_code
        if code_id is None:
            here = view.spans_at_cursor()
            code_id = here[-1].code_id if here else None
        if code_id is None:
            self.notify("Choose a code in the tree (Enter), or put the cursor on a coding.")
            return
        self.qda.compare_code(code_id)

    def action_suggest(self) -> None:
        """Suggestions for the code at the cursor (the innermost coding), else the one
        chosen in the code tree, else the last one used; else the screen asks."""
        known = {c.id for c in self.codes}
        here = self.view.spans_at_cursor() if self.loaded else ()
        wanted = [
            here[-1].code_id if here else None,
            self.view.focus_code,
            self.code_tree.current_code,
            *self.qda.recent_codes,
        ]
        self.qda.suggest_for(next((c for c in wanted if c and c in known), None))
