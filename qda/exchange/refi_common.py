"""What REFI-QDA export and import share: namespaces, GUIDs, colours, dates, escaping.

How qda's data maps onto REFI-QDA (QDA-XML 1.0):

* coder -> ``User``; code -> ``Code`` (``guid`` = the code's id; nesting = the tree);
  definition, inclusion, exclusion and example -> the code's ``Description`` as
  labelled paragraphs (:func:`compose_description` / :func:`parse_description`);
* a code's kind, the core category, in-vivo and retired codes -> code ``Set``\\ s named
  ``qda: themes`` etc. (sets are the standard's way of grouping codes);
* participant -> ``Case`` with ``VariableValue``\\ s and ``SourceRef``\\ s; attribute ->
  ``Variable``;
* document -> ``TextSource`` with ``sources/<id>.txt`` (UTF-8, ``\\n``); codings with the
  same span share one ``PlainTextSelection`` whose ``name`` is the quoted text;
* memo -> ``Note`` (its type in ``Description``) and ``NoteRef``\\ s from what it is
  linked to; a memo about a participant is a ``Link`` from the note to the case;
* relation -> ``Link`` between two codes (``name`` = the relation type); its note is a
  ``Note`` referenced by the link.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"

# uuid5 namespace for ids qda derives (selection ids, relation notes, bad GUIDs).
QDA_NS = uuid.UUID("6f0c1e52-4a53-4d1e-9a57-2f3b8f5f6a10")

SET_THEMES = "qda: themes"
SET_CATEGORIES = "qda: categories"
SET_CORE = "qda: core category"
SET_INVIVO = "qda: in-vivo codes"
SET_RETIRED = "qda: retired codes"
QDA_SETS = (SET_THEMES, SET_CATEGORIES, SET_CORE, SET_INVIVO, SET_RETIRED)

PARTICIPANT_MEMO_LINK = "memo about participant"
RELATION_NOTE_PREFIX = "Relation note: "

LABELS = (("inclusion", "Inclusion"), ("exclusion", "Exclusion"), ("example", "Example"))

_HEX = re.compile(r"^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3}|[0-9a-fA-F]{8})$")
_RGB = re.compile(r"^rgba?\(\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*(,[^)]*)?\)$", re.I)
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ATTR_ESC = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\r": "&#13;",
     "\t": "&#9;"}
)  # fmt: skip
_TEXT_ESC = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})


def derived_guid(*parts: object) -> str:
    """A stable GUID string derived from other ids (name-based, SHA-1, like a uuid5;
    ~20x cheaper than building :class:`uuid.UUID` objects, for 100,000 selections)."""
    h = hashlib.sha1("/".join(str(p) for p in parts).encode("utf-8")).hexdigest()
    return f"{h[:8]}-{h[8:12]}-5{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:32]}"


def derived_id(*parts: object) -> uuid.UUID:
    """:func:`derived_guid` as a UUID (ids must be given as ``str(uuid)``)."""
    return uuid.UUID(derived_guid(*parts))


def raw_guid(raw: object) -> str:
    """An id as read raw from the database (32 hex digits on SQLite, a UUID elsewhere)."""
    if isinstance(raw, str) and len(raw) == 32:
        return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"
    return str(raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw))).lower()


def raw_datetime(raw: object) -> str | None:
    """A timestamp as read raw (naive UTC: a string on SQLite) as ``xsd:dateTime``."""
    if raw is None:
        return None
    if isinstance(raw, str):
        return f"{raw[:10]}T{raw[11:19]}Z" if len(raw) >= 19 else None
    if isinstance(raw, datetime):
        return fmt_datetime(raw)
    return None


_HEX32 = re.compile(r"^[0-9a-fA-F]{32}$")
_SAFE = uuid.SafeUUID.unknown
_GUIDS: dict[str, uuid.UUID] = {}


def _fast_uuid(hex32: str) -> uuid.UUID:
    """``uuid.UUID(hex)`` without its Python-level parsing (a file has 400,000 GUIDs)."""
    u = object.__new__(uuid.UUID)
    object.__setattr__(u, "int", int(hex32, 16))
    object.__setattr__(u, "is_safe", _SAFE)
    return u


def parse_guid(raw: str | None) -> uuid.UUID | None:
    """A GUID as REFI files write it: any case, with or without ``{}``.  None if absent."""
    if raw is None:
        return None
    hit = _GUIDS.get(raw)
    if hit is not None:
        return hit
    s = raw.strip().strip("{}").strip()
    if not s:
        return None
    h = s.replace("-", "")
    if len(s) == 36 and _HEX32.match(h):
        u = _fast_uuid(h)
    else:
        try:
            u = uuid.UUID(s)
        except ValueError:
            u = derived_id("bad-guid", s)  # not a GUID: still a stable identity
    if len(_GUIDS) > 200_000:  # the cache is for repeated refs (codes, users)
        _GUIDS.clear()
    _GUIDS[raw] = u
    return u


def guid(u: uuid.UUID | str) -> str:
    return str(u).lower()


def parse_color(raw: str | None) -> str | None:
    """``#rrggbb`` from ``#RGB``, ``#RRGGBB``, ``RRGGBB``, ``#AARRGGBB`` or ``rgb(r,g,b)``."""
    if not raw:
        return None
    s = raw.strip()
    m = _HEX.match(s)
    if m:
        h = m.group(1).lower()
        if len(h) == 3:
            h = "".join(c * 2 for c in h)
        elif len(h) == 8:
            h = h[2:]
        return "#" + h
    m = _RGB.match(s)
    if m:
        r, g, b = (min(255, int(x)) for x in m.groups()[:3])
        return f"#{r:02x}{g:02x}{b:02x}"
    return None


def fmt_datetime(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_TIMES: dict[str, datetime | None] = {}


def parse_datetime(raw: str | None) -> datetime | None:
    """An ``xsd:dateTime`` as an aware UTC datetime (no zone = UTC); None if unreadable."""
    if not raw:
        return None
    hit = _TIMES.get(raw, False)
    if hit is not False:
        return hit  # type: ignore[return-value]
    if len(_TIMES) > 100_000:
        _TIMES.clear()
    _TIMES[raw] = out = _parse_datetime(raw)
    return out


def _parse_datetime(raw: str) -> datetime | None:
    s = raw.strip()
    if s.endswith(("Z", "z")):
        s = s[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(s)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def fmt_decimal(v: float) -> str:
    """A float as ``xsd:decimal`` (never an exponent)."""
    if float(v).is_integer():
        return str(int(v))
    text = format(Decimal(repr(float(v))), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def parse_number(raw: str) -> float | None:
    try:
        return float(Decimal(raw.strip()))
    except (InvalidOperation, ValueError):
        return None


def parse_date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw.strip()[:10])
    except ValueError:
        return None


def clean_xml(s: str) -> str:
    """Drop characters XML 1.0 cannot hold (control characters, lone surrogates)."""
    return _BAD_XML.sub("", s)


def attr(s: str) -> str:
    """Escape an attribute value (new lines kept as character references)."""
    return clean_xml(s).translate(_ATTR_ESC)


def text(s: str) -> str:
    return clean_xml(s).translate(_TEXT_ESC)


def compose_description(definition: str, inclusion: str, exclusion: str, example: str) -> str:
    """A code's definition and criteria as one ``Description`` other tools can show."""
    parts = [definition.strip()] if definition.strip() else []
    values = {"inclusion": inclusion, "exclusion": exclusion, "example": example}
    for key, label in LABELS:
        if values[key].strip():
            parts.append(f"{label}: {values[key].strip()}")
    return "\n\n".join(parts)


def parse_description(desc: str) -> dict[str, str]:
    """The inverse of :func:`compose_description` (plain descriptions are the definition)."""
    out = {"definition": "", "inclusion": "", "exclusion": "", "example": ""}
    paras = re.split(r"\n\s*\n", desc.strip()) if desc.strip() else []
    rest: list[str] = []
    current: str | None = None
    for para in paras:
        for key, label in LABELS:
            if para.startswith(label + ":"):
                out[key] = para[len(label) + 1 :].strip()
                current = key
                break
        else:
            if current is None:
                rest.append(para)
            else:  # a further paragraph of a criterion
                out[current] += "\n\n" + para
    out["definition"] = "\n\n".join(rest)
    return out


def squash(s: str) -> str:
    """For comparing quoted text with a selection's name: NFC, white space collapsed."""
    return " ".join(unicodedata.normalize("NFC", s).split())


def quote_name(quote: str, limit: int = 200) -> str:
    """A selection's ``name``: the quoted text, cut with an ellipsis like ATLAS.ti does."""
    if len(quote) <= limit:
        return quote
    return quote[:limit].rstrip() + "…"


_LABEL_NAMES = re.compile(r"^(line:\d+(-\d+)?|quotation \d+:\d+|\d+:\d+)$", re.I)


def looks_like_label(name: str) -> bool:
    """Names some tools give selections that are labels, not the quoted text."""
    return bool(_LABEL_NAMES.match(name.strip()))


def name_matches(name: str, quoted: str) -> bool:
    """Does a selection's ``name`` agree with the text at its offsets?"""
    n = squash(name)
    q = squash(quoted)
    if n == q:
        return True
    for ell in ("…", "..."):
        if n.endswith(ell):
            head = n[: -len(ell)].rstrip()
            return bool(head) and q.startswith(head)
    return False
