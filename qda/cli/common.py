"""Shared pieces of the command line: options, opening projects, output."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, is_dataclass
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

if TYPE_CHECKING:  # imported when a command opens a project: `--help` stays quick
    from qda.project import Project

ProjectArg = Annotated[str, typer.Argument(help="A .qda project file or a database URL.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
CoderOpt = Annotated[
    str | None,
    typer.Option("--coder", help="Who is working (else $QDA_CODER, the config, the OS user)."),
]
CsvOpt = Annotated[bool, typer.Option("--csv", help="Print CSV instead of a table.")]
CodeArg = Annotated[str, typer.Argument(help="A code's id, name or path (theme/category/code).")]
DocOpt = Annotated[str, typer.Option("--doc", help="The document's name or id.")]
RetiredOpt = Annotated[bool, typer.Option("--retired", help="Include retired codes.")]

#: Output is user content (names, transcript text with "[laughs]"), so nothing printed
#: is read as Rich markup; styled parts are built with :func:`styled`.
out = Console(soft_wrap=True, markup=False)
err = Console(stderr=True, soft_wrap=True, markup=False)


def styled(*parts: str | tuple[str, str]) -> Text:
    """A line from plain strings and ``(text, style)`` pairs, shown literally."""
    return Text.assemble(*parts)


@contextmanager
def opened(project: str, coder: str | None = None, *, read_only: bool = False) -> Iterator[Project]:
    from qda.project import open_project

    p = open_project(project, coder=coder, read_only=read_only)
    try:
        yield p
    finally:
        p.close()


def to_plain(data: Any) -> Any:
    if is_dataclass(data) and not isinstance(data, type):
        return to_plain(asdict(data))
    if hasattr(data, "to_dict"):
        return to_plain(data.to_dict())
    if isinstance(data, dict):
        return {str(k): to_plain(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [to_plain(v) for v in data]
    return data


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(to_plain(data), ensure_ascii=False, indent=2, default=str) + "\n")


def emit(
    data: Any,
    as_json: bool,
    human: Callable[[], None],
    *,
    as_csv: bool = False,
    csv_text: Callable[[Any], str] | None = None,
) -> None:
    """CSV on ``--csv`` (``csv_text(data)``), else JSON on ``--json``, else the human
    rendering."""
    if as_csv and csv_text is not None:
        out.file.write(csv_text(data))
    elif as_json:
        print_json(data)
    else:
        human()


def warn(message: str) -> None:
    err.print(f"qda: {message}", highlight=False, markup=False)
