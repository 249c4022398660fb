"""Agreement coefficients against published worked examples and a naive implementation."""

from __future__ import annotations

import random
from collections.abc import Hashable, Sequence
from fractions import Fraction
from itertools import permutations

import pytest

from qda.team import stats

N = None
Rows = Sequence[Sequence[Hashable | None]]


# -- published worked examples -----------------------------------------------------


def test_krippendorff_2011_nominal_with_missing_data() -> None:
    """Krippendorff (2011) "Computing Krippendorff's alpha-reliability", section C:
    4 observers, 12 units, nominal, missing values: alpha = 0.743."""
    a = [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N]
    b = [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3]
    c = [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N]
    d = [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N]
    table = stats.table_from_units(list(zip(a, b, c, d, strict=True)))
    alpha = stats.krippendorff_alpha(table)
    assert alpha is not None and round(alpha, 3) == 0.743
    # the exact value, 113/152 = 0.74342..., pair by pair from the coincidence matrix
    exact = naive_alpha(list(zip(a, b, c, d, strict=True)))
    assert exact == Fraction(113, 152)
    assert alpha == pytest.approx(float(exact), abs=1e-12)
    assert stats.pairable_units(table) == 11  # unit 12 has one value only


FLEISS_1971 = [  # Table 1 of Fleiss (1971): 30 patients, 6 raters, 5 diagnoses (counts)
    (0, 0, 0, 6, 0), (0, 3, 0, 0, 3), (0, 1, 4, 0, 1), (0, 0, 0, 0, 6), (0, 3, 0, 3, 0),
    (2, 0, 4, 0, 0), (0, 0, 4, 0, 2), (2, 0, 3, 1, 0), (2, 0, 0, 4, 0), (0, 0, 0, 0, 6),
    (1, 0, 0, 5, 0), (1, 1, 0, 4, 0), (0, 3, 3, 0, 0), (1, 0, 0, 5, 0), (0, 2, 0, 3, 1),
    (0, 0, 5, 0, 1), (3, 0, 0, 1, 2), (5, 1, 0, 0, 0), (0, 2, 0, 4, 0), (1, 0, 2, 0, 3),
    (0, 0, 0, 0, 6), (0, 1, 0, 5, 0), (0, 2, 0, 1, 3), (2, 0, 0, 4, 0), (1, 0, 0, 4, 1),
    (0, 5, 0, 1, 0), (4, 0, 0, 0, 2), (0, 2, 0, 4, 0), (1, 0, 5, 0, 0), (0, 0, 0, 0, 6),
]  # fmt: skip


def _fleiss_units(counts: Sequence[Sequence[int]]) -> list[list[int]]:
    units = []
    for row in counts:
        unit = [cat for cat, n in enumerate(row) for _ in range(n)]
        units.append(unit)
    return units


def test_fleiss_1971_psychiatric_diagnoses() -> None:
    """Fleiss (1971): kappa = .430; per category .245 .245 .520 .471 .566."""
    units = _fleiss_units(FLEISS_1971)
    assert all(len(u) == 6 for u in units)
    kappa = stats.fleiss_kappa(stats.table_from_units(units))
    assert kappa is not None and round(kappa, 3) == 0.430
    assert kappa == pytest.approx(float(naive_fleiss(units)), abs=1e-12)
    per_category = []
    for cat in range(5):
        binary = [[int(v == cat) for v in u] for u in units]
        k = stats.fleiss_kappa(stats.table_from_units(binary))
        assert k is not None
        per_category.append(round(k, 3))
    assert per_category == [0.245, 0.245, 0.520, 0.471, 0.566]


def test_fleiss_wikipedia_example() -> None:
    """The 10-subject, 14-rater example (Wikipedia, "Fleiss' kappa"): kappa = 0.210."""
    counts = [
        (0, 0, 0, 0, 14), (0, 2, 6, 4, 2), (0, 0, 3, 5, 6), (0, 3, 9, 2, 0), (2, 2, 8, 1, 1),
        (7, 7, 0, 0, 0), (3, 2, 6, 3, 0), (2, 5, 3, 2, 2), (6, 5, 2, 1, 0), (0, 2, 2, 3, 7),
    ]  # fmt: skip
    kappa = stats.fleiss_kappa(stats.table_from_units(_fleiss_units(counts)))
    assert kappa is not None and round(kappa, 3) == 0.210


def test_cohen_1960_table_1() -> None:
    """Cohen (1960), Table 1: 200 units, 3 categories, p_o = .70, p_c = .41, kappa = .492."""
    cells = [[88, 14, 18], [10, 40, 10], [2, 6, 12]]
    table = {(i, j): cells[i][j] for i in range(3) for j in range(3)}
    kappa = stats.cohen_kappa(table)
    assert kappa is not None and round(kappa, 3) == 0.492
    assert kappa == pytest.approx(0.29 / 0.59, abs=1e-12)
    assert stats.percent_agreement(table) == pytest.approx(70.0, abs=1e-12)


def test_cohen_textbook_yes_no() -> None:
    """The 50-proposal example (Wikipedia, "Cohen's kappa"): p_o = 0.7, p_e = 0.5, 0.4."""
    table = {("y", "y"): 20, ("y", "n"): 5, ("n", "y"): 10, ("n", "n"): 15}
    assert stats.cohen_kappa(table) == pytest.approx(0.4, abs=1e-12)


def test_undefined_cases_are_none() -> None:
    all_same = {(1, 1): 10}
    assert stats.cohen_kappa(all_same) is None
    assert stats.krippendorff_alpha(all_same) is None
    assert stats.fleiss_kappa(all_same) is None
    assert stats.percent_agreement(all_same) == 100.0
    assert stats.krippendorff_alpha({(1, None): 3}) is None
    assert stats.coefficients({})["percent_agreement"] is None
    with pytest.raises(ValueError):
        stats.cohen_kappa({(1, 1, 1): 1})


# -- an independent, straightforward implementation -------------------------------


def naive_percent(units: Rows) -> Fraction:
    complete = [u for u in units if all(v is not None for v in u)]
    total = Fraction(0)
    for u in complete:
        pairs = list(permutations(range(len(u)), 2))
        total += Fraction(sum(u[i] == u[j] for i, j in pairs), len(pairs))
    return 100 * total / len(complete)


def naive_cohen(units: Rows) -> Fraction:
    complete = [u for u in units if u[0] is not None and u[1] is not None]
    n = len(complete)
    cats = {v for u in complete for v in u}
    po = Fraction(sum(1 for a, b in complete if a == b), n)
    pe = Fraction(0)
    for c in cats:
        pe += Fraction(sum(1 for a, _ in complete if a == c), n) * Fraction(
            sum(1 for _, b in complete if b == c), n
        )
    return (po - pe) / (1 - pe)


def naive_fleiss(units: Rows) -> Fraction:
    complete = [u for u in units if all(v is not None for v in u)]
    n, m = len(complete), len(complete[0])
    cats = sorted({v for u in complete for v in u}, key=repr)
    p_i = []
    for u in complete:
        counts = [sum(1 for v in u if v == c) for c in cats]
        p_i.append(Fraction(sum(x * (x - 1) for x in counts), m * (m - 1)))
    p_bar = sum(p_i, Fraction(0)) / n
    p_j = [Fraction(sum(1 for u in complete for v in u if v == c), n * m) for c in cats]
    pe = sum((p * p for p in p_j), Fraction(0))
    return (p_bar - pe) / (1 - pe)


def naive_alpha(units: Rows) -> Fraction:
    """Coincidences pair by pair: o[c][k] += 1/(m_u - 1) for each ordered pair."""
    o: dict[tuple[Hashable, Hashable], Fraction] = {}
    for u in units:
        vals = [v for v in u if v is not None]
        m = len(vals)
        if m < 2:
            continue
        for i in range(m):
            for j in range(m):
                if i != j:
                    key = (vals[i], vals[j])
                    o[key] = o.get(key, Fraction(0)) + Fraction(1, m - 1)
    cats = {c for c, _ in o}
    n_c = {c: sum((o.get((c, k), Fraction(0)) for k in cats), Fraction(0)) for c in cats}
    n = sum(n_c.values(), Fraction(0))
    d_o = sum((o.get((c, k), Fraction(0)) for c in cats for k in cats if c != k), Fraction(0))
    d_e = sum((n_c[c] * n_c[k] for c in cats for k in cats if c != k), Fraction(0))
    return 1 - (n - 1) * d_o / d_e


@pytest.mark.parametrize("seed", range(40))
def test_random_data_matches_naive(seed: int) -> None:
    rng = random.Random(seed)
    coders = rng.randint(2, 5)
    cats = rng.randint(2, 4)
    missing = rng.choice([0.0, 0.1, 0.3])
    units = []
    for _ in range(rng.randint(5, 80)):
        truth = rng.randrange(cats)
        row = [
            None
            if rng.random() < missing
            else (truth if rng.random() < 0.7 else rng.randrange(cats))
            for _ in range(coders)
        ]
        units.append(row)
    table = stats.table_from_units(units)
    complete = [u for u in units if all(v is not None for v in u)]
    if complete and len({v for u in complete for v in u}) > 1:
        assert stats.percent_agreement(table) == pytest.approx(
            float(naive_percent(units)), abs=1e-9
        )
        assert stats.fleiss_kappa(table) == pytest.approx(float(naive_fleiss(units)), abs=1e-9)
    if coders == 2:
        pairs = [u for u in units if None not in u]
        if pairs and len({u[0] for u in pairs}) > 1:
            assert stats.cohen_kappa(table) == pytest.approx(float(naive_cohen(units)), abs=1e-9)
    pairable = [u for u in units if sum(v is not None for v in u) >= 2]
    if pairable and len({v for u in pairable for v in u if v is not None}) > 1:
        assert stats.krippendorff_alpha(table) == pytest.approx(float(naive_alpha(units)), abs=1e-9)
