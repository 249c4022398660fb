"""Open a ``.qdpx``/``.qdc`` safely and prepare every text source for import.

Everything that can fail on a hostile or broken file happens here, before the
database is touched: the archive checks, the XML parse, reading the sources and
mapping every selection's offsets into the text qda will store (an offset past the
end of a text is an error for the whole file).  The result, :class:`Loaded`, holds
each source's normalised text and its selections as stored-text spans.
"""

from __future__ import annotations

import contextlib
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from qda.documents.text import DecodeError
from qda.errors import ImportFileError
from qda.exchange.offsets import (
    ASTRAL,
    SCHEMES,
    OffsetError,
    OffsetMap,
    Scheme,
    decode_source,
    default_scheme,
)
from qda.exchange.refi_common import looks_like_label, name_matches, squash
from qda.exchange.refi_parse import RProject, RSelection, RSource, parse_project
from qda.exchange.safe_xml import parse_xml
from qda.exchange.safe_zip import DEFAULT_LIMITS, Limits, MiB, SafeZip, unsafe_name_reason

NAME_SAMPLE = 400  # selections per source used to choose how offsets are counted
MAX_LISTED_MISMATCHES = 200


@dataclass
class Span:
    selection: RSelection
    start: int
    end: int
    quote: str
    check: str  # "verified", "mismatch", "label" or "none"


@dataclass
class TextSource:
    source: RSource
    text: str
    scheme: Scheme
    scheme_reason: str
    spans: list[Span]
    empty_selections: int = 0


@dataclass
class Skipped:
    source: RSource
    reason: str


@dataclass
class Loaded:
    path: Path
    project: RProject
    texts: list[TextSource] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    note_texts: dict[uuid.UUID, str] = field(default_factory=dict)
    mismatches: list[dict[str, object]] = field(default_factory=list)
    mismatch_count: int = 0


def _internal_name(raw: str, file: str) -> str | None:
    """The archive-relative name behind a source path; None for an external file."""
    s = raw.strip().replace("\\", "/")
    low = s.lower()
    if low.startswith(("relative://", "absolute://", "file://", "http://", "https://")):
        return None
    if low.startswith("internal://"):
        s = s[len("internal://") :]
    s = s.lstrip("/") if s.startswith("/") and not s.startswith("//") else s
    why = unsafe_name_reason(s) or ("a URL" if "://" in s else None)
    if why is not None:
        raise ImportFileError(file, f"source path {raw!r} escapes the archive ({why}): refused")
    return s


class _Archive:
    """Members of a .qdpx found by name the way real files need (see the README)."""

    def __init__(self, zf: SafeZip) -> None:
        self.zf = zf
        self._by_lower: dict[str, str] = {}
        self._by_base: dict[str, list[str]] = {}
        for n in zf.names:
            self._by_lower.setdefault(n.lower(), n)
            self._by_base.setdefault(PurePosixPath(n).name.lower(), []).append(n)

    def find(self, rel: str) -> str | None:
        low = rel.lower()
        for cand in (low, f"sources/{low}"):
            if cand in self._by_lower:
                return self._by_lower[cand]
        base = PurePosixPath(low).name
        hits = self._by_base.get(base, [])
        in_sources = [h for h in hits if h.lower().startswith("sources/")]
        pick = in_sources or hits
        return pick[0] if len(pick) == 1 else None


def _find_qde(zf: SafeZip) -> str:
    roots = [n for n in zf.names if "/" not in n.strip("/") and n.lower().endswith(".qde")]
    if not roots:
        raise ImportFileError(str(zf.path), "no .qde project file at the top of the archive")
    if len(roots) > 1:
        named = [n for n in roots if n.lower() == "project.qde"]
        if len(named) != 1:
            raise ImportFileError(str(zf.path), f"several .qde files in the archive: {roots}")
        return named[0]
    return roots[0]


def load(path: Path, limits: Limits = DEFAULT_LIMITS) -> Loaded:
    """Read and check a REFI-QDA file completely; raise ImportFileError if it is unsafe."""
    name = str(path)
    if not path.is_file():
        raise ImportFileError(name, "no such file")
    if path.suffix.lower() == ".qdc" or not zipfile.is_zipfile(path):
        if path.suffix.lower() == ".qdpx":
            raise ImportFileError(name, "not a ZIP archive (corrupt or not a .qdpx)")
        size = path.stat().st_size
        if size > limits.max_xml_bytes:
            raise ImportFileError(name, f"too large ({size / MiB:.0f} MB)")
        root = parse_xml(path.read_bytes(), name=name, limits=limits)
        project = parse_project(root, name=name, max_code_depth=limits.max_code_depth)
        loaded = Loaded(path=path, project=project)
        for src in project.sources:  # a bare .qde: only inline texts can be read
            _add_source(loaded, src, None, name)
        return loaded
    with SafeZip(path, limits) as zf:
        qde = _find_qde(zf)
        root = parse_xml(zf.read(qde), name=f"{name}: {qde}", limits=limits)
        project = parse_project(root, name=f"{name}: {qde}", max_code_depth=limits.max_code_depth)
        loaded = Loaded(path=path, project=project)
        archive = _Archive(zf)
        for src in project.sources:
            _add_source(loaded, src, archive, name)
        for note in project.notes:
            if note.text is None and note.path:
                rel = _internal_name(note.path, name)
                member = archive.find(rel) if rel else None
                if member is not None:
                    with contextlib.suppress(DecodeError):
                        loaded.note_texts[note.id] = decode_source(zf.read(member))
    return loaded


def _add_source(loaded: Loaded, src: RSource, archive: _Archive | None, file: str) -> None:
    if src.kind != "text":
        loaded.skipped.append(Skipped(src, f"{src.kind} source: only text sources are imported"))
        return
    raw: str | None = src.inline_text
    if raw is None or (not raw.strip() and src.path):
        if not src.path:
            loaded.skipped.append(Skipped(src, "text source without text"))
            return
        rel = _internal_name(src.path, file)
        if rel is None:
            loaded.skipped.append(Skipped(src, f"external file {src.path} (not in the archive)"))
            return
        member = archive.find(rel) if archive is not None else None
        if member is None:
            loaded.skipped.append(Skipped(src, f"text file {rel} is missing from the archive"))
            return
        assert archive is not None
        try:
            raw = decode_source(archive.zf.read(member))
        except DecodeError as exc:
            loaded.skipped.append(Skipped(src, f"text file {rel}: {exc}"))
            return
    if not raw.strip():
        loaded.skipped.append(Skipped(src, "empty text"))
        return
    where = f"{file}: source {src.name or src.path or src.id}"
    for sel in src.selections:
        if sel.start < 0 or sel.end < 0:
            raise ImportFileError(where, f"selection {sel.start}-{sel.end} has a negative offset")
        if sel.end < sel.start:
            raise ImportFileError(where, f"selection {sel.start}-{sel.end} ends before it starts")
    try:
        omap, scheme, reason = _choose_scheme(raw, src.selections, loaded.project.origin)
    except OffsetError as exc:
        loaded.skipped.append(Skipped(src, str(exc)))
        return
    if omap is None:
        worst = max(src.selections, key=lambda s: s.end)
        raise ImportFileError(
            where,
            f"selection {worst.start}-{worst.end} is past the end of the text "
            f"({OffsetMap(raw, default_scheme(loaded.project.origin)).total} long): refused",
        )
    ts = TextSource(source=src, text=omap.text, scheme=scheme, scheme_reason=reason, spans=[])
    squashed: str | None = None
    for sel in src.selections:
        s = omap.to_index(sel.start)
        e = omap.to_index(sel.end, end=True)
        if e <= s:
            ts.empty_selections += 1
            continue
        quote = omap.text[s:e]
        check = "none"
        if sel.name == quote:  # the common case (qda, ATLAS.ti for short quotes)
            check = "verified"
        elif sel.name.strip() and not looks_like_label(sel.name):
            if name_matches(sel.name, quote):
                check = "verified"
            else:
                if squashed is None:
                    squashed = squash(omap.text)
                probe = squash(sel.name).rstrip("…").removesuffix("...").rstrip()
                check = "mismatch" if probe and probe in squashed else "label"
        if check == "mismatch":
            loaded.mismatch_count += 1
            if len(loaded.mismatches) < MAX_LISTED_MISMATCHES:
                loaded.mismatches.append(
                    {
                        "source": src.name or str(src.id),
                        "selection": str(sel.id),
                        "start": sel.start,
                        "end": sel.end,
                        "name": sel.name,
                        "text": quote[:200],
                    }
                )
        ts.spans.append(Span(sel, s, e, quote, check))
    loaded.texts.append(ts)


def _score(omap: OffsetMap, sample: list[RSelection]) -> int:
    hits = 0
    for sel in sample:
        s = omap.to_index(sel.start)
        e = omap.to_index(sel.end, end=True)
        quote = omap.text[s:e]
        if sel.name == quote or name_matches(sel.name, quote):
            hits += 1
    return hits


def _choose_scheme(
    raw: str, selections: list[RSelection], origin: str
) -> tuple[OffsetMap | None, Scheme, str]:
    """The counting that fits: the origin's, unless the selection names say otherwise."""
    default = default_scheme(origin)
    far = max((s.end for s in selections), default=0)
    sample = [s for s in selections if s.name.strip() and not looks_like_label(s.name)]
    sample = sample[:NAME_SAMPLE]
    first = OffsetMap(raw, default)
    if far <= first.total:
        best = _score(first, sample)
        if best == len(sample):
            why = "selection names agree" if sample else "origin"
            return first, default, f"{why} ({origin or 'no origin'})"
    else:
        best = -1
    chosen: tuple[OffsetMap | None, Scheme] = (first if best >= 0 else None, default)
    has_cr = "\r" in raw
    has_astral = ASTRAL.search(raw) is not None
    for scheme in SCHEMES:
        if scheme == default:
            continue
        if scheme.units != default.units and not has_astral:
            continue  # counts the same as one already tried
        if scheme.crlf != default.crlf and not has_cr:
            continue
        omap = OffsetMap(raw, scheme)
        if far > omap.total:
            continue
        score = _score(omap, sample)
        if score > best:
            best, chosen = score, (omap, scheme)
    omap_, scheme_ = chosen
    if omap_ is None:
        return None, default, "no counting fits the offsets"
    if scheme_ == default:
        return omap_, scheme_, f"origin ({origin or 'no origin'}); names do not all agree"
    return omap_, scheme_, f"selection names agree with {scheme_.label}"
