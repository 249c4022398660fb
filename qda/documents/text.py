"""Text normalisation and decoding.

Stored text is decoded (one BOM stripped), has ``\\n`` line endings and is in Unicode
NFC.  Offsets everywhere are indices into that string.
"""

from __future__ import annotations

import hashlib
import unicodedata

import charset_normalizer

_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF file"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"\x7fELF", "a program"),
    (b"ID3", "an audio file"),
    (b"SQLite format 3", "an SQLite database"),
    (b"\xd0\xcf\x11\xe0", "an old Office file (.doc/.xls): save it as .docx"),
)


class DecodeError(ValueError):
    """Bytes that are not text; the message says why, in a few words."""


def normalize(text: str) -> str:
    """Line endings to ``\\n`` and Unicode NFC (the BOM is removed by :func:`decode`)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _control_share(text: str) -> float:
    sample = text[:200_000]
    if not sample:
        return 0.0
    bad = sum(1 for ch in sample if ch < " " and ch not in "\t\n\r\f\v")
    return bad / len(sample)


# Among equally plausible single-byte encodings, English transcripts are far more often
# Windows-1252 (Word, Notepad) than Central European or Baltic code pages.
_PREFERRED = ("cp1252", "latin_1", "iso8859_15")


def _detect(data: bytes) -> tuple[str, str]:
    results = list(charset_normalizer.from_bytes(data))
    if not results:
        raise DecodeError("cannot detect the text encoding (binary or corrupt?)")
    best = results[0]
    tied = [
        r
        for r in results
        if abs(r.chaos - best.chaos) < 1e-9 and abs(r.coherence - best.coherence) < 1e-9
    ]
    for preferred in _PREFERRED:
        for r in tied:
            if preferred in r.could_be_from_charset:
                try:
                    return data.decode(preferred), preferred
                except UnicodeDecodeError:
                    break
    return str(best), best.encoding


def decode(data: bytes) -> tuple[str, str]:
    """Decode file bytes to ``(text, encoding)``; raise :class:`DecodeError` if not text.

    A BOM decides (UTF-8, UTF-16, UTF-32); otherwise strict UTF-8 is tried, then the
    encoding is detected with charset-normalizer (cp1252, latin-1, ...).
    """
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise DecodeError("empty file")
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(enc), enc
            except UnicodeDecodeError as exc:
                raise DecodeError(f"invalid {enc} after a {enc} byte-order mark") from exc
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise DecodeError(f"binary file ({what}), not a transcript")
    try:
        text = data.decode("utf-8")
        encoding = "utf-8"
    except UnicodeDecodeError:
        text, encoding = _detect(data)
    if "\x00" in text or _control_share(text) > 0.01:
        raise DecodeError("binary file (NUL or control bytes), not a transcript")
    return text, encoding
