"""QdaScreen: what every qda screen shares (the project, database tasks, reloading)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from textual.screen import Screen

if TYPE_CHECKING:
    from qda.project import Project
    from qda.tui.app import QdaApp

T = TypeVar("T")


class QdaScreen(Screen[None]):
    """A workflow screen.  ``reload()`` fetches its data; it runs on mount and whenever
    the screen comes back to the top (another screen may have changed the project)."""

    def __init__(self, project: Project) -> None:
        super().__init__()
        self.project = project
        self._seen_version: int | None = None

    @property
    def qda(self) -> QdaApp:
        return cast("QdaApp", self.app)

    def run_db(
        self,
        fn: Callable[[], T],
        done: Callable[[T], None] | None = None,
        failed: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Run ``fn`` in a worker; ``done(result)`` afterwards on the UI thread."""
        self.qda.run_db(fn, done, owner=self, failed=failed)

    def has_api(self, name: str) -> bool:
        """Whether the project offers ``name`` (areas land one by one)."""
        return callable(getattr(self.project, name, None))

    def on_screen_resume(self) -> None:
        # Also sent when the screen is first shown (the one place a screen first loads)
        # and when a dialog above it closes: reload only if the project has changed.
        if self._seen_version != self.qda.data_version:
            self._seen_version = self.qda.data_version
            self.reload()

    def changed(self) -> None:
        """This screen wrote to the project (and reloads itself): others will reload."""
        self.qda.data_version += 1
        self._seen_version = self.qda.data_version

    def reload(self) -> None:
        """Fetch this screen's data (override)."""

    def notify_error(self, error: Any) -> None:
        self.qda.show_error(error)
