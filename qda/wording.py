"""Small wording helpers shared by the CLI, the reports and the workbench."""

from __future__ import annotations


def plural(n: int, word: str, many: str | None = None) -> str:
    """``"1 code"``, ``"2 codes"``; ``many`` for irregular plurals ("1 analysis", ...)."""
    return f"{n:,} {word if n == 1 else many or word + 's'}"


def singular(word: str) -> str:
    """The singular of a regular English plural ("categories" -> "category")."""
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word
