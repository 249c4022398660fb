"""Which screens exist: qda's own, and the plug-in screens of other areas if installed.

The suggestions and team screens are written by their own areas
(``qda/tui/screens/suggestions.py`` with ``SuggestionsScreen``,
``qda/tui/screens/team.py`` with ``TeamScreen``, each built as ``Screen(project)``);
they are looked up when asked for, so the app runs with or without them.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

log = logging.getLogger(__name__)

# name -> (module, class, key, title, description)
SCREENS: dict[str, tuple[str, str, str, str, str]] = {
    "home": ("home", "HomeScreen", "1", "Home", "The project and its transcripts"),
    "coding": ("coding", "CodingScreen", "2", "Coding", "Code a transcript"),
    "codebook": ("codebook", "CodebookScreen", "3", "Codebook", "Define, move, merge codes"),
    "compare": ("compare", "CompareScreen", "4", "Compare", "Segments side by side"),
    "memos": ("memos", "MemosScreen", "5", "Memos", "Notes on codes and theory"),
    "reports": ("reports", "ReportsScreen", "6", "Reports", "Saturation, matrices, exports"),
    "suggestions": (
        "suggestions", "SuggestionsScreen", "7", "Suggestions", "Passages that may fit a code",
    ),
    "team": ("team", "TeamScreen", "8", "Team", "Merge, agreement"),
}  # fmt: skip


def screen_class(name: str) -> Any | None:
    """The screen class for ``name``, or None if its module is not installed."""
    module, cls, *_ = SCREENS[name]
    try:
        mod = importlib.import_module(f"qda.tui.screens.{module}")
    except ImportError as exc:
        log.debug("screen %s unavailable: %s", name, exc)
        return None
    except Exception:  # a plug-in screen being written by another area must not stop qda
        log.exception("screen %s failed to import", name)
        return None
    return getattr(mod, cls, None)


def available() -> list[str]:
    return [name for name in SCREENS if screen_class(name) is not None]
