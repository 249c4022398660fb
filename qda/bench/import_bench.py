"""Import benchmark: 1,000 transcripts / 1,000,000 words with sentence splitting.

The import runs in a child process so that its peak memory (ru_maxrss) is its own.
Targets (issue 2): <= 10 s and <= 500 MB peak on a 2-core machine.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from qda.bench.harness import Context, Row

_CHILD = """
import json, resource, sys, time
t0 = time.perf_counter()
import qda
p = qda.init_project(sys.argv[1], coder="bench")
t1 = time.perf_counter()
report = p.import_paths([sys.argv[2]])
t2 = time.perf_counter()
info = p.info()
p.close()
print(json.dumps({"startup": t1 - t0, "import": t2 - t1, "docs": len(report.imported),
                  "skipped": len(report.skipped), "words": info["words"],
                  "sentences": info["sentences"], "turns": info["turns"],
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "worker_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""

_SPLIT_ONLY = """
import json, sys, time
from pathlib import Path
from qda.nlp.pipeline import split_sentences, sentence_splitter
sentence_splitter()
texts = [p.read_text() for p in sorted(Path(sys.argv[1]).glob("*.txt"))]
t0 = time.perf_counter()
n = sum(len(s) for s in split_sentences(texts))
print(json.dumps({"split": time.perf_counter() - t0, "sentences": n}))
"""


def _child(code: str, *args: str) -> dict[str, float]:
    res = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    )
    return json.loads(res.stdout.strip().splitlines()[-1])


def run(ctx: Context) -> list[Row]:
    src = ctx.transcripts_dir()
    target = ctx.workdir / "import-bench.qda"
    target.unlink(missing_ok=True)
    r = _child(_CHILD, str(target), str(src))
    Path(target).unlink(missing_ok=True)
    split = _child(_SPLIT_ONLY, str(src))
    words = r["words"]
    scale = 1_000_000 / max(words, 1)
    return [
        Row("import", f"import {int(r['docs'])} transcripts", r["import"], "s",
            "<= 10 s per 1M words", r["import"] * scale <= 10,
            f"{words:,.0f} words, {r['sentences']:,.0f} sentences, {r['turns']:,.0f} turns"),
        Row("import", "import throughput", words / r["import"], "words/s", ">= 100k", None),
        Row("import", "spaCy sentence split only", words / split["split"], "words/s", "", None,
            "same texts, no storage"),
        Row("import", "peak memory (importing process)", r["rss_mb"], "MB", "<= 500 MB",
            r["rss_mb"] + r["worker_rss_mb"] <= 500),
        Row("import", "peak memory (its prepare worker)", r["worker_rss_mb"], "MB",
            "sum <= 500 MB", r["rss_mb"] + r["worker_rss_mb"] <= 500),
        Row("import", "start-up (import qda + init)", r["startup"], "s", "", None),
    ]  # fmt: skip
