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

import json
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from qda.db.engine import Store, is_url
from qda.errors import InvalidInputError
from qda.suggest.index_source import content_key, forget_keys, load_source
from qda.suggest.text import _HEDGE_BEFORE_OF, _TOKEN, _lower_keep_length, lemmatizer

UNITS = ("sentence", "turn")
K1 = 1.2
#: BM25's length normalisation per unit.  Turns vary in length like documents do
#: (0.75, the usual value); sentences are short and alike, and normalising them
#: makes a formula such as "Thanks for listening." outrank a sentence that says more
#: with the same word (the short-sentence bias TF-IDF shows here), so none (0).
B_BY_UNIT = {"sentence": 0.0, "turn": 0.75}
_FORMAT = 4

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
    u_group: np.ndarray
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
    doc_lo: list[int] = field(init=False)

    def __post_init__(self) -> None:
        n = max(len(self.u_doc), 1)
        df = self.df.astype(np.float64)
        self.idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)
        self.term_ids = {t: i for i, t in enumerate(self.vocab)}
        self.doc_index = {d: i for i, d in enumerate(self.doc_ids)}
        # units are in reading order, grouped by document: document d is doc_lo[d]:doc_lo[d+1]
        bounds = np.arange(len(self.doc_ids) + 1, dtype=self.u_doc.dtype)
        self.doc_lo = self.u_doc.searchsorted(bounds, side="left").tolist()

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
            self.u_doc, self.u_start, self.u_end, self.u_interviewer, self.u_len, self.u_group,
            self.p_ptr,
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
            "postings": len(self.p_unit),
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
        return np.arange(self.doc_lo[d], self.doc_lo[d + 1])

    def whole_unit_vectors(
        self, docs: np.ndarray, starts: np.ndarray, ends: np.ndarray
    ) -> tuple[np.ndarray, int, np.ndarray]:
        """For spans ``(doc number, start, end)``: which are exactly one or more whole
        units of their document (white space between units aside), and the sum of those
        spans' vectors (``1 + ln tf``, L2-normalised each), all in numpy.

        Returns ``(sum over the vocabulary, spans with a non-empty vector, exact mask)``.
        """
        v = max(len(self.vocab), 1)
        n = len(self.u_start)
        total = np.zeros(len(self.vocab), dtype=np.float64)
        ok = docs >= 0
        if n == 0:
            return total, 0, ok & False
        key = self._unit_keys()
        lo = np.searchsorted(key, (docs << 32) | starts, side="left")
        hi = np.searchsorted(key, (docs << 32) | ends, side="left")
        a = np.minimum(lo, n - 1)
        b1 = np.clip(hi - 1, 0, n - 1)
        ok &= hi > lo
        ok &= (self.u_start[a] == starts) & (self.u_end[b1] == ends)
        ok &= (self.u_doc[a] == docs) & (self.u_doc[b1] == docs)
        seg = np.flatnonzero(ok)
        if seg.size == 0:
            return total, 0, ok
        p0, p1 = self.f_ptr[lo[seg]], self.f_ptr[hi[seg]]
        lengths = (p1 - p0).astype(np.int64)
        if int(lengths.sum()) == 0:
            return total, 0, ok
        owner = np.repeat(np.arange(seg.size, dtype=np.int64), lengths)
        offs = np.arange(int(lengths.sum()), dtype=np.int64) - np.repeat(
            np.cumsum(lengths) - lengths, lengths
        )
        pos = np.repeat(p0, lengths) + offs
        pairs, inv = np.unique(owner * v + self.f_term[pos], return_inverse=True)
        counts = np.bincount(inv, weights=self.f_tf[pos].astype(np.float64))
        w = 1.0 + np.log(counts)
        who = pairs // v
        norms = np.sqrt(np.bincount(who, weights=w * w, minlength=seg.size))
        w /= norms[who]
        np.add.at(total, pairs % v, w)
        return total, int(np.count_nonzero(norms)), ok

    def _unit_keys(self) -> np.ndarray:
        """``doc << 32 | start`` of every unit: sorted, for finding spans in one search."""
        keys: np.ndarray | None = getattr(self, "_keys_cache", None)
        if keys is None:
            keys = (self.u_doc.astype(np.int64) << 32) | self.u_start.astype(np.int64)
            self._keys_cache = keys
        return keys

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
            "meta": np.array(json.dumps({"format": _FORMAT, "key": self.key, "unit": self.unit})),
            "doc_ids": np.array(self.doc_ids, dtype=str),
            "doc_names": np.array(self.doc_names, dtype=str),
            "doc_participants": np.array(self.doc_participants, dtype=str),
            "vocab": np.array(self.vocab, dtype=str),
            "u_doc": self.u_doc,
            "u_start": self.u_start,
            "u_end": self.u_end,
            "u_interviewer": self.u_interviewer,
            "u_len": self.u_len,
            "u_group": self.u_group,
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


def build_indexes(store: Store, key: str | None = None) -> dict[str, UnitIndex]:
    """Tokenize every sentence once; build the sentence index and the turn index.

    A turn's words are its sentences' words (sentences never cross a turn's edge);
    each sentence knows its turn (``u_group``), for scoring a sentence in its context.
    Units are in reading order (documents as listed, then by offset).
    """
    key = key or content_key(store, _FORMAT)
    docs, per_doc, turn_rows = load_source(store)
    turn_of: dict[tuple[int, int], int] = {}
    t_doc: list[int] = []
    t_start: list[int] = []
    t_end: list[int] = []
    t_iv: list[bool] = []
    for d, tidx, body, end, iv in turn_rows:
        turn_of[(d, tidx)] = len(t_doc)
        t_doc.append(d)
        t_start.append(body)
        t_end.append(end)
        t_iv.append(bool(iv))

    lem = lemmatizer()
    vocab: list[str] = []
    term_of_lemma: dict[str, int] = {}
    word_term: dict[str, int] = {}  # surface word -> term id, -1 for a stop word

    def resolve(w: str) -> int:
        lm = lem.lemma(w)
        t = -1
        if lm is not None:
            t = term_of_lemma.get(lm, -1)
            if t < 0:
                t = len(vocab)
                vocab.append(lm)
                term_of_lemma[lm] = t
        word_term[w] = t
        return t

    n = sum(len(x) for x in per_doc)
    u_doc = np.empty(n, dtype=np.int32)
    u_start = np.empty(n, dtype=np.int32)
    u_end = np.empty(n, dtype=np.int32)
    u_group = np.empty(n, dtype=np.int32)
    tok_terms: list[int] = []
    tok_counts = np.zeros(n, dtype=np.int64)
    findall = _TOKEN.findall
    get = word_term.get
    u = 0
    for d, sents in enumerate(per_doc):
        text = docs[d][3]
        low = text.lower() if len(text.lower()) == len(text) else _lower_keep_length(text)
        for start, end, tidx in sents:
            u_doc[u] = d
            u_start[u] = start
            u_end[u] = end
            g = turn_of.get((d, tidx)) if tidx is not None else None
            if g is None:  # a sentence outside every turn is a turn of its own
                g = len(t_doc)
                t_doc.append(d)
                t_start.append(start)
                t_end.append(end)
                t_iv.append(False)
            u_group[u] = g
            words = findall(low, start, end)
            ids = [get(w, -2) for w in words]
            if -2 in ids:
                ids = [resolve(w) if i == -2 else i for w, i in zip(words, ids, strict=True)]
            if "of" in words and ("sort" in words or "kind" in words):
                for i in range(len(words) - 1):  # "sort of", "kind of": hedges
                    if words[i] in _HEDGE_BEFORE_OF and words[i + 1] == "of":
                        ids[i] = -1
            kept = [i for i in ids if i >= 0]
            tok_terms.extend(kept)
            tok_counts[u] = len(kept)
            u += 1

    terms = np.asarray(tok_terms, dtype=np.int64)
    tok_sent = np.repeat(np.arange(n, dtype=np.int64), tok_counts)
    iv_arr = np.asarray(t_iv, dtype=np.bool_)
    sentence = _assemble(
        key=key, unit="sentence", docs=docs, vocab=vocab, u_doc=u_doc, u_start=u_start,
        u_end=u_end, u_iv=iv_arr[u_group] if n else np.zeros(0, np.bool_), u_group=u_group,
        tok_terms=terms, tok_units=tok_sent,
    )  # fmt: skip
    nt = len(t_doc)
    turn = _assemble(
        key=key, unit="turn", docs=docs, vocab=vocab, u_doc=np.asarray(t_doc, np.int32),
        u_start=np.asarray(t_start, np.int32), u_end=np.asarray(t_end, np.int32), u_iv=iv_arr,
        u_group=np.arange(nt, dtype=np.int32), tok_terms=terms,
        tok_units=u_group.astype(np.int64)[tok_sent],
    )  # fmt: skip
    return {"sentence": sentence, "turn": turn}


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
    u_group: np.ndarray,
    tok_terms: np.ndarray,
    tok_units: np.ndarray,
) -> UnitIndex:
    n = len(u_doc)
    v = max(len(vocab), 1)
    pairs, tf = np.unique(tok_units * v + tok_terms, return_counts=True)  # unit-major
    f_unit = (pairs // v).astype(np.int64)
    f_term = (pairs % v).astype(np.int32)
    f_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(f_unit, minlength=n), out=f_ptr[1:])
    u_len = np.bincount(tok_units, minlength=n).astype(np.float32)
    avgdl = float(u_len.mean()) if n and u_len.sum() > 0 else 1.0
    tf32 = tf.astype(np.float32)
    b = B_BY_UNIT[unit]
    norm = K1 * (1.0 - b + b * u_len[f_unit] / avgdl)
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
        u_group=u_group,
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
    key = content_key(store, _FORMAT)
    with _cache_lock:
        idx = _cache.get((store.target, unit))
    if idx is not None and idx.key == key:
        return idx
    path = sidecar_path(store.target, unit) if use_sidecar else None
    idx = UnitIndex.load(path, key, unit) if path is not None and path.exists() else None
    if idx is not None:
        with _cache_lock:
            _cache[(store.target, unit)] = idx
        return idx
    built = build_indexes(store, key)
    with _cache_lock:
        for u, ix in built.items():
            _cache[(store.target, u)] = ix
    for u, ix in built.items():
        p = sidecar_path(store.target, u) if use_sidecar else None
        if p is not None:
            ix.save(p)
    return built[unit]


def forget(target: str | None = None) -> None:
    """Drop in-process indexes and remembered keys (of one project, or all)."""
    with _cache_lock:
        for k in [k for k in _cache if target is None or k[0] == target]:
            del _cache[k]
    forget_keys(target)


def remove_sidecars(target: str) -> list[Path]:
    """Delete a project's index files (they are a cache; rebuilt when needed)."""
    forget(target)
    gone = []
    for unit in UNITS:
        p = sidecar_path(target, unit)
        if p is not None and p.exists():
            p.unlink()
            gone.append(p)
    return gone
