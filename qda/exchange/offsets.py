"""Selection offsets between REFI-QDA files and qda's stored text.

qda stores a document's text decoded, BOM stripped, line endings as ``\\n`` and in
NFC; offsets are code points into that text.  The standard says REFI offsets are
zero-based code points, end exclusive — but NVivo counts UTF-16 code units (an emoji
counts 2), and a CRLF counts 2 in NVivo for Windows while ATLAS.ti and MAXQDA count
it as 1.  A :class:`Scheme` says how one file counts; an :class:`OffsetMap` turns its
offsets into indices of the stored text, and :func:`units_for` goes the other way
(for writing NVivo-style files).
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass

from qda.documents.text import DecodeError, decode

ASTRAL = re.compile("[\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class Scheme:
    units: str  # "codepoints" or "utf16"
    crlf: int  # how many units one CRLF counts: 1 or 2

    @property
    def label(self) -> str:
        return f"{'UTF-16 units' if self.units == 'utf16' else 'code points'}, CRLF={self.crlf}"


STANDARD = Scheme("codepoints", 2)  # the standard read literally: code points of the file
ATLAS = Scheme("codepoints", 1)
NVIVO = Scheme("utf16", 2)
SCHEMES = (STANDARD, ATLAS, NVIVO, Scheme("utf16", 1))


def default_scheme(origin: str) -> Scheme:
    """How a file probably counts, from its ``origin`` attribute."""
    o = origin.lower()
    if "nvivo" in o:
        return NVIVO
    if "atlas" in o or "maxqda" in o:
        return ATLAS
    return STANDARD


def decode_source(data: bytes) -> str:
    """A source's text as written (one BOM stripped, line endings kept); may raise
    :class:`~qda.documents.text.DecodeError`.  UTF-8 as the standard says, else detected."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DecodeError("invalid UTF-8 after a UTF-8 byte-order mark") from exc
    if not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    text, _ = decode(data)
    return text


class OffsetError(ValueError):
    pass


class OffsetMap:
    """Offsets of one source (as counted by ``scheme``) -> indices of the stored text."""

    def __init__(self, raw: str, scheme: Scheme) -> None:
        self.scheme = scheme
        collapsed = raw.replace("\r\n", "\n").replace("\r", "\n")
        self.text = unicodedata.normalize("NFC", collapsed)
        nfc_same = self.text == collapsed
        counts_astral = scheme.units == "utf16" and ASTRAL.search(raw) is not None
        self._mode = "general"
        if nfc_same and not counts_astral:
            if "\r" not in raw:
                self._mode, self.total = "identity", len(raw)
                return
            if scheme.crlf == 1:  # units are exactly indices of the collapsed text
                self._mode, self.total = "identity", len(collapsed)
                return
            self._mode = "crlf2"
            self._cr = [m.start() for m in re.finditer("\r\n", raw)]
            self.total = len(raw)
            return
        self._build_general(raw, collapsed, nfc_same)

    def _build_general(self, raw: str, collapsed: str, nfc_same: bool) -> None:
        utf16 = self.scheme.units == "utf16"
        starts: list[int] = []
        cols: list[int] = []
        u = 0
        c = 0
        n = len(raw)
        i = 0
        while i < n:
            ch = raw[i]
            starts.append(u)
            cols.append(c)
            if ch == "\r" and i + 1 < n and raw[i + 1] == "\n":
                u += self.scheme.crlf - 1  # the CR; the LF follows
            elif ch == "\r":
                u += 1
                c += 1
            else:
                u += 2 if utf16 and ord(ch) > 0xFFFF else 1
                c += 1
            i += 1
        starts.append(u)
        cols.append(c)
        self._starts, self._cols = starts, cols
        self.total = u
        self._nfc_floor: list[int] | None = None
        self._nfc_ceil: list[int] | None = None
        if not nfc_same:
            floor: list[int] = []
            ceil: list[int] = []
            pieces: list[str] = []
            pos = 0
            k = 0
            while k < len(collapsed):
                j = k + 1
                while j < len(collapsed) and unicodedata.combining(collapsed[j]):
                    j += 1
                piece = unicodedata.normalize("NFC", collapsed[k:j])
                pieces.append(piece)
                floor.extend([pos] * (j - k))
                ceil.extend([pos] + [pos + len(piece)] * (j - k - 1))
                pos += len(piece)
                k = j
            floor.append(pos)
            ceil.append(pos)
            if "".join(pieces) != self.text:
                raise OffsetError("cannot map offsets through Unicode normalisation")
            self._nfc_floor, self._nfc_ceil = floor, ceil

    def to_index(self, u: int, *, end: bool = False) -> int:
        """The stored-text index of offset ``u`` (a start rounds down, an end up)."""
        if u < 0 or u > self.total:
            raise OffsetError(f"offset {u} is outside the text (0-{self.total})")
        if self._mode == "identity":
            return u
        if self._mode == "crlf2":
            return u - bisect.bisect_left(self._cr, u)
        k = bisect.bisect_left(self._starts, u)
        # several raw characters can start at u (a zero-width CR): bisect takes the first;
        # inside a character (a surrogate pair), a start rounds down and an end up
        exact = self._starts[k] == u
        c = self._cols[k] if exact or end else self._cols[k - 1]
        if self._nfc_floor is None or self._nfc_ceil is None:
            return c
        return self._nfc_ceil[c] if end else self._nfc_floor[c]


class UnitWriter:
    """Stored-text indices -> NVivo-style units (UTF-16, each ``\\n`` written as CRLF)."""

    def __init__(self, text: str) -> None:
        self._nl = [m.start() for m in re.finditer("\n", text)]
        self._astral = [m.start() for m in ASTRAL.finditer(text)]

    def units(self, index: int) -> int:
        return index + bisect.bisect_left(self._nl, index) + bisect.bisect_left(self._astral, index)
