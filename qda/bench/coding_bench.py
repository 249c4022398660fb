"""Coding-engine benchmarks on the synthetic coded project (1,000 documents, 1M words,
100,000 codings by two coders, 500 codes): segments, co-occurrence, saturation,
applying a coding, undo, and the other reports.  Medians of several runs, warm."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from typing import Any

from qda.bench.harness import Context, Row

AREA = "coding"


_cpu: list[float] = []


def _ms(fn: Callable[[], Any], repeat: int = 5) -> tuple[Any, float]:
    """(result, median wall milliseconds); the median CPU time goes to :func:`cpu`."""
    fn()  # warm: connection pool, page cache, imports
    walls, cpus = [], []
    result: Any = None
    for _ in range(repeat):
        gc.collect()
        c0, t0 = time.process_time(), time.perf_counter()
        result = fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    _cpu.append(statistics.median(cpus) * 1000)
    return result, statistics.median(walls) * 1000


def cpu(unit: str = "ms") -> str:
    """The CPU time of the last measurement (wall time suffers when the machine is busy)."""
    v = _cpu[-1] if unit == "ms" else _cpu[-1] / 1000
    return f"cpu {v:.3g} {unit}"


def run(ctx: Context) -> list[Row]:
    import qda

    rows: list[Row] = []
    size = f"{ctx.docs} docs, {ctx.codings:,} codings"
    p = qda.open_project(ctx.coded_project(), coder="bench")
    try:
        codes = [c for c in p.codes() if c.codings]
        codes.sort(key=lambda c: c.codings)
        median = codes[len(codes) // 2]
        largest = codes[-1]
        segs, ms = _ms(lambda: p.segments(median.id))
        rows.append(
            Row(
                AREA,
                "segments of one code (median code)",
                ms,
                "ms",
                "≤ 50",
                ms <= 50,
                f"{cpu()}; {len(segs)} segments, 200 chars context; {size}",
            )
        )
        segs, ms = _ms(lambda: p.segments(largest.id))
        rows.append(
            Row(
                AREA,
                "segments of the largest code",
                ms,
                "ms",
                "≤ 50",
                ms <= 50,
                f"{cpu()}; {len(segs)} segments",
            )
        )
        theme = next(c for c in p.codes() if c.kind == "theme")
        segs, ms = _ms(lambda: p.segments(theme.id, descendants=True), repeat=3)
        rows.append(
            Row(
                AREA,
                "segments of a theme with descendants",
                ms,
                "ms",
                "",
                None,
                f"{len(segs)} segments",
            )
        )
        rep, s = _ms(lambda: p.report_cooccurrence(), repeat=3)
        rows.append(
            Row(
                AREA,
                "co-occurrence matrix (overlapping spans)",
                s / 1000,
                "s",
                "≤ 1",
                s / 1000 <= 1,
                f"{cpu('s')}; {len(rep['codes'])}² codes",
            )
        )
        rep, s = _ms(lambda: p.report_cooccurrence(unit="sentence"), repeat=3)
        rows.append(
            Row(
                AREA,
                "co-occurrence matrix (same sentence)",
                s / 1000,
                "s",
                "≤ 1",
                s / 1000 <= 1,
                f"{cpu('s')}; {len(rep['pairs']):,} pairs",
            )
        )
        rep, s = _ms(lambda: p.report_saturation(), repeat=3)
        rows.append(
            Row(
                AREA,
                "saturation (coding order)",
                s / 1000,
                "s",
                "≤ 0.5",
                s / 1000 <= 0.5,
                f"{cpu('s')}; {len(rep['documents'])} docs, {rep['total_codes']} codes",
            )
        )
        for name, fn in (
            ("code x participant matrix", lambda: p.report_matrix()),
            ("code tree with rolled-up counts", lambda: p.report_tree()),
            ("code list with counts", lambda: p.codes()),
        ):
            _, s = _ms(fn, repeat=3)
            rows.append(Row(AREA, name, s / 1000, "s", "", None, cpu("s")))
    finally:
        p.close()

    # Writing: on a copy.
    p = qda.open_project(ctx.copy_of(ctx.coded_project()), coder="bench")
    try:
        docs = [d.name for d in p.documents()[:60]]
        code = p.codes()[-1].id
        p.apply(code, docs[0], start=0, end=5)  # warm
        wall, used = _loop(lambda i, doc: p.apply(code, doc, start=i, end=i + 12), docs[1:51])
        rows.append(
            Row(
                AREA,
                "apply one coding (span)",
                wall,
                "ms",
                "≤ 20",
                wall <= 20,
                f"cpu {used:.3g} ms; median of 50; with its event and undo step",
            )
        )
        quote = "Can you tell me more about that?"
        wall, used = _loop(
            lambda i, doc: p.apply(code, doc, quote=quote, occurrence=1), docs[51:56]
        )
        rows.append(
            Row(
                AREA,
                "apply one coding (quote)",
                wall,
                "ms",
                "≤ 20",
                wall <= 20,
                f"cpu {used:.3g} ms; exact quote located in the text",
            )
        )
        wall, used = _loop(lambda i, doc: p.undo(), list(range(10)))
        rows.append(Row(AREA, "undo one coding", wall, "ms", "", None, f"cpu {used:.3g} ms"))
        big = sorted(p.codes(), key=lambda c: c.codings)
        src, dst = big[-1], big[-2]
        t0 = time.perf_counter()
        p.merge_codes(src.id, dst.id)
        merge_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        p.undo()
        undo_s = time.perf_counter() - t0
        rows.append(
            Row(
                AREA,
                "merge the two largest codes",
                merge_s,
                "s",
                "",
                None,
                f"{src.codings + dst.codings:,} codings; its undo {undo_s:.2f} s",
            )
        )
    finally:
        p.close()
    return rows


def _loop(fn: Callable[[int, Any], Any], items: list[Any]) -> tuple[float, float]:
    """Median wall and CPU milliseconds of ``fn(i, item)`` over the items."""
    walls, cpus = [], []
    for i, item in enumerate(items):
        c0, t0 = time.process_time(), time.perf_counter()
        fn(i, item)
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return statistics.median(walls) * 1000, statistics.median(cpus) * 1000
