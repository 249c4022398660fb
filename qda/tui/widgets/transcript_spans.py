"""Coded spans of a transcript: an index for drawing and a margin level with the rows.

:class:`SpanIndex` cuts the text at every span boundary once; the codings active on
any stretch are then found by bisection.  :class:`Margin` lays the code names out
beside the rows they start on (the line-by-line layout of grounded theory), with a
bar in one of a few lanes showing how far each coding runs.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass

from qda.tui.widgets.transcript_layout import Rows

PALETTE = [
    "#e6a23c", "#4fa3e0", "#67c23a", "#f56c9d", "#b47ee5", "#2fc2b6", "#e8684a",
    "#a0c334", "#5b8ff9", "#d4a017", "#c77dff", "#3fb27f", "#ff8c69", "#7cb5ec",
]  # fmt: skip


def color_for(code_id: str, color: str | None) -> str:
    """The code's own colour, else a stable one from the palette."""
    if color:
        return color
    return PALETTE[int(code_id.replace("-", "")[:8] or "0", 16) % len(PALETTE)]


@dataclass(frozen=True)
class Span:
    """One coding as drawn: its id, code, span and colour."""

    id: str
    code_id: str
    code: str
    start: int
    end: int
    color: str


class SpanIndex:
    """The spans of one document, cut at every boundary; lookups by bisection."""

    def __init__(self, spans: list[Span]) -> None:
        self.spans = sorted(spans, key=lambda s: (s.start, -s.end))
        self.by_id = {s.id: s for s in self.spans}
        self.starts = [s.start for s in self.spans]
        cuts = sorted({s.start for s in spans} | {s.end for s in spans})
        self.cuts = cuts
        # active[i]: spans covering [cuts[i], cuts[i+1]), widest first (narrowest on top)
        active: list[tuple[Span, ...]] = []
        opening: dict[int, list[Span]] = {}
        closing: dict[int, list[Span]] = {}
        for s in self.spans:
            opening.setdefault(s.start, []).append(s)
            closing.setdefault(s.end, []).append(s)
        current: dict[str, Span] = {}
        for c in cuts:
            for s in closing.get(c, ()):
                current.pop(s.id, None)
            for s in opening.get(c, ()):
                current[s.id] = s
            if len(current) > 1:
                active.append(tuple(sorted(current.values(), key=lambda s: s.start - s.end)))
            else:
                active.append(tuple(current.values()))
        self.active = active

    def __len__(self) -> int:
        return len(self.spans)

    def at(self, offset: int) -> tuple[Span, ...]:
        """The spans covering ``offset``."""
        i = bisect_right(self.cuts, offset) - 1
        return self.active[i] if i >= 0 else ()

    def pieces(self, start: int, end: int) -> Iterator[tuple[int, int, tuple[Span, ...]]]:
        """``(a, b, spans)`` stretches covering ``[start, end)`` in order."""
        if start >= end:
            return
        cuts = self.cuts
        i = bisect_right(cuts, start) - 1
        pos = start
        while pos < end:
            nxt = cuts[i + 1] if i + 1 < len(cuts) else end
            b = min(end, nxt)
            yield pos, b, (self.active[i] if i >= 0 else ())
            pos = b
            i += 1

    def boundaries(self, start: int, end: int) -> list[int]:
        """Span boundaries strictly inside ``(start, end)``."""
        return self.cuts[bisect_right(self.cuts, start) : bisect_left(self.cuts, end)]

    def covers_any(self, start: int, end: int) -> bool:
        return any(spans for _a, _b, spans in self.pieces(start, end))

    def next_span(self, offset: int, code_id: str | None = None) -> Span | None:
        """The first span starting after ``offset`` (of ``code_id`` if given)."""
        i = bisect_right(self.starts, offset)
        for s in self.spans[i:]:
            if code_id is None or s.code_id == code_id:
                return s
        return None

    def prev_span(self, offset: int, code_id: str | None = None) -> Span | None:
        """The last span starting before ``offset`` (of ``code_id`` if given)."""
        i = bisect_left(self.starts, offset)
        for s in reversed(self.spans[:i]):
            if code_id is None or s.code_id == code_id:
                return s
        return None


@dataclass(frozen=True)
class MarginCell:
    """What the margin shows on one row: bar characters per lane and a label."""

    bars: tuple[tuple[str, str] | None, ...]  # (character, colour) per lane
    label: tuple[str, str, str] | None  # (text, colour, span id)


class Margin:
    """Code names level with their rows, and bars for the extent of each coding."""

    def __init__(self, spans: list[Span], rows: Rows, lanes: int = 3) -> None:
        self.lanes = lanes
        bars: dict[int, list[tuple[str, str] | None]] = {}
        labels: dict[int, tuple[str, str, str]] = {}
        extra: dict[int, int] = {}
        lane_free = [-1] * lanes  # last row used by each lane
        for s in sorted(spans, key=lambda s: (s.start, -s.end)):
            r0 = rows.row_of(s.start)
            r1 = rows.row_of(max(s.start, s.end - 1))
            lane = next((i for i in range(lanes) if lane_free[i] < r0), None)
            if lane is not None:
                lane_free[lane] = r1
                for r in range(r0, r1 + 1):
                    ch = "•" if r0 == r1 else "╷" if r == r0 else "╵" if r == r1 else "│"
                    cells = bars.setdefault(r, [None] * lanes)
                    cells[lane] = (ch, s.color)
            for r in range(r0, max(r1, r0) + 3):
                if r not in labels and r < len(rows):
                    labels[r] = (s.code, s.color, s.id)
                    break
            else:
                extra[r0] = extra.get(r0, 0) + 1
        for r, n in extra.items():
            text, color, sid = labels[r]
            labels[r] = (f"{text} +{n}", color, sid)
        self._bars = {r: tuple(v) for r, v in bars.items()}
        self._labels = labels

    def cell(self, row: int) -> MarginCell | None:
        bars = self._bars.get(row)
        label = self._labels.get(row)
        if bars is None and label is None:
            return None
        return MarginCell(bars or (None,) * self.lanes, label)

    def label_span(self, row: int) -> str | None:
        """The id of the coding whose name is on ``row``."""
        label = self._labels.get(row)
        return label[2] if label else None
