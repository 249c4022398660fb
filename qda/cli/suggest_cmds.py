"""The suggest commands of the `qda` command line: suggest, suggestions, accept, reject,
keyterms, autocode, autocode-rules, invivo-candidates.

Suggestions are stored apart from codings until a person accepts them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, TypeVar

import typer
from rich.table import Table

from qda.cli.common import CodeArg, CoderOpt, DocOpt, JsonOpt, ProjectArg, emit, err, opened, out
from qda.suggest.types import SuggestionInfo

T = TypeVar("T")

CodeFilter = Annotated[str | None, typer.Option("--code", help="Only this code's.")]
IdsArg = Annotated[list[str], typer.Argument(help="Suggestion ids (or their first 8+ digits).")]
TopOpt = Annotated[int, typer.Option("--top", help="How many candidates.")]
UnitOpt = Annotated[
    str, typer.Option("--unit", help="Rank sentences or whole speaker turns: sentence|turn.")
]
InterviewerOpt = Annotated[
    bool, typer.Option("--interviewer", help="Also offer the interviewer's words.")
]


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    for fn in (suggest, suggestions, accept, reject, keyterms, autocode):
        app.command(name=fn.__name__)(fn)
    app.command(name="autocode-rules")(autocode_rules)
    app.command(name="invivo-candidates")(invivo_candidates)


@contextmanager
def _busy(message: str, quiet: bool) -> Iterator[None]:
    """A spinner on stderr while the index is built (only on a terminal)."""
    if quiet or not err.is_terminal:
        yield
        return
    with err.status(message):
        yield


def _one_line(text: str, width: int = 110) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _table(rows: list[SuggestionInfo], *, status: bool = False) -> None:
    t = Table("id", "score", "document", "terms", "text", *(["status"] if status else []))
    for r in rows:
        extra = f" (+{r.duplicates} alike)" if r.duplicates else ""
        t.add_row(
            r.id[:8],
            f"{r.score:.2f}",
            f"{r.document} {r.start}-{r.end}",
            ", ".join(r.terms[:6]),
            _one_line(r.text) + extra,
            *([r.status] if status else []),
        )
    out.print(t)


def _run(fn: Callable[[], T], message: str, as_json: bool) -> T:
    with _busy(message, as_json):
        return fn()


def _emit_pending(rows: list[SuggestionInfo], as_json: bool, what: str) -> None:
    """New pending suggestions: a table and ``"{count} {what}"``, or JSON."""

    def human() -> None:
        _table(rows)
        out.print(f"{len(rows)} {what}")

    emit(rows, as_json, human)


def suggest(
    project: ProjectArg,
    code: CodeArg,
    top: TopOpt = 10,
    unit: UnitOpt = "sentence",
    interviewer: InterviewerOpt = False,
    coder: CoderOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Candidate segments for a code, ranked against its coded segments (or its name,
    definition and example); stored as pending suggestions for `qda accept`/`reject`."""
    with opened(project, coder) as p:
        rows = _run(
            lambda: p.suggest(code, top=top, unit=unit, include_interviewer=interviewer),
            "ranking candidates (the first time builds the index)...",
            as_json,
        )
    _emit_pending(rows, as_json, "suggestions; `qda accept` or `qda reject` them by id")


def suggestions(
    project: ProjectArg,
    code: CodeFilter = None,
    status: Annotated[str, typer.Option(help="pending, accepted, rejected or all.")] = "pending",
    limit: Annotated[int | None, typer.Option(help="At most this many.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """The review queue: stored suggestions, best first."""
    with opened(project) as p:
        rows = p.suggestions(code, status=None if status == "all" else status, limit=limit)
    emit(rows, as_json, lambda: _table(rows, status=True))


def accept(
    project: ProjectArg, ids: IdsArg, coder: CoderOpt = None, as_json: JsonOpt = False
) -> None:
    """Accept suggestions: each becomes a coding (origin "suggestion"); `qda undo` reverts."""
    with opened(project, coder) as p:
        rows = p.accept_suggestions(ids)

    def human() -> None:
        for r in rows:
            out.print(
                f"accepted {r.id[:8]}: {r.code!r} on {r.document} {r.start}-{r.end} "
                f"[coding {(r.coding_id or '')[:8]}]",
                highlight=False,
                markup=False,
            )

    emit(rows, as_json, human)


def reject(
    project: ProjectArg, ids: IdsArg, coder: CoderOpt = None, as_json: JsonOpt = False
) -> None:
    """Reject suggestions: they are never offered again, and the ranking learns from them."""
    with opened(project, coder) as p:
        rows = p.reject_suggestions(ids)

    def human() -> None:
        for r in rows:
            out.print(f"rejected {r.id[:8]}: {r.document} {r.start}-{r.end}", highlight=False)

    emit(rows, as_json, human)


def keyterms(
    project: ProjectArg,
    code: CodeArg,
    top: TopOpt = 30,
    descendants: Annotated[
        bool, typer.Option(help="Include the segments of the codes under it.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Words that set a code's segments apart from the rest (log-odds, informative prior)."""
    with opened(project) as p:
        rows = _run(
            lambda: p.keyterms(code, top=top, descendants=descendants), "counting...", as_json
        )

    def human() -> None:
        t = Table("term", "z", "log-odds", "in segments", "segments", "elsewhere")
        for k in rows:
            t.add_row(k.term, f"{k.z:.2f}", f"{k.log_odds:.2f}", str(k.count), str(k.segments),
                      str(k.rest))  # fmt: skip
        out.print(t)

    emit(rows, as_json, human)


def autocode(
    project: ProjectArg,
    code: CodeArg,
    terms: Annotated[
        list[str] | None,
        typer.Option("--terms", help="Words or phrases (repeat, or comma-separated)."),
    ] = None,
    with_: Annotated[
        list[str] | None,
        typer.Option("--with", help="Only together with one of these in the same unit."),
    ] = None,
    pattern: Annotated[
        list[str] | None,
        typer.Option("--pattern", help='A spaCy Matcher pattern (JSON), e.g. [{"LEMMA": "cry"}].'),
    ] = None,
    unit: UnitOpt = "sentence",
    save: Annotated[bool, typer.Option(help="Keep the rule with the code.")] = True,
    coder: CoderOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Keyword and pattern rules for a code (or its saved rules): hits go to the review
    queue as pending suggestions, never straight to codings."""
    with opened(project, coder) as p:
        rows = _run(
            lambda: p.autocode(
                code, terms=terms, with_terms=with_, patterns=pattern, unit=unit, save=save
            ),
            "matching...",
            as_json,
        )
    _emit_pending(rows, as_json, "hits waiting for review (`qda accept` / `qda reject`)")


def autocode_rules(
    project: ProjectArg,
    code: CodeFilter = None,
    as_json: JsonOpt = False,
) -> None:
    """The saved autocoding rules."""
    with opened(project) as p:
        rows = p.autocode_rules(code)

    def human() -> None:
        t = Table("id", "code", "terms", "with", "patterns", "unit")
        for r in rows:
            t.add_row(r.id[:8], r.code, ", ".join(r.terms), ", ".join(r.with_terms),
                      str(len(r.patterns)), r.unit)  # fmt: skip
        out.print(t)

    emit(rows, as_json, human)


def invivo_candidates(
    project: ProjectArg,
    doc: DocOpt,
    start: Annotated[int | None, typer.Option(help="Selection start (characters).")] = None,
    end: Annotated[int | None, typer.Option(help="Selection end (exclusive).")] = None,
    top: TopOpt = 20,
    as_json: JsonOpt = False,
) -> None:
    """Salient phrases in the participant's own words (a selection or a whole transcript),
    for `qda invivo`."""
    with opened(project) as p:
        rows = _run(lambda: p.invivo_candidates(doc, start=start, end=end, top=top), "...", as_json)

    def human() -> None:
        t = Table("phrase", "score", "here", "elsewhere", "at", "method")
        for c in rows:
            t.add_row(c.phrase, f"{c.score:.2f}", str(c.count), str(c.rest),
                      f"{c.start}-{c.end}", c.method)  # fmt: skip
        out.print(t)

    emit(rows, as_json, human)
