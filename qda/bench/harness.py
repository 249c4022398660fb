"""Benchmark plumbing: timing, peak memory, the shared synthetic projects, the table."""

from __future__ import annotations

import gc
import resource
import shutil
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar

T = TypeVar("T")


@dataclass
class Row:
    area: str
    name: str
    value: float
    unit: str
    target: str = ""
    ok: bool | None = None
    note: str = ""


def timed(fn: Callable[[], T], repeat: int = 1) -> tuple[T, float]:
    """(result of the last call, median seconds over ``repeat`` calls)."""
    times = []
    result: Any = None
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return result, statistics.median(times)


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def traced_peak(fn: Callable[[], T]) -> tuple[T, float]:
    """(result, peak Python allocations in MB during ``fn``)."""
    tracemalloc.start()
    try:
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak / 1e6


@dataclass
class Context:
    workdir: Path
    quick: bool = False
    _cache: dict[str, Path] = field(default_factory=dict)

    @property
    def docs(self) -> int:
        return 100 if self.quick else 1000

    @property
    def words_per_doc(self) -> int:
        return 1000

    @property
    def codings(self) -> int:
        return 10_000 if self.quick else 100_000

    @property
    def codes(self) -> int:
        return 500

    def transcripts_dir(self) -> Path:
        if "transcripts" not in self._cache:
            from qda.bench.synth import write_transcripts

            d = self.workdir / "transcripts"
            write_transcripts(d, docs=self.docs, words=self.words_per_doc)
            self._cache["transcripts"] = d
        return self._cache["transcripts"]

    def corpus_project(self) -> Path:
        """A project holding the synthetic corpus (documents only)."""
        if "corpus" not in self._cache:
            import qda

            path = self.workdir / "corpus.qda"
            p = qda.init_project(path, coder="bench")
            try:
                p.import_paths([self.transcripts_dir()])
            finally:
                p.close()
            self._cache["corpus"] = path
        return self._cache["corpus"]

    def coded_project(self) -> Path:
        """The corpus plus 500 codes and 100,000 codings by two coders."""
        if "coded" not in self._cache:
            import qda
            from qda.bench.synth import add_codes_and_codings

            path = self.copy_of(self.corpus_project(), "coded.qda")
            p = qda.open_project(path, coder="bench")
            try:
                add_codes_and_codings(p.store, codes=self.codes, codings=self.codings)
            finally:
                p.close()
            self._cache["coded"] = path
        return self._cache["coded"]

    def copy_of(self, path: Path, name: str | None = None) -> Path:
        dst = self.workdir / (name or f"copy-{len(list(self.workdir.iterdir()))}-{path.name}")
        shutil.copyfile(path, dst)
        return dst


def print_table(rows: list[Row], *, title: str, file: IO[str] = sys.stdout) -> None:
    if not rows:
        return
    headers = ["area", "benchmark", "value", "unit", "target", "ok", "note"]
    cells = [
        [r.area, r.name, f"{r.value:,.3f}" if r.value < 100 else f"{r.value:,.0f}", r.unit,
         r.target, {True: "yes", False: "NO", None: ""}[r.ok], r.note]
        for r in rows
    ]  # fmt: skip
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    print(f"\n{title}", file=file)
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)), file=file)
    print("  ".join("-" * w for w in widths), file=file)
    for c in cells:
        print("  ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)), file=file)
