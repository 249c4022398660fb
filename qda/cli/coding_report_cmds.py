"""Constant comparison and reports: ``segments``, ``compare`` and
``qda report saturation|cooccurrence|matrix|crosstab|tree``."""

from __future__ import annotations

import re
from typing import Annotated, Any

import typer
from rich.table import Table

from qda.cli.coding_common import add_row
from qda.cli.common import CsvOpt, JsonOpt, ProjectArg, RetiredOpt, emit, opened, out, styled
from qda.coding.analysis.csvtext import to_csv
from qda.wording import plural

report_app = typer.Typer(
    name="report",
    help="Reports: saturation, co-occurrence, code x participant matrix, crosstab, tree.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

CodeArg = Annotated[str, typer.Argument(help="A code's id, name or path.")]
CoderFilter = Annotated[str | None, typer.Option("--coder", help="Only this coder's codings.")]
WhereOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--where", help="Only participants with ATTR OP VALUE, e.g. partnership_baseline>=7."
    ),
]
CodesOpt = Annotated[
    list[str] | None, typer.Option("--code", help="Rows: these codes (repeat the option).")
]
DescOpt = Annotated[bool, typer.Option(help="Count each code with the codes under it.")]
LevelOpt = Annotated[
    str | None, typer.Option(help="Roll codings up to this kind: theme, category or code.")
]
_SEG_COLS = ["id", "code_path", "participant", "document", "start", "end", "coder", "quote",
             "context_before", "context_after"]  # fmt: skip


def register(app: typer.Typer) -> None:
    app.command(name="segments")(segments)
    app.command(name="compare")(compare)
    app.add_typer(report_app)


def _segments_csv(d: dict[str, Any]) -> str:
    return to_csv(_SEG_COLS, ([s[c] for c in _SEG_COLS] for s in d["segments"]))


def _compare_csv(d: dict[str, Any]) -> str:
    return to_csv(["participant", d["a"]["code"]["path"], d["b"]["code"]["path"]],
                  ([r["participant"], r["a"], r["b"]] for r in d["participants"]))  # fmt: skip


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _quote_line(seg: Any, width: int = 60) -> str:
    """``…context before [the quote] context after…`` on one line."""
    before = _one_line(seg.context_before)[-width:]
    after = _one_line(seg.context_after)[:width]
    return f"…{before}[{_one_line(seg.quote)}]{after}…"


def segments(
    project: ProjectArg,
    code: CodeArg,
    descendants: Annotated[bool, typer.Option(help="Include the codes under it.")] = False,
    context: Annotated[int, typer.Option(help="Characters of context each side.")] = 200,
    where: WhereOpt = None,
    coder: CoderFilter = None,
    doc: Annotated[str | None, typer.Option("--doc", help="Only this document.")] = None,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """Every segment of a code with context, grouped by participant."""
    from qda.coding.analysis.common import parse_where
    from qda.coding.analysis.segments import group_by_participant

    with opened(project) as p:
        info = p.code(code)
        segs = p.segments(info.id, descendants=descendants, context=context,
                          where=parse_where(where or []), coder=coder, doc=doc)  # fmt: skip
    groups = group_by_participant(segs)
    data = {
        "code": info.to_dict(),
        "descendants": descendants,
        "count": len(segs),
        "participants": [{k: v for k, v in g.items() if k != "segments"} for g in groups],
        "segments": [s.to_dict() for s in segs],
    }

    def human() -> None:
        out.print(
            styled(
                (info.path, "bold"),
                f": {plural(len(segs), 'segment')}, {plural(len(groups), 'participant')}",
            )
        )
        for g in groups:
            who = g["participant"] or "(no participant)"
            out.print(styled("\n", (who, "bold cyan"), f" ({g['count']})"))
            for seg in g["segments"]:
                out.print(f"  {seg.document} {seg.start}-{seg.end} ({seg.coder}): "
                          + _quote_line(seg), highlight=False, markup=False)  # fmt: skip

    emit(data, as_json, human, as_csv=as_csv, csv_text=_segments_csv)


def compare(
    project: ProjectArg,
    code_a: CodeArg,
    code_b: CodeArg,
    descendants: Annotated[bool, typer.Option(help="Include the codes under each.")] = False,
    context: Annotated[int, typer.Option(help="Characters of context each side.")] = 100,
    where: WhereOpt = None,
    coder: CoderFilter = None,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """Two codes side by side: segments, and who has one, the other or both."""
    from qda.coding.analysis.common import parse_where

    with opened(project) as p:
        data = p.compare(code_a, code_b, descendants=descendants, context=context,
                         where=parse_where(where or []), coder=coder)  # fmt: skip

    def human() -> None:
        a, b = data["a"], data["b"]
        t = Table("participant", a["code"]["path"], b["code"]["path"])
        for r in data["participants"]:
            add_row(t, r["participant"] or "(none)", str(r["a"]), str(r["b"]))
        add_row(t, "total", str(a["codings"]), str(b["codings"]))
        out.print(t)
        out.print(f"both: {', '.join(data['both']) or '-'}", highlight=False, markup=False)
        out.print(
            f"only {a['code']['name']}: {', '.join(data['only_a']) or '-'}",
            highlight=False,
            markup=False,
        )
        out.print(
            f"only {b['code']['name']}: {', '.join(data['only_b']) or '-'}",
            highlight=False,
            markup=False,
        )
        out.print(f"overlapping segments: {data['overlapping']}")

    emit(data, as_json, human, as_csv=as_csv, csv_text=_compare_csv)


@report_app.command("saturation")
def saturation(
    project: ProjectArg,
    order: Annotated[str, typer.Option(help="coding (when first coded) or import.")] = "coding",
    base: Annotated[int, typer.Option(help="Base size: the first N documents.")] = 4,
    run: Annotated[int, typer.Option(help="Run length: documents per window.")] = 2,
    threshold: Annotated[
        float, typer.Option(help="New-information threshold (proportion of the base).")
    ] = 0.05,
    level: LevelOpt = None,
    coder: CoderFilter = None,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """New codes per document, the cumulative curve, and saturation (Guest et al. 2020)."""
    with opened(project) as p:
        data = p.report_saturation(order=order, base=base, run=run, threshold=threshold,
                                   level=level, coder=coder)  # fmt: skip

    def human() -> None:
        t = Table("#", "document", "participant", "codes", "new", "cumulative")
        for r in data["documents"]:
            add_row(t, str(r["index"]), r["document"], r["participant"] or "", str(r["codes"]),
                      str(r["new_codes"]), str(r["cumulative"]))  # fmt: skip
        out.print(t)
        if not data["enough_documents"]:
            out.print(f"too few coded documents to judge (need base {base} + run {run})")
        elif data["saturated"]:
            out.print(
                f"saturation reached after {data['saturation_at']} documents "
                f"(base {data['base_codes']} codes; ≤{threshold:.0%} new in {run})"
            )
        else:
            out.print(f"not saturated: no run of {run} brought ≤{threshold:.0%} new codes")
        if data["last_run_below_threshold"] is not None:
            word = "below" if data["last_run_below_threshold"] else "above"
            out.print(f"the last {run} documents are {word} the threshold")

    from qda.coding.analysis.saturation import saturation_csv

    emit(data, as_json, human, as_csv=as_csv, csv_text=saturation_csv)


@report_app.command("cooccurrence")
def cooccurrence(
    project: ProjectArg,
    code: CodesOpt = None,
    descendants: DescOpt = False,
    level: LevelOpt = None,
    unit: Annotated[
        str, typer.Option(help="overlap (spans), sentence, turn or document.")
    ] = "overlap",
    coder: CoderFilter = None,
    min_count: Annotated[int, typer.Option("--min", help="List pairs from this count.")] = 1,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """Co-occurrence of codes as a matrix (and the pairs, most frequent first)."""
    with opened(project) as p:
        data = p.report_cooccurrence(codes=code, descendants=descendants, level=level, unit=unit,
                                     coder=coder, min_count=min_count)  # fmt: skip

    def human() -> None:
        t = Table("code", "code", "count", "c")
        for r in data["pairs"][:50]:
            c = "" if r["c_coefficient"] is None else f"{r['c_coefficient']:.2f}"
            add_row(t, r["a"], r["b"], str(r["count"]), c)
        out.print(t)
        out.print(
            f"{len(data['pairs'])} co-occurring pairs ({unit}); --json or --csv for the matrix"
        )

    from qda.coding.analysis.cooccurrence import cooccurrence_csv

    emit(data, as_json, human, as_csv=as_csv, csv_text=cooccurrence_csv)


@report_app.command("matrix")
def matrix(
    project: ProjectArg,
    code: CodesOpt = None,
    descendants: DescOpt = False,
    level: LevelOpt = None,
    by: Annotated[str, typer.Option(help="Columns: participant or document.")] = "participant",
    presence: Annotated[bool, typer.Option(help="1/0 instead of counts.")] = False,
    coder: CoderFilter = None,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """Code x participant matrix: codings per participant (or presence)."""
    with opened(project) as p:
        data = p.report_matrix(codes=code, descendants=descendants, level=level, by=by,
                               presence=presence, coder=coder)  # fmt: skip

    def human() -> None:
        t = Table("code", *[c["name"] for c in data["columns"]], "total")
        for r in data["rows"]:
            add_row(t, r["path"], *[str(v) if v else "·" for v in r["values"]], str(r["total"]))
        out.print(t)

    from qda.coding.analysis.matrix import matrix_csv

    emit(data, as_json, human, as_csv=as_csv, csv_text=matrix_csv)


@report_app.command("crosstab")
def crosstab(
    project: ProjectArg,
    attribute: Annotated[str, typer.Argument(help="A participant attribute, e.g. age.")],
    bins: Annotated[
        str, typer.Option(help="tertile, quartile, median, N groups, cut points 3,7, values.")
    ] = "tertile",
    code: CodesOpt = None,
    descendants: DescOpt = False,
    level: LevelOpt = None,
    coder: CoderFilter = None,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """Code x attribute joint display: participants with each code, per group."""
    with opened(project) as p:
        data = p.report_crosstab(attribute, bins=bins, codes=code, descendants=descendants,
                                 level=level, coder=coder)  # fmt: skip

    def human() -> None:
        groups = data["groups"]
        t = Table("code", *[f"{g['label']} (n={g['participants']})" for g in groups])
        for r in data["rows"]:
            add_row(t, r["path"], *[f"{n} ({pct:.0f}%)" for n, pct in
                                   zip(r["present"], r["percent"], strict=True)])  # fmt: skip
        out.print(t)

    from qda.coding.analysis.crosstab import crosstab_csv

    emit(data, as_json, human, as_csv=as_csv, csv_text=crosstab_csv)


@report_app.command("tree")
def tree(
    project: ProjectArg,
    coder: CoderFilter = None,
    retired: RetiredOpt = False,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """The code tree with segments, documents and participants, rolled up."""
    with opened(project) as p:
        data = p.report_tree(coder=coder, include_retired=retired)

    def human() -> None:
        t = Table("code", "kind", "segments", "docs", "people", "Σ segments", "Σ docs",
                  "Σ people")  # fmt: skip
        for r in data["codes"]:
            add_row(t, "  " * r["depth"] + r["name"], r["kind"], str(r["codings"]),
                      str(r["documents"]), str(r["participants"]), str(r["total_codings"]),
                      str(r["total_documents"]), str(r["total_participants"]))  # fmt: skip
        out.print(t)

    from qda.coding.analysis.tree import tree_csv

    emit(data, as_json, human, as_csv=as_csv, csv_text=tree_csv)
