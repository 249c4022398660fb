"""Messages the app passes around (past-tense events, posted from workers)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.message import Message


class TaskFinished(Message):
    """A database task finished in a worker thread; ``done`` runs on the UI thread."""

    def __init__(self, done: Callable[[Any], None] | None, result: Any, owner: Any) -> None:
        super().__init__()
        self.done = done
        self.result = result
        self.owner = owner


class TaskFailed(Message):
    """A database task raised; the app shows the error in a modal."""

    def __init__(
        self,
        error: BaseException,
        owner: Any,
        failed: Callable[[BaseException], None] | None = None,
    ) -> None:
        super().__init__()
        self.error = error
        self.owner = owner
        self.failed = failed


class ProjectChanged(Message):
    """Something was written to the project (codings, codes, memos...)."""

    def __init__(self, what: str) -> None:
        super().__init__()
        self.what = what


class ProgressUpdated(Message):
    """Progress of long work (import, export, merge): ``done`` of ``total``."""

    def __init__(self, label: str, done: int, total: int | None) -> None:
        super().__init__()
        self.label = label
        self.done = done
        self.total = total

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ProgressUpdated) and message.label == self.label
