"""The exchange commands: ``qda export codebook|report|qdpx|qdc|csv PROJECT OUT``.

Importing a ``.qdpx``/``.qdc`` is ``qda import PROJECT FILE`` (project_cmds), which
hands REFI-QDA files to :mod:`qda.exchange.refi_import`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from qda.cli.common import CoderOpt, JsonOpt, ProjectArg, emit, err, opened, out

export_app = typer.Typer(
    name="export",
    help="Export: Word codebook or theme report, REFI-QDA .qdpx/.qdc, CSV.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

OutArg = Annotated[
    Path, typer.Argument(help="The file (or, for csv, folder) to write.", metavar="OUT")
]


def register(app: typer.Typer) -> None:
    """Add ``qda export ...`` to ``app``."""
    app.add_typer(export_app, name="export")


@contextmanager
def _bar(label: str, show: bool) -> Iterator[Callable[[int, int], None] | None]:
    if not show or not err.is_terminal:
        yield None
        return
    with Progress(
        TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, transient=True,
    ) as bar:  # fmt: skip
        task = bar.add_task(label, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def _done(data: Any, as_json: bool, line: str) -> None:
    emit(data, as_json, lambda: out.print(line, highlight=False, markup=False))


@export_app.command("codebook")
def codebook(
    project: ProjectArg,
    out_path: OutArg,
    examples: Annotated[int, typer.Option(help="Example quotes per code.")] = 3,
    codes_only: Annotated[
        bool, typer.Option("--codes-only", help="Definitions and counts only, no quotes or memos.")
    ] = False,
    memos: Annotated[bool, typer.Option("--memos", help="Include each code's memos.")] = False,
    retired: Annotated[bool, typer.Option("--retired", help="Include retired codes.")] = False,
    coder: CoderOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The codebook as a Word document (.docx)."""
    with opened(project, coder) as p, _bar("writing codebook", not as_json) as progress:
        res = p.export_codebook(
            out_path, examples=examples, codes_only=codes_only, memos=memos,
            include_retired=retired, progress=progress,
        )  # fmt: skip
    _done(res, as_json, f"wrote {res.path}: {res.codes} codes, {res.quotes} quotes")


@export_app.command("report")
def report(
    project: ProjectArg,
    out_path: OutArg,
    attr: Annotated[
        list[str] | None,
        typer.Option(
            "--attr",
            help="Participant attribute to show with quotes: NAME or NAME=TEMPLATE, e.g. "
            '--attr age --attr "pain_severity=pain {}/10". Repeatable.',
        ),
    ] = None,
    quotes: Annotated[int, typer.Option(help="Illustrative quotes per category.")] = 3,
    coder: CoderOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The theme report (results section) as a Word document (.docx)."""
    with opened(project, coder) as p, _bar("writing report", not as_json) as progress:
        res = p.export_report(out_path, attributes=attr or [], quotes=quotes, progress=progress)
    _done(res, as_json, f"wrote {res.path}: {res.themes} themes, {res.quotes} quotes")


@export_app.command("qdpx")
def qdpx(
    project: ProjectArg,
    out_path: OutArg,
    nvivo: Annotated[
        bool,
        typer.Option("--nvivo", help="NVivo-style offsets (UTF-16 units, CRLF) and line endings."),
    ] = False,
    coder: CoderOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The whole project as a REFI-QDA project file (.qdpx)."""
    with opened(project, coder) as p, _bar("writing qdpx", not as_json) as progress:
        res = p.export_qdpx(out_path, nvivo=nvivo, progress=progress)
    _done(
        res, as_json,
        f"wrote {res.path}: {res.documents} documents, {res.codes} codes, {res.codings} codings, "
        f"{res.memos} memos ({res.offsets})",
    )  # fmt: skip


@export_app.command("qdc")
def qdc(
    project: ProjectArg, out_path: OutArg, coder: CoderOpt = None, as_json: JsonOpt = False
) -> None:
    """The codebook as a REFI-QDA codebook file (.qdc)."""
    with opened(project, coder) as p:
        res = p.export_qdc(out_path)
    _done(res, as_json, f"wrote {res.path}: {res.codes} codes")


@export_app.command("csv")
def csv_(
    project: ProjectArg,
    out_path: OutArg,
    excel: Annotated[
        bool, typer.Option("--excel", help="Add a byte-order mark so Excel reads UTF-8.")
    ] = False,
    coder: CoderOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Codings (one row each) and the code x participant matrix, for pandas or R."""
    with opened(project, coder) as p:
        res = p.export_csv(out_path, excel=excel)
    _done(res, as_json, f"wrote {res.codings_path} ({res.codings} codings) and {res.matrix_path}")
