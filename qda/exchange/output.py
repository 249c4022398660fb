"""Writing export files safely: a temporary file that replaces the target only on success."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from qda.errors import QdaError


@dataclass
class ExportResult:
    path: str
    format: str
    documents: int = 0
    codes: int = 0
    codings: int = 0
    memos: int = 0
    participants: int = 0
    relations: int = 0
    coders: int = 0
    offsets: str = "code points"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@contextmanager
def atomic_output(out: Path) -> Iterator[Path]:
    """A temporary file beside ``out`` that replaces it only if the block succeeds."""
    out = Path(out)
    if not out.parent.is_dir():
        raise QdaError(f"{out.parent}: no such folder")
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
