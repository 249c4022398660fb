"""InvivoPickerModal: a picker whose later choices arrive from a thread worker.

The in-vivo action shows the selected words at once (so ``v`` Enter codes at once, as
it always did) and adds the salient phrases when they have been found: finding them
reads the other transcripts and, the first time, loads the lemma tables, which may
take a second.  The worker is read-only and runs beside the app's database queue, so
a coding chosen meanwhile is not held up behind it.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable

from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import OptionDoesNotExist
from textual.worker import Worker, WorkerState

from qda.errors import QdaError
from qda.tui.modals.picker import Choice, PickerModal

log = logging.getLogger(__name__)


class InvivoPickerModal(PickerModal):
    """``choices`` now, then those that ``find()`` returns (run in a thread worker)."""

    def __init__(
        self,
        title: str,
        choices: list[Choice],
        find: Callable[[], list[Choice]] | None,
        *,
        found_hint: str = "",
        none_hint: str = "No other phrase stands out here.",
    ) -> None:
        busy = "Looking for salient phrases in the participant's words…"
        super().__init__(title, choices, hint=busy if find is not None else found_hint or " ")
        self.find = find
        self.found_hint = found_hint
        self.none_hint = none_hint
        self.searching = find is not None

    def on_mount(self) -> None:
        super().on_mount()
        if self.find is not None:
            self.run_worker(self.find, thread=True, group="invivo", exit_on_error=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group != "invivo" or event.state not in (
            WorkerState.SUCCESS,
            WorkerState.ERROR,
        ):
            return
        event.stop()
        self.searching = False
        if event.state == WorkerState.SUCCESS:
            added = self.add_choices(worker.result or [])
            self._say(self.found_hint if added else self.none_hint)
            return
        error = worker.error
        if not isinstance(error, QdaError):
            log.warning("in-vivo candidates failed", exc_info=error)
        self._say(f"Could not look for phrases: {error}")

    def add_choices(self, more: list[Choice]) -> int:
        """Append ``more`` (names already offered are skipped); the highlight stays put."""
        have = {c.label.lower() for c in self.choices}
        new: list[Choice] = []
        for c in more:
            if c.label.lower() not in have:
                have.add(c.label.lower())
                new.append(c)
        if not new:
            return 0
        keep = self.highlighted_id()
        self.choices = [*self.choices, *new]
        self.refilter(self.query_one("#query", Input).value)
        if keep is not None:
            options = self.query_one("#choices", OptionList)
            with contextlib.suppress(OptionDoesNotExist):
                options.highlighted = options.get_option_index(keep)
        return len(new)

    def _say(self, text: str) -> None:
        found = self.query(".picker-hint")
        if found:
            found.first(Static).update(text)
