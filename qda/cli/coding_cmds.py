"""The coding commands of the `qda` command line: apply, uncode, invivo, codings, undo,
redo, relate, unrelate, relations, log; and (from sibling modules) the ``code``,
``memo`` and ``report`` groups, ``segments`` and ``compare``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from qda.cli import coding_code_cmds, coding_memo_cmds, coding_report_cmds
from qda.cli.coding_common import add_row, attrs_csv
from qda.cli.common import (
    CodeArg,
    CoderOpt,
    CsvOpt,
    DocOpt,
    JsonOpt,
    ProjectArg,
    emit,
    opened,
    out,
)
from qda.coding.types import CodingInfo
from qda.wording import plural

QuoteOpt = Annotated[
    str | None,
    typer.Option(help="Text to find in the document (exact, else the nearest fuzzy match)."),
]
StartOpt = Annotated[int | None, typer.Option(help="Start offset (characters, from 0).")]
EndOpt = Annotated[int | None, typer.Option(help="End offset (exclusive).")]
OccurrenceOpt = Annotated[
    int | None, typer.Option(help="Which occurrence of a repeated quote (1 = the first).")
]
ThresholdOpt = Annotated[
    float, typer.Option(help="Lowest fuzzy-match score (0-100) accepted for --quote.")
]
CoderFilter = Annotated[str | None, typer.Option("--coder", help="Only this coder's.")]
_CODING_COLS = ["id", "code_path", "document", "participant", "coder", "start", "end", "quote",
                "origin", "created_at"]  # fmt: skip
_RELATION_COLS = ["id", "source", "type", "target", "note", "coder", "created_at"]
_EVENT_COLS = ["id", "at", "coder", "action", "entity_kind", "entity_id", "summary"]


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    coding_code_cmds.register(app)
    for fn in (apply, uncode, invivo, codings, undo, redo, relate, unrelate, relations, log):
        app.command(name=fn.__name__)(fn)
    coding_memo_cmds.register(app)
    coding_report_cmds.register(app)


def print_coding(c: CodingInfo, verb: str) -> None:
    how = "" if c.match in ("span", "exact") else f" ({c.match} match, {c.score:.0f}%)"
    out.print(
        f"{verb} {c.code_path!r} on {c.document} {c.start}-{c.end}{how}: "
        f"“{' '.join(c.quote.split())}” [coding {c.id[:8]}]",
        highlight=False,
        markup=False,
    )


def apply(
    project: ProjectArg,
    code: CodeArg,
    doc: DocOpt,
    quote: QuoteOpt = None,
    start: StartOpt = None,
    end: EndOpt = None,
    occurrence: OccurrenceOpt = None,
    threshold: ThresholdOpt = 90.0,
    coder: CoderOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Apply a code to a span (--start/--end) or to a quote found in the document."""
    with opened(project, coder) as p:
        c = p.apply(code, doc, start=start, end=end, quote=quote, occurrence=occurrence,
                    threshold=threshold)  # fmt: skip
    emit(c, as_json, lambda: print_coding(c, "coded"))


def uncode(
    project: ProjectArg,
    coding: Annotated[str, typer.Argument(help="The coding's id (or its first 8+ digits).")],
    coder: CoderOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Remove a coding (undo brings it back)."""
    with opened(project, coder) as p:
        c = p.uncode(coding)
        me = p.coder

    def human() -> None:
        print_coding(c, "removed")
        if c.coder and c.coder != me:
            out.print(f"note: that was {c.coder}'s coding, not yours (`qda undo` brings it back)")

    emit(c, as_json, human)


def invivo(
    project: ProjectArg,
    doc: DocOpt,
    quote: QuoteOpt = None,
    start: StartOpt = None,
    end: EndOpt = None,
    parent: Annotated[str | None, typer.Option(help="Put the new code under this one.")] = None,
    name: Annotated[str | None, typer.Option(help="Name it yourself (default: the words).")] = None,
    occurrence: OccurrenceOpt = None,
    threshold: ThresholdOpt = 90.0,
    coder: CoderOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """An in-vivo code: a new code named by the participant's words, applied to them."""
    with opened(project, coder) as p:
        c = p.invivo(doc, start=start, end=end, quote=quote, parent=parent, name=name,
                     occurrence=occurrence, threshold=threshold)  # fmt: skip
    emit(c, as_json, lambda: print_coding(c, "in-vivo"))


def codings(
    project: ProjectArg,
    doc: Annotated[str | None, typer.Option("--doc", help="Only this document.")] = None,
    code: Annotated[str | None, typer.Option("--code", help="Only this code.")] = None,
    coder: CoderFilter = None,
    descendants: Annotated[
        bool, typer.Option(help="With --code: include the codes under it.")
    ] = False,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """List codings (by document, code, coder)."""
    with opened(project) as p:
        rows = p.codings(doc=doc, code=code, coder=coder, descendants=descendants)

    def human() -> None:
        t = Table("document", "at", "code", "coder", "quote", "id")
        for r in rows:
            q = " ".join(r.quote.split())
            add_row(t, r.document, f"{r.start}-{r.end}", r.code_path, r.coder,
                      q if len(q) < 70 else q[:69] + "…", r.id[:8])  # fmt: skip
        out.print(t)
        out.print(plural(len(rows), "coding"))

    emit(rows, as_json, human, as_csv=as_csv, csv_text=attrs_csv(_CODING_COLS))


def undo(
    project: ProjectArg,
    discard: Annotated[
        bool, typer.Option(help="Drop the last step from the history without undoing it.")
    ] = False,
    history: Annotated[
        bool, typer.Option("--history", help="List your undo (done) and redo (undone) steps.")
    ] = False,
    coder: CoderOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Undo your last coding or code-tree action (per coder; survives restarts)."""
    if history:
        with opened(project, coder) as p:
            steps = p.undo_history()

        def human_history() -> None:
            t = Table("when", "state", "action", "summary")
            for h in steps:
                add_row(t, h["at"][:19].replace("T", " "), h["state"], h["action"], h["summary"])
            out.print(t)

        emit(steps, as_json, human_history)
        return
    _step(project, coder, discard, as_json, redo=False)


def redo(
    project: ProjectArg,
    discard: Annotated[bool, typer.Option(help="Drop the next redo step instead.")] = False,
    coder: CoderOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Redo what you last undid."""
    _step(project, coder, discard, as_json, redo=True)


def _step(project: str, coder: str | None, discard: bool, as_json: bool, *, redo: bool) -> None:
    """Undo (or redo) one step, or with ``discard`` drop it unapplied; say what it was."""
    with opened(project, coder) as p:
        what = p.redo(discard=discard) if redo else p.undo(discard=discard)
    done, verb, word = ("redone", "redid", "redo") if redo else ("undone", "undid", "undo")
    verb = "dropped" if discard else verb
    emit({done: what, "discarded": discard}, as_json,
         lambda: out.print(f"{verb}: {what}" if what else f"nothing to {word}", highlight=False,
                           markup=False))  # fmt: skip


def relate(
    project: ProjectArg,
    source: Annotated[str, typer.Argument(help="The code the relation starts from.")],
    type_: Annotated[
        str,
        typer.Argument(
            metavar="TYPE",
            help="e.g. 'causal condition of', 'context of', 'intervening condition of', "
            "'strategy for', 'consequence of', 'is part of', 'is a', 'is associated with', "
            "'contradicts', or your own",
        ),
    ],
    target: Annotated[str, typer.Argument(help="The code it points to.")],
    note: Annotated[str, typer.Option(help="Why: a note kept with the relation.")] = "",
    coder: CoderOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Relate two codes (axial coding): SOURCE TYPE TARGET."""
    with opened(project, coder) as p:
        r = p.relate(source, type_, target, note=note)
    line = f"{r.source} —{r.type}→ {r.target} [relation {r.id[:8]}]"
    emit(r, as_json, lambda: out.print(line, highlight=False, markup=False))


def unrelate(
    project: ProjectArg,
    relation: Annotated[str, typer.Argument(help="The relation's id (or its first digits).")],
    coder: CoderOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Remove a relation."""
    with opened(project, coder) as p:
        r = p.unrelate(relation)
    emit(r, as_json, lambda: out.print(f"removed {r.source} —{r.type}→ {r.target}",
                                       highlight=False, markup=False))  # fmt: skip


def relations(
    project: ProjectArg,
    code: Annotated[str | None, typer.Option("--code", help="Only those of this code.")] = None,
    type_: Annotated[str | None, typer.Option("--type", help="Only this type.")] = None,
    types: Annotated[bool, typer.Option("--types", help="List the relation types.")] = False,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """List relations between codes (or, with --types, the relation types)."""
    with opened(project) as p:
        if types:
            kinds = p.relation_types()

            def human_types() -> None:
                for k in kinds:
                    out.print(
                        f"{k['type']} ({k['group']}): {k['count']}", highlight=False, markup=False
                    )

            emit(kinds, as_json, human_types)
            return
        rows = p.relations(code=code, type=type_)

    def human() -> None:
        t = Table("source", "type", "target", "note", "id")
        for r in rows:
            add_row(t, r.source, r.type, r.target, r.note, r.id[:8])
        out.print(t)

    emit(rows, as_json, human, as_csv=as_csv, csv_text=attrs_csv(_RELATION_COLS))


def log(
    project: ProjectArg,
    limit: Annotated[int, typer.Option(help="At most this many events (0: all).")] = 50,
    action: Annotated[
        str | None, typer.Option(help="Only these actions (merge_codes; apply,uncode; *code*).")
    ] = None,
    coder: CoderFilter = None,
    since: Annotated[str | None, typer.Option(help="Only from this date or time on.")] = None,
    entity: Annotated[str | None, typer.Option(help="Only events about this id.")] = None,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """The audit trail: who changed what, when, with before and after."""
    with opened(project) as p:
        events = p.log(limit=limit or None, action=action, coder=coder, since=since,
                       entity=entity)  # fmt: skip

    def human() -> None:
        t = Table("when", "coder", "action", "summary")
        for e in events:
            add_row(t, e.at[:19].replace("T", " "), e.coder or "", e.action, e.summary)
        out.print(t)

    emit(events, as_json, human, as_csv=as_csv, csv_text=attrs_csv(_EVENT_COLS))
