"""Candidate segments for a code: BM25 over lemmas with a Rocchio query.

The query is Rocchio's relevance-feedback formula (Manning, Raghavan & Schütze 2008,
§9.1.1) with its textbook weights::

    q = 1.0 * q0 + 0.75 * mean(positives) - 0.15 * mean(rejected)

where ``q0`` is the code's own words (name, definition, inclusion criteria, example),
*positives* are the code's coded segments (accepted suggestions are codings too), and
*rejected* are the suggestions people turned down for this code.  Each text is a
vector of sublinear term frequencies (``1 + ln tf``), L2-normalised; BM25 supplies idf.
Negative weights stay in the query, so rejected wording pulls candidates down.

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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz import utils as fuzz_utils
from sqlalchemy import select
from sqlalchemy.orm import Session

from qda.db.models import Code, Coding, Document, Suggestion
from qda.suggest.index import UnitIndex
from qda.suggest.text import lemmatizer

ALPHA, BETA, GAMMA = 1.0, 0.75, 0.15
MAX_QUERY_TERMS = 100
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
    own = " ".join(x for x in (code.name, code.definition, code.inclusion, code.example) if x)
    coded = Spans()
    rejected_spans = Spans()
    pos_rows = s.execute(
        select(Coding.document_id, Coding.start, Coding.end, Coding.quote).where(
            Coding.code_id == code_id
        )
    ).all()
    rej_rows = s.execute(
        select(Suggestion.document_id, Suggestion.start, Suggestion.end).where(
            Suggestion.code_id == code_id, Suggestion.status == "rejected"
        )
    ).all()
    positives = []
    for did, st, en, quote in pos_rows:
        coded.add(str(did), st, en)
        positives.append((str(did), st, en, quote))
    docs_needed = {r[0] for r in rej_rows}
    texts = _doc_texts(s, docs_needed)
    rejected = []
    for did, st, en in rej_rows:
        rejected_spans.add(str(did), st, en)
        rejected.append((str(did), st, en, texts.get(str(did), "")[st:en]))
    return Feedback(
        code_id=str(code_id),
        code_name=code.name,
        own_text=own,
        positives=positives,
        rejected=rejected,
        coded=coded.finish(),
        rejected_spans=rejected_spans.finish(),
    )


def _doc_texts(s: Session, ids: Iterable[uuid.UUID | str]) -> dict[str, str]:
    want = [i if isinstance(i, uuid.UUID) else uuid.UUID(i) for i in ids]
    out: dict[str, str] = {}
    for i in range(0, len(want), 500):
        for did, text in s.execute(
            select(Document.id, Document.text).where(Document.id.in_(want[i : i + 500]))
        ):
            out[str(did)] = text
    return out


def _vector(idx: UnitIndex, text: str) -> dict[int, float]:
    counts = idx.term_vector(lemmatizer().lemmas(text))
    vec = {t: 1.0 + math.log(c) for t, c in counts.items()}
    norm = math.sqrt(sum(w * w for w in vec.values()))
    return {t: w / norm for t, w in vec.items()} if norm else {}


def _centroid(vectors: list[dict[int, float]]) -> dict[int, float]:
    out: dict[int, float] = defaultdict(float)
    vectors = [v for v in vectors if v]
    for v in vectors:
        for t, w in v.items():
            out[t] += w / len(vectors)
    return out


def build_query(idx: UnitIndex, fb: Feedback) -> dict[int, float]:
    """The Rocchio query (see the module docstring), at most ``MAX_QUERY_TERMS`` terms."""
    q: dict[int, float] = defaultdict(float)
    for t, w in _vector(idx, fb.own_text).items():
        q[t] += ALPHA * w
    for t, w in _centroid([_vector(idx, p[3]) for p in fb.positives]).items():
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
    scores = idx.score(q)
    if not include_interviewer:
        scores[idx.u_interviewer] = 0.0
    positive = np.flatnonzero(scores > 0)
    if positive.size == 0:
        return []
    order = positive[np.argsort(-scores[positive], kind="stable")]

    rejected_norm = [_norm_text(r[3]) for r in fb.rejected if r[3].strip()]
    kept: list[Candidate] = []
    kept_norm: list[str] = []
    dups: list[list[tuple[str, int, int]]] = []
    doc_text: dict[str, str] = {}
    pos = 0
    batch = max(4 * top, 50)
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
                (i for i, k in enumerate(kept_norm) if fuzz.ratio(norm, k) >= DUPLICATE_RATIO),
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
    return kept


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
