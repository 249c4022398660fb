"""The team screen's texts: numbers, counts, the merge report and the note shown
when there are too few coders for agreement (no widgets here)."""

from __future__ import annotations

import re
from typing import Any

from rich.markup import escape

from qda.errors import QdaError
from qda.tui.fit import plural


def num(x: float | None, pct: bool = False) -> str:
    if x is None:
        return "n/a"
    return f"{x:.1f}%" if pct else f"{x:.3f}"


def counts_line(counts: dict[str, int]) -> str:
    """``{"coders": 1, "codes": 2}`` as "1 coder, 2 codes"."""
    return ", ".join(plural(v, k) for k, v in counts.items() if v)


def too_few_coders(error: QdaError) -> str | None:
    """The note shown instead of the agreement when fewer than two coders have coded
    (None: ``error`` is about something else)."""
    found = re.search(r"at least two coders.*\(found: (.*)\)\s*$", str(error))
    if found is None:
        return None
    who = found.group(1).strip()
    who = "nobody has coded yet" if who in ("", "none") else who
    return (
        f"Agreement needs codings by at least two coders; found: {who}.\n"
        "Merge a colleague's copy of the project on the Merge tab (M), "
        "or name the coders to compare in the box below."
    )


def merge_summary(report: Any) -> str:
    """The merge report as console markup (used for the preview and the result)."""
    verb = "would add" if report.dry_run else "added"
    lines: list[str] = []
    for src in report.sources:
        lines.append(f"[b]{escape(src.name)}[/b]  [dim]{escape(src.id)}[/dim]")
        matched = counts_line(src.matched) or "nothing"
        added = counts_line(src.added) or "nothing"
        lines.append(f"  matched: {escape(matched)}")
        lines.append(f"  {verb}: {escape(added)}")
        if src.duplicates:
            dups = counts_line(src.duplicates)
            lines.append(f"  exact duplicates dropped: {escape(dups)}")
        for c in src.added_codes:
            lines.append(f"  [green]new code[/green] {escape(c['code'])}")
        for d in src.added_documents:
            lines.append(f"  [green]new document[/green] {escape(d['name'])}")
        for c in src.conflicts:
            lines.append(f"  [yellow]conflict[/yellow] {escape(c['message'])}")
        for n in src.near_duplicates:
            lines.append(
                f"  [cyan]review[/cyan] {escape(n.code)} ~ {escape(n.other_code)} "
                f"({n.score:.0f}, not merged)"
            )
        for o in src.opposites:
            lines.append(
                f"  [magenta]opposites[/magenta] {escape(o.code)} / {escape(o.other_code)} "
                "(kept apart)"
            )
        for s in src.skipped:
            lines.append(f"  [red]skipped[/red] {escape(s['kind'])}: {escape(s['reason'])}")
    if report.dry_run:
        lines.append("\n[b]Preview only: nothing was changed.[/b] Press [b]m[/b] to merge.")
    elif not report.changed:
        lines.append("\nNothing new: the project is unchanged.")
    elif report.backup:
        lines.append(f"\nMerged. Backup of the project before: {escape(report.backup)}")
    return "\n".join(lines)
