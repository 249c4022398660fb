"""Exchange benchmarks: Word codebook, theme report, .qdpx export and import, CSV.

Targets (issue 6): the Word codebook for 500 codes with 3 quotes each <= 5 s; .qdpx
export and import of the 1M-word / 100,000-coding synthetic project <= 20 s each.
The import includes turn finding, sentence splitting and the search index for the
imported documents, like a transcript import.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from qda.bench.harness import Context, Row, peak_rss_mb, timed


def _every_code_quoted(ctx: Context, per_code: int = 4) -> Path:
    """The corpus with a 500-node code tree in which every node has ``per_code`` codings
    (the synthetic coded project's codings are skewed: many codes have fewer than 3)."""
    import random
    import uuid

    from sqlalchemy import insert, select

    import qda
    from qda.common import get_or_create_coder
    from qda.db.models import Code, Coding, Document, Sentence
    from qda.db.types import utcnow

    path = ctx.copy_of(ctx.corpus_project(), "codebook-bench.qda")
    p = qda.open_project(path, coder="bench")
    rng = random.Random(5)
    now = utcnow()
    try:
        with p.store.write() as s:
            who = get_or_create_coder(s, "ana").id
            texts = {d.id: d.text for d in s.scalars(select(Document))}
            sents = s.execute(select(Sentence.document_id, Sentence.start, Sentence.end)).all()
            ids: list[uuid.UUID] = []
            rows = []
            for i in range(500):
                parent = None if i < 10 else ids[i % 10] if i < 60 else ids[10 + i % 50]
                kind = "theme" if i < 10 else "category" if i < 60 else "code"
                ids.append(uuid.uuid4())
                rows.append(dict(
                    id=ids[-1], name=f"{kind} {i}", kind=kind, parent_id=parent,
                    definition=f"What {kind} {i} means, in a sentence or two.",
                    inclusion="When the participant says so.", exclusion="Otherwise.",
                    example="", color="#336699", is_core=False, origin="manual",
                    retired=False, position=i, created_at=now, created_by=who, updated_at=now,
                ))  # fmt: skip
            s.execute(insert(Code), rows)
            codings = []
            for cid in ids:
                for _ in range(per_code):
                    did, st, en = sents[rng.randrange(len(sents))]
                    codings.append(dict(
                        id=uuid.uuid4(), code_id=cid, document_id=did, coder_id=who, start=st,
                        end=en, quote=texts[did][st:en], origin="manual", created_at=now,
                    ))  # fmt: skip
            s.execute(insert(Coding), codings)
    finally:
        p.close()
    return path


def run(ctx: Context) -> list[Row]:
    import qda

    book = qda.open_project(_every_code_quoted(ctx), coder="bench")
    try:
        cb500, t_cb500 = timed(lambda: book.export_codebook(ctx.workdir / "codebook-500.docx"))
    finally:
        book.close()
    coded = ctx.coded_project()
    out = ctx.workdir / "exchange-out"
    out.mkdir(exist_ok=True)
    p = qda.open_project(ctx.copy_of(coded, "exchange-src.qda"), coder="bench")
    try:
        info = p.info()
        size = f"{info['codes']} codes, {info['codings']:,} codings, {info['words']:,} words"
        cb, t_cb = timed(lambda: p.export_codebook(out / "codebook.docx", examples=3))
        rep, t_rep = timed(lambda: p.export_report(out / "report.docx", quotes=3))
        ex, t_ex = timed(lambda: p.export_qdpx(out / "project.qdpx"))
        _, t_nv = timed(lambda: p.export_qdpx(out / "nvivo.qdpx", nvivo=True))
        _, t_csv = timed(lambda: p.export_csv(out / "csv"))
    finally:
        p.close()
    target = ctx.workdir / "exchange-imported.qda"
    for suffix in ("", "-wal", "-shm"):
        target.with_name(target.name + suffix).unlink(missing_ok=True)
    new = qda.init_project(target, coder="bench2")
    try:
        cpu0 = time.process_time()
        imp, t_imp = timed(lambda: new.import_refi(out / "project.qdpx"))
        cpu_imp = time.process_time() - cpu0
    finally:
        new.close()
    load = os.getloadavg()[0]
    mb = (out / "project.qdpx").stat().st_size / 1e6
    full = ctx.codings >= 100_000
    return [
        Row("exchange", f"Word codebook ({cb500.codes} codes x 3 quotes)", t_cb500, "s",
            "<= 5 s", t_cb500 <= 5, f"{cb500.quotes:,} quotes, summary table, title page"),
        Row("exchange", "Word codebook of the coded project", t_cb, "s", "", None,
            f"{cb.codes} codes, {cb.quotes:,} quotes (skewed: some codes have < 3)"),
        Row("exchange", "Word theme report", t_rep, "s", "", None,
            f"{rep.themes} themes, {rep.quotes} quotes, saturation figure"),
        Row("exchange", ".qdpx export", t_ex, "s", "<= 20 s" if full else "", t_ex <= 20,
            f"{size}; {ex.documents:,} sources, {mb:.1f} MB"),
        Row("exchange", ".qdpx export, NVivo offsets", t_nv, "s", "", None),
        Row("exchange", ".qdpx import (new project)", t_imp, "s", "<= 20 s" if full else "",
            t_imp <= 20,
            f"{len(imp.documents):,} documents, {imp.codings_imported:,} codings, "
            f"{imp.names_verified:,} names verified; {cpu_imp:.1f} s CPU here + spaCy in a "
            f"helper process; load average {load:.1f} on {os.cpu_count()} CPUs"),
        Row("exchange", "CSV codings + matrix", t_csv, "s", "", None),
        Row("exchange", "peak memory so far (this process)", peak_rss_mb(), "MB", "", None),
    ]  # fmt: skip
