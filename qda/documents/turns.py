"""Speaker turns in normalised transcript text.

A turn starts at a line that begins with a speaker label and runs until the next one:

* ``Interviewer: ...``, ``I: ...``, ``P07: ...``, ``Dr Okafor: ...`` (one to three
  capitalised words or a code, then a colon);
* ``[Aisha] ...`` (a capitalised name in brackets, then the words spoken).

A label counts when it occurs at least twice in the document or is a well-known form
(``Interviewer``, ``I``, ``R``, ``P07``...), so a stray ``Note:`` does not split a turn.
A text without labels gets one turn per paragraph, with no speaker.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

_WORD = r"[\w.'’\-]{0,30}"
_COLON_LABEL = re.compile(
    rf"[ \t]*(?P<label>[A-Z\u00c0-\u024f]{_WORD}(?:[ ][A-Z0-9\u00c0-\u024f]{_WORD}){{0,2}})"
    r"[ \t]*:[ \t]*(?=\S)"
)
_BRACKET_LABEL = re.compile(r"[ \t]*\[(?P<label>[A-Z\u00c0-\u024f][^\]\n]{0,40})\][ \t]*(?=\S)")
_NOT_SPEAKERS = {
    "laughs", "laughter", "pause", "inaudible", "crosstalk", "silence", "unclear", "sic",
    "coughs", "sighs", "long pause", "interruption", "end", "note", "notes", "transcript",
}  # fmt: skip
_KNOWN = re.compile(
    r"(?i)^(interviewer( \d+)?|int|i|r|q|a|respondent|participant( \d+)?|researcher|"
    r"moderator|facilitator|[a-z]{1,3}\d{1,4})$"
)
_INTERVIEWER = re.compile(r"(?i)^(interviewer( \d+)?|int|i|q|researcher|moderator|facilitator)$")


@dataclass(frozen=True)
class TurnSpan:
    start: int
    end: int
    body_start: int
    speaker: str | None
    is_interviewer: bool = False
    start_ms: int | None = None
    end_ms: int | None = None


def is_interviewer_label(label: str | None) -> bool:
    return bool(label) and bool(_INTERVIEWER.match(label or ""))


def _label_at(line: str) -> tuple[str, int] | None:
    for rx in (_BRACKET_LABEL, _COLON_LABEL):
        m = rx.match(line)
        if m:
            label = m.group("label").strip()
            if label.lower() in _NOT_SPEAKERS:
                return None
            return label, m.end()
    return None


def _trim_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def find_turns(text: str) -> list[TurnSpan]:
    """The speaker turns of ``text`` with exact offsets (see the module docstring)."""
    lines: list[tuple[int, str]] = []
    pos = 0
    for line in text.split("\n"):
        lines.append((pos, line))
        pos += len(line) + 1

    candidates: list[tuple[int, str, int] | None] = []
    counts: Counter[str] = Counter()
    for _, line in lines:
        hit = _label_at(line)
        candidates.append((0, hit[0], hit[1]) if hit else None)
        if hit:
            counts[hit[0]] += 1
    accepted = {lab for lab, n in counts.items() if n >= 2 or _KNOWN.match(lab)}

    turns: list[TurnSpan] = []
    if accepted:
        starts: list[tuple[int, int, str]] = []  # (line start, body start, label)
        for (line_pos, line), cand in zip(lines, candidates, strict=True):
            if cand and cand[1] in accepted:
                indent = len(line) - len(line.lstrip(" \t"))
                starts.append((line_pos + indent, line_pos + cand[2], cand[1]))
        # Text before the first label (a title, a header) becomes paragraph turns.
        if starts and text[: starts[0][0]].strip():
            turns.extend(_paragraph_turns(text, 0, starts[0][0]))
        for i, (start, body, label) in enumerate(starts):
            limit = starts[i + 1][0] if i + 1 < len(starts) else len(text)
            end = _trim_end(text, body, limit)
            if end <= body:
                end = body
            turns.append(TurnSpan(start, max(end, body), body, label, is_interviewer_label(label)))
        return [t for t in turns if t.end > t.start]
    return _paragraph_turns(text, 0, len(text))


def _paragraph_turns(text: str, lo: int, hi: int) -> list[TurnSpan]:
    out: list[TurnSpan] = []
    for m in re.finditer(r"\S(?:.|\n(?![ \t]*\n))*", text[lo:hi]):
        start = lo + m.start()
        end = _trim_end(text, start, lo + m.end())
        out.append(TurnSpan(start, end, start, None, False))
    return out
