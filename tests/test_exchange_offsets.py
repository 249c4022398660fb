"""Offset counting: code points, UTF-16 units, CRLF as 1 or 2, NFC; and back for NVivo."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qda.exchange.offsets import (
    ATLAS,
    NVIVO,
    SCHEMES,
    STANDARD,
    OffsetError,
    OffsetMap,
    UnitWriter,
    decode_source,
    default_scheme,
)
from qda.exchange.refi_common import (
    compose_description,
    fmt_decimal,
    name_matches,
    parse_color,
    parse_description,
    parse_guid,
)

PIECES = st.sampled_from(
    ["a", "b", " ", "é", "e\u0301", "😀", "\r\n", "\n", "\r", "ß", "中", "👍🏽"]
)


def units(raw: str, scheme: object, cut: int) -> int:
    """The reference: how many units the first ``cut`` raw characters count."""
    head = raw[:cut]
    n = len(head.encode("utf-16-le")) // 2 if scheme.units == "utf16" else len(head)  # type: ignore[attr-defined]
    if scheme.crlf == 1:  # type: ignore[attr-defined]
        n -= head.count("\r\n")
    return n


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, min_size=1, max_size=30), st.sampled_from(SCHEMES), st.data())
def test_offsets_map_to_the_same_text(
    pieces: list[str], scheme: object, data: st.DataObject
) -> None:
    raw = "".join(pieces)
    m = OffsetMap(raw, scheme)  # type: ignore[arg-type]
    stored = unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n"))
    assert m.text == stored
    # cut the raw text between two pieces: the span must map to the same stored text
    bounds = [0]
    for p in pieces:
        bounds.append(bounds[-1] + len(p))
    a, b = sorted(data.draw(st.lists(st.sampled_from(bounds), min_size=2, max_size=2)))
    ua, ub = units(raw, scheme, a), units(raw, scheme, b)
    want = unicodedata.normalize("NFC", raw[a:b].replace("\r\n", "\n").replace("\r", "\n"))
    got = m.text[m.to_index(ua) : m.to_index(ub, end=True)]
    if a < b and raw[a - 1 : a + 1] != "\r\n" and raw[b - 1 : b + 1] != "\r\n":
        assert got == want
    assert m.total == units(raw, scheme, len(raw))


@settings(max_examples=200, deadline=None)
@given(st.lists(PIECES, min_size=1, max_size=30), st.data())
def test_nvivo_writer_inverts_the_reader(pieces: list[str], data: st.DataObject) -> None:
    text = unicodedata.normalize("NFC", "".join(pieces).replace("\r\n", "\n").replace("\r", "\n"))
    written = text.replace("\n", "\r\n")
    w = UnitWriter(text)
    m = OffsetMap(written, NVIVO)
    i = data.draw(st.integers(0, len(text)))
    assert m.to_index(w.units(i)) == i
    assert w.units(len(text)) == m.total


def test_inside_a_surrogate_pair_rounds_outwards() -> None:
    m = OffsetMap("a😀b", NVIVO)
    assert m.total == 4
    assert m.to_index(2) == 1 and m.to_index(2, end=True) == 2


def test_out_of_range() -> None:
    with pytest.raises(OffsetError):
        OffsetMap("abc", STANDARD).to_index(4)


def test_default_scheme_from_origin() -> None:
    assert default_scheme("NVivo for Mac 15.0.0") == NVIVO
    assert default_scheme("ATLAS.ti 8.4.0") == ATLAS
    assert default_scheme("MAXQDA 2022") == ATLAS
    assert default_scheme("QualCoder 3.5") == STANDARD
    assert default_scheme("") == STANDARD


def test_decode_source_strips_one_bom_only() -> None:
    assert decode_source(b"\xef\xbb\xbfhi") == "hi"
    assert decode_source("hi".encode("utf-16")) == "hi"
    assert decode_source(b"\xef\xbb\xbf\xef\xbb\xbfhi") == "\ufeffhi"  # only one is a BOM
    assert decode_source(b"caf\xe9 latin-1 text here") == "café latin-1 text here"


def test_common_helpers() -> None:
    assert parse_guid("{ABCDEF01-2345-6789-ABCD-EF0123456789}") == parse_guid(
        "abcdef01-2345-6789-abcd-ef0123456789"
    )
    assert parse_guid("not a guid") == parse_guid("not a guid") is not None
    assert parse_color("#F00") == "#ff0000" and parse_color("FF8800") == "#ff8800"
    assert parse_color("#80FF8800") == "#ff8800" and parse_color("rgb(1, 2, 300)") == "#0102ff"
    assert parse_color("red") is None
    assert (
        fmt_decimal(7.0) == "7" and fmt_decimal(1e-7) == "0.0000001" and fmt_decimal(2.5) == "2.5"
    )
    desc = compose_description("Def.\n\nMore.", "in", "out", "eg")
    assert parse_description(desc) == {
        "definition": "Def.\n\nMore.", "inclusion": "in", "exclusion": "out", "example": "eg"
    }  # fmt: skip
    assert name_matches("I'm a single mum with…", "I'm a single mum\nwith an 8 month old")
    assert not name_matches("damage done by fatty foods", "But to be honest, I used to")
