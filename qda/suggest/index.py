"""A lemma index of a project's sentences or speaker turns, scored with BM25.

Built once per project state and cached twice: in this process (keyed by project and
unit) and in a sidecar file beside a ``.qda`` project (``study.qda.suggest-sentence.npz``,
owner-only like the project), both keyed by a content hash of the documents, their
units and the tokenizer.  Any import changes the hash and the index is rebuilt.

The sidecar holds numbers and the lemma vocabulary, never pickles: it is read with
``allow_pickle=False``, and a damaged or foreign file is simply rebuilt.

Layout (numpy arrays): units ``u_doc, u_start, u_end, u_interviewer, u_len``; postings
by term ``p_ptr[t]:p_ptr[t+1]`` into ``p_unit`` / ``p_w`` (the BM25 tf part of each
posting, precomputed); the forward index by unit ``f_ptr[u]:f_ptr[u+1]`` into
``f_term`` / ``f_tf``; per term ``df`` and ``cf`` (document and collection frequency).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, select

from qda.db.engine import Store, is_url
from qda.db.models import Document, Participant, Sentence, Turn
from qda.errors import InvalidInputError
from qda.suggest.text import _HEDGE_BEFORE_OF, _TOKEN, TOKENIZER_VERSION, lemmatizer

UNITS = ("sentence", "turn")
K1 = 1.2
B = 0.75
_FORMAT = 1

_cache: dict[tuple[str, str], UnitIndex] = {}
_cache_lock = threading.Lock()


@dataclass
class UnitIndex:
    """The BM25 index of one project's units (see the module docstring)."""

    key: str
    unit: str
    doc_ids: list[str]
    doc_names: list[str]
    doc_participants: list[str]
    vocab: list[str]
    u_doc: np.ndarray
    u_start: np.ndarray
    u_end: np.ndarray
    u_interviewer: np.ndarray
    u_len: np.ndarray
    p_ptr: np.ndarray
    p_unit: np.ndarray
    p_w: np.ndarray
    f_ptr: np.ndarray
    f_term: np.ndarray
    f_tf: np.ndarray
    df: np.ndarray
    cf: np.ndarray
    idf: np.ndarray = field(init=False)
    term_ids: dict[str, int] = field(init=False)
    doc_index: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        n = max(len(self.u_doc), 1)
        df = self.df.astype(np.float64)
        self.idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)
        self.term_ids = {t: i for i, t in enumerate(self.vocab)}
        self.doc_index = {d: i for i, d in enumerate(self.doc_ids)}

    # -- facts ----------------------------------------------------------------------
    @property
    def n_units(self) -> int:
        return len(self.u_doc)

    @property
    def n_tokens(self) -> int:
        return int(self.u_len.sum())

    def nbytes(self) -> int:
        """Memory held by the arrays (the Python vocabulary and dicts come on top)."""
        arrays = (
            self.u_doc, self.u_start, self.u_end, self.u_interviewer, self.u_len, self.p_ptr,
            self.p_unit, self.p_w, self.f_ptr, self.f_term, self.f_tf, self.df, self.cf,
            self.idf,
        )  # fmt: skip
        return int(sum(a.nbytes for a in arrays))

    def stats(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "key": self.key,
            "units": self.n_units,
            "documents": len(self.doc_ids),
            "terms": len(self.vocab),
            "postings": int(len(self.p_unit)),
            "tokens": self.n_tokens,
            "array_mb": round(self.nbytes() / 1e6, 2),
        }

    # -- scoring --------------------------------------------------------------------
    def score(self, query: dict[int, float]) -> np.ndarray:
        """BM25 score of every unit for a weighted query ``{term id: weight}``.

        Weights may be negative (terms learnt from rejected suggestions subtract).
        """
        scores = np.zeros(self.n_units, dtype=np.float32)
        for t, w in query.items():
            a, b = int(self.p_ptr[t]), int(self.p_ptr[t + 1])
            if a == b or w == 0.0:
                continue
            # a term's postings hold each unit once, so fancy-index += is exact.
            scores[self.p_unit[a:b]] += np.float32(w * float(self.idf[t])) * self.p_w[a:b]
        return scores

    def unit_terms(self, u: int) -> dict[int, int]:
        a, b = int(self.f_ptr[u]), int(self.f_ptr[u + 1])
        return dict(zip(self.f_term[a:b].tolist(), self.f_tf[a:b].tolist(), strict=True))

    def units_of_doc(self, doc_id: str) -> np.ndarray:
        """Unit numbers of one document, in text order."""
        d = self.doc_index.get(doc_id)
        if d is None:
            return np.zeros(0, dtype=np.int64)
        return np.flatnonzero(self.u_doc == d)

    def term_vector(self, lemmas: Iterable[str]) -> dict[int, int]:
        """Counts of the known terms among ``lemmas`` (unknown lemmas are ignored)."""
        out: dict[int, int] = {}
        for lem in lemmas:
            t = self.term_ids.get(lem)
            if t is not None:
                out[t] = out.get(t, 0) + 1
        return out

    # -- persistence ----------------------------------------------------------------
    def _arrays(self) -> dict[str, np.ndarray]:
        return {
            "meta": np.array(
                json.dumps({"format": _FORMAT, "key": self.key, "unit": self.unit})
            ),
            "doc_ids": np.array(self.doc_ids, dtype=str),
            "doc_names": np.array(self.doc_names, dtype=str),
            "doc_participants": np.array(self.doc_participants, dtype=str),
            "vocab": np.array(self.vocab, dtype=str),
            "u_doc": self.u_doc,
            "u_start": self.u_start,
            "u_end": self.u_end,
            "u_interviewer": self.u_interviewer,
            "u_len": self.u_len,
            "p_ptr": self.p_ptr,
            "p_unit": self.p_unit,
            "p_w": self.p_w,
            "f_ptr": self.f_ptr,
            "f_term": self.f_term,
            "f_tf": self.f_tf,
            "df": self.df,
            "cf": self.cf,
        }

    def save(self, path: Path) -> None:
        """Write atomically, readable by the owner only; errors are ignored (a cache)."""
        tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as fh:
                np.savez(fh, **self._arrays())  # type: ignore[arg-type]
            os.replace(tmp, path)
        except OSError:
            tmp.unlink(missing_ok=True)

    @classmethod
    def load(cls, path: Path, key: str, unit: str) -> UnitIndex | None:
        """The sidecar's index if it is ours and current, else ``None``."""
        try:
            with np.load(path, allow_pickle=False) as z:
                meta = json.loads(str(z["meta"]))
                if meta != {"format": _FORMAT, "key": key, "unit": unit}:
                    return None
                data = {k: z[k] for k in z.files if k != "meta"}
            return cls(
                key=key,
                unit=unit,
                doc_ids=[str(x) for x in data.pop("doc_ids")],
                doc_names=[str(x) for x in data.pop("doc_names")],
                doc_participants=[str(x) for x in data.pop("doc_participants")],
                vocab=[str(x) for x in data.pop("vocab")],
                **data,
            )
        except (OSError, ValueError, KeyError, TypeError, json.JSONDecodeError):
            return None


# -- building ---------------------------------------------------------------------------


def content_key(store: Store, unit: str) -> str:
    """A hash of everything the index depends on: documents, units, tokenizer."""
    with store.read() as s:
        docs = s.execute(select(Document.id, Document.sha256).order_by(Document.id)).all()
        model: Any = Sentence if unit == "sentence" else Turn
        count, top = s.execute(select(func.count(), func.max(model.id))).one()
    h = hashlib.sha256()
    h.update(f"{TOKENIZER_VERSION}|{_FORMAT}|{unit}|{count}|{top}|".encode())
    for did, sha in docs:
        h.update(f"{did.hex}:{sha};".encode())
    return h.hexdigest()


def _load_units(store: Store, unit: str) -> tuple[list[tuple[str, str, str, str]], list[Any]]:
    """Documents ``(id, name, participant, text)`` and unit rows ``(doc, start, end, iv)``."""
    with store.read() as s:
        docs = s.execute(
            select(Document.id, Document.name, Participant.name, Document.text)
            .outerjoin(Participant, Participant.id == Document.participant_id)
            .order_by(Document.position, Document.name, Document.id)
        ).all()
        if unit == "sentence":
            rows = s.execute(
                select(
                    Sentence.document_id,
                    Sentence.start,
                    Sentence.end,
                    func.coalesce(Turn.is_interviewer, False),
                )
                .outerjoin(
                    Turn,
                    (Turn.document_id == Sentence.document_id) & (Turn.idx == Sentence.turn_idx),
                )
                .order_by(Sentence.document_id, Sentence.start)
            ).all()
        else:
            rows = s.execute(
                select(Turn.document_id, Turn.body_start, Turn.end, Turn.is_interviewer).order_by(
                    Turn.document_id, Turn.start
                )
            ).all()
    return [(str(d[0]), d[1], d[2] or "", d[3]) for d in docs], list(rows)


def build_index(store: Store, unit: str = "sentence", key: str | None = None) -> UnitIndex:
    """Tokenize every unit of the project and build the BM25 arrays."""
    if unit not in UNITS:
        raise InvalidInputError(f"unknown unit {unit!r}: use sentence or turn")
    key = key or content_key(store, unit)
    docs, rows = _load_units(store, unit)
    doc_pos = {uuid.UUID(d[0]): i for i, d in enumerate(docs)}
    texts = [d[3] for d in docs]

    lem = lemmatizer()
    vocab: list[str] = []
    term_of_lemma: dict[str, int] = {}
    word_term: dict[str, int] = {}  # surface word -> term id, -1 for a stop word

    n = len(rows)
    u_doc = np.empty(n, dtype=np.int32)
    u_start = np.empty(n, dtype=np.int32)
    u_end = np.empty(n, dtype=np.int32)
    u_iv = np.empty(n, dtype=np.bool_)
    tok_terms: list[int] = []
    tok_counts = np.zeros(n, dtype=np.int64)
    finditer = _TOKEN.findall
    hedges = _HEDGE_BEFORE_OF
    for u, (did, start, end, iv) in enumerate(rows):
        d = doc_pos[did]
        u_doc[u] = d
        u_start[u] = start
        u_end[u] = end
        u_iv[u] = bool(iv)
        words = finditer(texts[d][start:end].lower())
        before = len(tok_terms)
        for i, w in enumerate(words):
            t = word_term.get(w)
            if t is None:
                lm = lem.lemma(w)
                if lm is None:
                    t = -1
                else:
                    t = term_of_lemma.get(lm, -1)
                    if t < 0:
                        t = len(vocab)
                        vocab.append(lm)
                        term_of_lemma[lm] = t
                word_term[w] = t
            if t < 0:
                continue
            if w in hedges and i + 1 < len(words) and words[i + 1] == "of":
                continue
            tok_terms.append(t)
        tok_counts[u] = len(tok_terms) - before

    return _assemble(
        key=key,
        unit=unit,
        docs=docs,
        vocab=vocab,
        u_doc=u_doc,
        u_start=u_start,
        u_end=u_end,
        u_iv=u_iv,
        tok_terms=np.asarray(tok_terms, dtype=np.int64),
        tok_counts=tok_counts,
    )


def _assemble(
    *,
    key: str,
    unit: str,
    docs: list[tuple[str, str, str, str]],
    vocab: list[str],
    u_doc: np.ndarray,
    u_start: np.ndarray,
    u_end: np.ndarray,
    u_iv: np.ndarray,
    tok_terms: np.ndarray,
    tok_counts: np.ndarray,
) -> UnitIndex:
    n = len(u_doc)
    v = max(len(vocab), 1)
    tok_units = np.repeat(np.arange(n, dtype=np.int64), tok_counts)
    pairs, tf = np.unique(tok_units * v + tok_terms, return_counts=True)  # unit-major
    f_unit = (pairs // v).astype(np.int64)
    f_term = (pairs % v).astype(np.int32)
    f_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(f_unit, minlength=n), out=f_ptr[1:])
    u_len = tok_counts.astype(np.float32)
    avgdl = float(u_len.mean()) if n and u_len.sum() > 0 else 1.0
    tf32 = tf.astype(np.float32)
    norm = K1 * (1.0 - B + B * u_len[f_unit] / avgdl)
    w_fwd = (tf32 * (K1 + 1.0) / (tf32 + norm)).astype(np.float32)
    order = np.argsort(f_term, kind="stable")  # term-major, units ascending within a term
    p_unit = f_unit[order].astype(np.int32)
    p_w = w_fwd[order]
    df = np.bincount(f_term, minlength=len(vocab)).astype(np.int32)
    cf = np.bincount(f_term, weights=tf, minlength=len(vocab)).astype(np.int64)
    p_ptr = np.zeros(len(vocab) + 1, dtype=np.int64)
    np.cumsum(df, out=p_ptr[1:])
    return UnitIndex(
        key=key,
        unit=unit,
        doc_ids=[d[0] for d in docs],
        doc_names=[d[1] for d in docs],
        doc_participants=[d[2] for d in docs],
        vocab=vocab,
        u_doc=u_doc,
        u_start=u_start,
        u_end=u_end,
        u_interviewer=u_iv,
        u_len=u_len,
        p_ptr=p_ptr,
        p_unit=p_unit,
        p_w=p_w,
        f_ptr=f_ptr,
        f_term=f_term,
        f_tf=np.minimum(tf, np.iinfo(np.uint16).max).astype(np.uint16),
        df=df,
        cf=cf,
    )


def sidecar_path(target: str, unit: str) -> Path | None:
    """Where a file project keeps its index cache; ``None`` for a database URL."""
    if is_url(target):
        return None
    return Path(f"{target}.suggest-{unit}.npz")


def get_index(store: Store, unit: str = "sentence", *, use_sidecar: bool = True) -> UnitIndex:
    """The project's current index: from memory, else the sidecar, else built (and saved)."""
    if unit not in UNITS:
        raise InvalidInputError(f"unknown unit {unit!r}: use sentence or turn")
    key = content_key(store, unit)
    ck = (store.target, unit)
    with _cache_lock:
        idx = _cache.get(ck)
    if idx is not None and idx.key == key:
        return idx
    path = sidecar_path(store.target, unit) if use_sidecar else None
    idx = UnitIndex.load(path, key, unit) if path is not None and path.exists() else None
    if idx is None:
        idx = build_index(store, unit, key)
        if path is not None:
            idx.save(path)
    with _cache_lock:
        _cache[ck] = idx
    return idx


def forget(target: str | None = None) -> None:
    """Drop in-process indexes (of one project, or all)."""
    with _cache_lock:
        for k in [k for k in _cache if target is None or k[0] == target]:
            del _cache[k]
