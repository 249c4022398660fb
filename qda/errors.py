"""Errors that reach the user as one line.

Every error a user can cause (bad input, an unknown name, a busy project) is a
:class:`QdaError`; the CLI prints its message on one line and exits non-zero, the
TUI shows it in a modal.  Anything else is a bug.
"""

from __future__ import annotations


class QdaError(Exception):
    """An error caused by the user's input or environment, with a one-line message."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))

    @property
    def message(self) -> str:
        return str(self)


class NotFoundError(QdaError):
    """A document, code, coding, memo... that does not exist."""


class AmbiguousError(QdaError):
    """A name that matches more than one thing."""


class InvalidInputError(QdaError):
    """A value that is out of range or malformed (an offset past the end, a cycle)."""


class ImportFileError(QdaError):
    """A file that cannot be imported (binary, undecodable, corrupt, too large)."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class ProjectError(QdaError):
    """A project that cannot be opened: missing, not a qda project, from a newer qda."""

    exit_code = 2


class ProjectBusyError(QdaError):
    """Another process holds the write lock for longer than the busy timeout."""

    exit_code = 3
