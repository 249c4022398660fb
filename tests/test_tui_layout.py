"""The transcript view's model: wrapping, offsets, grapheme widths, span index, margin."""

from __future__ import annotations

import random
from itertools import pairwise

from rich.cells import cell_len

from qda.tui.widgets.transcript_layout import Rows, Structure, TurnMark, display_text
from qda.tui.widgets.transcript_spans import Margin, Span, SpanIndex

TEXT = (
    "Interviewer: How was the physio?\n\n"
    "P01: Honestly 👍🏽 she listened, cafe\u0301 after, and I felt no difference to the pain.\n"
    "\tThen\x07 the scan."
)


def test_rows_cover_the_text_without_gaps() -> None:
    for width in (5, 8, 13, 21, 40, 200):
        rows = Rows(display_text(TEXT), width)
        ends = [rows.span(i) for i in range(len(rows))]
        assert ends[0][0] == 0 and ends[-1][1] == len(TEXT)
        for (_, e), (s, _) in pairwise(ends):
            assert e == s


def test_rows_fit_their_width_in_cells() -> None:
    shown = display_text(TEXT)
    for width in (6, 9, 17, 30):
        rows = Rows(shown, width)
        for i in range(len(rows)):
            start = rows.starts[i]
            visible = shown[start : rows.visible_end(i)].rstrip(" ")
            assert cell_len(visible) <= width, (width, visible)


def test_graphemes_are_measured_whole() -> None:
    rows = Rows(display_text(TEXT), 200)
    thumb = TEXT.index("👍")
    row, col = rows.column(thumb)
    _, after = rows.column(thumb + 2)  # thumb + skin tone: one grapheme of two cells
    assert after - col == 2
    assert rows.next_offset(thumb) == thumb + 2
    assert rows.snap(thumb + 1) == thumb
    accent = TEXT.index("e\u0301")
    assert rows.next_offset(accent) == accent + 2
    assert rows.offset_at(row, after) == thumb + 2


def test_control_characters_take_one_cell() -> None:
    shown = display_text(TEXT)
    assert len(shown) == len(TEXT)
    assert "\t" not in shown and "\x07" not in shown
    assert shown.count("\n") == TEXT.count("\n")


def test_line_numbers_mark_the_first_row_of_each_line() -> None:
    rows = Rows(display_text(TEXT), 20)
    numbered = [rows.lines[i] for i in range(len(rows)) if rows.lines[i]]
    assert numbered == [1, 2, 3, 4]


def test_offset_round_trip_on_simple_rows() -> None:
    rng = random.Random(4)
    words = ["pain", "physio", "I", "mean", "really", "the", "back", "GP"]
    text = "\n\n".join(
        " ".join(rng.choice(words) for _ in range(rng.randint(1, 60))) for _ in range(40)
    )
    rows = Rows(text, 33)
    for offset in range(0, len(text), 7):
        row, col = rows.column(offset)
        if offset < rows.visible_end(row):
            assert rows.offset_at(row, col) == offset


def test_structure_units() -> None:
    turns = [TurnMark(0, 13, 34, "Interviewer", True), TurnMark(34, 39, len(TEXT), "P01", False)]
    s = Structure(TEXT, turns, [(13, 32), (39, 60)])
    assert s.turn_at(40) == turns[1]
    assert s.sentence_at(20) == (13, 32)
    assert s.next_sentence_end(33) == 60
    at = TEXT.index("listened")
    assert s.word_at(at + 3) == (at, at + len("listened"))
    assert s.prev_word_start(at + 3) == at


def test_span_index_lookups() -> None:
    spans = [
        Span("a", "c1", "trust", 10, 30, "#ff0000"),
        Span("b", "c2", "pain", 20, 40, "#00ff00"),
        Span("c", "c1", "trust", 50, 60, "#ff0000"),
    ]
    index = SpanIndex(spans)
    assert [s.id for s in index.at(25)] == ["a", "b"] or [s.id for s in index.at(25)] == ["b", "a"]
    assert index.at(45) == ()
    assert [(a, b, len(s)) for a, b, s in index.pieces(0, 70)] == [
        (0, 10, 0), (10, 20, 1), (20, 30, 2), (30, 40, 1), (40, 50, 0), (50, 60, 1), (60, 70, 0),
    ]  # fmt: skip
    assert index.next_span(10).id == "b"
    assert index.next_span(10, "c1").id == "c"
    assert index.prev_span(50).id == "b"
    assert index.covers_any(35, 45) and not index.covers_any(40, 50)


def test_margin_puts_labels_level_with_their_rows() -> None:
    text = "\n".join(f"line {i} " + "word " * 10 for i in range(20))
    rows = Rows(text, 200)
    starts = [text.index(f"line {i} ") for i in range(20)]
    spans = [
        Span("a", "c1", "trust", starts[2], starts[4] - 1, "#ff0000"),
        Span("b", "c2", "pain", starts[2] + 5, starts[3], "#00ff00"),
        Span("c", "c3", "hope", starts[10], starts[10] + 4, "#0000ff"),
    ]
    margin = Margin(spans, rows)
    assert margin.label_span(2) == "a"
    assert margin.label_span(3) == "b"  # pushed down one row: row 2 is taken
    assert margin.label_span(10) == "c"
    cell = margin.cell(2)
    assert cell is not None and sum(1 for b in cell.bars if b) == 2
    assert margin.cell(15) is None
