"""Fitting text to the screen: names cut to a width with "…", quotes cut at a word,
counts with the right plural."""

from __future__ import annotations

import re

from rich.cells import cell_len

from qda import wording

ELLIPSIS = "…"


def fit(text: str, width: int) -> str:
    """``text`` cut to at most ``width`` terminal cells, ending in "…" when cut
    (wide characters such as emoji count as two cells)."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return text
    out: list[str] = []
    used = 0
    for ch in text:
        w = cell_len(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out).rstrip() + ELLIPSIS


def fit_path(path: str, width: int) -> str:
    """A code's path cut to ``width`` cells, keeping its own name (the last part) in
    view: ``being proc…/feeling listened to``, ``…/feeling listened…``."""
    if cell_len(path) <= width or "/" not in path:
        return fit(path, width)
    parent, leaf = path.rsplit("/", 1)
    room = width - cell_len(leaf) - 1
    if room >= 6:
        return fit(parent, room) + "/" + leaf
    return "…/" + fit(leaf, width - 2)


def clip_words(text: str, n: int) -> str:
    """``text`` on one line, cut to at most ``n`` characters at a word boundary, with
    "…" when something was cut."""
    text = " ".join(text.split())
    if len(text) <= n:
        return text
    cut = text[: n + 1]
    space = cut.rfind(" ")
    cut = cut[:space] if space > n // 2 else text[:n]
    return cut.rstrip(" ,;:") + ELLIPSIS


def one_line(text: str) -> str:
    """Runs of white space as one space, keeping a space at either end (so that text
    put next to it is not glued to it, nor pushed away by an extra space)."""
    return re.sub(r"\s+", " ", text)


def plural(count: int, word: str) -> str:
    """``1 code``, ``2 codes``: ``word`` is the plural ("codes", "categories")."""
    return wording.plural(count, wording.singular(word), word)


def name_column(
    total: int, header: list[str], rows: list[list[object]], *, least: int = 10, most: int = 40
) -> tuple[int, bool]:
    """How wide the first column (a name) of a table may be so that the other columns
    (sized to their header and cells, plus 2 cells of padding each) stay in ``total``,
    kept between ``least`` and ``most``; and whether the table is still wider than
    ``total`` (then it scrolls sideways)."""
    others = other_columns_width(header, rows)
    width = max(least, min(most, total - others - 4))
    return width, width + others + 4 > total


def other_columns_width(header: list[str], rows: list[list[object]]) -> int:
    """The cells the columns after the first take (each sized to its header and cells,
    plus 2 cells of padding)."""
    return sum(
        max([cell_len(h), *(cell_len(str(r[i])) for r in rows if i < len(r))]) + 2
        for i, h in enumerate(header[1:], start=1)
    )
