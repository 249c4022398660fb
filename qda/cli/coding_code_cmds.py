"""``qda code ...``: add, rename, define, move, merge, split, retire, core, list, show."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from qda.cli.coding_common import add_row, attrs_csv
from qda.cli.common import (
    CodeArg,
    CoderOpt,
    CsvOpt,
    JsonOpt,
    ProjectArg,
    RetiredOpt,
    emit,
    opened,
    out,
    styled,
)
from qda.coding.types import CodeInfo
from qda.errors import InvalidInputError
from qda.wording import plural

code_app = typer.Typer(
    name="code",
    help="The code tree: add, rename, define, move, merge, split, retire, core, list, show.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

KindOpt = Annotated[str | None, typer.Option(help="code, category or theme.")]
_LIST_COLS = [
    "id", "path", "kind", "codings", "documents", "participants", "definition",
    "inclusion", "exclusion", "example", "color", "is_core", "origin", "retired",
]  # fmt: skip


def register(app: typer.Typer) -> None:
    app.add_typer(code_app)


def _done(c: CodeInfo, verb: str) -> None:
    out.print(f"{verb} {c.kind} {c.path!r} [{c.id[:8]}]", highlight=False, markup=False)


@code_app.command("add")
def add(
    project: ProjectArg,
    name: Annotated[str, typer.Argument(help="The new code's name.")],
    kind: Annotated[str, typer.Option(help="code, category or theme.")] = "code",
    parent: Annotated[str | None, typer.Option(help="Put it under this code.")] = None,
    definition: Annotated[str, typer.Option(help="What the code means.")] = "",
    inclusion: Annotated[str, typer.Option(help="When to apply it.")] = "",
    exclusion: Annotated[str, typer.Option(help="When not to.")] = "",
    example: Annotated[str, typer.Option(help="A typical example.")] = "",
    color: Annotated[str | None, typer.Option(help="A colour, #rrggbb.")] = None,
    coder: CoderOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a code, category or theme."""
    with opened(project, coder) as p:
        c = p.add_code(name, kind=kind, parent=parent, definition=definition, color=color,
                       inclusion=inclusion, exclusion=exclusion, example=example)  # fmt: skip
    emit(c, as_json, lambda: _done(c, "added"))


@code_app.command("rename")
def rename(
    project: ProjectArg,
    code: CodeArg,
    new_name: Annotated[str, typer.Argument(help="The new name.")],
    coder: CoderOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Rename a code."""
    with opened(project, coder) as p:
        c = p.rename_code(code, new_name)
    emit(c, as_json, lambda: _done(c, "renamed"))


@code_app.command("define")
def define(
    project: ProjectArg,
    code: CodeArg,
    definition: Annotated[str | None, typer.Option(help="What the code means.")] = None,
    inclusion: Annotated[str | None, typer.Option(help="Inclusion criteria.")] = None,
    exclusion: Annotated[str | None, typer.Option(help="Exclusion criteria.")] = None,
    example: Annotated[str | None, typer.Option(help="A typical example.")] = None,
    color: Annotated[str | None, typer.Option(help='A colour, #rrggbb ("" clears).')] = None,
    kind: KindOpt = None,
    coder: CoderOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Set a code's definition, criteria, example, colour or kind."""
    with opened(project, coder) as p:
        c = p.define_code(code, definition=definition, inclusion=inclusion, exclusion=exclusion,
                          example=example, color=color, kind=kind)  # fmt: skip
    emit(c, as_json, lambda: _done(c, "defined"))


@code_app.command("move")
def move(
    project: ProjectArg,
    code: CodeArg,
    parent: Annotated[str | None, typer.Option(help="The new parent.")] = None,
    top: Annotated[bool, typer.Option("--top", help="Move to the top level.")] = False,
    position: Annotated[
        int | None, typer.Option(help="Place among the siblings (0 = first).")
    ] = None,
    coder: CoderOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Move a code under another (or to the top level with --top), or reorder it."""
    if parent is not None and top:
        raise InvalidInputError("give --parent or --top, not both")
    with opened(project, coder) as p:
        if parent is None and not top:
            if position is None:
                raise InvalidInputError("give --parent, --top or --position")
            parent = p.code(code).parent_id
        c = p.move_code(code, parent, position)
    emit(c, as_json, lambda: _done(c, "moved"))


@code_app.command("merge")
def merge(
    project: ProjectArg,
    source: Annotated[str, typer.Argument(help="The code to merge (it goes away).")],
    into: Annotated[str, typer.Argument(help="The code that receives its codings.")],
    coder: CoderOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Merge SOURCE into INTO: codings, children, relations and memo links move over;
    both definitions are kept.  `qda undo` restores both."""
    with opened(project, coder) as p:
        c = p.merge_codes(source, into)
    emit(c, as_json, lambda: _done(c, f"merged {source!r} into"))


@code_app.command("split")
def split(
    project: ProjectArg,
    code: CodeArg,
    new_name: Annotated[str, typer.Argument(help="The new code's name.")],
    coding: Annotated[
        list[str], typer.Option("--coding", help="A coding to move (repeat the option).")
    ],
    parent: Annotated[
        str | None, typer.Option(help="Put the new code here (default: beside CODE).")
    ] = None,
    coder: CoderOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Split the chosen codings of CODE off into a new code."""
    with opened(project, coder) as p:
        c = p.split_code(code, coding, new_name, parent=parent)
    emit(c, as_json, lambda: _done(c, f"split {plural(c.codings, 'coding')} into"))


@code_app.command("retire")
def retire(
    project: ProjectArg,
    code: CodeArg,
    restore: Annotated[bool, typer.Option("--restore", help="Bring a retired code back.")] = False,
    coder: CoderOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Retire a code (and those under it): hidden from pickers, never deleted."""
    with opened(project, coder) as p:
        c = p.retire_code(code, retired=not restore)
    emit(c, as_json, lambda: _done(c, "restored" if restore else "retired"))


@code_app.command("core")
def core(
    project: ProjectArg,
    code: CodeArg,
    unset: Annotated[bool, typer.Option("--unset", help="Remove the mark.")] = False,
    coder: CoderOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Mark the core category (selective coding); any other loses the mark."""
    with opened(project, coder) as p:
        c = p.set_core(code, core=not unset)
    emit(c, as_json, lambda: _done(c, "unmarked" if unset else "core category:"))


@code_app.command("list")
def list_(
    project: ProjectArg,
    retired: RetiredOpt = False,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """The code tree with counts (codings, documents, participants)."""
    with opened(project) as p:
        rows = p.codes(include_retired=retired)

    def human() -> None:
        t = Table("code", "kind", "codings", "docs", "people", "id")
        for r in rows:
            mark = " ★" if r.is_core else ""
            gone = " (retired)" if r.retired else ""
            add_row(t, "  " * r.depth + r.name + mark + gone, r.kind, str(r.codings),
                      str(r.documents), str(r.participants), r.id[:8])  # fmt: skip
        out.print(t)

    emit(rows, as_json, human, as_csv=as_csv, csv_text=attrs_csv(_LIST_COLS))


@code_app.command("show")
def show(project: ProjectArg, code: CodeArg, as_json: JsonOpt = False) -> None:
    """One code: definition, criteria, counts, relations and memos."""
    with opened(project) as p:
        c = p.code(code)
        rels = p.relations(code=c.id)
        memos = p.memos(link_kind="code", link_id=c.id)
    data = {**c.to_dict(), "relations": [r.to_dict() for r in rels],
            "memos": [{"id": m.id, "type": m.type, "title": m.title} for m in memos]}  # fmt: skip

    def human() -> None:
        out.print(styled((c.path, "bold"), f" ({c.kind}{', core category' if c.is_core else ''})"))
        for label, value in (("definition", c.definition), ("include", c.inclusion),
                             ("exclude", c.exclusion), ("example", c.example)):  # fmt: skip
            if value:
                out.print(f"  {label}: {value}", highlight=False, markup=False)
        out.print(
            f"  {plural(c.codings, 'coding')}, {plural(c.documents, 'document')}, "
            f"{plural(c.participants, 'participant')}"
        )
        for r in rels:
            out.print(f"  {r.source} —{r.type}→ {r.target}", highlight=False, markup=False)
        for m in memos:
            out.print(f"  memo ({m.type}): {m.title}", highlight=False, markup=False)

    emit(data, as_json, human)
