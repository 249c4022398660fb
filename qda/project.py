"""The Python API: a :class:`Project` object with the same operations as the CLI.

>>> import qda
>>> p = qda.open_project("study.qda", coder="ana")
>>> p.import_paths(["interviews/"])
>>> [d.name for d in p.documents()]

Each method is one unit of work and returns plain data (dataclasses, dicts, lists).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from qda.admin.api import AdminAPI
from qda.coding.api import CodingAPI
from qda.config import Config, load_config, resolve_coder
from qda.db.engine import Store, create_project, open_engine
from qda.documents import service as docs_service
from qda.documents.attributes import AttributeReport, import_attributes
from qda.documents.importer import ImportReport, import_transcripts
from qda.exchange.api import ExchangeAPI
from qda.suggest.api import SuggestAPI
from qda.team.api import TeamAPI


class Project(CodingAPI, SuggestAPI, ExchangeAPI, TeamAPI, AdminAPI):
    """An open qda project (a ``.qda`` file or a database URL).

    Each area of qda adds its methods through a mixin in its own package
    (``qda/<area>/api.py``); this class holds the store, the coder and the config.
    """

    def __init__(self, store: Store, *, coder: str | None = None, config: Config | None = None):
        self.store = store
        self.config = config or load_config()
        self.coder = resolve_coder(coder, self.config)

    # -- lifecycle -----------------------------------------------------------------
    def close(self) -> None:
        self.store.dispose()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def target(self) -> str:
        return self.store.target

    def change_stamp(self) -> str:
        """A value that changes whenever anyone changes the project: every change
        appends an event to the audit trail, so the trail's size and latest time.  On
        SQLite the newest rowid stands for the size (an index lookup, not a count)."""
        from sqlalchemy import func, literal_column, select

        from qda.db.models import Event

        with self.store.read() as s:
            sqlite = s.get_bind().dialect.name == "sqlite"
            size = func.max(literal_column("rowid")) if sqlite else func.count()
            n, latest = s.execute(select(size, func.max(Event.at)).select_from(Event)).one()
        return f"{n}:{latest}"

    # -- documents and participants ------------------------------------------------
    def import_paths(
        self,
        paths: Iterable[str | os.PathLike[str]],
        *,
        participant: str | None = None,
        strict: bool = False,
        max_bytes: int | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> ImportReport:
        """Import transcript files and folders (see :mod:`qda.documents.importer`)."""
        return import_transcripts(
            self.store,
            [Path(p) for p in paths],
            coder=self.coder,
            participant=participant,
            strict=strict,
            max_bytes=max_bytes or self.config.max_import_bytes,
            progress=progress,
        )

    def import_attributes(self, csv_path: str | os.PathLike[str]) -> AttributeReport:
        return import_attributes(self.store, Path(csv_path), coder=self.coder)

    def info(self) -> dict[str, Any]:
        return docs_service.project_info(self.store)

    def documents(self) -> list[docs_service.DocumentSummary]:
        return docs_service.list_documents(self.store)

    def participants(self) -> list[dict[str, Any]]:
        return docs_service.list_participants(self.store)

    def attributes(self) -> list[dict[str, str]]:
        return docs_service.list_attributes(self.store)

    def show(self, doc: str) -> docs_service.DocumentView:
        return docs_service.show_document(self.store, doc)

    def search(
        self, query: str, *, limit: int = 200, document: str | None = None
    ) -> list[docs_service.SearchHit]:
        return docs_service.search(self.store, query, limit=limit, document=document)


def _target(target: str | os.PathLike[str]) -> str:
    return str(target) if "://" in str(target) else str(Path(target).expanduser().absolute())


def init_project(target: str | os.PathLike[str], *, coder: str | None = None) -> Project:
    """Create a new project file (owner-only permissions) or database, and open it."""
    engine = create_project(target)
    return Project(Store(engine, _target(target)), coder=coder)


def open_project(
    target: str | os.PathLike[str], *, coder: str | None = None, read_only: bool = False
) -> Project:
    """Open an existing project; an older one is upgraded after a backup copy."""
    engine = open_engine(target, read_only=read_only)
    return Project(Store(engine, _target(target)), coder=coder)
