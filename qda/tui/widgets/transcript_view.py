"""TranscriptView: a transcript drawn with Textual's Line API.

Each screen row is one :class:`~textual.strip.Strip` built from the row's text cut at
span, selection and cursor boundaries, with a gutter (line numbers) on the left and a
margin (code names level with their rows) on the right.  The wrap table is computed
once per width; rows are cached by (row, selection part, cursor, spans version), so
moving the cursor redraws a row or two.  Selection is two character offsets (anchor
and cursor) changed by keys (see :mod:`qda.tui.widgets.transcript_keys`) or the mouse.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.cache import LRUCache
from textual.color import Color
from textual.geometry import Region, Size
from textual.message import Message
from textual.strip import Strip

from qda.tui.widgets.transcript_keys import TranscriptKeys
from qda.tui.widgets.transcript_layout import Rows, Structure, TurnMark, display_text
from qda.tui.widgets.transcript_spans import Margin, Span, SpanIndex

GUTTER = 6


@dataclass(frozen=True)
class TranscriptData:
    """What a TranscriptView shows: the text, its turns and sentences."""

    text: str
    turns: list[TurnMark]
    sentences: list[tuple[int, int]]


class TranscriptView(TranscriptKeys, can_focus=True):
    """A transcript with line numbers, speaker labels, coded highlights and a margin."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "transcript--gutter",
        "transcript--speaker",
        "transcript--interviewer",
        "transcript--selection",
        "transcript--cursor",
        "transcript--margin",
    }

    DEFAULT_CSS = """
    TranscriptView {
        background: $surface;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-gutter: stable;
    }
    TranscriptView > .transcript--gutter { color: $text-muted; }
    TranscriptView > .transcript--speaker { color: $accent; text-style: bold; }
    TranscriptView > .transcript--interviewer { color: $text-muted; }
    TranscriptView > .transcript--selection { background: $primary 55%; color: auto 90%; }
    TranscriptView > .transcript--cursor { background: $foreground; color: $background; }
    TranscriptView > .transcript--margin { color: $text; }
    """

    class SelectionChanged(Message):
        """The cursor moved or the selection changed (posted at most once per key)."""

        def __init__(self, view: TranscriptView, start: int, end: int, cursor: int) -> None:
            super().__init__()
            self.view = view
            self.start = start
            self.end = end
            self.cursor = cursor

        @property
        def control(self) -> TranscriptView:
            return self.view

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.raw_text = ""
        self.loaded_text = False
        self.structure = Structure("", [], [])
        self._shown_text = ""
        self.rows: Rows | None = None
        self.index = SpanIndex([])
        self.margin: Margin | None = None
        self.mark: int | None = None
        self.cursor = 0
        self.focus_code: str | None = None
        self._version = 0
        self._cache: LRUCache[int, tuple[tuple[object, ...], Strip]] = LRUCache(4096)
        self._styles: dict[tuple[object, ...], Style] = {}
        self._dragging = False
        self._text_width = 0
        self._margin_width = 0
        self._reveal_span: tuple[int, int] | None = None  # a jump's passage to show

    # -- content -----------------------------------------------------------------
    def load(self, data: TranscriptData, spans: list[Span] | None = None) -> None:
        """Show a new transcript (cursor at the start, nothing selected)."""
        self.raw_text = data.text
        self.loaded_text = True
        self._shown_text = display_text(data.text)
        self.structure = Structure(data.text, data.turns, data.sentences)
        self.index = SpanIndex(spans or [])
        self.mark, self.cursor = None, 0
        self.rows = None
        self._relayout(force=True)
        self.scroll_to(y=0, animate=False, immediate=True)

    def set_spans(self, spans: list[Span]) -> None:
        """Replace the coded spans (after coding, undo, or a change of code colours)."""
        self.index = SpanIndex(spans)
        self.margin = (
            Margin(self.index.spans, self.rows) if self.rows and self._margin_width else None
        )
        self._invalidate()

    def set_focus_code(self, code_id: str | None) -> None:
        """Highlight the segments of one code strongly (None: all codes alike)."""
        if code_id != self.focus_code:
            self.focus_code = code_id
            self._invalidate()

    @property
    def selection(self) -> tuple[int, int]:
        """``(start, end)`` of the selection; empty (``start == end``) at the cursor."""
        if self.mark is None:
            return self.cursor, self.cursor
        return min(self.mark, self.cursor), max(self.mark, self.cursor)

    def trimmed_selection(self) -> tuple[int, int]:
        """The selection without whitespace at either end."""
        start, end = self.selection
        text = self.raw_text
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        return start, end

    def select(self, start: int, end: int, *, center: bool = True) -> None:
        """Select ``[start, end)`` and scroll it into view."""
        n = len(self.raw_text)
        start, end = max(0, min(start, n)), max(0, min(end, n))
        self._set(start, end, center=center)
        if center:  # once laid out (a screen just opened), show the whole passage
            self._reveal_span = (start, end)
            self._reveal()
            self.call_after_refresh(self._reveal)

    def _reveal(self) -> None:
        """Scroll so that the selected passage is in view with a little context above
        (about a quarter of the view), or starts near the top if it is taller."""
        span, rows = self._reveal_span, self.rows
        if span is None or rows is None or self.size.height <= 0:
            return
        if self.selection != (min(span), max(span)):
            self._reveal_span = None  # the user has moved on
            return
        height = self.size.height
        first, last = rows.row_of(span[0]), rows.row_of(max(span[0], span[1] - 1))
        top = self.scroll_offset.y
        if top + min(2, first) <= first and last < top + height:
            return  # already in view
        above = max(2, min(height // 4, height - (last - first) - 2))
        self.scroll_to(y=max(0, first - above), animate=False, immediate=True)

    def spans_at_cursor(self) -> tuple[Span, ...]:
        """The codings at the start of the selection, or at the cursor."""
        start, end = self.selection
        return self.index.at(start if end > start else self.cursor)

    # -- layout ------------------------------------------------------------------
    def _widths(self) -> tuple[int, int]:
        total = self.scrollable_content_region.width or self.size.width
        margin = 0 if total < 60 else min(34, max(18, total // 4))
        return max(10, total - GUTTER - margin - (1 if margin else 0)), margin

    def _relayout(self, *, force: bool = False) -> None:
        if self.size.width <= 0:
            return
        text_w, margin_w = self._widths()
        if not force and self.rows is not None and text_w == self._text_width:
            return
        top_offset = None
        if self.rows is not None and len(self.rows):
            top_offset = self.rows.starts[min(self.scroll_offset.y, len(self.rows) - 1)]
        self._text_width, self._margin_width = text_w, margin_w
        self.rows = Rows(self._shown_text, text_w)
        self.margin = Margin(self.index.spans, self.rows) if margin_w else None
        self.virtual_size = Size(self.size.width, len(self.rows))
        self._invalidate()
        if top_offset is not None and not force:
            self.scroll_to(y=self.rows.row_of(top_offset), animate=False, immediate=True)

    def on_resize(self, event: events.Resize) -> None:
        self._relayout()
        self._reveal()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._invalidate()

    def _invalidate(self) -> None:
        self._version += 1
        self._cache.clear()
        self.refresh()

    # -- drawing -----------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        width = self.size.width
        rows = self.rows
        row = self.scroll_offset.y + y
        if rows is None or row >= len(rows):
            return Strip.blank(width, self.rich_style)
        start, end = rows.span(row)
        lo, hi = self.selection
        sel = (max(lo, start), min(hi, end)) if lo < end and hi > start else None
        cur = (
            self.cursor
            if start <= self.cursor < end or self.cursor == end == len(self.raw_text)
            else None
        )
        key = (width, self._version, sel, cur, self.has_focus)
        cached = self._cache.get(row)
        if cached is not None and cached[0] == key:
            return cached[1]
        strip = self._render_row(row, width, sel, cur)
        self._cache[row] = (key, strip)
        return strip

    def _style(self, key: tuple[object, ...]) -> Style:
        style = self._styles.get(key)
        if style is None:
            style = self._make_style(key)
            self._styles[key] = style
        return style

    def _make_style(self, key: tuple[object, ...]) -> Style:
        kind, color, overlap, focused, selected, cursor = key
        get = self.get_component_rich_style
        base = self.rich_style
        if kind == "label":
            style = base + get("transcript--speaker")
        elif kind == "interviewer":
            style = base + get("transcript--interviewer")
        else:
            style = base
        if color:
            bg = self.background_colors[1]
            tint = bg.blend(Color.parse(str(color)), 0.7 if focused else 0.32)
            extra = Style(bgcolor=tint.rich_color, underline=bool(overlap))
            if focused:
                extra += Style(color=tint.get_contrast_text(1.0).rich_color, bold=True)
            style += extra
        if selected:
            style += get("transcript--selection")
        if cursor:
            style += get("transcript--cursor") if self.has_focus else Style(reverse=True)
        return style

    def _render_row(
        self, row: int, width: int, sel: tuple[int, int] | None, cur: int | None
    ) -> Strip:
        rows = self.rows
        assert rows is not None
        text = self._shown_text
        start, _end = rows.span(row)
        vis = rows.visible_end(row)
        base = self.rich_style
        segments: list[Segment] = []
        line_no = rows.lines[row]
        blank = vis == start
        gutter = f"{line_no:>{GUTTER - 1}} " if line_no and not blank else " " * GUTTER
        segments.append(Segment(gutter, base + self.get_component_rich_style("transcript--gutter")))

        turn = self.structure.turn_at(start)
        points = {start, vis}
        points.update(self.index.boundaries(start, vis))
        if sel:
            points.update(p for p in sel if start < p < vis)
        if cur is not None and cur < vis:
            points.update((cur, rows.next_offset(cur)))
        label_end = turn.body_start if turn and turn.speaker else None
        if label_end is not None and start < label_end < vis:
            points.add(label_end)
        cut = sorted(p for p in points if start <= p <= vis)
        if not rows.simple[row]:
            cut = sorted({rows.snap(p) for p in cut} | {vis})
        text_segments: list[Segment] = []
        interviewer = bool(turn and turn.is_interviewer)
        for a, b in pairwise(cut):
            if a >= b:
                continue
            spans = self.index.at(a)
            top = spans[-1] if spans else None
            focused = bool(self.focus_code and any(s.code_id == self.focus_code for s in spans))
            if focused:
                top = next(s for s in reversed(spans) if s.code_id == self.focus_code)
            kind = (
                "label"
                if label_end is not None and a < label_end
                else "interviewer"
                if interviewer
                else "text"
            )
            key = (
                kind,
                top.color if top else None,
                len(spans) > 1,
                focused,
                bool(sel and sel[0] <= a < sel[1]),
                cur == a,
            )
            text_segments.append(Segment(text[a:b], self._style(key)))
        if cur is not None and cur >= vis:
            text_segments.append(
                Segment(" ", self._style(("text", None, False, False, False, True)))
            )
        text_segments = Segment.adjust_line_length(text_segments, self._text_width, style=base)
        segments.extend(text_segments)
        if self._margin_width:
            segments.append(Segment(" ", base))
            segments.extend(self._margin_segments(row, base))
        strip = Strip(segments)
        return strip.adjust_cell_length(width, base)

    def _margin_segments(self, row: int, base: Style) -> list[Segment]:
        width = self._margin_width
        cell = self.margin.cell(row) if self.margin else None
        if cell is None:
            return [Segment(" " * width, base)]
        out: list[Segment] = []
        for bar in cell.bars:
            if bar is None:
                out.append(Segment(" ", base))
            else:
                out.append(Segment(bar[0], base + Style(color=Color.parse(bar[1]).rich_color)))
        out.append(Segment(" ", base))
        room = width - len(cell.bars) - 1
        if cell.label and room > 1:
            name, color, sid = cell.label
            if len(name) > room:
                name = name[: room - 1] + "…"
            span = self.index.by_id.get(sid)
            bold = bool(span and self.focus_code and span.code_id == self.focus_code)
            tint = self.background_colors[1].blend(Color.parse(color), 0.32)
            out.append(Segment(name, base + Style(bgcolor=tint.rich_color, bold=bold)))
        return Segment.adjust_line_length(out, width, style=base)

    # -- moving the cursor -------------------------------------------------------
    def _set(self, anchor: int | None, cursor: int, *, center: bool = False) -> None:
        """Move the cursor (and anchor); redraw the rows that changed; tell the screen."""
        rows = self.rows
        old_rows = self._selection_rows()
        if anchor == cursor:
            anchor = None
        self.mark, self.cursor = anchor, cursor
        new_rows = self._selection_rows()
        if rows is not None:
            lo = min(old_rows[0], new_rows[0])
            hi = max(old_rows[1], new_rows[1])
            self._refresh_rows(lo, hi)
            self._scroll_to_cursor(center=center)
        start, end = self.selection
        self.post_message(self.SelectionChanged(self, start, end, cursor))

    def _selection_rows(self) -> tuple[int, int]:
        if self.rows is None:
            return 0, 0
        lo, hi = self.selection
        return self.rows.row_of(lo), self.rows.row_of(max(lo, hi))

    def _refresh_rows(self, lo: int, hi: int) -> None:
        top = self.scroll_offset.y
        height = self.size.height
        a, b = max(lo, top), min(hi, top + height - 1)
        if a <= b:
            self.refresh(Region(0, a - top, self.size.width, b - a + 1))

    def _scroll_to_cursor(self, *, center: bool = False) -> None:
        if self.rows is None:
            return
        row = self.rows.row_of(self.cursor)
        top, height = self.scroll_offset.y, max(1, self.size.height)
        if center and not top <= row < top + height:
            self.scroll_to(y=max(0, row - height // 3), animate=False, immediate=True)
        elif row < top:
            self.scroll_to(y=row, animate=False, immediate=True)
        elif row >= top + height:
            self.scroll_to(y=row - height + 1, animate=False, immediate=True)

    # -- mouse -------------------------------------------------------------------
    def _offset_at(self, event: events.MouseEvent, *, past_end: bool) -> int | None:
        if self.rows is None:
            return None
        where = event.get_content_offset_capture(self)
        row = self.scroll_offset.y + where.y
        if row < 0:
            return 0
        if row >= len(self.rows):
            return len(self.raw_text)
        col = where.x - GUTTER
        if col >= self._text_width:
            col = self._text_width + 1
        return self.rows.offset_at(row, col, past_end=past_end)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        if event.button != 1:
            return
        where = event.get_content_offset(self)
        if where is None or self.rows is None:
            return
        if self._margin_width and where.x >= GUTTER + self._text_width + 1:
            sid = self.margin.label_span(self.scroll_offset.y + where.y) if self.margin else None
            span = self.index.by_id.get(sid) if sid else None
            if span is not None:
                self.focus()
                self._set(span.start, span.end)
            return
        offset = self._offset_at(event, past_end=False)
        if offset is None:
            return
        self.focus()
        self._dragging = True
        self.capture_mouse()
        if event.shift:
            self._set(self.mark if self.mark is not None else self.cursor, offset)
        else:
            self._set(offset, offset)
        event.stop()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if not self._dragging:
            return
        where = event.get_content_offset_capture(self)
        if where.y < 0:
            self.scroll_to(y=self.scroll_offset.y - 1, animate=False, immediate=True)
        elif where.y >= self.size.height:
            self.scroll_to(y=self.scroll_offset.y + 1, animate=False, immediate=True)
        offset = self._offset_at(event, past_end=True)
        if offset is not None and offset != self.cursor:
            anchor = self.mark if self.mark is not None else self.cursor
            self._set(anchor, offset)

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._dragging:
            self._dragging = False
            self.release_mouse()

    def on_click(self, event: events.Click) -> None:
        if event.chain == 2:
            word = self.structure.word_at(self.cursor)
            if word:
                self._set(*word)
        elif event.chain >= 3:
            sentence = self.structure.sentence_at(self.cursor)
            if sentence:
                self._set(*sentence)
