"""Pseudonymisation at import: real names become pseudonyms before anything is stored.

``qda import PROJECT FILES --pseudonymise names.csv`` reads a CSV of
``real name,pseudonym`` rows and replaces every whole-word occurrence in each
transcript (and in the document name, the participant taken from the file name and
the stored source path) before the text is split into turns and sentences, so every
offset in the project is an offset into the pseudonymised text.  Replacement keeps
the case of what it replaces: ``JOHN`` -> ``MARK``, ``John`` -> ``Mark``, ``john`` ->
``mark``.

The mapping (which real name became which pseudonym, where and how often) is written
*outside* the project, to a CSV beside the names file (``names.mapping.csv``) or a
path given with ``--mapping``; it is readable by its owner only.  The project keeps
only the pseudonymised text.

When a trained spaCy pipeline with an entity recogniser is configured, the
pseudonymised text is also scanned for people's names the list missed; those
*candidates* are listed for the user (and in the mapping file), never replaced.
"""

from __future__ import annotations

import csv
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from qda.errors import InvalidInputError, QdaError

_HEADER_WORDS = {"real", "name", "real name", "real_name", "original", "from"}
MAPPING_FIELDS = ["imported_at", "source_file", "real_name", "pseudonym", "replacements", "status"]


@dataclass(frozen=True)
class NamePair:
    real: str
    pseudonym: str


def load_names(path: str | os.PathLike[str]) -> list[NamePair]:
    """Read ``real name,pseudonym`` rows (a header row is optional)."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise InvalidInputError(f"{p}: cannot read the names file ({exc.strerror})") from exc
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInputError(f"{p}: the names file must be UTF-8 text") from exc
    pairs: list[NamePair] = []
    seen: dict[str, str] = {}
    for lineno, row in enumerate(csv.reader(content.splitlines()), start=1):
        cells = [unicodedata.normalize("NFC", " ".join(c.split())) for c in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if lineno == 1 and cells[0].lower() in _HEADER_WORDS:
            continue
        if len(cells) < 2 or not cells[0] or not cells[1]:
            raise InvalidInputError(
                f"{p}, line {lineno}: need two columns, real name and pseudonym"
            )
        if len(cells) > 2 and any(cells[2:]):
            raise InvalidInputError(
                f"{p}, line {lineno}: too many columns (need real name,pseudonym)"
            )
        real, pseudo = cells[0], cells[1]
        if not any(ch.isalnum() for ch in real):
            raise InvalidInputError(f"{p}, line {lineno}: {real!r} is not a name")
        key = real.casefold()
        if key in seen and seen[key] != pseudo:
            raise InvalidInputError(
                f"{p}, line {lineno}: {real!r} is given two pseudonyms ({seen[key]!r}, {pseudo!r})"
            )
        seen[key] = pseudo
        pairs.append(NamePair(real, pseudo))
    if not pairs:
        raise InvalidInputError(f"{p}: no names (need rows of real name,pseudonym)")
    return pairs


def match_case(found: str, pseudonym: str) -> str:
    """The pseudonym in the case of the text it replaces (JOHN->MARK, john->mark)."""
    letters = [c for c in found if c.isalpha()]
    if letters and all(c.isupper() for c in letters) and len(letters) > 1:
        return pseudonym.upper()
    if letters and all(c.islower() for c in letters):
        return pseudonym.lower()
    if found.istitle() and not pseudonym.istitle() and pseudonym.islower():
        return pseudonym.title()
    return pseudonym


@dataclass
class Pseudonymiser:
    """Replaces whole-word names, case-aware; counts what it did, per source file.

    Call it as the importer's text transform: ``pseudonymiser(text, source_path)``.
    ``nlp`` is a spaCy pipeline with an entity recogniser (``None``: no candidates).
    """

    pairs: list[NamePair]
    nlp: Any = None
    counts: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    candidates: Counter[tuple[str, str]] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._lookup = {p.real.casefold(): p for p in self.pairs}
        names = sorted(self._lookup, key=len, reverse=True)  # longest first: "Ann Lee" > "Ann"
        alternation = "|".join(
            r"\s+".join(re.escape(w) for w in self._lookup[n].real.split()) for n in names
        )
        # Whole words: no letter or digit either side (``_`` and ``-`` separate, as in
        # file names like ``P07_John_Smith.txt``).
        self._rx = re.compile(rf"(?<![^\W_])(?:{alternation})(?![^\W_])", re.IGNORECASE)
        self._pseudonyms = {p.pseudonym.casefold() for p in self.pairs}

    def replace(self, text: str, source: str = "") -> str:
        def sub(m: re.Match[str]) -> str:
            found = m.group(0)
            pair = self._lookup.get(" ".join(found.split()).casefold())
            if pair is None:  # pragma: no cover - the regex only matches listed names
                return found
            self.counts[(source, pair.real, pair.pseudonym)] += 1
            return match_case(found, pair.pseudonym)

        return self._rx.sub(sub, text)

    def __call__(self, text: str, source: Path | str) -> str:
        src = Path(source).name
        out = self.replace(text, src)
        if self.nlp is not None and len(out) > 40:
            self._find_candidates(out, src)
        return out

    def _find_candidates(self, text: str, source: str) -> None:
        for ent in self.nlp(text).ents:
            if ent.label_ not in ("PERSON", "PER"):
                continue
            name = " ".join(ent.text.split())
            words = {w.casefold() for w in name.split()}
            if not name or words <= self._pseudonyms or name.casefold() in self._pseudonyms:
                continue
            self.candidates[(source, name)] += 1

    # -- reporting ---------------------------------------------------------------------
    def mapping_rows(self) -> list[dict[str, str]]:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        rows = [
            {
                "imported_at": now,
                "source_file": src,
                "real_name": real,
                "pseudonym": pseudo,
                "replacements": str(n),
                "status": "replaced",
            }
            for (src, real, pseudo), n in sorted(self.counts.items())
        ]
        rows += [
            {
                "imported_at": now,
                "source_file": src,
                "real_name": name,
                "pseudonym": "",
                "replacements": str(n),
                "status": "candidate (not replaced)",
            }
            for (src, name), n in sorted(self.candidates.items())
        ]
        return rows

    def summary(self) -> dict[str, Any]:
        per_name: Counter[str] = Counter()
        for (_, real, _), n in self.counts.items():
            per_name[real] += n
        return {
            "names": len(self.pairs),
            "replacements": sum(self.counts.values()),
            "names_found": len(per_name),
            "candidates": [
                {"source_file": src, "name": name, "occurrences": n}
                for (src, name), n in sorted(self.candidates.items())
            ],
        }


def default_mapping_path(names_csv: Path) -> Path:
    return names_csv.with_name(f"{names_csv.stem}.mapping.csv")


def mapping_target(path: Path, *, project: str | None) -> Path:
    """Where the mapping goes, checked before anything is imported: never the project."""
    path = path.expanduser().absolute()
    if project is not None and "://" not in project:
        proj = Path(project).expanduser().absolute()
        if path == proj or path.name.startswith(proj.name + "-"):
            raise InvalidInputError(f"{path}: the mapping must not be written into the project")
    if path.is_dir():
        raise InvalidInputError(f"{path}: is a folder; give a file name for the mapping")
    if not path.parent.is_dir():
        raise InvalidInputError(f"{path.parent}: no such folder for the mapping file")
    if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise InvalidInputError(f"{path}: cannot write the mapping file here")
    return path


def write_mapping(path: Path, rows: Iterable[dict[str, str]]) -> Path:
    """Append ``rows`` to the mapping CSV at ``path`` (created owner-only, with a header)."""
    new = not path.exists()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    except OSError as exc:
        raise QdaError(f"{path}: cannot write the mapping file ({exc.strerror})") from exc
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=MAPPING_FIELDS)
        if new:
            writer.writeheader()
        writer.writerows(rows)
    return path


def ner_pipeline() -> Any:
    """The configured trained spaCy pipeline if it recognises entities, else ``None``.

    Never downloads anything: with no trained pipeline configured there are simply no
    candidates.
    """
    from qda.nlp.pipeline import configured_model, get_pipeline

    if not configured_model():
        return None
    nlp = get_pipeline()
    if "ner" not in nlp.pipe_names and "entity_ruler" not in nlp.pipe_names:
        return None
    return nlp
