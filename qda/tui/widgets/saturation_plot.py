"""SaturationPlot: the saturation curve drawn with characters.

Bars are the new codes each transcript brought; dots the cumulative number of codes;
a dashed column marks where saturation was reached (Guest et al. 2020).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.widget import Widget

BLOCKS = " ▁▂▃▄▅▆▇█"


@dataclass(frozen=True)
class SaturationPoint:
    label: str
    new: int
    cumulative: int


class SaturationPlot(Widget):
    """A small terminal chart; ``set_data`` redraws it."""

    DEFAULT_CSS = """
    SaturationPlot { height: 1fr; min-height: 10; }
    SaturationPlot > .plot--bar { color: $primary; }
    SaturationPlot > .plot--curve { color: $accent; text-style: bold; }
    SaturationPlot > .plot--axis { color: $text-muted; }
    SaturationPlot > .plot--mark { color: $success; }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"plot--bar", "plot--curve", "plot--axis", "plot--mark"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.points: list[SaturationPoint] = []
        self.saturated_at: int | None = None

    def set_data(self, points: list[SaturationPoint], saturated_at: int | None) -> None:
        self.points = points
        self.saturated_at = saturated_at
        self.refresh()

    def render(self) -> Text:
        points = self.points
        width, height = self.size.width, self.size.height
        if not points:
            return Text(
                "No codings yet: the curve appears once transcripts are coded.", style="dim"
            )
        top = max(p.cumulative for p in points) or 1
        rows = max(4, height - 3)
        axis_w = len(str(top)) + 1
        step = max(1, min(6, (width - axis_w - 1) // max(1, len(points))))
        grid: list[list[tuple[str, str]]] = [
            [(" ", "")] * (step * len(points)) for _ in range(rows)
        ]
        bar_style, curve_style = "plot--bar", "plot--curve"
        for i, p in enumerate(points):
            x0 = i * step
            # bar of new codes (eighths of a row)
            eighths = round(p.new / top * rows * 8)
            for r in range(rows):
                level = min(8, max(0, eighths - r * 8))
                if level:
                    for dx in range(max(1, step - 1)):
                        grid[rows - 1 - r][x0 + dx] = (BLOCKS[level], bar_style)
            y = round(p.cumulative / top * (rows - 1))
            grid[rows - 1 - y][x0 + max(0, (step - 1) // 2)] = ("●", curve_style)
            if self.saturated_at is not None and i + 1 == self.saturated_at:
                for r in range(rows):
                    if grid[r][x0 + step - 1][0] == " ":
                        grid[r][x0 + step - 1] = ("┆", "plot--mark")
        styles = {k: self.get_component_rich_style(k) for k in self.COMPONENT_CLASSES}
        text = Text()
        marks = {0: top, rows - 1: 0}
        if top >= 2:
            marks[rows - 1 - round((top // 2) / top * (rows - 1))] = top // 2
        for r, line in enumerate(grid):
            label = str(marks[r]) if r in marks else ""
            text.append(label.rjust(axis_w - 1) + "┤", style=styles["plot--axis"])
            for ch, style in line:
                text.append(ch, style=styles.get(style, ""))
            text.append("\n")
        text.append(
            " " * (axis_w - 1) + "└" + "─" * (step * len(points)) + "\n", style=styles["plot--axis"]
        )
        labels = "".join(p.label[: max(1, step - 1)].ljust(step) for p in points)
        text.append(" " * axis_w + labels, style=styles["plot--axis"])
        return text
