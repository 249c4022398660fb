"""User configuration: who the coder is, limits, the NLP pipeline.

The config file is TOML at ``platformdirs.user_config_path("qda") / "config.toml"``
(override with ``QDA_CONFIG``).  Nothing here imports Textual.
"""

from __future__ import annotations

import getpass
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from qda.errors import QdaError

DEFAULT_MAX_IMPORT_BYTES = 50 * 1024 * 1024


def config_path() -> Path:
    env = os.environ.get("QDA_CONFIG")
    if env:
        return Path(env)
    return platformdirs.user_config_path("qda") / "config.toml"


def data_dir() -> Path:
    """Where qda keeps its own files (the demo project) unless told otherwise."""
    env = os.environ.get("QDA_DATA_DIR")
    if env:
        return Path(env)
    return platformdirs.user_data_path("qda")


@dataclass(frozen=True)
class Config:
    coder: str | None = None
    max_import_bytes: int = DEFAULT_MAX_IMPORT_BYTES
    spacy_model: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def load_config(path: Path | None = None) -> Config:
    """Read the config file; a missing file gives the defaults."""
    p = path or config_path()
    if not p.exists():
        return Config()
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise QdaError(f"cannot read config file {p}: {exc}") from exc
    max_mb = data.get("max_import_mb")
    return Config(
        coder=data.get("coder"),
        max_import_bytes=int(max_mb * 1024 * 1024) if max_mb else DEFAULT_MAX_IMPORT_BYTES,
        spacy_model=data.get("spacy_model"),
        extra=data,
    )


def resolve_coder(explicit: str | None = None, config: Config | None = None) -> str:
    """The coder: ``--coder``, else ``QDA_CODER``, else the config file, else the OS user."""
    if explicit and explicit.strip():
        return explicit.strip()
    env = os.environ.get("QDA_CODER", "").strip()
    if env:
        return env
    cfg = config or load_config()
    if cfg.coder and cfg.coder.strip():
        return cfg.coder.strip()
    try:
        return getpass.getuser()
    except Exception:  # getuser raises various errors when no user can be found
        return "coder"
