"""Small output helpers shared by the coding commands.

Transcript text and names are user content: ``[laughs]`` must print as written, not be
taken for Rich markup, so every table cell and marked-up line escapes it.
"""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.table import Table

__all__ = ["add_row", "escape"]


def add_row(table: Table, *cells: Any) -> None:
    """``table.add_row`` with every cell shown literally."""
    table.add_row(*(escape(c) if isinstance(c, str) else escape(str(c)) for c in cells))
