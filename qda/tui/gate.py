"""SerialGate: database tasks run one at a time, in the order they were asked for.

Each task takes a ticket on the UI thread when it is submitted; its worker thread
waits for its turn.  So "apply" then "undo" pressed quickly reach the database in
that order, and a read submitted after a write sees it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class SerialGate:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._next = 0
        self._serving = 0

    def ticket(self) -> int:
        with self._cond:
            t = self._next
            self._next += 1
            return t

    @contextmanager
    def turn(self, ticket: int) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: self._serving == ticket)
        try:
            yield
        finally:
            with self._cond:
                self._serving += 1
                self._cond.notify_all()

    @property
    def issued(self) -> int:
        """How many tasks have been asked for so far."""
        with self._cond:
            return self._next

    @property
    def busy(self) -> bool:
        with self._cond:
            return self._serving < self._next
