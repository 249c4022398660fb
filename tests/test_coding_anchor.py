"""Finding a quote in a document: exact, normalised, fuzzy, ambiguous, absent."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qda.coding.anchor import locate
from qda.errors import AmbiguousError, InvalidInputError, NotFoundError

TEXT = (
    "Interviewer: What was different?\n\n"
    "P01: From the very first appointment. She sat down next to me, not behind the desk, "
    "and she said, \u201cBefore we look at your back, tell me what a good day looks like.\u201d "
    "Nobody had ever asked me that. In twelve years. Caf\u00e9 chats helped. 👍🏽 Honestly.\n"
)


def test_exact_match_gives_code_point_offsets() -> None:
    s, e, how, score = locate(TEXT, "Nobody had ever asked me that.")
    assert TEXT[s:e] == "Nobody had ever asked me that." and (how, score) == ("exact", 100.0)
    s, e, _, _ = locate(TEXT, "👍🏽 Honestly")
    assert TEXT[s:e] == "👍🏽 Honestly"


def test_quotes_are_normalised_before_matching() -> None:
    # NFD input, surrounding typographic quotes, line breaks and case differences.
    s, e, how, _ = locate(TEXT, "\u201cCafe\u0301 chats helped.\u201d")
    assert TEXT[s:e] == "Caf\u00e9 chats helped." and how == "exact"
    s, e, how, _ = locate(TEXT, "she SAT down\r\nnext to me")
    assert TEXT[s:e] == "She sat down next to me" and how == "normalised"


def test_fuzzy_match_snaps_to_whole_words() -> None:
    s, e, how, score = locate(TEXT, "tell me what a gud day looks like")
    assert how == "fuzzy" and 90 <= score < 100
    assert TEXT[s:e] == "tell me what a good day looks like"
    with pytest.raises(NotFoundError, match="best match"):
        locate(TEXT, "we talked about the weather and football", doc="P01")
    s, e, _, _ = locate(TEXT, "tell me what a gud day", threshold=50)
    assert TEXT[s:e].startswith("tell me what a good day")


def test_repeated_quotes_are_ambiguous_unless_an_occurrence_is_chosen() -> None:
    text = "I felt heard. Then later, I felt heard again."
    with pytest.raises(AmbiguousError, match=r"occurs 2 times in P9 .* at 0, 26"):
        locate(text, "I felt heard", doc="P9")
    s, _, _, _ = locate(text, "I felt heard", occurrence=2)
    assert s == 26
    with pytest.raises(InvalidInputError):
        locate(text, "I felt heard", occurrence=3)
    doubled = "alpha beta gamma delta. " * 2 + "epsilon"
    with pytest.raises(AmbiguousError, match="fuzzy"):
        locate(doubled, "alpha betta gamma delta")


def test_empty_or_oversized_quotes_are_refused() -> None:
    with pytest.raises(InvalidInputError):
        locate(TEXT, "   ")
    with pytest.raises(NotFoundError):
        locate("short", "much longer than the text itself")


@settings(max_examples=60, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("ab cdé\n👍🏽ñ.")), min_size=5, max_size=80),
    st.data(),
)
def test_a_unique_substring_is_found_exactly_where_it_is(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    quote = text[start:end]
    if not quote.strip() or quote != quote.strip() or text.count(quote) != 1:
        return
    s, e, how, _ = locate(text, quote)
    assert (s, e, how) == (start, end, "exact")
