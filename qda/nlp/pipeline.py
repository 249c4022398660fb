"""The spaCy pipeline qda uses, built offline.

Default: ``spacy.blank("en")`` + ``sentencizer`` + a lookup ``lemmatizer`` whose
tables come from the installed ``spacy-lookups-data`` package.  A trained pipeline
(``en_core_web_sm``...) is used when it is installed and named in the config
(``spacy_model = "en_core_web_sm"``) or in ``QDA_SPACY_MODEL``; it is never required
and never downloaded.  spaCy is imported lazily: the CLI starts without it.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Iterable, Iterator
from functools import cache
from typing import TYPE_CHECKING, Any

from qda.errors import QdaError

if TYPE_CHECKING:
    from spacy.language import Language

_lock = threading.Lock()


def configured_model() -> str | None:
    env = os.environ.get("QDA_SPACY_MODEL")
    if env:
        return env
    from qda.config import load_config

    return load_config().spacy_model


#: Punctuation that opens what follows it: a sentence that starts after one of these
#: starts at it ("[laughs] Does that make sense?", "\"Quote.\""), not after it.
OPENERS = frozenset({"[", "(", "{", '"', "'", "\u201c", "\u2018", "\u00ab"})


def _sentence_edges(doc: Any) -> Any:
    """Move each sentence start back over opening brackets and quote marks that the
    sentencizer left at the end of the sentence before (it keeps trailing punctuation,
    so "it. [laughs] Does" became "it. [" + "laughs] Does").  An opener counts when it
    is written against the next word and apart from the word before it."""
    import numpy as np
    from spacy.attrs import ORTH, SENT_START, SPACY

    if len(doc) < 3:
        return doc
    arr = doc.to_array([SENT_START, ORTH, SPACY])
    opener = np.isin(arr[:, 1], [doc.vocab.strings.add(o) for o in OPENERS])
    opener &= arr[:, 2] == 0  # written against the next word
    # starts whose previous token is such an opener (the only ones that can move)
    cand = np.flatnonzero((arr[2:, 0] == 1) & opener[1:-1]) + 2
    moves = []
    for i in cand.tolist():
        j = i
        while j >= 2 and opener[j - 1] and arr[j - 2, 2]:
            j -= 1
        if j != i:
            moves.append((j, i))
    for j, i in moves:
        doc[j].is_sent_start = True
        for k in range(j + 1, i + 1):
            doc[k].is_sent_start = False
    return doc


@cache
def _blank_pipeline(with_lemmas: bool) -> Language:
    import spacy
    from spacy.language import Language

    if "qda_sentence_edges" not in Language.factories:
        Language.component("qda_sentence_edges", func=_sentence_edges)
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("qda_sentence_edges")
    if with_lemmas:
        nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        try:
            nlp.initialize()
        except Exception as exc:  # spacy-lookups-data missing or broken
            raise QdaError(
                f"cannot build the offline lemmatizer (is spacy-lookups-data installed?): {exc}"
            ) from exc
    nlp.max_length = 10**9
    return nlp


@cache
def _trained_pipeline(name: str) -> Language:
    import spacy

    try:
        nlp = spacy.load(name)
    except OSError as exc:
        raise QdaError(
            f"spaCy pipeline {name!r} is not installed; install it as a package "
            "(see README, 'Trained spaCy pipelines') or remove it from the config"
        ) from exc
    nlp.max_length = 10**9
    return nlp


def get_pipeline(*, with_lemmas: bool = False, model: str | None = None) -> Language:
    """The configured pipeline: a trained one when configured, else the offline default."""
    name = model if model is not None else configured_model()
    with _lock:
        if name:
            return _trained_pipeline(name)
        return _blank_pipeline(with_lemmas)


def sentence_splitter() -> Language:
    """A fast pipeline that only splits sentences (the import path)."""
    with _lock:
        return _blank_pipeline(False)


def split_sentences(
    texts: Iterable[str], *, batch_size: int = 256
) -> Iterator[list[tuple[int, int]]]:
    """For each text, its sentences as ``(start, end)`` character offsets.

    Leading and trailing white space is trimmed from each sentence; empty ones are dropped.
    """
    nlp = sentence_splitter()
    for doc in nlp.pipe(texts, batch_size=batch_size):
        spans: list[tuple[int, int]] = []
        text = doc.text
        for sent in doc.sents:
            start = sent.start_char
            end = sent.end_char
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if end > start:
                spans.append((start, end))
        yield spans


def split_regions(
    texts: Iterable[str], regions: Iterable[list[tuple[int, int]]], *, batch_size: int = 64
) -> Iterator[list[tuple[int, int, int]]]:
    """Sentences of each text, cut at region (speaker-turn body) boundaries.

    Each text is tokenised once as a whole (much faster than one spaCy doc per turn);
    a sentence never crosses a region's edge, and text outside every region (speaker
    labels, blank lines) belongs to no sentence.  Yields, per text, a list of
    ``(start, end, region index)`` with white space trimmed and empty sentences dropped.
    """
    from spacy.attrs import IDX, SENT_START

    nlp = sentence_splitter()
    for doc, regs in zip(nlp.pipe(texts, batch_size=batch_size), regions, strict=True):
        text = doc.text
        arr = doc.to_array([SENT_START, IDX])
        starts: list[int] = arr[arr[:, 0] == 1, 1].tolist()
        out: list[tuple[int, int, int]] = []
        si = 0
        for ri, (lo, hi) in enumerate(regs):
            while si < len(starts) and starts[si] <= lo:
                si += 1
            cuts = [lo]
            j = si
            while j < len(starts) and starts[j] < hi:
                cuts.append(starts[j])
                j += 1
            cuts.append(hi)
            for a, b in itertools.pairwise(cuts):
                while a < b and text[a].isspace():
                    a += 1
                while b > a and text[b - 1].isspace():
                    b -= 1
                if b > a:
                    out.append((a, b, ri))
        yield out


def lemmatize(text: str) -> list[str]:
    """Lower-cased lookup lemmas of the alphabetic tokens of ``text``."""
    nlp = get_pipeline(with_lemmas=True)
    doc: Any = nlp(text.lower())
    return [t.lemma_ or t.text for t in doc if t.is_alpha]
