"""The ``qda`` command line (typer).  Every listing and report takes ``--json``."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from qda import __version__
from qda.cli import admin_cmds, coding_cmds, exchange_cmds, project_cmds, suggest_cmds, team_cmds
from qda.errors import QdaError

app = typer.Typer(
    name="qda",
    help="qda: grounded-theory coding of interview transcripts, in the terminal.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"qda {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """qda: grounded-theory coding of interview transcripts, in the terminal."""


for _module in (project_cmds, coding_cmds, suggest_cmds, exchange_cmds, team_cmds, admin_cmds):
    _module.register(app)


def main() -> None:
    """Entry point: one-line errors on stderr and a non-zero exit, never a traceback."""
    try:
        app()
    except QdaError as exc:
        sys.stderr.write(f"qda: error: {exc}\n")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("qda: interrupted\n")
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("QDA_DEBUG"):
            raise
        msg = " ".join(str(exc).split())[:300]
        sys.stderr.write(
            f"qda: internal error: {type(exc).__name__}: {msg} (QDA_DEBUG=1 shows the traceback)\n"
        )
        sys.exit(70)
