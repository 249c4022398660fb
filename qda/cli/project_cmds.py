"""Project commands: init, import, info, docs, participants, show, search, open, demo."""

from __future__ import annotations

import shutil
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from qda.cli.common import CoderOpt, JsonOpt, ProjectArg, emit, err, opened, out, styled, warn
from qda.config import data_dir
from qda.errors import QdaError


def register(app: typer.Typer) -> None:
    for fn in (init, import_, info, docs, participants, show, search, open_, demo):
        name = fn.__name__.rstrip("_")
        app.command(name=name)(fn)


def init(
    project: ProjectArg,
    coder: CoderOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a new, empty project (a file readable by you only)."""
    from qda.project import init_project

    p = init_project(project, coder=coder)
    try:
        info_ = p.info()
    finally:
        p.close()
    emit(info_, as_json, lambda: out.print(f"created {info_['project']}"))


def _progress() -> Progress:
    return Progress(
        TextColumn("importing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )


def import_(
    project: ProjectArg,
    paths: Annotated[list[Path], typer.Argument(help="Transcript files or folders.")],
    participant: Annotated[
        str | None, typer.Option(help="The participant these documents belong to.")
    ] = None,
    attributes: Annotated[
        Path | None, typer.Option(help="A CSV of participant attributes, one row each.")
    ] = None,
    strict: Annotated[
        bool, typer.Option(help="All or nothing: any bad file aborts the whole import.")
    ] = False,
    max_mb: Annotated[
        float | None, typer.Option(help="Largest file accepted, in MB (default 50).")
    ] = None,
    pseudonymise: Annotated[
        Path | None,
        typer.Option(help="A CSV of real name,pseudonym: names are replaced before storing."),
    ] = None,
    mapping: Annotated[
        Path | None,
        typer.Option(help="Where to write the name mapping (default: beside the names CSV)."),
    ] = None,
    coder: CoderOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Import transcripts (.txt .md .docx .odt .vtt .srt, or folders of them)."""
    if mapping is not None and pseudonymise is None:
        raise QdaError("--mapping needs --pseudonymise NAMES.csv")
    with opened(project, coder) as p:
        report_attrs = None
        total_files = sum(1 for x in paths if x.is_file()) + sum(1 for x in paths if x.is_dir())
        show_bar = not as_json and err.is_terminal and total_files > 0
        max_bytes = int(max_mb * 1024 * 1024) if max_mb else None
        importer: Any = p.import_paths
        if pseudonymise is not None:
            importer = partial(p.import_pseudonymised, names=pseudonymise, mapping=mapping)
        if show_bar:
            with _progress() as bar:
                task = bar.add_task("import", total=None)
                report = importer(
                    paths,
                    participant=participant,
                    strict=strict,
                    max_bytes=max_bytes,
                    progress=lambda done, total: bar.update(task, completed=done, total=total),
                )
        else:
            report = importer(paths, participant=participant, strict=strict, max_bytes=max_bytes)
        if attributes is not None:
            report_attrs = p.import_attributes(attributes)
    data = report.to_dict()
    if report_attrs is not None:
        data["attributes"] = report_attrs.to_dict()

    def human() -> None:
        for d in report.imported:
            out.print(
                f"imported {d.name} ({d.participant}): {d.words} words, "
                f"{d.turns} turns, {d.sentences} sentences",
                highlight=False,
            )
        for dup in report.duplicates:
            out.print(f"unchanged {dup['path']}: already imported as {dup['existing']}")
        if report.exchange:
            from qda.exchange.refi_report import summary_lines

            for ex in report.exchange:
                for line in summary_lines(ex):
                    out.print(line, highlight=False, markup=False)
        if report_attrs is not None:
            out.print(
                f"attributes: {report_attrs.participants} participants, "
                f"{len(report_attrs.attributes)} columns"
            )

    emit(data, as_json, human)
    for note in getattr(report, "notes", ()):
        warn(note)
    for s in report.skipped:
        warn(f"skipped {s['path']}: {s['reason']}")
    if report.skipped:
        warn(
            f"{len(report.imported)} imported, {len(report.duplicates)} unchanged, "
            f"{len(report.skipped)} skipped"
        )
        raise typer.Exit(1)


def info(project: ProjectArg, as_json: JsonOpt = False) -> None:
    """The project at a glance: counts of documents, participants, codes, codings."""
    with opened(project) as p:
        data = p.info()

    def human() -> None:
        t = Table(show_header=False, box=None)
        for k, v in data.items():
            t.add_row(k, ", ".join(v) if isinstance(v, list) else str(v))
        out.print(t)

    emit(data, as_json, human)


def docs(project: ProjectArg, as_json: JsonOpt = False) -> None:
    """List the documents with their participants and sizes."""
    with opened(project) as p:
        rows = p.documents()

    def human() -> None:
        t = Table("name", "participant", "words", "turns", "codings", "format", "id")
        for d in rows:
            t.add_row(
                d.name,
                d.participant or "",
                str(d.words),
                str(d.turns),
                str(d.codings),
                d.format,
                d.id[:8],
            )
        out.print(t)

    emit(rows, as_json, human)


def participants(project: ProjectArg, as_json: JsonOpt = False) -> None:
    """List the participants with their attributes and documents."""
    with opened(project) as p:
        rows = p.participants()

    def human() -> None:
        names = sorted({k for r in rows for k in r["attributes"]})
        t = Table("participant", "documents", *names)
        for r in rows:
            t.add_row(
                r["name"],
                ", ".join(r["documents"]),
                *[str(r["attributes"].get(n, "")) for n in names],
            )
        out.print(t)

    emit(rows, as_json, human)


def show(
    project: ProjectArg,
    doc: Annotated[str, typer.Argument(help="A document's name or id.")],
    as_json: JsonOpt = False,
) -> None:
    """A document's text, with its speaker turns and sentences (offsets in --json)."""
    with opened(project) as p:
        view = p.show(doc)

    def human() -> None:
        out.print(styled((view.name, "bold"), f" ({view.participant or 'no participant'})"))
        for t in view.turns:
            label = view.text[t.start : t.body_start].strip()
            body = view.text[t.body_start : t.end]
            out.print(styled((label, "bold cyan"), " ", body) if label else body, highlight=False)
            out.print()

    emit(view, as_json, human)


def search(
    project: ProjectArg,
    query: Annotated[str, typer.Argument(help='Words to find; "a phrase"; word* for a prefix.')],
    doc: Annotated[str | None, typer.Option(help="Only this document.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many hits.")] = 200,
    as_json: JsonOpt = False,
) -> None:
    """Full-text search over the sentences of every document."""
    with opened(project) as p:
        hits = p.search(query, limit=limit, document=doc)

    def human() -> None:
        t = Table("document", "at", "snippet")
        for h in hits:
            t.add_row(h.document, f"{h.start}-{h.end}", h.snippet)
        out.print(t)
        out.print(f"{len(hits)} hits")

    emit(hits, as_json, human)


def open_(
    project: ProjectArg,
    coder: CoderOpt = None,
) -> None:
    """Open the project in the terminal workbench (TUI)."""
    from qda.tui.app import run_app

    with opened(project, coder) as p:
        run_app(p)


def sample_dir() -> Path:
    """The sample transcripts: beside the package (a checkout) or inside it (a wheel)."""
    import qda

    here = Path(qda.__file__).resolve().parent
    for candidate in (here.parent / "sample_transcripts", here / "_samples"):
        if candidate.is_dir():
            return candidate
    raise QdaError("the sample transcripts are not installed with this copy of qda")


def build_demo(directory: Path, *, coder: str | None = None, fresh: bool = False) -> Path:
    """Build (or reuse) the demo project from the sample transcripts; return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / "demo.qda"
    if fresh and target.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(str(target) + suffix).unlink(missing_ok=True)
    if target.exists():
        return target
    samples = sample_dir()
    tmp = directory / "demo.qda.building"
    for suffix in ("", "-wal", "-shm"):
        Path(str(tmp) + suffix).unlink(missing_ok=True)
    from qda.project import init_project

    p = init_project(tmp, coder=coder)
    try:
        report = p.import_paths([samples])
        if report.skipped:
            raise QdaError(f"demo: could not import {report.skipped[0]['path']}")
        p.import_attributes(samples / "participants.csv")
    finally:
        p.close()
    shutil.move(str(tmp), str(target))
    return target


def demo(
    directory: Annotated[
        Path | None, typer.Option("--dir", help="Where to put demo.qda (default: qda's data dir).")
    ] = None,
    no_open: Annotated[
        bool, typer.Option("--no-open", help="Build it but do not open it.")
    ] = False,
    fresh: Annotated[bool, typer.Option(help="Rebuild it even if it exists.")] = False,
    coder: CoderOpt = None,
) -> None:
    """Build a demo project from the sample interviews and open it."""
    where = directory or (data_dir() / "demo")
    if not no_open or err.is_terminal:
        err.print(f"building the demo project in {where} ...", highlight=False)
    target = build_demo(where, coder=coder, fresh=fresh)
    out.print(str(target), highlight=False)
    if not no_open:
        open_(str(target), coder=coder)
