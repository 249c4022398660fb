"""The admin commands of the `qda` command line: backup, check."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qda.cli.common import JsonOpt, ProjectArg, emit, out, warn


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command(name="backup")(backup)
    app.command(name="check")(check)


def backup(
    project: ProjectArg,
    dest: Annotated[
        Path, typer.Argument(metavar="OUT", help="The backup file to write (or a folder).")
    ],
    as_json: JsonOpt = False,
) -> None:
    """A consistent copy of a live project (SQLite's backup API), readable by you only."""
    from qda.admin.backup import backup_project

    result = backup_project(project, dest)
    emit(
        result,
        as_json,
        lambda: out.print(
            f"backed up {result.documents} documents and {result.codings} codings "
            f"to {result.path} ({result.bytes:,} bytes, integrity {result.integrity})",
            highlight=False,
        ),
    )


def check(project: ProjectArg, as_json: JsonOpt = False) -> None:
    """Check integrity, offsets and quotes against their documents, and orphans.

    Exits 1 when any problem is found.
    """
    from qda.admin.check import check_target, summary

    report = check_target(project)

    def human() -> None:
        for line in summary(report):
            out.print(line, highlight=False, markup=False)

    emit(report.to_dict(), as_json, human)
    if not report.ok:
        n = len(report.problems) + sum(report.omitted.values())
        warn(f"check: {n} problem{'s' if n != 1 else ''} in {report.project}")
        raise typer.Exit(1)
