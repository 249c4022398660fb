"""The helper process of a large transcript import: reads and splits batches of files.

Run as ``python -m qda.documents.prepare_worker`` by :mod:`qda.documents.prepare`:
reads ``(max_bytes, batches of paths)`` pickled on stdin and writes one pickled
``(prepared, skipped)`` per batch on stdout, in order, while the parent stores the
previous batch.  A plain child process (not :mod:`multiprocessing`), so nothing of the
parent's ``__main__`` runs again in it.  It dies with its parent (a broken pipe).
"""

from __future__ import annotations

import pickle
import sys
from pathlib import Path


def main() -> None:
    from qda.documents.prepare import prepare_batch
    from qda.nlp.pipeline import sentence_splitter

    sentence_splitter()  # load spaCy while the parent opens the project
    try:
        max_bytes, batches = pickle.load(sys.stdin.buffer)
    except EOFError:
        return
    out = sys.stdout.buffer
    for batch in batches:
        result = prepare_batch([Path(p) for p in batch], max_bytes)
        try:
            pickle.dump(result, out, protocol=pickle.HIGHEST_PROTOCOL)
            out.flush()
        except BrokenPipeError:
            return


if __name__ == "__main__":
    main()
