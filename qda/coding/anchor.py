"""Finding a quote in a document: exact, then whitespace- and case-insensitive, then fuzzy.

``locate(text, quote)`` returns ``(start, end, how, score)`` in code points of the
normalised text.  A quote found more than once is ambiguous unless ``occurrence``
(1-based) picks one; a quote not found, or found only below the fuzzy threshold, is
an error that says how close the best candidate came.
"""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz import fuzz

from qda.errors import AmbiguousError, InvalidInputError, NotFoundError

DEFAULT_THRESHOLD = 90.0
FUZZY_TIE = 5.0  # a second place within this many points makes a fuzzy match ambiguous
_WORDCHAR = re.compile(r"\w", re.UNICODE)
_MAX_LISTED = 5


def _clean(quote: str) -> str:
    q = unicodedata.normalize("NFC", quote or "")
    q = q.replace("\r\n", "\n").replace("\r", "\n").strip()
    # Terminals and copy-paste add typographic quotes around a selection; drop one pair.
    for a, b in (('"', '"'), ("“", "”"), ("'", "'"), ("‘", "’")):
        if len(q) > 2 and q.startswith(a) and q.endswith(b):
            q = q[1:-1].strip()
            break
    return q


def _all_exact(text: str, q: str) -> list[int]:
    out = []
    i = text.find(q)
    while i != -1:
        out.append(i)
        i = text.find(q, i + 1)
    return out


def _pick(
    spans: list[tuple[int, int]], occurrence: int | None, q: str, doc: str, how: str
) -> tuple[int, int]:
    if occurrence is not None:
        if not 1 <= occurrence <= len(spans):
            raise InvalidInputError(
                f"occurrence {occurrence} asked, but the quote occurs {len(spans)} times in {doc}"
            )
        return spans[occurrence - 1]
    if len(spans) == 1:
        return spans[0]
    where = ", ".join(str(s) for s, _ in spans[:_MAX_LISTED])
    more = "…" if len(spans) > _MAX_LISTED else ""
    raise AmbiguousError(
        f"quote {_short(q)!r} occurs {len(spans)} times in {doc} ({how}; at {where}{more}); "
        "give a longer quote, --occurrence N, or --start/--end"
    )


def _short(q: str, n: int = 60) -> str:
    q = " ".join(q.split())
    return q if len(q) <= n else q[: n - 1] + "…"


def _lower_same_length(text: str) -> str:
    low = text.lower()
    return low if len(low) == len(text) else text


def _snap(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a fuzzy hit to whole words and drop surrounding whitespace."""
    while start > 0 and _WORDCHAR.match(text[start - 1]) and _WORDCHAR.match(text[start]):
        start -= 1
    while end < len(text) and _WORDCHAR.match(text[end - 1]) and _WORDCHAR.match(text[end]):
        end += 1
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def locate(
    text: str,
    quote: str,
    *,
    doc: str = "the document",
    threshold: float = DEFAULT_THRESHOLD,
    occurrence: int | None = None,
) -> tuple[int, int, str, float]:
    """``(start, end, how, score)`` of ``quote`` in ``text``; see the module docstring."""
    q = _clean(quote)
    if not q:
        raise InvalidInputError("the quote is empty")
    if len(q) > len(text):
        raise NotFoundError(f"quote not found in {doc}: it is longer than the document")
    hits = _all_exact(text, q)
    if hits:
        s, e = _pick([(h, h + len(q)) for h in hits], occurrence, q, doc, "exactly")
        return s, e, "exact", 100.0
    words = q.split()
    pattern = re.compile(r"\s+".join(re.escape(w) for w in words), re.IGNORECASE)
    spans = [(m.start(), m.end()) for m in pattern.finditer(text)]
    if spans:
        s, e = _pick(spans, occurrence, q, doc, "ignoring case and spacing")
        return s, e, "normalised", 100.0
    hay = _lower_same_length(text)
    needle = " ".join(words).lower()
    best = fuzz.partial_ratio_alignment(needle, hay)
    if best is None or best.score < threshold:
        score = best.score if best is not None else 0.0
        raise NotFoundError(
            f"quote not found in {doc}: {_short(q)!r} (best match {score:.0f}% "
            f"< threshold {threshold:.0f}%)"
        )
    s, e = _snap(text, best.dest_start, best.dest_end)
    spans = [(s, e)]
    # A second place about as good (above the threshold, within FUZZY_TIE points)
    # makes the fuzzy match ambiguous.
    for lo, hi in ((0, best.dest_start), (best.dest_end, len(text))):
        if hi - lo < len(needle) // 2:
            continue
        other = fuzz.partial_ratio_alignment(needle, hay[lo:hi])
        if other is not None and other.score >= max(threshold, best.score - FUZZY_TIE):
            os_, oe = _snap(text, lo + other.dest_start, lo + other.dest_end)
            spans.append((os_, oe))
    spans.sort()
    if occurrence is None and len(spans) > 1:
        _pick(spans, None, q, doc, f"fuzzy, {best.score:.0f}%")
    s, e = _pick(spans, occurrence, q, doc, "fuzzy") if occurrence else (s, e)
    if e <= s:
        raise NotFoundError(f"quote not found in {doc}: {_short(q)!r}")
    return s, e, "fuzzy", round(float(best.score), 1)
