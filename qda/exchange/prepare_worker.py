"""The helper process of a big REFI-QDA import: turns and sentences of many texts.

Run as ``python -m qda.exchange.prepare_worker``: reads a pickled list of texts on
stdin, writes the pickled :class:`~qda.exchange.refi_store.PreparedText` list on
stdout.  A plain child process (not :mod:`multiprocessing`), so nothing of the
parent's ``__main__`` runs again in it.
"""

from __future__ import annotations

import pickle
import sys


def main() -> None:
    from qda.exchange.refi_store import prepare_texts
    from qda.nlp.pipeline import sentence_splitter

    sentence_splitter()  # load spaCy while the parent is still reading its file
    try:
        texts = pickle.load(sys.stdin.buffer)
    except EOFError:  # the parent needed no help after all
        return
    pickle.dump(prepare_texts(texts), sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
