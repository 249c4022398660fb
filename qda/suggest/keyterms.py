"""Key terms: which words set a group of texts apart from the rest of the corpus.

The statistic is the log-odds ratio with an informative Dirichlet prior (Monroe,
Colaresi & Quinn 2008, "Fightin' Words", §3.5).  For a word *w*, with ``y_a`` its
count in the group (``n_a`` words), ``y_b`` in the rest (``n_b`` words) and a prior
``a_w = a0 * f_w`` drawn from the whole corpus (``f_w`` its share of all words; by
default ``a0`` is the corpus size, so ``a_w`` is the word's corpus count)::

    delta = ln((y_a + a_w) / (n_a + a0 - y_a - a_w)) - ln((y_b + a_w) / (n_b + a0 - y_b - a_w))
    z     = delta / sqrt(1 / (y_a + a_w) + 1 / (y_b + a_w))

The prior shrinks rare words towards the corpus (one mention is weak evidence) and
the z-score ranks by how sure we are, not only by how big the difference is.  The
same function ranks phrases for in-vivo candidates.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select

from qda.db.engine import Store
from qda.db.models import Coding
from qda.suggest import index as index_mod
from qda.suggest.text import lemmatizer
from qda.suggest.types import KeyTerm

#: Total pseudo-count of the prior (a0).  ``None``: the background counts themselves
#: (a0 = the corpus size), as in the common use of Monroe et al.'s method.
PRIOR_STRENGTH: float | None = None

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class LogOdds:
    delta: float
    z: float


def log_odds(
    group: Mapping[K, int],
    rest: Mapping[K, int],
    background: Mapping[K, float],
    *,
    prior_strength: float | None = PRIOR_STRENGTH,
    n_group: float | None = None,
    n_rest: float | None = None,
    n_background: float | None = None,
) -> dict[K, LogOdds]:
    """Monroe et al.'s z-scored log-odds of every word of ``group`` against ``rest``.

    ``background`` gives each word's count in the corpus the prior comes from.  The
    sizes (``n_group``, ``n_rest``, ``n_background``) default to the sums of the
    counts; give them when the mappings hold only some of the words.  Words absent
    from ``background`` get the smallest share seen.
    """
    n_a = float(sum(group.values()) if n_group is None else n_group)
    n_b = float(sum(rest.values()) if n_rest is None else n_rest)
    total_bg = float(sum(background.values()) if n_background is None else n_background) or 1.0
    floor = min((v for v in background.values() if v > 0), default=1.0) / total_bg
    a0 = total_bg if prior_strength is None else prior_strength
    out: dict[K, LogOdds] = {}
    for w, y_a in group.items():
        a_w = a0 * max(background.get(w, 0.0) / total_bg, floor)
        y_b = float(rest.get(w, 0))
        da = (y_a + a_w) / max(n_a + a0 - y_a - a_w, 1e-9)
        db = (y_b + a_w) / max(n_b + a0 - y_b - a_w, 1e-9)
        delta = math.log(da) - math.log(db)
        var = 1.0 / (y_a + a_w) + 1.0 / (y_b + a_w)
        out[w] = LogOdds(delta, delta / math.sqrt(var))
    return out


def keyterms(
    store: Store, code_ref: str, *, top: int = 30, descendants: bool = False
) -> list[KeyTerm]:
    """The lemmas most distinctive of a code's segments against the rest of the corpus."""
    from qda.coding.codetree import CodeTree

    idx = index_mod.get_index(store, "sentence")
    with store.read() as s:
        tree = CodeTree.load(s)
        node = tree.resolve(code_ref)
        ids = tree.subtree(node.id) if descendants else [node.id]
        quotes = list(s.scalars(select(Coding.quote).where(Coding.code_id.in_(ids))))
    lem = lemmatizer()
    group: Counter[str] = Counter()
    segments: Counter[str] = Counter()
    for q in quotes:
        words = lem.lemmas(q)
        group.update(words)
        segments.update(set(words))
    corpus = {t: int(c) for t, c in zip(idx.vocab, idx.cf.tolist(), strict=True)}
    rest = {w: max(corpus.get(w, 0) - c, 0) for w, c in group.items()}
    total = sum(corpus.values())
    scores = log_odds(
        group, rest, corpus, n_rest=max(total - sum(group.values()), 1), n_background=total
    )
    ranked = sorted(
        ((w, lo) for w, lo in scores.items() if lo.z > 0), key=lambda x: (-x[1].z, x[0])
    )
    return [
        KeyTerm(
            id=w,
            term=w,
            z=round(lo.z, 3),
            log_odds=round(lo.delta, 3),
            count=group[w],
            rest=rest.get(w, 0),
            segments=segments[w],
        )
        for w, lo in ranked[:top]
    ]
