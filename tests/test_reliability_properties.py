"""Property test: offsets stay exact from import to coding to .qdpx and back.

Random transcripts mix emoji (with skin tones, ZWJ sequences, flags), combining marks,
CRLF/CR/LF line ends, right-to-left and CJK text, tabs and speaker labels, in UTF-8,
UTF-8 with a BOM or UTF-16.  For each one:

* import: the stored text is the NFC, ``\\n``-only text; every turn and sentence is a
  valid slice inside it and its stored text is exactly ``text[start:end]``;
* coding: any span codes exactly ``text[start:end]`` as its quote;
* REFI-QDA: export ``.qdpx`` (code points, or NVivo-style UTF-16 offsets) and import
  it into a fresh project: the same text and the same codings at the same offsets.
"""

from __future__ import annotations

import itertools
import os
import shutil
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qda

ATOMS = [
    "a", "Z", "é", "e\u0301", "A\u030a", "n\u0303", "ﬁ", "ß", "İ", "👍🏽", "👩\u200d⚕️", "🇬🇧",
    "😊", "中文", "שלום", "مرحبا", " ", "  ", "\t", ".", "?", "!", ",", "’", "—", "…",
    "\r\n", "\n", "\r", "word", "physio", "back",
]  # fmt: skip
LABELS = ["Interviewer: ", "P07: ", "I: ", "[Aisha] ", "Dr Okafor: ", ""]
ENDINGS = ["\n", "\r\n", "\r", "\n\n", "\r\n\r\n"]

body = st.lists(st.sampled_from(ATOMS), min_size=1, max_size=25).map("".join)
line = st.tuples(st.sampled_from(LABELS), body).map("".join)
transcript = st.tuples(
    st.lists(st.tuples(line, st.sampled_from(ENDINGS)), min_size=1, max_size=12),
).map(lambda t: "P01: word. " + "".join(a + b for a, b in t[0]))

_counter = itertools.count()


def expected_text(raw: str) -> str:
    return unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n"))


@pytest.fixture(scope="module")
def empty_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("prop") / "empty.qda"
    with qda.init_project(path, coder="ana") as p:
        p.add_code("anything")
    return path


def _fresh(master: Path, where: Path) -> Path:
    dst = where / f"p{next(_counter)}.qda"
    shutil.copyfile(master, dst)
    return dst


@settings(
    max_examples=int(os.environ.get("QDA_PROPERTY_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    raw=transcript,
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
    nvivo=st.booleans(),
    data=st.data(),
)
def test_offsets_exact_end_to_end(
    empty_master: Path,
    tmp_path_factory: pytest.TempPathFactory,
    raw: str,
    encoding: str,
    nvivo: bool,
    data: st.DataObject,
) -> None:
    where = tmp_path_factory.mktemp("ex")
    src = where / "P01.txt"
    src.write_bytes(raw.encode(encoding))
    want = expected_text(raw)
    with qda.open_project(_fresh(empty_master, where), coder="ana") as p:
        report = p.import_paths([src])
        assert not report.skipped, report.skipped
        view = p.show(report.imported[0].id)
        text = view.text
        assert text == want
        n = len(text)
        last = 0
        for t in view.turns:
            assert 0 <= t.start <= t.body_start <= t.end <= n and t.start >= last
            assert t.text == text[t.start : t.end]
            last = t.end
        for s in view.sentences:
            assert 0 <= s.start < s.end <= n
            assert s.text == text[s.start : s.end] and s.text == s.text.strip()
            if s.turn is not None:
                turn = view.turns[s.turn]
                assert turn.body_start <= s.start and s.end <= turn.end
        # Code two random spans (any code points: mid-grapheme too).
        spans = []
        for _ in range(2):
            start = data.draw(st.integers(0, n - 1), label="start")
            end = data.draw(st.integers(start + 1, min(n, start + 200)), label="end")
            if (start, end, text[start:end]) in spans:
                continue  # the same span twice by one coder is refused, rightly
            c = p.apply("anything", view.id, start=start, end=end)
            assert (c.start, c.end, c.quote) == (start, end, text[start:end])
            spans.append((start, end, text[start:end]))
        out = where / "x.qdpx"
        p.export_qdpx(out, nvivo=nvivo)
    with qda.open_project(_fresh(empty_master, where), coder="ben") as q:
        q.import_refi(out)
        [doc] = q.documents()
        assert q.show(doc.id).text == want
        got = sorted((c.start, c.end, c.quote) for c in q.codings())
    assert got == sorted(spans)
