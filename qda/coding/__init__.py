"""Grounded-theory coding engine: codes, codings, undo, relations, memos, analysis."""
