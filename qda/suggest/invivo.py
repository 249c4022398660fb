"""In-vivo candidates: salient phrases in a participant's own words.

For a selection, or for the participant's speech in a whole transcript, candidate
phrases are noun chunks when a trained spaCy pipeline with a parser is configured
(``spacy_model`` / ``QDA_SPACY_MODEL``), otherwise word n-grams (1 to 4 words, within
one sentence, not starting or ending with a stop word).  Each candidate is ranked by
the log-odds statistic of :mod:`qda.suggest.keyterms`: its count here against its
count in the project's other documents, with a prior from both.  A phrase inside a
better-ranked one with the same count is dropped.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import select

from qda.common import resolve_document
from qda.db.engine import Store
from qda.db.models import Document, Sentence, Turn
from qda.errors import InvalidInputError
from qda.nlp.pipeline import configured_model, get_pipeline
from qda.suggest.keyterms import log_odds
from qda.suggest.text import _HEDGE_BEFORE_OF, _TOKEN, lemmatizer, words
from qda.suggest.types import InvivoCandidate

MAX_N = 4
MAX_CHUNK = 6
_ANNOTATION = re.compile(r"\[[^\]\n]{0,40}\]?|^[^\[\n]{0,40}\]")

Phrase = tuple[str, ...]
#: Where a phrase cannot run on: punctuation, dashes and quote marks (an apostrophe
#: between letters is part of a word).
_BREAK = re.compile(r"""[,;:.!?"“”()\[\]…/]|--|[–—]|\s-\s|(?<![^\W\d_])['‘’]|['‘’](?![^\W\d_])""")
#: Hesitations: a phrase never runs through one ("Keith for, ooh, thirty").
FILLERS = frozenset(["um", "umm", "erm", "uh", "er", "ah", "oh", "ooh", "mm", "mmm", "hmm", "eh"])


def _is_stop(word: str) -> bool:
    return lemmatizer().lemma(word) is None


def _spans(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """``[lo, hi)`` cut around transcript annotations such as ``[laughs]``."""
    out = []
    pos = lo
    for m in _ANNOTATION.finditer(text, lo, hi):
        if m.start() > pos:
            out.append((pos, m.start()))
        pos = max(pos, m.end())
    if pos < hi:
        out.append((pos, hi))
    return out


def _clauses(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``spans`` cut at punctuation, dashes and quote marks (see ``_BREAK``)."""
    out = []
    for lo, hi in spans:
        pos = lo
        for m in _BREAK.finditer(text, lo, hi):
            if m.start() > pos:
                out.append((pos, m.start()))
            pos = m.end()
        if pos < hi:
            out.append((pos, hi))
    return out


def _ngrams(text: str, spans: list[tuple[int, int]]) -> dict[Phrase, list[tuple[int, int]]]:
    """Candidate n-grams with their occurrences (absolute offsets)."""
    out: dict[Phrase, list[tuple[int, int]]] = defaultdict(list)
    for lo, hi in _clauses(text, spans):
        toks = [(lo + a, lo + b, w) for a, b, w in words(text[lo:hi])]
        stops = [_is_stop(w) for _, _, w in toks]
        for i in range(len(toks) - 1):  # "sort of", "kind of": hedges
            if toks[i][2] in _HEDGE_BEFORE_OF and toks[i + 1][2] == "of":
                stops[i] = True
        for i in range(len(toks)):
            if stops[i]:
                continue
            for n in range(1, MAX_N + 1):
                j = i + n - 1
                if j >= len(toks) or toks[j][2] in FILLERS:
                    break
                if stops[j]:
                    continue
                if n == 1 and len(toks[i][2]) < 3:
                    continue
                gram = tuple(w for _, _, w in toks[i : j + 1])
                out[gram].append((toks[i][0], toks[j][1]))
    return out


def _chunks(
    nlp: Any, text: str, spans: list[tuple[int, int]]
) -> dict[Phrase, list[tuple[int, int]]]:
    """Noun chunks (leading and trailing stop words trimmed) with their occurrences."""
    out: dict[Phrase, list[tuple[int, int]]] = defaultdict(list)
    for (lo, _hi), doc in zip(spans, nlp.pipe(text[a:b] for a, b in spans), strict=True):
        for chunk in doc.noun_chunks:
            toks = [t for t in chunk if t.is_alpha]
            while toks and _is_stop(toks[0].lower_):
                toks = toks[1:]
            while toks and _is_stop(toks[-1].lower_):
                toks = toks[:-1]
            if not toks or len(toks) > MAX_CHUNK:
                continue
            gram = tuple(t.lower_ for t in toks)
            out[gram].append((lo + toks[0].idx, lo + toks[-1].idx + len(toks[-1].text)))
    return out


def _count_elsewhere(texts: list[str], wanted: set[Phrase]) -> tuple[Counter[Phrase], int]:
    """How often each wanted phrase occurs in ``texts`` (word sequences), and their size."""
    lengths = sorted({len(p) for p in wanted})
    firsts = {p[0] for p in wanted}
    counts: Counter[Phrase] = Counter()
    total = 0
    for text in texts:
        seq = _TOKEN.findall(text.lower())
        total += len(seq)
        for i, w in enumerate(seq):
            if w not in firsts:
                continue
            for n in lengths:
                g = tuple(seq[i : i + n])
                if g in wanted:
                    counts[g] += 1
    return counts, total


def _has_parser(nlp: Any) -> bool:
    return "parser" in nlp.pipe_names or "senter_parser" in nlp.pipe_names


def invivo_candidates(
    store: Store,
    doc_ref: str,
    *,
    start: int | None = None,
    end: int | None = None,
    top: int = 20,
    model: str | None = None,
) -> list[InvivoCandidate]:
    """Salient phrases of a selection (``start``-``end``) or of a whole transcript."""
    if (start is None) != (end is None):
        raise InvalidInputError("give both --start and --end, or neither")
    with store.read() as s:
        doc = resolve_document(s, doc_ref)
        text = doc.text
        if start is not None and end is not None and not (0 <= start < end <= len(text)):
            raise InvalidInputError(f"span {start}-{end} is outside {doc.name} (0-{len(text)})")
        speaker_is_interviewer: dict[int | None, bool] = dict(
            s.execute(select(Turn.idx, Turn.is_interviewer).where(Turn.document_id == doc.id)).all()
        )
        q = select(Sentence.start, Sentence.end, Sentence.turn_idx).where(
            Sentence.document_id == doc.id
        )
        if start is not None and end is not None:
            q = q.where(Sentence.start < end, Sentence.end > start)
        spoken = [
            (a, b)
            for a, b, ti in s.execute(q.order_by(Sentence.start))
            if not speaker_is_interviewer.get(ti, False)
        ]
        if start is not None and end is not None:
            # the participant's words in the selection (no speaker labels, no questions)
            regions = [(max(a, start), min(b, end)) for a, b in spoken if a < end and b > start]
            regions = regions or [(start, end)]
        else:
            regions = spoken
        others = list(s.scalars(select(Document.text).where(Document.id != doc.id)))
        doc_id: uuid.UUID = doc.id
    spans = [sp for a, b in regions for sp in _spans(text, a, b)]
    name = model if model is not None else configured_model()
    nlp = get_pipeline(model=name) if name else None
    found: dict[Phrase, list[tuple[int, int]]] = {}
    method = "noun-chunk"
    if nlp is not None and _has_parser(nlp):
        found = _chunks(nlp, text, spans)
    if not found:  # no trained parser (or it found no noun phrase): word n-grams
        method = "n-gram"
        found = _ngrams(text, spans)
    if not found:
        return []
    here = {g: len(occ) for g, occ in found.items()}
    elsewhere, n_other = _count_elsewhere(others, set(found))
    n_here = sum(len(words(text[a:b])) for a, b in spans)
    background = {g: float(here[g] + elsewhere.get(g, 0)) for g in found}
    scores = log_odds(
        here,
        elsewhere,
        background,
        n_group=max(n_here, 1),
        n_rest=max(n_other, 1),
        n_background=max(n_here + n_other, 1),
    )
    ranked = sorted(found, key=lambda g: (-scores[g].z, -len(g), found[g][0][0]))
    kept: list[Phrase] = []
    for g in ranked:
        if len(kept) >= top:
            break
        if any(_inside(g, k) and here[g] == here[k] for k in kept):
            continue
        kept.append(g)
    out = []
    for g in kept:
        a, b = found[g][0]
        out.append(
            InvivoCandidate(
                id=f"{doc_id}:{a}:{b}",
                phrase=text[a:b],
                score=round(scores[g].z, 3),
                count=here[g],
                rest=elsewhere.get(g, 0),
                document_id=str(doc_id),
                start=a,
                end=b,
                method=method,
                occurrences=sorted(found[g]),
            )
        )
    return out


def _inside(small: Phrase, big: Phrase) -> bool:
    if len(small) >= len(big):
        return False
    return any(big[i : i + len(small)] == small for i in range(len(big) - len(small) + 1))
