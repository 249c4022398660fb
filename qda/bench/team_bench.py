"""Team benchmarks: merging two coded projects, and agreement over the 1M-word project.

* merge: two copies of ``ctx.coded_project()`` (100,000 codings each by two coders);
  in the second the coders are renamed and every coding, event and memo gets a new
  id, so all 100,000 of its codings are new to the first.  Timed: the whole
  ``merge_projects`` call (backup, read and check the other project, plan, insert,
  commit).  Target (issue 7): <= 10 s.  Also timed: the dry run and merging again
  (nothing to add).
* agreement over the coded 1M-word project at sentence, turn and character level.
  Target: <= 5 s.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from qda.bench.harness import Context, Row, timed

T = TypeVar("T")


def _cpu(fn: Callable[[], T]) -> tuple[T, float, float]:
    """(result, wall seconds, CPU seconds of this process): on a busy machine the CPU
    time says what the wall time would be on an idle one."""
    c0 = time.process_time()
    result, wall = timed(fn)
    return result, wall, time.process_time() - c0


def _rekey(path: Path) -> None:
    """Other coders and fresh ids for every coding: what a second coder's copy holds."""
    con = sqlite3.connect(path)
    try:
        con.execute("UPDATE coders SET name = 'x-' || name")
        con.execute("UPDATE codings SET id = lower(hex(randomblob(16)))")
        con.execute("UPDATE events SET id = lower(hex(randomblob(16)))")
        con.commit()
    finally:
        con.close()


def run(ctx: Context) -> list[Row]:
    import qda

    coded = ctx.coded_project()
    rows: list[Row] = []
    n = ctx.codings
    scale = 100_000 / n

    dest = ctx.copy_of(coded, "team-dest.qda")
    other = ctx.copy_of(coded, "team-other.qda")
    _rekey(other)
    p = qda.open_project(dest, coder="bench")
    try:
        dry, t_dry = timed(lambda: p.merge_projects([other], dry_run=True))
        report, t_merge, cpu_merge = _cpu(lambda: p.merge_projects([other]))
        again, t_again = timed(lambda: p.merge_projects([other]))
        total = p.info()["codings"]
    finally:
        p.close()
    added = report.added.get("codings", 0)
    dropped = report.sources[0].duplicates.get("codings", 0)  # the synthetic data repeats some
    rows += [
        Row("team", f"merge 2 projects of {n:,} codings", t_merge, "s", "<= 10 s per 100k",
            t_merge * scale <= 10,
            f"{added:,} codings added (+{dropped:,} exact duplicates dropped), {total:,} after; "
            f"CPU {cpu_merge:.2f} s"),
        Row("team", "merge dry run (preview)", t_dry, "s", "", None,
            f"would add {dry.added.get('codings', 0):,} codings"),
        Row("team", "merge again (nothing new)", t_again, "s", "", None,
            f"added {sum(again.added.values())} rows"),
    ]  # fmt: skip
    assert added + dropped == n and not again.changed

    p = qda.open_project(coded, coder="bench")
    try:
        words = p.info()["words"]
        for unit in ("sentence", "turn", "character"):
            rep, t, cpu = _cpu(lambda u=unit: p.agreement(unit=u))  # type: ignore[misc]
            o = rep.overall
            rows.append(
                Row("team", f"agreement by {unit} ({words:,} words)", t, "s", "<= 5 s",
                    t * (1_000_000 / max(words, 1)) <= 5,
                    f"{len(rep.codes)} codes, kappa {o['cohen_kappa']:.3f}, "
                    f"alpha {o['krippendorff_alpha']:.3f}; CPU {cpu:.2f} s")
            )  # fmt: skip
        ds, t = timed(lambda: p.disagreements(unit="sentence"))
        rows.append(Row("team", "list disagreements by sentence", t, "s", "", None,
                        f"{len(ds):,} units"))  # fmt: skip
    finally:
        p.close()
    return rows
