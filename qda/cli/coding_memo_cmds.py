"""``qda memo ...``: add, edit, link, unlink, list, show."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from qda.cli.coding_common import add_row
from qda.cli.common import CoderOpt, JsonOpt, ProjectArg, emit, opened, out, styled
from qda.coding.analysis.csvtext import to_csv
from qda.coding.types import MemoInfo
from qda.errors import InvalidInputError

memo_app = typer.Typer(
    name="memo",
    help="Memos: code, theoretical and operational notes, linked to anything.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

MemoArg = Annotated[str, typer.Argument(help="The memo's id (or first digits) or title.")]
LinkOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--link",
        help="KIND:REF, e.g. code:trust, doc:P01, participant:P01, coding:ID, relation:ID, "
        "memo:ID (repeat the option).",
    ),
]
TypeHelp = "code note, theoretical note, operational note or free."


def register(app: typer.Typer) -> None:
    app.add_typer(memo_app)


def _body(text: str | None, file: Path | None) -> str | None:
    if text is not None and file is not None:
        raise InvalidInputError("give --text or --file, not both")
    if file is not None:
        try:
            return file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInputError(f"{file}: cannot read: {exc}") from exc
    return text


def _print(m: MemoInfo, full: bool = False) -> None:
    when = m.updated_at[:16].replace("T", " ")
    out.print(styled((m.title, "bold"), f" ({m.type}, {m.author or '?'}, {when}) [{m.id[:8]}]"))
    for link in m.links:
        out.print(f"  → {link['kind']}: {link['label']}", highlight=False, markup=False)
    if full and m.body:
        out.print()
        out.print(m.body, highlight=False, markup=False)


@memo_app.command("add")
def add(
    project: ProjectArg,
    title: Annotated[str, typer.Option(help="The memo's title.")],
    type_: Annotated[str, typer.Option("--type", help=TypeHelp)] = "free",
    text: Annotated[str | None, typer.Option(help="The body (Markdown).")] = None,
    file: Annotated[Path | None, typer.Option(help="Read the body from a file.")] = None,
    link: LinkOpt = None,
    coder: CoderOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write a memo, optionally linked to codes, documents, codings..."""
    body = _body(text, file) or ""
    from qda.coding.memos import parse_link

    with opened(project, coder) as p:
        m = p.add_memo(type_, title, body, links=[parse_link(x) for x in link or []])
    emit(m, as_json, lambda: _print(m))


@memo_app.command("edit")
def edit(
    project: ProjectArg,
    memo: MemoArg,
    title: Annotated[str | None, typer.Option(help="A new title.")] = None,
    type_: Annotated[str | None, typer.Option("--type", help=TypeHelp)] = None,
    text: Annotated[str | None, typer.Option(help="Replace the body.")] = None,
    file: Annotated[Path | None, typer.Option(help="Replace the body with a file.")] = None,
    append: Annotated[str | None, typer.Option(help="Add a paragraph at the end.")] = None,
    coder: CoderOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Change a memo's title, type or body."""
    with opened(project, coder) as p:
        m = p.edit_memo(memo, title=title, text=_body(text, file), type=type_, append=append)
    emit(m, as_json, lambda: _print(m))


@memo_app.command("link")
def link(
    project: ProjectArg,
    memo: MemoArg,
    targets: Annotated[list[str], typer.Argument(help="KIND:REF, e.g. code:trust doc:P01.")],
    unlink: Annotated[bool, typer.Option("--unlink", help="Remove these links instead.")] = False,
    coder: CoderOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Link a memo to codes, documents, participants, codings, relations or memos."""
    from qda.coding.memos import parse_link

    with opened(project, coder) as p:
        m = None
        for spec in targets:
            kind, ref = parse_link(spec)
            m = p.unlink_memo(memo, kind, ref) if unlink else p.link_memo(memo, kind, ref)
    assert m is not None
    emit(m, as_json, lambda: _print(m))


@memo_app.command("list")
def list_(
    project: ProjectArg,
    type_: Annotated[str | None, typer.Option("--type", help=TypeHelp)] = None,
    link: Annotated[
        str | None, typer.Option("--link", help="Only memos linked to KIND:REF (or KIND).")
    ] = None,
    query: Annotated[
        str | None, typer.Option("--query", "-q", help='Words in title or body; "a phrase"; word*.')
    ] = None,
    as_json: JsonOpt = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV instead of a table.")] = False,
) -> None:
    """List memos: by type, by what they are linked to, by words they contain."""
    kind = ref = None
    if link:
        kind, _, ref_ = link.partition(":")
        ref = ref_ or None
    with opened(project) as p:
        rows = p.memos(type=type_, link_kind=kind, link_id=ref, query=query)
    if as_csv:
        cols = ["id", "type", "title", "author", "created_at", "updated_at", "body"]
        out.file.write(to_csv(cols, ([getattr(r, c) for c in cols] for r in rows)))
        return

    def human() -> None:
        t = Table("title", "type", "author", "updated", "links", "id")
        for m in rows:
            add_row(t, m.title, m.type, m.author or "", m.updated_at[:16].replace("T", " "),
                      str(len(m.links)), m.id[:8])  # fmt: skip
        out.print(t)

    emit(rows, as_json, human)


@memo_app.command("show")
def show(project: ProjectArg, memo: MemoArg, as_json: JsonOpt = False) -> None:
    """One memo with its body and links."""
    with opened(project) as p:
        m = p.memo(memo)
    emit(m, as_json, lambda: _print(m, full=True))
