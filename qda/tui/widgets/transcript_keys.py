"""Keyboard movement and selection for :class:`TranscriptView` (a mixin of actions).

Plain arrows move the cursor; with shift they extend the selection.  ``w``, ``s`` and
``t`` select (or extend the selection by) a word, a sentence, a speaker turn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.actions import SkipAction
from textual.binding import Binding, BindingType
from textual.scroll_view import ScrollView

if TYPE_CHECKING:
    from qda.tui.widgets.transcript_layout import Rows, Structure


def _b(key: str, action: str, description: str, show: bool = False, display: str = "") -> Binding:
    return Binding(
        key,
        action,
        description,
        show=show,
        key_display=display or None,
        id=f"transcript.{action.split('(')[0]}",
        tooltip=description,
    )


TRANSCRIPT_BINDINGS: list[BindingType] = [
    _b("left", "move('char', -1, False)", "Left"),
    _b("right", "move('char', 1, False)", "Right"),
    _b("up", "move('row', -1, False)", "Up"),
    _b("down", "move('row', 1, False)", "Down"),
    _b("shift+left", "move('char', -1, True)", "Select left"),
    _b("shift+right", "move('char', 1, True)", "Select right"),
    _b("shift+up", "move('row', -1, True)", "Select up"),
    _b("shift+down", "move('row', 1, True)", "Select down"),
    _b("ctrl+left", "move('word', -1, False)", "Word left"),
    _b("ctrl+right", "move('word', 1, False)", "Word right"),
    _b("ctrl+shift+left", "move('word', -1, True)", "Select word left"),
    _b("ctrl+shift+right", "move('word', 1, True)", "Select word right"),
    _b("home", "move('home', -1, False)", "Row start"),
    _b("end", "move('end', 1, False)", "Row end"),
    _b("shift+home", "move('home', -1, True)", "Select to row start"),
    _b("shift+end", "move('end', 1, True)", "Select to row end"),
    _b("pageup", "move('page', -1, False)", "Page up"),
    _b("pagedown", "move('page', 1, False)", "Page down"),
    _b("shift+pageup", "move('page', -1, True)", "Select page up"),
    _b("shift+pagedown", "move('page', 1, True)", "Select page down"),
    _b("ctrl+home", "move('doc', -1, False)", "Start of transcript"),
    _b("ctrl+end", "move('doc', 1, False)", "End of transcript"),
    _b("w", "extend('word')", "Select word (again: extend)"),
    _b("s", "extend('sentence')", "Select sentence (again: extend)"),
    _b("t", "extend('turn')", "Select speaker turn (again: extend)"),
    _b("escape", "clear_selection", "Clear selection"),
]


class TranscriptKeys(ScrollView):
    """The base of TranscriptView: its key bindings and the actions they run."""

    BINDINGS = TRANSCRIPT_BINDINGS

    rows: Rows | None
    structure: Structure
    mark: int | None
    cursor: int
    raw_text: str

    def _set(self, anchor: int | None, cursor: int, *, center: bool = False) -> None:
        raise NotImplementedError

    def _target(self, unit: str, step: int) -> int:
        rows = self.rows
        assert rows is not None
        cur = self.cursor
        if unit == "char":
            return rows.next_offset(cur) if step > 0 else rows.prev_offset(cur)
        if unit == "word":
            s = self.structure
            return s.next_word_end(cur) if step > 0 else s.prev_word_start(cur)
        if unit == "doc":
            return len(self.raw_text) if step > 0 else 0
        row, col = rows.column(cur)
        if unit == "home":
            return rows.starts[row]
        if unit == "end":
            return rows.offset_at(row, 10**6)
        lines = step if unit == "row" else step * max(1, self.size.height - 1)
        target_row = row + lines
        if target_row < 0:
            return 0
        if target_row >= len(rows):
            return len(self.raw_text)
        return rows.offset_at(target_row, col)

    def action_move(self, unit: str, step: int, extend: bool) -> None:
        if self.rows is None:
            return
        target = self._target(unit, step)
        if unit == "page":  # the page moves with the cursor, as in an editor
            page = max(1, self.size.height - 1)
            self.scroll_to(
                y=max(0, self.scroll_offset.y + step * page), animate=False, immediate=True
            )
        if extend:
            anchor = self.mark if self.mark is not None else self.cursor
            self._set(anchor, target)
        else:
            self._set(None, target)

    def _trim(self, start: int, end: int) -> tuple[int, int]:
        text = self.raw_text
        while end > start and text[end - 1].isspace():
            end -= 1
        while start < end and text[start].isspace():
            start += 1
        return start, end

    def _skip_label(self, start: int, end: int) -> tuple[int, int]:
        """A span that starts in a speaker label starts after it."""
        turn = self.structure.turn_at(start)
        if turn is not None and turn.start <= start < turn.body_start < end:
            start = turn.body_start
        return start, end

    def action_extend(self, unit: str) -> None:
        """Select the word, sentence or turn at the cursor; again: extend by one more."""
        if self.rows is None:
            return
        s = self.structure
        cur = self.cursor
        has_selection = self.mark is not None
        if unit == "word":
            if not has_selection:
                self._set(*s.next_word(cur))
            else:
                self._set(self.mark, s.next_word_end(cur))
        elif unit == "sentence":
            if not has_selection:
                sentence = s.sentence_at(cur)
                if sentence is None:
                    start = _skip_space(self.raw_text, cur)
                    sentence = s.sentence_at(start) or (start, s.next_sentence_end(start))
                self._set(*self._trim(*self._skip_label(*sentence)))
            elif (whole := self._whole_sentences()) is not None:
                self._set(*whole)  # part of a sentence (a Find, a word): all of it
            else:
                nxt = s.next_sentence_end(_skip_space(self.raw_text, cur))
                self._set(self.mark, self._trim(cur, nxt)[1] if nxt > cur else nxt)
        elif unit == "turn":
            if not s.turns:
                return
            i = max(0, s.turn_index(cur))
            start, end = self._trim(s.turns[i].body_start, s.turns[i].end)
            if not has_selection:
                self._set(start, end)
                return
            if cur >= end and i + 1 < len(s.turns):
                end = self._trim(s.turns[i + 1].body_start, s.turns[i + 1].end)[1]
            self._set(self.mark, end)

    def _whole_sentences(self) -> tuple[int, int] | None:
        """The sentences holding the selection, when it does not already cover them
        exactly (None: it does, so ``s`` extends it by one more sentence)."""
        if self.mark is None:
            return None
        s = self.structure
        lo, hi = self._trim(min(self.mark, self.cursor), max(self.mark, self.cursor))
        if hi <= lo:
            return None
        first, last = s.sentence_at(lo), s.sentence_at(hi - 1)
        if first is None or last is None:
            return None
        whole = self._trim(*self._skip_label(first[0], last[1]))
        if whole[0] <= lo and hi <= whole[1] and whole != (lo, hi):
            return whole
        return None

    def action_clear_selection(self) -> None:
        if self.mark is None:
            raise SkipAction()
        self._set(None, self.cursor)


def _skip_space(text: str, offset: int) -> int:
    while offset < len(text) and text[offset].isspace():
        offset += 1
    return offset
