"""Read transcript files into normalised text plus (for subtitles) timed turns.

Formats: ``.txt``/``.md`` (any common encoding), ``.docx`` (paragraphs and tables in
order), ``.odt``, WebVTT and ``.srt``.  Every failure is an :class:`ImportFileError`
naming the file and the reason in a few words.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from qda.documents.text import DecodeError, decode, normalize
from qda.documents.turns import TurnSpan, find_turns, is_interviewer_label
from qda.errors import ImportFileError

TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown"}
TRANSCRIPT_SUFFIXES = TEXT_SUFFIXES | {".docx", ".odt", ".vtt", ".srt"}
# Limits for the ZIP containers of .docx/.odt (zip bombs).
MAX_UNZIPPED_BYTES = 512 * 1024 * 1024
MAX_ZIP_RATIO = 200
# No transcript has a paragraph this long; splitting one would take minutes and GBs.
MAX_LINE_CHARS = 1_000_000
MB = 1024 * 1024  # sizes are in binary megabytes, like --max-mb and max_import_mb


@dataclass(frozen=True)
class ParsedTranscript:
    text: str
    turns: list[TurnSpan]
    format: str
    encoding: str | None


def read_transcript(
    path: Path, *, max_bytes: int, transform: Callable[[str, Path], str] | None = None
) -> ParsedTranscript:
    """Read and normalise one transcript file.

    ``transform(text, path)`` (pseudonymisation) rewrites the normalised text before
    turns are found, so every offset is into the transformed text.
    """
    name = str(path)
    if not path.exists():
        raise ImportFileError(name, "no such file")
    if not path.is_file():
        raise ImportFileError(name, "not a regular file")
    suffix = path.suffix.lower()
    if suffix not in TRANSCRIPT_SUFFIXES:
        raise ImportFileError(name, f"unsupported file type {suffix or '(none)'!r}")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ImportFileError(name, f"cannot read ({exc.strerror})") from exc
    if size > max_bytes:
        raise ImportFileError(
            name, f"too large ({size / MB:.1f} MB > limit {max_bytes / MB:g} MB; see --max-mb)"
        )
    if suffix == ".docx":
        text, fmt, enc, turns = _read_docx(path), "docx", None, None
    elif suffix == ".odt":
        text, fmt, enc, turns = _read_odt(path), "odt", None, None
    else:
        data = _read_bytes(path)
        try:
            raw, enc = decode(data)
        except DecodeError as exc:
            raise ImportFileError(name, str(exc)) from exc
        if suffix in (".vtt", ".srt"):
            tf = (lambda s: transform(s, path)) if transform else None
            text, turns = _read_subtitles(raw, suffix, name, tf)
            fmt = suffix[1:]
        else:
            text, fmt, turns = (
                normalize(raw),
                "md" if suffix in (".md", ".markdown") else "txt",
                None,
            )
    if transform is not None and turns is None:
        text = normalize(transform(text, path))
    if not text.strip():
        raise ImportFileError(name, "empty file (no text)")
    longest = _longest_line(text)
    if longest > MAX_LINE_CHARS:
        raise ImportFileError(
            name,
            f"a single line of {longest:,} characters (limit {MAX_LINE_CHARS:,}): "
            "not a transcript, or it needs line breaks",
        )
    if turns is None:
        turns = find_turns(text)
    return ParsedTranscript(text=text, turns=turns, format=fmt, encoding=enc)


def _longest_line(text: str) -> int:
    if len(text) <= MAX_LINE_CHARS:
        return len(text)  # no line can be over the limit: skip the scan
    longest = pos = 0
    while True:
        nl = text.find("\n", pos)
        end = len(text) if nl < 0 else nl
        longest = max(longest, end - pos)
        if nl < 0:
            return longest
        pos = nl + 1


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ImportFileError(str(path), f"cannot read ({exc.strerror})") from exc


def check_zip(path: Path) -> None:
    """Refuse a ZIP container that is corrupt or would unpack to too much (a zip bomb)."""
    try:
        with zipfile.ZipFile(path) as zf:
            total = 0
            for info in zf.infolist():
                total += info.file_size
                member = info.filename.replace("\\", "/")
                if member.startswith("/") or ".." in member.split("/") or ":" in member:
                    raise ImportFileError(str(path), "suspicious archive (a path escaping it)")
                if info.compress_size and info.file_size / info.compress_size > MAX_ZIP_RATIO:
                    raise ImportFileError(str(path), "suspicious archive (compression ratio)")
            if total > MAX_UNZIPPED_BYTES:
                raise ImportFileError(str(path), "archive unpacks to too much data")
    except zipfile.BadZipFile as exc:
        raise ImportFileError(str(path), f"corrupt or not a {path.suffix} file ({exc})") from exc
    except OSError as exc:
        raise ImportFileError(str(path), f"cannot read ({exc.strerror})") from exc


def _read_docx(path: Path) -> str:
    check_zip(path)
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(str(path))
        blocks: list[str] = []
        for child in document.element.body.iterchildren():
            tag = child.tag.rsplit("}", 1)[-1]
            if tag == "p":
                blocks.append(Paragraph(child, document).text)
            elif tag == "tbl":
                for row in Table(child, document).rows:
                    cells: list[str] = []
                    for cell in row.cells:
                        value = cell.text.strip()
                        if value and (not cells or cells[-1] != value):
                            cells.append(value)
                    blocks.append(" | ".join(cells))
    except ImportFileError:
        raise
    except Exception as exc:  # python-docx raises many kinds on a damaged file
        raise ImportFileError(str(path), f"corrupt .docx ({type(exc).__name__})") from exc
    return normalize("\n\n".join(b.strip() for b in blocks if b.strip()))


def _read_odt(path: Path) -> str:
    check_zip(path)
    try:
        from odf import teletype
        from odf import text as odftext
        from odf.opendocument import load

        document = load(str(path))
        blocks = [
            teletype.extractText(el) for el in document.text.childNodes if el.qname[1] in ("p", "h")
        ]
        if not any(b.strip() for b in blocks):
            blocks = [teletype.extractText(p) for p in document.getElementsByType(odftext.P)]
    except Exception as exc:  # odfpy raises many kinds on a damaged file
        raise ImportFileError(str(path), f"corrupt .odt ({type(exc).__name__})") from exc
    return normalize("\n\n".join(b.strip() for b in blocks if b.strip()))


# --- WebVTT and SubRip -------------------------------------------------------------

_TIMING = re.compile(
    r"^\s*(?P<a>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})\s*-->\s*(?P<b>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})"
)
_VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^>]+)>")
_TAG = re.compile(r"</?[^>]+>")
_NAME_PREFIX = re.compile(r"^\s*(?:-\s*)?([A-Z][\w.'’\-]*(?: [A-Z][\w.'’\-]*){0,2})\s*:\s+")


def _ms(stamp: str) -> int:
    parts = stamp.replace(",", ".").split(":")
    seconds = float(parts[-1])
    minutes = int(parts[-2]) if len(parts) >= 2 else 0
    hours = int(parts[-3]) if len(parts) >= 3 else 0
    return round(((hours * 60 + minutes) * 60 + seconds) * 1000)


def _unescape(s: str) -> str:
    return s.replace("&lt;", "<").replace("&gt;", ">").replace("&nbsp;", " ").replace("&amp;", "&")


def _read_subtitles(
    raw: str, suffix: str, name: str, transform: Callable[[str], str] | None = None
) -> tuple[str, list[TurnSpan]]:
    lines = normalize(raw).split("\n")
    if suffix == ".vtt" and not lines[0].lstrip().startswith("WEBVTT"):
        raise ImportFileError(name, "not a WebVTT file (no WEBVTT header)")
    cues: list[tuple[int, int, str | None, str]] = []
    i = 0
    while i < len(lines):
        m = _TIMING.match(lines[i])
        if not m:
            i += 1
            continue
        a, b = _ms(m.group("a")), _ms(m.group("b"))
        i += 1
        body: list[str] = []
        while i < len(lines) and lines[i].strip():
            body.append(lines[i].strip())
            i += 1
        joined = " ".join(body)
        speaker = None
        voice = _VOICE.search(joined)
        if voice:
            speaker = voice.group(1).strip()
        cue_text = " ".join(_unescape(_TAG.sub("", joined)).split())
        if speaker is None:
            prefix = _NAME_PREFIX.match(cue_text)
            if prefix:
                speaker = prefix.group(1)
                cue_text = cue_text[prefix.end() :]
        if cue_text and transform is not None:
            cue_text = normalize(transform(cue_text))
            speaker = normalize(transform(speaker)) if speaker else speaker
        if cue_text:
            cues.append((a, b, speaker, cue_text))
    if not cues:
        raise ImportFileError(name, f"no cues found in {suffix} file")
    # Consecutive cues by one speaker make one turn.
    merged: list[list] = []
    for a, b, speaker, cue_text in cues:
        if merged and speaker is not None and merged[-1][2] == speaker:
            merged[-1][1] = b
            merged[-1][3].append(cue_text)
        else:
            merged.append([a, b, speaker, [cue_text]])
    parts: list[str] = []
    turns: list[TurnSpan] = []
    pos = 0
    for a, b, speaker, texts in merged:
        label = f"{speaker}: " if speaker else ""
        body_text = normalize(" ".join(texts))
        block = label + body_text
        turns.append(
            TurnSpan(
                start=pos,
                end=pos + len(block),
                body_start=pos + len(label),
                speaker=speaker,
                is_interviewer=is_interviewer_label(speaker),
                start_ms=a,
                end_ms=b,
            )
        )
        parts.append(block)
        pos += len(block) + 2
    return "\n\n".join(parts), turns
