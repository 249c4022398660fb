"""The model behind :class:`TranscriptView`: rows of wrapped text and text structure.

Nothing here draws.  :func:`wrap` cuts a transcript into screen rows once per width
(a table of row start offsets, searched by bisection); :class:`Structure` knows
the speaker turns, sentences and words, for selection by unit.  Offsets are Python
``str`` indices into the document's normalised text, as everywhere in qda; cell
widths are measured by grapheme (``rich.cells``), so an emoji with a skin tone is
two cells and a letter with a combining accent is one.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from typing import NamedTuple

from rich.cells import split_graphemes

try:  # a fast check that every character is one cell wide (rich >= 13)
    from rich.cells import _is_single_cell_widths as _single_cells
except ImportError:  # pragma: no cover - older rich

    def _single_cells(text: str) -> bool:
        return False


# Control characters (except the newline) and tabs are shown as one visible cell, so
# that one character of text is one cell and offsets never drift.
_CONTROL = (
    {i: "·" for i in range(32) if i != 10} | {0x7F: "·"} | {i: "·" for i in range(0x80, 0xA0)}
)
_CONTROL[9] = " "
_WORD = re.compile(r"[\w'’\-]+")

Grapheme = tuple[int, int, int]  # (start, end, cells), offsets relative to the row start


def display_text(text: str) -> str:
    """The text as drawn: same length, control characters replaced one for one."""
    return text.translate(_CONTROL)


class TurnMark(NamedTuple):
    """A speaker turn: ``[start, end)``, the label is ``[start, body_start)``."""

    start: int
    body_start: int
    end: int
    speaker: str | None = None
    is_interviewer: bool = False


class Rows:
    """A transcript wrapped to ``width`` cells: row *i* covers ``[starts[i], starts[i+1])``.

    Rows cover the text without gaps; a row keeps its trailing spaces and the newline
    that ends its line (neither is drawn).  ``lines[i]`` is the line number of row *i*
    when it starts a line, else 0.  ``simple[i]`` is 1 when each character of the row
    is exactly one cell (the common case, drawn without grapheme measuring).
    """

    def __init__(self, text: str, width: int) -> None:
        self.text = text
        self.width = max(4, width)
        self.starts = array("i")
        self.lines = array("i")
        self.simple = bytearray()
        self._wrap()

    # -- building --------------------------------------------------------------
    def _wrap(self) -> None:
        text, width, n = self.text, self.width, len(self.text)
        pos, lineno = 0, 0
        if n == 0:
            self.starts.append(0)
            self.lines.append(1)
            self.simple.append(1)
            return
        while pos < n:
            nl = text.find("\n", pos)
            end = n if nl < 0 else nl
            lineno += 1
            segment = text[pos:end]
            simple = segment.isascii() or _single_cells(segment)
            starts = (
                _wrap_simple(text, pos, end, width) if simple else _wrap_wide(segment, pos, width)
            )
            self.starts.extend(starts)
            self.lines.append(lineno)
            self.lines.extend([0] * (len(starts) - 1))
            self.simple.extend(b"\x01" * len(starts) if simple else b"\x00" * len(starts))
            pos = n if nl < 0 else nl + 1

    # -- queries ---------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.starts)

    def row_of(self, offset: int) -> int:
        """The row holding ``offset`` (the end of the text is on the last row)."""
        return max(0, bisect_right(self.starts, offset) - 1)

    def span(self, row: int) -> tuple[int, int]:
        """``(start, end)`` of a row, newline and trailing spaces included."""
        start = self.starts[row]
        end = self.starts[row + 1] if row + 1 < len(self.starts) else len(self.text)
        return start, end

    def visible_end(self, row: int) -> int:
        """The end of the row's text without its newline."""
        start, end = self.span(row)
        return end - 1 if end > start and self.text[end - 1] == "\n" else end

    def graphemes(self, row: int) -> list[Grapheme]:
        """The row's graphemes as ``(start, end, cells)`` relative to the row start."""
        start = self.starts[row]
        end = self.visible_end(row)
        if self.simple[row]:
            return [(i, i + 1, 1) for i in range(end - start)]
        return list(split_graphemes(self.text[start:end])[0])

    def column(self, offset: int) -> tuple[int, int]:
        """``(row, cell column)`` of ``offset``."""
        row = self.row_of(offset)
        start = self.starts[row]
        if self.simple[row]:
            return row, offset - start
        col = 0
        for s, _e, w in self.graphemes(row):
            if s + start >= offset:
                break
            col += w
        return row, col

    def offset_at(self, row: int, col: int, *, past_end: bool = False) -> int:
        """The offset drawn at ``col`` of ``row`` (a grapheme start).

        Beyond the row's text: its last offset, or (``past_end``) the row's end, so
        that a selection dragged past the end of a row takes the whole row.
        """
        row = min(max(row, 0), len(self.starts) - 1)
        start, end = self.span(row)
        vis = self.visible_end(row)
        last = len(self.text) if row == len(self.starts) - 1 else max(start, end - 1)
        if col <= 0:
            return start
        if self.simple[row]:
            off = start + col
        else:
            off, x = vis, 0
            for s, _e, w in self.graphemes(row):
                if x + w > col:
                    off = start + s
                    break
                x += w
        if off >= vis:
            return max(vis, end if past_end else min(off, last))
        return off

    def snap(self, offset: int) -> int:
        """``offset`` moved back to the start of the grapheme it falls in."""
        row = self.row_of(offset)
        if self.simple[row]:
            return offset
        start = self.starts[row]
        for s, e, _w in self.graphemes(row):
            if start + s <= offset < start + e:
                return start + s
        return offset

    def next_offset(self, offset: int) -> int:
        """The start of the next grapheme (or the end of the text)."""
        n = len(self.text)
        if offset >= n:
            return n
        row = self.row_of(offset)
        if self.simple[row]:
            return offset + 1
        start = self.starts[row]
        for s, e, _w in self.graphemes(row):
            if start + s <= offset < start + e:
                return start + e
        return offset + 1

    def prev_offset(self, offset: int) -> int:
        """The start of the previous grapheme."""
        if offset <= 0:
            return 0
        return self.snap(offset - 1)


def _wrap_simple(text: str, pos: int, end: int, width: int) -> list[int]:
    """Row starts for ``text[pos:end]``, one cell per character: break after spaces."""
    out = [pos]
    while end - pos > width:
        j = text.rfind(" ", pos + 1, pos + width + 1)
        if j <= pos:
            brk = pos + width
        else:
            brk = j + 1
            while brk < end and text[brk] == " ":
                brk += 1
        if brk >= end:
            break
        out.append(brk)
        pos = brk
    return out


def _wrap_wide(segment: str, base: int, width: int) -> list[int]:
    """Row starts for a line with wide or combining characters (measured by grapheme)."""
    spans = split_graphemes(segment)[0]
    out = [base]
    col = 0
    brk: int | None = None  # index of the grapheme after the latest run of spaces
    brk_col = 0
    for i, (s, _e, w) in enumerate(spans):
        if segment[s] == " ":
            col += w
            brk, brk_col = i + 1, col
            continue
        if col + w > width and col > 0:
            if brk is not None and brk <= i:
                first, col = brk, col - brk_col
            else:
                first, col = i, 0
            out.append(base + spans[first][0])
            brk = None
        col += w
    return out


class Structure:
    """Speaker turns, sentences and words of a text, for moving and selecting by unit."""

    def __init__(self, text: str, turns: list[TurnMark], sentences: list[tuple[int, int]]) -> None:
        self.text = text
        self.turns = sorted(turns, key=lambda t: t.start)
        self.turn_starts = [t.start for t in self.turns]
        self.sentences = sorted(sentences)
        self.sentence_starts = [s for s, _ in self.sentences]

    def turn_at(self, offset: int) -> TurnMark | None:
        i = bisect_right(self.turn_starts, offset) - 1
        if i >= 0 and offset < max(self.turns[i].end, self.turns[i].start + 1):
            return self.turns[i]
        return None

    def turn_index(self, offset: int) -> int:
        """Index of the turn at or before ``offset`` (-1 before the first)."""
        return bisect_right(self.turn_starts, offset) - 1

    def sentence_at(self, offset: int) -> tuple[int, int] | None:
        i = bisect_right(self.sentence_starts, offset) - 1
        if i >= 0 and offset < self.sentences[i][1]:
            return self.sentences[i]
        return None

    def next_sentence_end(self, offset: int) -> int:
        """The end of the sentence holding ``offset``, or of the next one."""
        i = max(0, bisect_right(self.sentence_starts, offset) - 1)
        while i < len(self.sentences):
            if self.sentences[i][1] > offset:
                return self.sentences[i][1]
            i += 1
        return len(self.text)

    def prev_sentence_start(self, offset: int) -> int:
        i = bisect_right(self.sentence_starts, offset - 1) - 1
        return self.sentences[i][0] if i >= 0 else 0

    def next_word_end(self, offset: int) -> int:
        m = _WORD.search(self.text, offset)
        return m.end() if m else len(self.text)

    def prev_word_start(self, offset: int) -> int:
        text = self.text
        i = offset
        while i > 0 and not _WORD.match(text, i - 1):
            i -= 1
        while i > 0 and _WORD.match(text, i - 1):
            i -= 1
        return i

    def next_word(self, offset: int) -> tuple[int, int]:
        """The word at ``offset``, else the next one (``(offset, offset)`` at the end)."""
        word = self.word_at(offset)
        if word:
            return word
        m = _WORD.search(self.text, offset)
        return (m.start(), m.end()) if m else (offset, offset)

    def word_at(self, offset: int) -> tuple[int, int] | None:
        start = self.prev_word_start(min(len(self.text), offset + 1))
        m = _WORD.match(self.text, start)
        if m and m.start() <= offset < m.end():
            return m.start(), m.end()
        return None
