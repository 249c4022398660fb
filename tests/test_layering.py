"""Nothing outside qda/tui/ imports Textual; the headless core starts without it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import qda

PKG = Path(qda.__file__).resolve().parent


def test_no_module_outside_tui_imports_textual() -> None:
    offenders = []
    for path in PKG.rglob("*.py"):
        rel = path.relative_to(PKG)
        if rel.parts[0] == "tui":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n == "textual" or n.startswith("textual.") for n in names):
                # cli/project_cmds imports qda.tui lazily inside `open`; textual itself never.
                offenders.append(f"{rel}:{node.lineno}")
    assert offenders == []


def test_importing_the_core_does_not_load_textual() -> None:
    code = (
        "import sys, importlib, pkgutil, qda\n"
        "mods = [m.name for m in pkgutil.walk_packages(qda.__path__, 'qda.')\n"
        "        if not m.name.startswith('qda.tui') and m.name not in ('qda.__main__',)\n"
        "        and not m.name.startswith(('qda.bench.', 'qda.db.migrations'))]\n"
        "for m in mods: importlib.import_module(m)\n"
        "import qda.cli\n"
        "bad = sorted(n for n in sys.modules if n == 'textual' or n.startswith('textual.'))\n"
        "print(len(mods)); print(bad)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    count, bad = res.stdout.strip().splitlines()
    assert int(count) > 15
    assert bad == "[]"


def test_the_command_line_starts_without_the_database_layers() -> None:
    """`qda --help` and `qda --version` stay quick: SQLAlchemy, numpy and spaCy load only
    when a command needs them."""
    code = (
        "import sys, qda.cli\n"
        "heavy = ('sqlalchemy', 'numpy', 'spacy', 'alembic', 'textual')\n"
        "print(sorted(n for n in sys.modules if n.split('.')[0] in heavy and '.' not in n))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.strip() == "[]"
