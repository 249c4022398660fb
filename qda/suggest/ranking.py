"""Candidate segments for a code: BM25 over lemmas with a Rocchio query.

The query is Rocchio's relevance-feedback formula (Manning, Raghavan & Schütze 2008,
§9.1.1) with its textbook weights::

    q = 1.0 * q0 + 0.75 * mean(positives) - 0.15 * mean(rejected)

where ``q0`` is the code's own words (name, definition and inclusion criteria without
their meta-language such as *participant describes*, example),
*positives* are the code's coded segments (accepted suggestions are codings too), and
*rejected* are the suggestions people turned down for this code.  Each text is a
vector of sublinear term frequencies (``1 + ln tf``), L2-normalised; BM25 supplies idf.
Negative weights stay in the query, so rejected wording pulls candidates down.

A sentence is also judged by its local context (Fernández & Losada's finding that a
sentence's neighbours help sentence retrieval): to its own score is added
``CONTEXT_WEIGHT`` times the mean score of the up to ``CONTEXT_WINDOW`` sentences on
each side of it in the same speaker turn.  Only sentences with evidence of their own
(a positive score) are candidates; their context re-orders them, it never brings in a
sentence that matches nothing.  So "I listen to the World Service." in a turn about the
radio ranks below "She actually listened." in a turn about the physio.

In a semi-structured interview the question frames the answer, so a participant's
sentence also gets ``QUESTION_WEIGHT`` times the mean score of the sentences of the
interviewer turn just before its own turn (interviewer speech is scored for this even
though it is never a candidate).  This step was chosen on four hand-written answer keys
and then confirmed on two more written before it was run on them (see
``tests/test_suggest_precision.py``).

Candidates exclude interviewer speech (unless asked), units that overlap a segment
already coded with the code, and units of rejected suggestions; near-duplicates
(rapidfuzz ratio >= 90 on normalised text) collapse into the best-scoring one, and a
near-duplicate of a rejected suggestion is left out too.
"""

from __future__ import annotations

import bisect
import math
import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz import utils as fuzz_utils
from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session

from qda.db.models import Code, Coding, Document, Suggestion
from qda.suggest.index import UnitIndex
from qda.suggest.text import lemmatizer

ALPHA, BETA, GAMMA = 1.0, 0.75, 0.15
#: The meta-language of code definitions (like the "relevant document ... discussing"
#: words dropped from TREC topic statements): not what participants say.
DEFINITION_META = frozenset(
    str.split(
        """
    participant interviewee respondent informant describe description mention discuss
    report refer reference express account code coding segment passage statement include
    inclusion exclude exclusion example instance etc eg ie
    """
    )
)
MAX_QUERY_TERMS = 100
CONTEXT_WEIGHT = 0.5
CONTEXT_WINDOW = 2
QUESTION_WEIGHT = 1.0
DUPLICATE_RATIO = 90.0
METHOD = "bm25"


@dataclass
class Spans:
    """Spans per document with a fast overlap test (sorted starts, prefix max of ends)."""

    by_doc: dict[str, list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))
    _starts: dict[str, list[int]] = field(default_factory=dict)
    _max_end: dict[str, list[int]] = field(default_factory=dict)

    def add(self, doc: str, start: int, end: int) -> None:
        self.by_doc[doc].append((start, end))

    def finish(self) -> Spans:
        for doc, spans in self.by_doc.items():
            spans.sort()
            self._starts[doc] = [s for s, _ in spans]
            run, ends = 0, []
            for _, e in spans:
                run = max(run, e)
                ends.append(run)
            self._max_end[doc] = ends
        return self

    def overlaps(self, doc: str, start: int, end: int) -> bool:
        starts = self._starts.get(doc)
        if not starts:
            return False
        i = bisect.bisect_left(starts, end)  # spans [0, i) start before `end`
        return i > 0 and self._max_end[doc][i - 1] > start


@dataclass
class Feedback:
    """What the ranking learns from: the code's words, its segments, the rejected ones."""

    code_id: str
    code_name: str
    own_text: str
    positives: list[tuple[str, int, int, str]]  # (doc id, start, end, text)
    rejected: list[tuple[str, int, int, str]]
    coded: Spans
    rejected_spans: Spans


@dataclass(frozen=True)
class Candidate:
    unit: int
    document_id: str
    document: str
    participant: str
    start: int
    end: int
    text: str
    score: float
    terms: list[str]
    duplicates: list[tuple[str, int, int]]


def load_feedback(s: Session, code_id: uuid.UUID) -> Feedback:
    """Read a code's words, codings and rejected suggestions (texts included)."""
    code = s.get(Code, code_id)
    assert code is not None
    own = " ".join(
        [
            code.name,
            " ".join(
                w
                for w in lemmatizer().lemmas(f"{code.definition} {code.inclusion}")
                if w not in DEFINITION_META
            ),
            code.example,
        ]
    )
    coded = Spans()
    rejected_spans = Spans()
    # plain columns (no per-row uuid objects: a code may have thousands of codings)
    pos_rows = s.execute(
        select(
            type_coerce(Coding.document_id, String), Coding.start, Coding.end, Coding.quote
        ).where(Coding.code_id == code_id)
    ).all()
    rej_rows = [
        (_canon(r[0]), r[1], r[2])
        for r in s.execute(
            select(
                type_coerce(Suggestion.document_id, String), Suggestion.start, Suggestion.end
            ).where(Suggestion.code_id == code_id, Suggestion.status == "rejected")
        )
    ]
    positives = []
    for raw, st, en, quote in pos_rows:
        did = _canon(raw)
        coded.add(did, st, en)
        positives.append((did, st, en, quote))
    texts = _doc_texts(s, {r[0] for r in rej_rows})
    rejected = []
    for did, st, en in rej_rows:
        rejected_spans.add(did, st, en)
        rejected.append((did, st, en, texts.get(did, "")[st:en]))
    return Feedback(
        code_id=str(code_id),
        code_name=code.name,
        own_text=own,
        positives=positives,
        rejected=rejected,
        coded=coded.finish(),
        rejected_spans=rejected_spans.finish(),
    )


_CANON: dict[Any, str] = {}


def _canon(raw: Any) -> str:
    """A document id as ``str(uuid)``, from a driver's raw value (memoised)."""
    got = _CANON.get(raw)
    if got is None:
        got = str(raw) if isinstance(raw, uuid.UUID) else str(uuid.UUID(str(raw)))
        if len(_CANON) > 100_000:
            _CANON.clear()
        _CANON[raw] = got
    return got


def _doc_texts(s: Session, ids: Iterable[uuid.UUID | str]) -> dict[str, str]:
    want = [i if isinstance(i, uuid.UUID) else uuid.UUID(i) for i in ids]
    out: dict[str, str] = {}
    for i in range(0, len(want), 500):
        for did, text in s.execute(
            select(Document.id, Document.text).where(Document.id.in_(want[i : i + 500]))
        ):
            out[str(did)] = text
    return out


def _normalise(counts: dict[int, int]) -> dict[int, float]:
    vec = {t: 1.0 + math.log(c) for t, c in counts.items() if c > 0}
    norm = math.sqrt(sum(w * w for w in vec.values()))
    return {t: w / norm for t, w in vec.items()} if norm else {}


def _vector(idx: UnitIndex, text: str) -> dict[int, float]:
    return _normalise(idx.term_vector(lemmatizer().lemmas(text)))


def _centroid(vectors: list[dict[int, float]]) -> dict[int, float]:
    out: dict[int, float] = defaultdict(float)
    vectors = [v for v in vectors if v]
    for v in vectors:
        for t, w in v.items():
            out[t] += w / len(vectors)
    return out


def _segments_centroid(
    idx: UnitIndex, segments: list[tuple[str, int, int, str]]
) -> dict[int, float]:
    """Mean of the coded segments' normalised vectors.  Segments that are whole units
    are summed from the index in one numpy pass (a code can have thousands); the others
    are tokenized."""
    if not segments:
        return {}
    docs = np.array([idx.doc_index.get(d, -1) for d, _s, _e, _t in segments], dtype=np.int64)
    starts = np.array([x[1] for x in segments], dtype=np.int64)
    ends = np.array([x[2] for x in segments], dtype=np.int64)
    total, n_exact, exact = idx.whole_unit_vectors(docs, starts, ends)
    others = [_vector(idx, seg[3]) for seg, ok in zip(segments, exact.tolist(), strict=True)
              if not ok]  # fmt: skip
    others = [v for v in others if v]
    n = n_exact + len(others)
    if n == 0:
        return {}
    out = {int(t): float(total[t]) for t in np.flatnonzero(total)}
    for v in others:
        for t, w in v.items():
            out[t] = out.get(t, 0.0) + w
    return {t: w / n for t, w in out.items()}


def build_query(idx: UnitIndex, fb: Feedback) -> dict[int, float]:
    """The Rocchio query (see the module docstring), at most ``MAX_QUERY_TERMS`` terms."""
    q: dict[int, float] = defaultdict(float)
    for t, w in _vector(idx, fb.own_text).items():
        q[t] += ALPHA * w
    for t, w in _segments_centroid(idx, fb.positives).items():
        q[t] += BETA * w
    for t, w in _centroid([_vector(idx, r[3]) for r in fb.rejected]).items():
        q[t] -= GAMMA * w
    items = sorted(((t, w) for t, w in q.items() if w != 0.0), key=lambda x: -abs(x[1]))
    return dict(items[:MAX_QUERY_TERMS])


def _norm_text(text: str) -> str:
    return fuzz_utils.default_process(re.sub(r"\[[^\]]{0,40}\]", " ", text))


def rank(
    idx: UnitIndex,
    fb: Feedback,
    texts: Callable[[Iterable[str]], dict[str, str]],
    *,
    top: int = 10,
    include_interviewer: bool = False,
    query: dict[int, float] | None = None,
) -> list[Candidate]:
    """The ``top`` best candidates for the code (see the module docstring).

    ``texts`` returns document texts by id (only the documents of the best units are
    asked for).
    """
    q = build_query(idx, fb) if query is None else query
    if not q or top <= 0:
        return []
    scores = with_context(idx, idx.score(q))
    if not include_interviewer:
        scores[idx.u_interviewer] = 0.0
    positive = np.flatnonzero(scores > 0)
    if positive.size == 0:
        return []
    k = top * 20 + len(fb.positives) + len(fb.rejected)

    rejected_norm = [_norm_text(r[3]) for r in fb.rejected if r[3].strip()]
    kept: list[Candidate] = []
    kept_norm: list[str] = []
    dups: list[list[tuple[str, int, int]]] = []
    doc_text: dict[str, str] = {}
    batch = max(4 * top, 50)
    for order in _best_first(scores, positive, k):
        pos = 0
        while pos < len(order) and len(kept) < top:
            chunk = order[pos : pos + batch]
            pos += batch
            need = {idx.doc_ids[int(idx.u_doc[u])] for u in chunk} - doc_text.keys()
            if need:
                doc_text.update(texts(need))
            for u in chunk.tolist():
                did = idx.doc_ids[int(idx.u_doc[u])]
                st, en = int(idx.u_start[u]), int(idx.u_end[u])
                if fb.coded.overlaps(did, st, en) or fb.rejected_spans.overlaps(did, st, en):
                    continue
                text = doc_text.get(did, "")[st:en]
                norm = _norm_text(text)
                if any(fuzz.ratio(norm, r) >= DUPLICATE_RATIO for r in rejected_norm):
                    continue
                dup_of = next(
                    (
                        i
                        for i, kn in enumerate(kept_norm)
                        if fuzz.ratio(norm, kn) >= DUPLICATE_RATIO
                    ),
                    None,
                )
                if dup_of is not None:
                    dups[dup_of].append((did, st, en))
                    continue
                if len(kept) >= top:
                    continue  # still collapsing duplicates of the kept ones in this chunk
                kept_norm.append(norm)
                dups.append([])
                kept.append(_candidate(idx, q, u, did, st, en, text, float(scores[u]), dups[-1]))
        if len(kept) >= top:
            break
    return kept


def with_context(idx: UnitIndex, scores: np.ndarray) -> np.ndarray:
    """Sentence scores plus ``CONTEXT_WEIGHT`` x the mean score of their neighbours in
    the same turn and ``QUESTION_WEIGHT`` x the mean score of the interviewer turn just
    before theirs (see the module docstring); other units and non-matching sentences
    are left as they are."""
    if idx.unit != "sentence" or scores.size == 0:
        return scores
    if CONTEXT_WEIGHT == 0 and QUESTION_WEIGHT == 0:
        return scores
    n = scores.size
    total = np.zeros(n, dtype=np.float64)
    count = np.zeros(n, dtype=np.int32)
    group = idx.u_group
    for d in range(1, CONTEXT_WINDOW + 1):
        if d >= n:
            break
        same = group[d:] == group[:-d]  # unit i and unit i + d share a turn
        total[:-d] += np.where(same, scores[d:], 0.0)
        count[:-d] += same
        total[d:] += np.where(same, scores[:-d], 0.0)
        count[d:] += same
    ctx = np.divide(total, count, out=np.zeros(n, dtype=np.float64), where=count > 0)
    ctx *= CONTEXT_WEIGHT
    if QUESTION_WEIGHT:
        ctx += QUESTION_WEIGHT * _question_scores(idx, scores)
    own = scores > 0
    out = scores.astype(np.float64)
    out[own] += ctx[own]
    return out.astype(np.float32)


def _question_scores(idx: UnitIndex, scores: np.ndarray) -> np.ndarray:
    """Per sentence, the mean score of the interviewer turn right before its turn in
    the same document (0 where there is none, and for interviewer sentences)."""
    n = scores.size
    group, doc, iv = idx.u_group, idx.u_doc, idx.u_interviewer
    # units are in reading order, so a turn is a run of equal groups; the unit before
    # a run's first unit ends the turn before it
    first = np.ones(n, dtype=bool)
    first[1:] = (group[1:] != group[:-1]) | (doc[1:] != doc[:-1])
    run_start = np.maximum.accumulate(np.where(first, np.arange(n), 0))
    before = run_start - 1
    asks = before >= 0
    asks[asks] &= iv[before[asks]] & (doc[before[asks]] == doc[asks]) & ~iv[asks]
    if not asks.any():
        return np.zeros(n, dtype=np.float64)
    size = int(group.max()) + 1
    total = np.bincount(group, weights=scores.astype(np.float64), minlength=size)
    count = np.bincount(group, minlength=size)
    mean = np.divide(total, count, out=np.zeros(size, dtype=np.float64), where=count > 0)
    out = np.zeros(n, dtype=np.float64)
    out[asks] = mean[group[before[asks]]]
    return out


def _best_first(scores: np.ndarray, units: np.ndarray, k: int) -> Iterator[np.ndarray]:
    """``units`` by score, best first, in chunks: the best ``k`` (ties in text order),
    then, only if the caller walks that far, all the others."""
    if units.size > 4 * k:
        part = np.argpartition(-scores[units], k)
        head = units[np.sort(part[:k])]
        yield head[np.argsort(-scores[head], kind="stable")]
        tail = units[np.sort(part[k:])]
        yield tail[np.argsort(-scores[tail], kind="stable")]
    else:
        yield units[np.argsort(-scores[units], kind="stable")]


def _candidate(
    idx: UnitIndex,
    q: dict[int, float],
    u: int,
    did: str,
    st: int,
    en: int,
    text: str,
    score: float,
    dups: list[tuple[str, int, int]],
) -> Candidate:
    terms = idx.unit_terms(u)
    matched = sorted(
        (t for t in terms if q.get(t, 0.0) > 0), key=lambda t: -q[t] * float(idx.idf[t])
    )
    d = int(idx.u_doc[u])
    return Candidate(
        unit=u,
        document_id=did,
        document=idx.doc_names[d],
        participant=idx.doc_participants[d],
        start=st,
        end=en,
        text=text,
        score=round(score, 4),
        terms=[idx.vocab[t] for t in matched],
        duplicates=dups,
    )
