"""Admin benchmark: ``qda check`` and ``qda backup`` of the coded project, and the cost of
pseudonymising at import.

Sizes: the shared coded project (1,000 transcripts / 1,000,000 words, 100,000 codings;
a tenth with ``--quick``) and the synthetic transcripts with 200 names to replace.
"""

from __future__ import annotations

import random

import qda
from qda.bench.harness import Context, Row, timed


def _names_csv(ctx: Context) -> str:
    path = ctx.workdir / "names.csv"
    rng = random.Random(3)
    real = {f"Name{rng.randrange(10**6):06d}" for _ in range(200)}
    rows = ["real,pseudonym"] + [f"{r},Pseudo{i}" for i, r in enumerate(sorted(real))]
    # Names that occur in the synthetic transcripts, so replacements really happen.
    rows += ["physio,therapist", "GP,doctor", "nurse,carer"]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


def run(ctx: Context) -> list[Row]:
    rows: list[Row] = []
    coded = ctx.coded_project()
    p = qda.open_project(coded, coder="bench")
    try:
        report, secs = timed(p.check)
        n = report.checked.get("codings", 0)
        rows.append(
            Row("admin", f"qda check ({ctx.docs} docs, {n:,} codings)", secs, "s",
                note="integrity + offsets + quotes + orphans" + ("" if report.ok else " NOT OK"))
        )  # fmt: skip
        out = ctx.workdir / "backup.qda"
        result, secs = timed(lambda: p.backup(out))
        rows.append(
            Row("admin", "qda backup (online copy, verified)", secs, "s",
                note=f"{result.bytes / 1e6:,.0f} MB")
        )  # fmt: skip
    finally:
        p.close()

    transcripts = ctx.transcripts_dir()
    names = _names_csv(ctx)
    plain = ctx.workdir / "plain.qda"
    pseudo = ctx.workdir / "pseudo.qda"
    for path in (plain, pseudo):
        qda.init_project(path, coder="bench").close()
    with qda.open_project(plain, coder="bench") as p:
        _, t_plain = timed(lambda: p.import_paths([transcripts]))
    with qda.open_project(pseudo, coder="bench") as p:
        rep, t_pseudo = timed(
            lambda: p.import_pseudonymised(
                [transcripts], names=names, mapping=ctx.workdir / "map.csv"
            )
        )
    replaced = rep.pseudonymisation.get("replacements", 0)
    rows.append(Row("admin", f"import {ctx.docs} transcripts, plain", t_plain, "s"))
    rows.append(
        Row("admin", f"import {ctx.docs} transcripts, pseudonymised (203 names)", t_pseudo,
            "s", note=f"{replaced:,} replacements; +{(t_pseudo / t_plain - 1) * 100:.0f}%")
    )  # fmt: skip
    return rows
