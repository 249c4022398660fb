"""Agreement coefficients on weighted nominal rating patterns (no database here).

A *table* maps a rating pattern to a weight: the pattern is a tuple with one value per
coder (any hashable value; ``None`` = that coder did not rate the unit) and the weight
is how many units show exactly that pattern.  Counting patterns instead of listing
units is what makes character-level agreement over a million words cheap: a project
has millions of characters but only a handful of distinct patterns per code.

Arithmetic is exact (:class:`fractions.Fraction`); results are floats, or ``None``
when a coefficient is undefined (for example kappa when every rating is the same).

* :func:`percent_agreement` -- mean pairwise agreement over units every coder rated
  (for two coders: the share of units where they agree), as a percentage.
* :func:`cohen_kappa` -- two coders, units both rated (Cohen 1960).
* :func:`fleiss_kappa` -- any number of coders, units every coder rated (Fleiss 1971).
* :func:`krippendorff_alpha` -- nominal alpha, any number of coders, missing data
  allowed: every unit with at least two ratings counts (Krippendorff 2011).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from fractions import Fraction

Pattern = tuple[Hashable | None, ...]
Table = Mapping[Pattern, int]


def table_from_units(units: Sequence[Sequence[Hashable | None]]) -> dict[Pattern, int]:
    """A table from unit rows (one value per coder, ``None`` for missing)."""
    return dict(Counter(tuple(u) for u in units))


def _complete(table: Table) -> list[tuple[Pattern, int]]:
    return [(p, w) for p, w in table.items() if w and all(v is not None for v in p)]


def _width(table: Table) -> int:
    widths = {len(p) for p in table}
    if len(widths) > 1:
        raise ValueError("every pattern needs one value per coder")
    return widths.pop() if widths else 0


def _float(x: Fraction | None) -> float | None:
    return None if x is None else float(x)


def complete_units(table: Table) -> int:
    """How many units every coder rated."""
    return sum(w for _, w in _complete(table))


def pairable_units(table: Table) -> int:
    """How many units at least two coders rated (the units alpha uses)."""
    return sum(w for p, w in table.items() if sum(v is not None for v in p) >= 2)


def percent_agreement(table: Table) -> float | None:
    """Mean pairwise agreement over the units every coder rated, in percent."""
    m = _width(table)
    rows = _complete(table)
    n = sum(w for _, w in rows)
    if m < 2 or n == 0:
        return None
    pairs = m * (m - 1)
    total = Fraction(0)
    for p, w in rows:
        counts = Counter(p)
        agreeing = sum(c * (c - 1) for c in counts.values())
        total += Fraction(agreeing * w, pairs)
    return float(100 * total / n)


def cohen_kappa(table: Table) -> float | None:
    """Cohen's kappa for exactly two coders, over the units both rated."""
    if _width(table) != 2:
        raise ValueError("Cohen's kappa needs exactly two coders")
    rows = _complete(table)
    n = sum(w for _, w in rows)
    if n == 0:
        return None
    agree = sum(w for (a, b), w in rows if a == b)
    first: Counter[Hashable | None] = Counter()
    second: Counter[Hashable | None] = Counter()
    for (a, b), w in rows:
        first[a] += w
        second[b] += w
    po = Fraction(agree, n)
    pe = sum((Fraction(first[c] * second[c], n * n) for c in first), Fraction(0))
    if pe == 1:
        return None
    return _float((po - pe) / (1 - pe))


def fleiss_kappa(table: Table) -> float | None:
    """Fleiss' kappa over the units every coder rated (all units have m ratings)."""
    m = _width(table)
    rows = _complete(table)
    n = sum(w for _, w in rows)
    if m < 2 or n == 0:
        return None
    per_unit = Fraction(0)
    totals: Counter[Hashable | None] = Counter()
    for p, w in rows:
        counts = Counter(p)
        per_unit += w * Fraction(sum(c * c for c in counts.values()) - m, m * (m - 1))
        for value, c in counts.items():
            totals[value] += c * w
    p_bar = per_unit / n
    pe = sum((Fraction(t, n * m) ** 2 for t in totals.values()), Fraction(0))
    if pe == 1:
        return None
    return _float((p_bar - pe) / (1 - pe))


def krippendorff_alpha(table: Table) -> float | None:
    """Krippendorff's alpha for nominal data; missing ratings are ``None``.

    Built from the coincidence matrix: each unit with ``m_u >= 2`` ratings adds
    ``1 / (m_u - 1)`` for every ordered pair of its ratings.  Then
    ``alpha = 1 - (n - 1) * sum_{c != k} o_ck / sum_{c != k} n_c n_k``.
    """
    observed_disagreement = Fraction(0)
    n_c: Counter[Hashable] = Counter()
    for p, w in table.items():
        values = [v for v in p if v is not None]
        m_u = len(values)
        if m_u < 2 or not w:
            continue
        counts = Counter(values)
        # ordered pairs of different values within the unit
        different = m_u * m_u - sum(c * c for c in counts.values())
        observed_disagreement += Fraction(different * w, m_u - 1)
        for value, c in counts.items():
            n_c[value] += c * w
    n = sum(n_c.values())
    expected = n * n - sum(c * c for c in n_c.values())
    if n < 2 or expected == 0:
        return None
    return _float(1 - (n - 1) * observed_disagreement / expected)


def coefficients(table: Table) -> dict[str, float | int | None]:
    """Every coefficient that applies to ``table`` (Cohen only for two coders)."""
    m = _width(table)
    return {
        "percent_agreement": percent_agreement(table),
        "cohen_kappa": cohen_kappa(table) if m == 2 else None,
        "fleiss_kappa": fleiss_kappa(table),
        "krippendorff_alpha": krippendorff_alpha(table),
        "units": complete_units(table),
        "pairable_units": pairable_units(table),
    }
