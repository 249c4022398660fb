"""A small chart as a PNG, drawn in pure Python (no matplotlib, no Pillow).

Why not a plotting library: matplotlib (with numpy, Pillow, fonts) is ~40 MB for one
figure, and even Pillow alone would be a new compiled dependency; a saturation curve
needs only lines, bars, rectangles and a few labels.  This module rasterises those
on an RGB canvas, labels with a built-in 5x7 bitmap font (upper case, digits,
a little punctuation) and writes the PNG with :mod:`zlib`.  Drawn at 2x and shown
smaller in Word, it prints sharply.
"""

from __future__ import annotations

import itertools
import math
import struct
import zlib
from collections.abc import Sequence

RGB = tuple[int, int, int]

# 5x7 glyphs, one string of 7 rows of 5 bits each.
_FONT_ROWS = {
    "0": "01110 10001 10011 10101 11001 10001 01110",
    "1": "00100 01100 00100 00100 00100 00100 01110",
    "2": "01110 10001 00001 00010 00100 01000 11111",
    "3": "11111 00010 00100 00010 00001 10001 01110",
    "4": "00010 00110 01010 10010 11111 00010 00010",
    "5": "11111 10000 11110 00001 00001 10001 01110",
    "6": "00110 01000 10000 11110 10001 10001 01110",
    "7": "11111 00001 00010 00100 01000 01000 01000",
    "8": "01110 10001 10001 01110 10001 10001 01110",
    "9": "01110 10001 10001 01111 00001 00010 01100",
    "A": "01110 10001 10001 10001 11111 10001 10001",
    "B": "11110 10001 10001 11110 10001 10001 11110",
    "C": "01110 10001 10000 10000 10000 10001 01110",
    "D": "11100 10010 10001 10001 10001 10010 11100",
    "E": "11111 10000 10000 11110 10000 10000 11111",
    "F": "11111 10000 10000 11110 10000 10000 10000",
    "G": "01110 10001 10000 10111 10001 10001 01111",
    "H": "10001 10001 10001 11111 10001 10001 10001",
    "I": "01110 00100 00100 00100 00100 00100 01110",
    "J": "00111 00010 00010 00010 00010 10010 01100",
    "K": "10001 10010 10100 11000 10100 10010 10001",
    "L": "10000 10000 10000 10000 10000 10000 11111",
    "M": "10001 11011 10101 10101 10001 10001 10001",
    "N": "10001 10001 11001 10101 10011 10001 10001",
    "O": "01110 10001 10001 10001 10001 10001 01110",
    "P": "11110 10001 10001 11110 10000 10000 10000",
    "Q": "01110 10001 10001 10001 10101 10010 01101",
    "R": "11110 10001 10001 11110 10100 10010 10001",
    "S": "01111 10000 10000 01110 00001 00001 11110",
    "T": "11111 00100 00100 00100 00100 00100 00100",
    "U": "10001 10001 10001 10001 10001 10001 01110",
    "V": "10001 10001 10001 10001 10001 01010 00100",
    "W": "10001 10001 10001 10101 10101 10101 01010",
    "X": "10001 10001 01010 00100 01010 10001 10001",
    "Y": "10001 10001 10001 01010 00100 00100 00100",
    "Z": "11111 00001 00010 00100 01000 10000 11111",
    " ": "00000 00000 00000 00000 00000 00000 00000",
    ".": "00000 00000 00000 00000 00000 01100 01100",
    ",": "00000 00000 00000 00000 01100 00100 01000",
    "-": "00000 00000 00000 11111 00000 00000 00000",
    ":": "00000 01100 01100 00000 01100 01100 00000",
    "/": "00000 00001 00010 00100 01000 10000 00000",
    "(": "00010 00100 01000 01000 01000 00100 00010",
    ")": "01000 00100 00010 00010 00010 00100 01000",
    "%": "11000 11001 00010 00100 01000 10011 00011",
    "?": "01110 10001 00001 00010 00100 00000 00100",
}  # fmt: skip
FONT = {ch: [int(r, 2) for r in rows.split()] for ch, rows in _FONT_ROWS.items()}


class Canvas:
    def __init__(self, width: int, height: int, bg: RGB = (255, 255, 255)) -> None:
        self.w, self.h = width, height
        self.px = bytearray(bytes(bg) * (width * height))

    def rect(self, x0: int, y0: int, x1: int, y1: int, color: RGB) -> None:
        """Fill ``[x0, x1) x [y0, y1)`` (clipped)."""
        x0, x1 = max(0, min(x0, x1)), min(self.w, max(x0, x1))
        y0, y1 = max(0, min(y0, y1)), min(self.h, max(y0, y1))
        if x1 <= x0:
            return
        row = bytes(color) * (x1 - x0)
        for y in range(y0, y1):
            i = (y * self.w + x0) * 3
            self.px[i : i + len(row)] = row

    def dot(self, cx: float, cy: float, r: float, color: RGB) -> None:
        ri = math.ceil(r)
        for dy in range(-ri, ri + 1):
            half = math.sqrt(max(0.0, r * r - dy * dy))
            self.rect(
                round(cx - half), round(cy + dy), round(cx + half) + 1, round(cy + dy) + 1, color
            )

    def line(self, x0: float, y0: float, x1: float, y1: float, width: float, color: RGB) -> None:
        """A thick line as a row of round dots (no gaps at any angle)."""
        steps = max(1, int(max(abs(x1 - x0), abs(y1 - y0)) / max(1.0, width / 3)))
        for k in range(steps + 1):
            t = k / steps
            self.dot(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t, width / 2, color)

    def text(self, x: int, y: int, s: str, scale: int, color: RGB, anchor: str = "left") -> int:
        """Draw ``s`` (upper-cased) with its top at ``y``; returns the width in pixels."""
        s = s.upper()
        width = text_width(s, scale)
        if anchor == "center":
            x -= width // 2
        elif anchor == "right":
            x -= width
        for ch in s:
            rows = FONT.get(ch, FONT["?"])
            for ry, bits in enumerate(rows):
                for rx in range(5):
                    if bits & (1 << (4 - rx)):
                        px = x + rx * scale
                        py = y + ry * scale
                        self.rect(px, py, px + scale, py + scale, color)
            x += 6 * scale
        return width

    def png(self) -> bytes:
        raw = bytearray()
        stride = self.w * 3
        for y in range(self.h):
            raw.append(0)
            raw += self.px[y * stride : (y + 1) * stride]

        def chunk(kind: bytes, data: bytes) -> bytes:
            return (
                struct.pack(">I", len(data))
                + kind
                + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
            )

        header = struct.pack(">IIBBBBB", self.w, self.h, 8, 2, 0, 0, 0)
        return (
            b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(bytes(raw), 9))
            + chunk(b"IEND", b"")
        )


def text_width(s: str, scale: int) -> int:
    return max(0, len(s) * 6 - 1) * scale


def nice_step(top: float, ticks: int = 5) -> int:
    """A 1-2-5 tick step giving about ``ticks`` intervals up to ``top``."""
    raw = max(top, 1) / ticks
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if m * mag >= raw:
            return max(1, int(m * mag))
    return max(1, int(10 * mag))


def saturation_png(
    new: Sequence[int],
    cumulative: Sequence[int],
    *,
    x_label: str = "Interviews in order of import",
    width: int = 1600,
    height: int = 900,
) -> bytes:
    """Bars of new codes per document and the cumulative line, with axes and a legend."""
    ink: RGB = (40, 40, 40)
    grid: RGB = (225, 225, 225)
    bar: RGB = (158, 202, 225)
    curve: RGB = (31, 90, 160)
    c = Canvas(width, height)
    n = len(cumulative)
    left, right, top, bottom = 150, 50, 150, 150
    pw, ph = width - left - right, height - top - bottom
    ymax = max([*cumulative, *new, 1])
    step = nice_step(ymax)
    ytop = step * math.ceil(ymax / step)
    scale = 3

    def y_of(v: float) -> float:
        return top + ph - v / ytop * ph

    # grid and y ticks
    for v in range(0, ytop + 1, step):
        y = round(y_of(v))
        c.rect(left, y - 1, left + pw, y + 1, grid)
        c.text(left - 18, y - 3 * scale - 1, str(v), scale, ink, anchor="right")
    # bars: new codes per document
    slot = pw / max(n, 1)
    for i, v in enumerate(new):
        x0 = left + i * slot + slot * 0.2
        x1 = left + (i + 1) * slot - slot * 0.2
        c.rect(round(x0), round(y_of(v)), round(x1), top + ph, bar)
    # cumulative line with points
    pts = [(left + (i + 0.5) * slot, y_of(v)) for i, v in enumerate(cumulative)]
    for (xa, ya), (xb, yb) in itertools.pairwise(pts):
        c.line(xa, ya, xb, yb, 6, curve)
    for px, py in pts:
        c.dot(px, py, 8 if n <= 60 else 4, curve)
    # axes
    c.rect(left - 2, top, left + 2, top + ph + 2, ink)
    c.rect(left - 2, top + ph - 2, left + pw, top + ph + 2, ink)
    # x ticks: every document when few, else a round step
    xstep = 1 if n <= 30 else nice_step(n, 10)
    for i in range(n):
        k = i + 1
        if k == 1 or k % xstep == 0 or k == n:
            x = round(left + (i + 0.5) * slot)
            c.rect(x - 1, top + ph + 2, x + 2, top + ph + 14, ink)
            c.text(x, top + ph + 24, str(k), scale, ink, anchor="center")
    c.text(left + pw // 2, height - 58, x_label, scale, ink, anchor="center")
    c.text(left - 18, top - 60, "Codes", scale, ink, anchor="left")
    # legend
    lx = left + 260
    ly = 36
    c.rect(lx, ly, lx + 40, ly + 24, bar)
    w = c.text(lx + 56, ly + 2, "New codes in this interview", scale, ink)
    lx += 56 + w + 60
    c.line(lx, ly + 12, lx + 40, ly + 12, 6, curve)
    c.dot(lx + 20, ly + 12, 8, curve)
    c.text(lx + 56, ly + 2, "All codes so far", scale, ink)
    return c.png()
