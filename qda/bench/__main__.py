"""Run the benchmarks and print one table: ``python -m qda.bench [--quick] [--only AREA]``.

Every area module in :data:`AREAS` has ``run(ctx: Context) -> list[Row]``.  The
synthetic projects are built once per run and shared (``ctx.corpus_project()``,
``ctx.coded_project()``); a benchmark that changes a project works on a copy
(``ctx.copy_of(path)``).  Timings are wall-clock medians; compare ratios within one run.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import tempfile
from pathlib import Path

from qda.bench.harness import Context, Row, print_table

AREAS = ["import_bench", "coding_bench", "tui_bench", "suggest_bench", "exchange_bench",
         "team_bench", "admin_bench"]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m qda.bench", description=__doc__)
    ap.add_argument("--quick", action="store_true", help="1/10 of the sizes (a smoke run)")
    ap.add_argument("--only", action="append", help="only these areas (e.g. import_bench)")
    ap.add_argument("--keep", type=Path, help="build the synthetic projects in this folder")
    args = ap.parse_args(argv)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="qda-bench-") as tmp:
        ctx = Context(workdir=args.keep or Path(tmp), quick=args.quick)
        ctx.workdir.mkdir(parents=True, exist_ok=True)
        for area in AREAS:
            if args.only and area not in args.only:
                continue
            try:
                module = importlib.import_module(f"qda.bench.{area}")
            except ModuleNotFoundError:
                continue
            area_rows = module.run(ctx)
            rows.extend(area_rows)
            print_table(area_rows, title=area, file=sys.stderr)
    print_table(rows, title="qda benchmarks" + (" (quick)" if args.quick else ""))
    return 0 if all(r.ok is not False for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
