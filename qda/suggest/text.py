"""Words for the suggestion index: lower-cased lookup lemmas, interview stop words.

The index needs the same lemmas as the offline spaCy pipeline (``spacy.blank("en")`` +
a lookup lemmatizer, lower-cased text) but at index-building speed (1M words in well
under a second), so it reads the same lookup table (``spacy-lookups-data``) and applies
it to a regular-expression tokenizer, caching each surface word's result.

Stop words are spaCy's English list, minus words that carry meaning in interviews
about bodies and care (*back*, *side*, *down*, *up*, *off*...), plus the fillers and
hedges of speech (*um*, *er*, *yeah*, *like*, *know*, *sort of*, *kind of*, *you know*,
*I mean*) and transcript annotations (*[laughs]*, *[pause]*).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from functools import cache

#: Bumped whenever tokenizing, lemmas or stop words change (it is part of the cache key).
TOKENIZER_VERSION = "1"

#: Words spaCy's list drops that interviews about pain and care need.
KEEP = frozenset({"back", "side", "down", "up", "off", "front", "bottom", "top", "move", "serious"})

#: Fillers, hedges and annotations of transcribed speech.
SPEECH_STOP = frozenset(
    str.split(
        """
    um umm uh uhm uh-huh er erm err ah ahh aw oh ooh eh mm mmm mhm hm hmm huh
    yeah yeh yep yup yes okay ok alright like know mean gonna wanna gotta dunno
    cos coz cause actually basically literally honestly obviously probably maybe
    bit lot thing stuff right sorry laughs laugh laughing laughter pause pauses
    inaudible crosstalk sighs sigh coughs unclear
    """
    )
)

_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_CLITICS = {"s", "ve", "re", "d", "ll", "m", "t"}
# "sort of", "kind of": hedges, but "sort" and "kind" alone are words.
_HEDGE_BEFORE_OF = frozenset({"sort", "kind"})

_lock = threading.Lock()


@cache
def stop_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    base = {w.replace("’", "'").replace("‘", "'") for w in STOP_WORDS}
    return frozenset((base - KEEP) | SPEECH_STOP)


class Lemmatizer:
    """Surface word -> lemma (or ``None`` for a stop word), cached per word."""

    def __init__(self) -> None:
        from spacy.lookups import load_lookups

        self._table = load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")
        self._stop = stop_words()
        self._cache: dict[str, str | None] = {}

    def lemma(self, word: str) -> str | None:
        """``word`` must be lower-cased; ``None`` when it (or its lemma) is a stop word."""
        hit = self._cache.get(word, "")
        if hit != "":
            return hit
        base = word
        if "'" in base or "’" in base:
            head, _, tail = base.replace("’", "'").partition("'")
            if tail in _CLITICS:
                if tail == "t" and head.endswith("n"):
                    head = head[:-1]
                base = head
            else:
                base = head + tail
        result: str | None
        if not base or base in self._stop:
            result = None
        else:
            lem = self._table.get(base, base)
            result = None if lem in self._stop else lem
        self._cache[word] = result
        return result

    def tokens(self, text: str) -> Iterator[tuple[int, int, str]]:
        """``(start, end, lemma)`` of the content words of ``text`` (offsets into ``text``)."""
        low = text.lower() if _same_length_lower(text) else _lower_keep_length(text)
        prev = ""
        for m in _TOKEN.finditer(low):
            word = m.group()
            if word == "of" and prev in _HEDGE_BEFORE_OF:
                prev = word
                continue
            prev = word
            lem = self.lemma(word)
            if lem is not None:
                yield m.start(), m.end(), lem

    def lemmas(self, text: str) -> list[str]:
        """The content lemmas of ``text`` in order ("sort of" and "kind of" dropped)."""
        out: list[str] = []
        low = text.lower() if _same_length_lower(text) else _lower_keep_length(text)
        words = _TOKEN.findall(low)
        lemma = self.lemma
        for i, word in enumerate(words):
            if word in _HEDGE_BEFORE_OF and i + 1 < len(words) and words[i + 1] == "of":
                continue
            lem = lemma(word)
            if lem is not None:
                out.append(lem)
        return out


def _same_length_lower(text: str) -> bool:
    return text.isascii() or len(text.lower()) == len(text)


def _lower_keep_length(text: str) -> str:
    """Lower case, one character for one (so offsets stay valid)."""
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


_shared: Lemmatizer | None = None


def lemmatizer() -> Lemmatizer:
    """The process-wide :class:`Lemmatizer` (its word cache is shared)."""
    global _shared
    with _lock:
        if _shared is None:
            _shared = Lemmatizer()
        return _shared


def words(text: str) -> list[tuple[int, int, str]]:
    """Every word of ``text`` (stop words too), lower-cased, with offsets: for phrases."""
    low = text.lower() if _same_length_lower(text) else _lower_keep_length(text)
    return [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(low)]
