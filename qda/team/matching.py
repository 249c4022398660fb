"""Matching codes between two projects, and spotting the pairs a person must judge.

* Codes are the same when they share a UUID, else when their tree paths are equal
  ignoring case and spacing (:func:`path_key`).  Nothing else is ever merged.
* *Near-duplicates* (``pacing activity`` / ``pacing activities``, ``trust in GP`` /
  ``trusting the GP``) are found with rapidfuzz on normalised names (case folded,
  small words dropped, crude suffix stripping) and only listed for review.
* *Opposites* (``trust in GP`` / ``distrust of GP``, ``feeling difference`` /
  ``feeling no difference``) look alike to a fuzzy matcher but mean the reverse: they
  are flagged and never offered as near-duplicates.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

NEAR_DUPLICATE_SCORE = 85.0
_STOPWORDS = frozenset(
    ["a", "an", "the", "of", "in", "on", "at", "to", "for", "with", "about", "by", "from",
     "and", "or", "my", "his", "her", "their", "our", "your", "its", "into", "onto", "as"]
)  # fmt: skip
_NEGATORS = frozenset(
    ["not", "no", "never", "without", "lack", "lacking", "nobody", "nothing", "none",
     "absence", "absent", "non"]
)  # fmt: skip
_NEG_PREFIXES = ("dis", "un", "in", "im", "il", "ir", "non", "mis", "anti", "de")
_ANTONYMS = [
    ("positive", "negative"), ("good", "bad"), ("better", "worse"), ("more", "less"),
    ("increase", "decrease"), ("increasing", "decreasing"), ("high", "low"),
    ("help", "hinder"), ("helped", "hindered"), ("accept", "reject"),
    ("accepted", "rejected"), ("success", "failure"), ("hope", "despair"),
    ("hopeful", "hopeless"), ("with", "without"), ("present", "absent"),
    ("easy", "hard"), ("easy", "difficult"), ("gain", "loss"), ("improve", "worsen"),
    ("improving", "worsening"), ("optimism", "pessimism"), ("optimistic", "pessimistic"),
    ("love", "hate"), ("included", "excluded"), ("inclusion", "exclusion"),
    ("strong", "weak"), ("active", "passive"), ("confident", "unsure"),
    ("trust", "suspicion"), ("believed", "doubted"), ("believe", "doubt"),
    ("listened", "ignored"), ("valued", "dismissed"), ("before", "after"),
]  # fmt: skip
_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*", re.UNICODE)
_DIGITS = re.compile(r"\d+")


def norm(name: str) -> str:
    """Case- and space-insensitive form of a name (what path matching compares)."""
    return " ".join(unicodedata.normalize("NFKC", name).split()).casefold()


def path_key(parts: Sequence[str]) -> str:
    """The matching key of a tree path given as its names from the root."""
    return "/".join(norm(p) for p in parts)


def _stem(word: str) -> str:
    for suffix, repl in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: len(word) - len(suffix)] + repl
    return word


def tokens(name: str) -> list[str]:
    """Content words of a name, stemmed (negators kept: they carry the meaning)."""
    words = [w for w in _WORD.findall(norm(name)) if w not in _STOPWORDS]
    return [_stem(w) for w in words]


def fuzzy_form(name: str) -> str:
    return " ".join(tokens(name))


_ANTONYM_PAIRS = {frozenset((_stem(a), _stem(b))) for a, b in _ANTONYMS}


def _negated(a: str, b: str) -> bool:
    """``b`` is ``a`` with a negating prefix (or the other way round)."""
    for x, y in ((a, b), (b, a)):
        if len(x) >= 3:
            for p in _NEG_PREFIXES:
                if y == p + x or y == p + "-" + x:
                    return True
    return False


def are_opposites(a: str, b: str) -> bool:
    """Do two code names say opposite things (``trust in GP`` / ``distrust of GP``)?"""
    ta, tb = tokens(a), tokens(b)
    if not ta or not tb or ta == tb:
        return False
    if len(ta) == len(tb):
        diffs = [(x, y) for x, y in zip(ta, tb, strict=True) if x != y]
        if len(diffs) == 1:
            x, y = diffs[0]
            return _negated(x, y) or frozenset((x, y)) in _ANTONYM_PAIRS
        return False
    longer, shorter = (ta, tb) if len(ta) > len(tb) else (tb, ta)
    if len(longer) - len(shorter) != 1:
        return False
    for i, w in enumerate(longer):
        if w in _NEGATORS and longer[:i] + longer[i + 1 :] == shorter:
            return True
    return False


@dataclass(frozen=True)
class NamedCode:
    id: str
    path: str
    name: str


@dataclass(frozen=True)
class CodePair:
    """Two codes a person should look at: ``id``/``code`` here, ``other_*`` incoming."""

    id: str
    code: str
    other_id: str
    other_code: str
    score: float
    reason: str


def review_pairs(
    existing: Sequence[NamedCode],
    incoming: Sequence[NamedCode],
    *,
    threshold: float = NEAR_DUPLICATE_SCORE,
) -> tuple[list[CodePair], list[CodePair]]:
    """(near-duplicates, opposites) between ``incoming`` codes and ``existing`` ones.

    Pairs that are the same code (same id or same path) are not listed; names that
    differ only in a number (``code 1`` / ``code 11``) are not near-duplicates.
    """
    if not existing or not incoming:
        return [], []
    ex_forms = [fuzzy_form(c.name) for c in existing]
    in_forms = [fuzzy_form(c.name) for c in incoming]
    scores = process.cdist(in_forms, ex_forms, scorer=fuzz.ratio, score_cutoff=60, workers=1)
    near: list[CodePair] = []
    opposite: list[CodePair] = []
    for i, inc in enumerate(incoming):
        row = scores[i]
        for j in row.nonzero()[0]:
            ex = existing[int(j)]
            if ex.id == inc.id or path_key(ex.path.split("/")) == path_key(inc.path.split("/")):
                continue
            score = float(row[j])
            if are_opposites(ex.name, inc.name):
                opposite.append(
                    CodePair(ex.id, ex.path, inc.id, inc.path, round(score, 1), "opposites")
                )
                continue
            if score < threshold:
                continue
            if _DIGITS.findall(ex.name) != _DIGITS.findall(inc.name):
                continue
            reason = "same words" if ex_forms[j] == in_forms[i] else "similar names"
            near.append(CodePair(ex.id, ex.path, inc.id, inc.path, round(score, 1), reason))
    near.sort(key=lambda p: (-p.score, p.code, p.other_code))
    opposite.sort(key=lambda p: (p.code, p.other_code))
    return near, opposite
