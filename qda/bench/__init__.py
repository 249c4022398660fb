"""Benchmarks: ``python -m qda.bench`` builds synthetic projects and prints a table.

Each area adds a module here with ``run(ctx) -> list[Row]``; see ``__main__.py``.
"""
