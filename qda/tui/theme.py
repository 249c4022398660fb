"""qda's two themes: one for dark terminals, one for light ones.

Code colours are drawn as tints blended into the background, so the same code colour
reads on either theme.  ``QDA_THEME`` or ``theme = "light"`` in the config chooses.
"""

from __future__ import annotations

import os

from textual.theme import Theme

DARK = Theme(
    name="qda-dark",
    primary="#5b9bd5",
    secondary="#3d6f99",
    accent="#f0b45a",
    warning="#f0b45a",
    error="#e0607e",
    success="#5fbf7f",
    foreground="#e4e4e4",
    background="#1b1d21",
    surface="#22252a",
    panel="#2c3038",
    dark=True,
)

LIGHT = Theme(
    name="qda-light",
    primary="#2f6aa3",
    secondary="#4c86bf",
    accent="#a8560c",
    warning="#a8560c",
    error="#b3261e",
    success="#2e7d32",
    foreground="#1d1f23",
    background="#f7f7f5",
    surface="#ffffff",
    panel="#e8e9ec",
    dark=False,
)

THEMES = (DARK, LIGHT)


def default_theme(config_value: object = None) -> str:
    """``qda-dark`` unless ``QDA_THEME`` or the config ask for ``light``."""
    wanted = os.environ.get("QDA_THEME") or (config_value if isinstance(config_value, str) else "")
    return LIGHT.name if wanted.strip().lower() in ("light", "qda-light") else DARK.name
