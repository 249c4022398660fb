"""The team commands of the `qda` command line: merge, agreement, disagreements, settle."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text
from typer.core import TyperCommand

from qda.cli.common import CoderOpt, JsonOpt, ProjectArg, emit, err, opened, out, styled, warn
from qda.errors import InvalidInputError


class GreedyListCommand(TyperCommand):
    """Lets ``--coders A B C`` mean ``--coders A --coders B --coders C``.

    Values after a list option are taken until the next option (put PROJECT first).
    """

    greedy = ("--coders", "--codes", "--doc")

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        out_args: list[str] = []
        current: str | None = None
        need_value = False
        for i, a in enumerate(args):
            if a == "--":
                out_args.extend(args[i:])
                break
            name = a.split("=", 1)[0]
            if name in self.greedy:
                current = name
                need_value = "=" not in a
                out_args.append(a)
            elif a.startswith("-") and len(a) > 1:
                current, need_value = None, False
                out_args.append(a)
            elif need_value:
                need_value = False
                out_args.append(a)
            elif current is not None:
                out_args.extend([current, a])
            else:
                out_args.append(a)
        return super().parse_args(ctx, out_args)


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command(name="merge")(merge)
    app.command(name="agreement", cls=GreedyListCommand)(agreement)
    app.command(name="disagreements", cls=GreedyListCommand)(disagreements)
    app.command(name="settle", cls=GreedyListCommand)(settle)


CodersOpt = Annotated[
    list[str] | None,
    typer.Option("--coders", help="The coders to compare (default: everyone who coded)."),
]
CodesOpt = Annotated[
    list[str] | None,
    typer.Option("--codes", help="Only these codes (names, paths or ids; default: all used)."),
]
UnitOpt = Annotated[
    str, typer.Option("--unit", help="What is compared: sentence, turn or character.")
]
DocOpt = Annotated[
    list[str] | None, typer.Option("--doc", help="Only these documents (default: all).")
]


def _fmt(x: float | None, pct: bool = False) -> str:
    if x is None:
        return "n/a"
    return f"{x:.1f}%" if pct else f"{x:.3f}"


def merge(
    project: ProjectArg,
    others: Annotated[
        list[str], typer.Argument(metavar="OTHER...", help="Projects to merge in (files or URLs).")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what would happen; change nothing.")
    ] = False,
    backup: Annotated[
        bool, typer.Option("--backup/--no-backup", help="Write a backup of PROJECT first.")
    ] = True,
    coder: CoderOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Merge other coded projects into PROJECT: one transaction, after a backup.

    Coders match by name, documents by id or text, codes by id or path; codings are a
    union.  Near-duplicate code names are listed for review, never merged.
    """
    with opened(project, coder) as p:
        if not as_json and err.is_terminal:
            with Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=err,
                transient=True,
            ) as bar:
                task = bar.add_task("merging", total=None)

                def progress(stage: str, done: int, total: int) -> None:
                    bar.update(task, description=stage, completed=done, total=total)

                report = p.merge_projects(others, dry_run=dry_run, backup=backup, progress=progress)
        else:
            report = p.merge_projects(others, dry_run=dry_run, backup=backup)

    def human() -> None:
        verb = "would add" if dry_run else "added"
        for src in report.sources:
            out.print(styled((src.name, "bold"), f" ({src.id})"), highlight=False)
            matched = ", ".join(f"{v} {k}" for k, v in src.matched.items() if v) or "nothing"
            out.print(f"  matched: {matched}", highlight=False, markup=False)
            added = ", ".join(f"{v} {k}" for k, v in src.added.items()) or "nothing"
            out.print(f"  {verb}: {added}", highlight=False, markup=False)
            if src.duplicates:
                dup = ", ".join(f"{v} {k}" for k, v in src.duplicates.items())
                out.print(f"  exact duplicates dropped: {dup}", highlight=False, markup=False)
            for c in src.added_codes:
                out.print(f"  new code: {c['code']}", highlight=False, markup=False)
            for d in src.added_documents:
                out.print(f"  new document: {d['name']}", highlight=False, markup=False)
            for c in src.conflicts:
                out.print(f"  conflict: {c['message']}", highlight=False, markup=False)
            for n in src.near_duplicates:
                out.print(
                    f"  review (near-duplicates, not merged): {n.code}  ~  {n.other_code} "
                    f"({n.score:.0f})",
                    highlight=False,
                    markup=False,
                )
            for o in src.opposites:
                out.print(
                    f"  opposites (kept apart): {o.code}  /  {o.other_code}",
                    highlight=False,
                    markup=False,
                )
            for s in src.skipped:
                out.print(f"  skipped {s['kind']} {s['id']}: {s['reason']}", markup=False)
            for k, v in src.not_merged.items():
                out.print(f"  not merged: {v} {k} (local to each project)", markup=False)
        if report.dry_run:
            out.print("dry run: nothing was changed")
        elif not report.changed:
            out.print("nothing new: the project is unchanged")
        elif report.backup:
            out.print(f"backup of the project before the merge: {report.backup}", highlight=False)

    emit(report, as_json, human)


def agreement(
    project: ProjectArg,
    coders: CodersOpt = None,
    codes: CodesOpt = None,
    unit: UnitOpt = "sentence",
    uncoded: Annotated[
        bool | None,
        typer.Option(
            "--uncoded/--no-uncoded",
            help="Count text no coder coded (default: yes for sentence and turn, "
            "no for character).",
        ),
    ] = None,
    doc: DocOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Inter-coder agreement per code and overall: percent agreement, Cohen's kappa
    (two coders), Fleiss' kappa and Krippendorff's alpha (nominal, missing data)."""
    with opened(project) as p:
        report = p.agreement(coders=coders, codes=codes, unit=unit, uncoded=uncoded, documents=doc)

    def human() -> None:
        t = Table(
            "code", *report.coders, "units", "% agree", "Cohen κ", "Fleiss κ", "Kripp. α",
            title=f"agreement by {report.unit} between {', '.join(report.coders)}",
        )  # fmt: skip
        for c in report.codes:
            t.add_row(
                c.code, *[str(c.applied.get(n, 0)) for n in report.coders], str(c.units),
                _fmt(c.percent_agreement, True), _fmt(c.cohen_kappa), _fmt(c.fleiss_kappa),
                _fmt(c.krippendorff_alpha),
            )  # fmt: skip
        o = report.overall
        t.add_row(
            Text("overall", style="bold"), *["" for _ in report.coders], str(o["units"]),
            _fmt(o["percent_agreement"], True), _fmt(o["cohen_kappa"]), _fmt(o["fleiss_kappa"]),
            _fmt(o["krippendorff_alpha"]),
        )  # fmt: skip
        out.print(t)
        for note in report.notes:
            out.print(f"note: {note}", highlight=False, markup=False)

    emit(report, as_json, human)


def disagreements(
    project: ProjectArg,
    coders: CodersOpt = None,
    codes: CodesOpt = None,
    unit: UnitOpt = "sentence",
    doc: DocOpt = None,
    limit: Annotated[int | None, typer.Option(help="Show at most this many.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """The units where coders differ: the text and each coder's codes there.

    Settle one with `qda settle PROJECT UNIT --keep|--drop|--recode NEW`.
    """
    with opened(project) as p:
        rows = p.disagreements(coders=coders, codes=codes, unit=unit, documents=doc)
    shown = rows[:limit] if limit is not None else rows
    ids_of: dict[str, set[str]] = {}
    for d in rows:
        ids_of.setdefault(d.document, set()).add(d.document_id)

    def human() -> None:
        for d in shown:
            short = d.id
            if d.document and not set(d.document) & set(": ") and len(ids_of[d.document]) == 1:
                short = d.id.replace(d.document_id, d.document)  # `qda settle` takes either
            out.print(styled((short, "bold"), f"  {d.start}-{d.end}"), highlight=False)
            out.print(f"  {d.text.strip()}", highlight=False, markup=False)
            for c in d.disputed:
                out.print(
                    f"  {c.code}: applied by {', '.join(c.applied_by)}; "
                    f"not by {', '.join(c.not_by)}",
                    highlight=False,
                    markup=False,
                )
        out.print(f"{len(rows)} disagreements" + (f" ({len(shown)} shown)" if limit else ""))

    emit(shown, as_json, human)


def settle(
    project: ProjectArg,
    unit: Annotated[
        str, typer.Argument(metavar="UNIT", help="A unit id from `qda disagreements`.")
    ],
    keep: Annotated[bool, typer.Option("--keep", help="The disputed code stands.")] = False,
    drop: Annotated[bool, typer.Option("--drop", help="The disputed code goes.")] = False,
    recode: Annotated[
        str | None, typer.Option("--recode", metavar="NEW", help="Replace it with code NEW.")
    ] = None,
    code: Annotated[
        str | None, typer.Option("--code", help="Which disputed code (if there are several).")
    ] = None,
    coders: CodersOpt = None,
    coder: CoderOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Settle a disagreement: keep, drop or recode the disputed code on UNIT (logged)."""
    chosen = [n for n, on in (("keep", keep), ("drop", drop), ("recode", recode)) if on]
    if len(chosen) != 1:
        raise InvalidInputError("choose one decision: --keep, --drop or --recode NEW")
    with opened(project, coder) as p:
        result = p.settle(unit, chosen[0], code=code, to=recode, coders=coders)

    def human() -> None:
        what: dict[str, Any] = {
            "keep": f"kept {result.code}",
            "drop": f"dropped {result.code}",
            "recode": f"recoded {result.code} as {result.to}",
        }
        out.print(
            f"{what[result.action]} on {result.id}: {len(result.added)} added, "
            f"{len(result.removed)} removed, {len(result.trimmed)} trimmed",
            highlight=False,
            markup=False,
        )

    emit(result, as_json, human)
    if not result.added and not result.removed and not result.trimmed:
        warn("nothing changed")
