"""Small output helpers shared by the coding commands.

Transcript text and names are user content: ``[laughs]`` must print as written, not be
taken for Rich markup.  The consoles print without markup (``qda.cli.common``), and
table cells are given as :class:`rich.text.Text`, which is never parsed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from rich.table import Table
from rich.text import Text

from qda.coding.analysis.csvtext import to_csv

__all__ = ["add_row", "attrs_csv"]


def add_row(table: Table, *cells: Any) -> None:
    """``table.add_row`` with every cell shown literally."""
    table.add_row(*(c if isinstance(c, Text) else Text(str(c)) for c in cells))


def attrs_csv(cols: list[str]) -> Callable[[Iterable[Any]], str]:
    """A CSV writer for rows of objects: a header of ``cols``, then each row's attributes."""
    return lambda rows: to_csv(cols, ([getattr(r, c) for c in cols] for r in rows))
