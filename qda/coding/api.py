"""The coding methods of :class:`qda.Project` (a mixin; see qda/project.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qda.config import Config
    from qda.db.engine import Store


class CodingAPI:
    store: Store
    coder: str
    config: Config
