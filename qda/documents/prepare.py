"""Reading and splitting transcripts ahead of storing them (no database here).

:func:`prepare_batch` reads, normalises, finds the speaker turns of and splits the
sentences of a batch of files.  :func:`prepared_batches` yields them in order; for a
large import it runs them in a helper process (:mod:`qda.documents.prepare_worker`) so
that preparing the next batch overlaps with storing this one on the other core.  This
module imports no SQLAlchemy, so the helper starts quickly.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from qda.documents.readers import ParsedTranscript, read_transcript
from qda.documents.text import sha256_text
from qda.errors import ImportFileError

BATCH_FILES = 32
WORKER_MIN_FILES = 64  # below this, a helper process costs more than it saves
WORKER_ARGS = ["-m", "qda.documents.prepare_worker"]


def _chunks(items: list[Path], n: int) -> Iterator[list[Path]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


@dataclass
class Prepared:
    path: Path
    parsed: ParsedTranscript
    sha: str
    sentences: list[tuple[int, int, int]]  # (start, end, turn idx)


def prepare_batch(
    files: list[Path],
    max_bytes: int,
    transform: Callable[[str, Path], str] | None = None,
) -> tuple[list[Prepared], list[dict[str, str]]]:
    """Read, normalise and split a batch of files: (prepared, skipped with reasons)."""
    from qda.nlp.pipeline import split_regions

    parsed: list[tuple[Path, ParsedTranscript]] = []
    skipped: list[dict[str, str]] = []
    for f in files:
        try:
            parsed.append((f, read_transcript(f, max_bytes=max_bytes, transform=transform)))
        except ImportFileError as exc:
            skipped.append({"path": str(f), "reason": exc.reason})
    regions = [[(t.body_start, t.end) for t in pt.turns] for _, pt in parsed]
    sents = list(split_regions([pt.text for _, pt in parsed], regions))
    prepared = [
        Prepared(path=f, parsed=pt, sha=sha256_text(pt.text), sentences=sents[i])
        for i, (f, pt) in enumerate(parsed)
    ]
    return prepared, skipped


def prepared_batches(
    files: list[Path], max_bytes: int, transform: Callable[[str, Path], str] | None
) -> Iterator[tuple[list[Path], list[Prepared], list[dict[str, str]]]]:
    """Prepared batches in order.  A large import prepares them in a helper process
    (``python -m qda.documents.prepare_worker``), so that reading and sentence
    splitting of the next batch overlap with storing this one on the other core."""
    batches = list(_chunks(files, BATCH_FILES))
    use_worker = (
        transform is None
        and len(files) >= WORKER_MIN_FILES
        and os.environ.get("QDA_IMPORT_WORKER", "1") != "0"
    )
    if not use_worker:
        for batch in batches:
            yield (batch, *prepare_batch(batch, max_bytes, transform))
        return
    proc = subprocess.Popen(
        [sys.executable, *WORKER_ARGS],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        try:
            proc.stdin.write(pickle.dumps((max_bytes, [[str(f) for f in b] for b in batches])))
            proc.stdin.close()
        except OSError:
            pass  # the helper died: every batch is prepared here instead
        for batch in batches:
            try:
                prepared, skipped = pickle.load(proc.stdout)
            except (EOFError, OSError, pickle.UnpicklingError):
                prepared, skipped = prepare_batch(batch, max_bytes, None)
            yield batch, prepared, skipped
    finally:
        proc.kill()
        proc.wait()
