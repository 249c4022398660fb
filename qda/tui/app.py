"""QdaApp: the terminal workbench.  Thin: screens, workers, errors and navigation.

``run_app(project)`` is what ``qda open`` and ``qda demo`` call.  Database work runs
in thread workers (:meth:`QdaApp.run_db`), one task at a time in order; results come
back as messages handled on the UI thread; errors open an :class:`ErrorModal`.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen, Screen

from qda.errors import QdaError
from qda.tui.commands import ProjectCommands, binding_commands
from qda.tui.gate import SerialGate
from qda.tui.messages import TaskFailed, TaskFinished
from qda.tui.modals.error import ErrorModal
from qda.tui.modals.help import HelpModal, binding_rows
from qda.tui.navigation import SCREENS, screen_class
from qda.tui.screens.base import QdaScreen
from qda.tui.theme import DARK, LIGHT, THEMES, default_theme

if TYPE_CHECKING:
    from qda.project import Project

T = TypeVar("T")
log = logging.getLogger(__name__)


def _nav_bindings() -> list[BindingType]:
    return [
        Binding(key, f"go('{name}')", title, show=False, id=f"app.go.{name}", tooltip=desc)
        for name, (_m, _c, key, title, desc) in SCREENS.items()
    ]


class QdaApp(App[None]):
    """qda's Textual app: one project, a stack of screens, workers for the database."""

    CSS_PATH = "app.tcss"
    WATCH_SECONDS = 2.0  # how often to look for changes made by other processes
    TITLE = "qda"
    COMMANDS: ClassVar[set[Any]] = App.COMMANDS | {ProjectCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark,f1", "help", "Help", id="app.help", tooltip="Keys of this screen"),
        Binding("escape", "back", "Back", show=False, id="app.back"),
        *_nav_bindings(),
    ]

    def __init__(
        self, project: Project, *, catch_errors: bool | None = None, theme: str | None = None
    ) -> None:
        super().__init__()
        self.project = project
        self.gate = SerialGate()
        self.catch_errors = catch_errors
        self.errors: list[str] = []
        self.last_document: str | None = None
        self.recent_codes: list[str] = []
        # the code last shown on the suggestions / compare screens: a number key shows it
        self.last_suggest_code: str | None = None
        self.last_compare_code: str | None = None
        self.data_version = 0
        self._stamp: str | None = None  # the project's change stamp the screens show
        self._watching = False
        self._wanted_theme = theme or default_theme(project.config.extra.get("theme"))
        for t in THEMES:
            self.register_theme(t)
        self.theme = self._wanted_theme

    def get_default_screen(self) -> Screen[Any]:
        from qda.tui.screens.home import HomeScreen

        return HomeScreen(self.project)

    def on_mount(self) -> None:
        target = self.project.target
        self.title = f"qda · {target.rsplit('/', 1)[-1] if '://' not in target else target}"
        if self.WATCH_SECONDS:
            self.set_interval(self.WATCH_SECONDS, self._watch_project)

    # -- changes made elsewhere -------------------------------------------------
    def _watch_project(self) -> None:
        """Every few seconds: has another process (the CLI, a colleague on the team
        server, a notebook) changed the project?  Then the screens reload."""
        if self.gate.busy or self._watching:
            return  # our own work first; look again next time
        self._watching = True
        self._stamp_worker(self.gate.issued)

    @work(thread=True, group="watch", exit_on_error=False)
    def _stamp_worker(self, issued: int) -> None:
        self.call_from_thread(self._stamp_seen, self._read_stamp(), issued)

    def _stamp_seen(self, stamp: str | None, issued: int) -> None:
        self._watching = False
        if stamp is None or stamp == self._stamp or self.gate.issued != issued:
            return  # unchanged, or our own work ran meanwhile: look again next time
        if self._stamp is not None:
            self.data_version += 1
            self.notify("The project was changed elsewhere: reloaded.", timeout=3)
            screen = self.screen
            if isinstance(screen, QdaScreen):
                screen.on_screen_resume()
        self._stamp = stamp

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: Any = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """A toast; shown literally by default (names like "[laughs]" are user text)."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    # -- database work ---------------------------------------------------------
    def run_db(
        self,
        fn: Callable[[], T],
        done: Callable[[T], None] | None = None,
        *,
        owner: Any = None,
        failed: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Run ``fn`` in a worker thread (in submission order); ``done(result)`` on the UI;
        on an error, ``failed(error)`` (if given) and then the error modal."""
        self._db_worker(self.gate.ticket(), fn, done, owner, failed)

    @work(thread=True, group="db", exit_on_error=False)
    def _db_worker(
        self, ticket: int, fn: Callable[[], Any], done: Any, owner: Any, failed: Any
    ) -> None:
        with self.gate.turn(ticket):
            known = self._stamp
            before = self._read_stamp() if known is not None else None
            try:
                result = fn()
            except Exception as exc:
                self.post_message(TaskFailed(exc, owner, failed))
                return
            if known is not None and before == known:
                # only our own changes since the watcher last looked: nothing to reload
                self._stamp = self._read_stamp() or known
        self.post_message(TaskFinished(done, result, owner))

    def _read_stamp(self) -> str | None:
        try:
            return self.project.change_stamp()
        except Exception:
            return None

    def on_task_finished(self, message: TaskFinished) -> None:
        owner = message.owner
        if message.done is None or (owner is not None and (owner._closing or owner._closed)):
            return  # the screen that asked has gone
        try:
            message.done(message.result)
        except Exception as exc:
            if not self._catching(exc):
                raise
            self.show_error(exc)

    def on_task_failed(self, message: TaskFailed) -> None:
        if message.failed is not None:
            message.failed(message.error)
        self.show_error(message.error)

    # -- errors ----------------------------------------------------------------
    def show_error(self, error: BaseException | str) -> None:
        """Show an error in a modal: a QdaError's own words, else a short internal error."""
        if isinstance(error, str):
            text = error
        elif isinstance(error, QdaError):
            text = str(error)
        else:
            where = self._log_internal(error)
            text = f"internal error: {type(error).__name__}: {error}\n(details in {where})"
        self.errors.append(text)
        self.push_screen(ErrorModal(text))

    def _log_internal(self, error: BaseException) -> str:
        from qda.config import data_dir

        path = data_dir() / "tui-errors.log"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as fh:
                fh.write(f"--- {datetime.now(UTC).isoformat()}\n")
                fh.write("".join(traceback.format_exception(error)))
        except OSError:
            return "the log (could not be written)"
        return str(path)

    def _catching(self, error: BaseException) -> bool:
        """Whether an error becomes a modal (always for QdaError; for bugs, in real use)."""
        if isinstance(error, QdaError):
            return True
        return self.catch_errors if self.catch_errors is not None else not self.is_headless

    async def _dispatch_action(self, namespace: Any, action_name: str, params: Any) -> bool:
        # Every key binding and palette command goes through here: an error in one
        # becomes a modal and the app goes on.
        try:
            return await super()._dispatch_action(namespace, action_name, params)
        except Exception as exc:
            if not self._catching(exc):
                raise
            self.show_error(exc)
            return True

    def _handle_exception(self, error: Exception) -> None:
        # Anything else that escapes stops the part of Textual that ran it, so the app
        # cannot safely go on: leave cleanly with one line (the details in a log file),
        # not a traceback on the screen.
        if self._catching(error):
            where = self._log_internal(error)
            text = f"qda: internal error: {type(error).__name__}: {error} (details in {where})"
            self.exit(return_code=70, message=text)
            return
        super()._handle_exception(error)

    # -- navigation ------------------------------------------------------------
    MAX_DEPTH = 16  # screens kept on the way back (beyond it, the top one is replaced)

    def open_screen(self, screen: Screen[Any]) -> None:
        """Show a workflow screen on top of the current one, so that Escape comes back
        to it (the screens below form the way back)."""
        if len(self.screen_stack) >= self.MAX_DEPTH:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def _back_to(self, wanted: Callable[[Screen[Any]], bool]) -> bool:
        """If a screen on the way back is ``wanted``, go back to it (True)."""
        stack = self.screen_stack
        at = next((i for i in range(len(stack) - 1, 0, -1) if wanted(stack[i])), None)
        if at is None:
            return False
        for _ in range(len(stack) - 1 - at):
            self.pop_screen()
        return True

    def action_back(self) -> None:  # type: ignore[override]
        """Escape: back to the previous screen of the user's path (home at the bottom)."""
        if len(self.screen_stack) > 1 and not isinstance(self.screen, ModalScreen):
            self.pop_screen()

    def action_go(self, name: str) -> None:
        """A number key: straight to that screen (back to it, if it is on the way back)."""
        if name == "home":
            while len(self.screen_stack) > 1:
                self.pop_screen()
            return
        if name == "coding":
            if self.last_document is None:
                self.notify(self.no_document_hint())
                return
            from qda.tui.screens.coding import CodingScreen

            doc_id = self.last_document
            if not self._back_to(lambda s: isinstance(s, CodingScreen) and s.doc_id == doc_id):
                self.open_document(doc_id)
            return
        cls = screen_class(name)
        if cls is None:
            self.notify(f"The {name} screen is not available in this copy of qda.")
            return
        if type(self.screen) is cls or self._back_to(lambda s: type(s) is cls):
            return
        self.open_screen(cls(self.project))

    def no_document_hint(self) -> str:
        """What ``2`` says before a transcript has been chosen."""
        home = self.screen_stack[0] if self.screen_stack else None
        if getattr(home, "document_count", None) == 0:
            return "No transcripts yet: press i on the home screen to import."
        return "Choose a transcript first (Enter on the home screen)."

    def open_document(self, doc_id: str, *, select: tuple[int, int] | None = None) -> None:
        """Open a transcript in the coding screen (optionally selecting a span)."""
        from qda.tui.screens.coding import CodingScreen

        self.last_document = doc_id
        current = self.screen
        if isinstance(current, CodingScreen) and current.doc_id == doc_id:
            if select:
                current.select(*select)
            return
        self.open_screen(CodingScreen(self.project, doc_id, select=select))

    def compare_code(self, code_id: str) -> None:
        """Open the compare screen on one code's segments."""
        cls = screen_class("compare")
        if cls is not None:
            self.open_screen(cls(self.project, code_id=code_id))

    def suggest_for(self, code_id: str | None) -> None:
        """Open the suggestions screen on one code (None: it asks which), above the
        current screen so that Escape comes back to it."""
        cls = screen_class("suggestions")
        if cls is None:
            self.notify("The suggestions screen is not available in this copy of qda.")
            return
        self.open_screen(cls(self.project, code=code_id, ask=code_id is None))

    def action_help(self) -> None:
        screen = self.screen
        if isinstance(screen, HelpModal):
            return
        name = screen.sub_title or type(screen).__name__.removesuffix("Screen")
        self.push_screen(HelpModal(name, binding_rows(screen)))

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT.name if self.theme == DARK.name else DARK.name

    def remember_code(self, code_id: str) -> None:
        if code_id in self.recent_codes:
            self.recent_codes.remove(code_id)
        self.recent_codes.insert(0, code_id)
        del self.recent_codes[12:]

    # -- command palette -------------------------------------------------------
    def undo_anywhere(self, redo: bool = False) -> None:
        """Undo (or redo) the coder's last change from any screen, then reload it."""
        fn = self.project.redo if redo else self.project.undo
        word = "Redone" if redo else "Undone"

        def done(what: Any) -> None:
            self.notify(f"{word}: {what}" if what else f"Nothing to {word[:-2].lower()}")
            reload = getattr(self.screen, "reload", None)
            if callable(reload):
                reload()

        self.run_db(fn, done)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        for name, (_m, _c, key, title, desc) in SCREENS.items():
            if name in ("suggestions", "team") and screen_class(name) is None:
                continue
            yield SystemCommand(
                f"Go to {title}", f"{desc} ({key})", lambda n=name: self.action_go(n)
            )
        own = list(binding_commands(screen))
        yield from own
        titles = {c.title for c in own}
        if "Undo" not in titles:
            yield SystemCommand("Undo", "Undo your last change (any screen)", self.undo_anywhere)
        if "Redo" not in titles:
            yield SystemCommand(
                "Redo", "Redo what you last undid (any screen)", partial(self.undo_anywhere, True)
            )
        yield SystemCommand(
            "Toggle light / dark theme", "For light or dark terminals", self.action_toggle_theme
        )
        yield SystemCommand("Keys", "All the keys of this screen (?)", self.action_help)
        for command in super().get_system_commands(screen):
            if command.title != "Keys":  # Textual's own help panel: ours is the one above
                yield command


def run_app(project: Project) -> None:
    """Open the workbench on ``project`` (blocks until the user quits)."""
    app = QdaApp(project)
    app.run()
    if app.return_code:  # an internal error ended it (already reported in one line)
        raise SystemExit(app.return_code)
