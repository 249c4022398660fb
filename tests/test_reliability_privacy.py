"""Privacy: project files readable by their owner only; no command touches the network.

The network test puts a ``sitecustomize.py`` on ``PYTHONPATH`` of a subprocess: it
replaces ``socket.connect``/``getaddrinfo``/``create_connection``... with a function
that records the attempt in a file and fails.  A control run proves the hook is live;
then the main commands run under it and the record must stay empty.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import qda
from tests.reliability_support import NO_NETWORK_SITECUSTOMIZE


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _no_network_env(tmp_path: Path) -> tuple[dict[str, str], Path]:
    hook = tmp_path / "nonet"
    hook.mkdir(exist_ok=True)
    (hook / "sitecustomize.py").write_text(NO_NETWORK_SITECUSTOMIZE)
    mark = tmp_path / "network-attempts.log"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(hook), os.environ.get("PYTHONPATH")])),
        "QDA_NET_MARK": str(mark),
    }
    return env, mark


RUNNER = textwrap.dedent(
    """
    import json, sys
    from qda.cli import main

    results = []
    for argv in json.loads(sys.argv[1]):
        sys.argv = ["qda", *argv]
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        results.append([argv[:2], code])
    print("RESULTS " + json.dumps(results))
    """
)


def test_the_hook_catches_connections(tmp_path: Path) -> None:
    env, mark = _no_network_env(tmp_path)
    probe = (
        "import socket, urllib.request\n"
        "for f in (lambda: socket.create_connection(('192.0.2.1', 80), timeout=1),\n"
        "          lambda: urllib.request.urlopen('http://example.org', timeout=1),\n"
        "          lambda: socket.socket().connect(('192.0.2.1', 443))):\n"
        "    try:\n"
        "        f()\n"
        "    except OSError:\n"
        "        pass\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    attempts = mark.read_text().splitlines()
    assert len(attempts) >= 3, attempts


@pytest.mark.slow
def test_main_commands_never_connect(tmp_path: Path, samples: Path) -> None:
    env, mark = _no_network_env(tmp_path)
    project = str(tmp_path / "study.qda")
    other = str(tmp_path / "other.qda")
    out = tmp_path / "out"
    out.mkdir()
    commands = [
        ["init", project],
        ["import", project, str(samples)],
        ["import", project, str(samples / "P01.txt"), "--attributes",
         str(samples / "participants.csv")],
        ["info", project, "--json"],
        ["docs", project, "--json"],
        ["participants", project, "--json"],
        ["show", project, "P01", "--json"],
        ["search", project, "physio", "--json"],
        ["code", "add", project, "seeing the physio", "--coder", "ana"],
        ["apply", project, "seeing the physio", "--doc", "P01", "--start", "0", "--end", "60",
         "--coder", "ana"],
        ["suggest", project, "seeing the physio", "--json"],
        ["export", "qdpx", project, str(out / "study.qdpx")],
        ["export", "codebook", project, str(out / "codebook.docx")],
        ["export", "report", project, str(out / "report.docx")],
        ["init", other],
        ["import", other, str(out / "study.qdpx")],
        ["merge", project, other, "--json"],
        ["check", project, "--json"],
        ["backup", project, str(out / "backup.qda")],
        ["demo", "--no-open", "--dir", str(tmp_path / "demo")],
    ]  # fmt: skip
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER, json.dumps(commands)],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    attempts = mark.read_text() if mark.exists() else ""
    assert attempts == "", f"something tried to reach the network:\n{attempts}"
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("RESULTS "))
    results = json.loads(line[len("RESULTS ") :])
    assert len(results) == len(commands)
    failed = [(argv, code) for argv, code in results if code != 0]
    assert not failed, (failed, proc.stderr[-3000:])
    # Everything written that holds the data is the owner's only: the project, its
    # -wal/-shm, the merge's safety backup, the exports and the backup.
    written = [*tmp_path.glob("study.qda*"), *out.iterdir()]
    assert len(written) >= 6
    assert {f.name: _mode(f) for f in written} == {f.name: 0o600 for f in written}


def test_project_files_owner_only(tmp_path: Path, samples: Path) -> None:
    """With a permissive umask, the project, its -wal/-shm and backups are still 0600."""
    project = tmp_path / "p.qda"
    script = (
        "import os, sys, qda\n"
        "os.umask(0)\n"
        "p = qda.init_project(sys.argv[1], coder='ana')\n"
        "p.import_paths([sys.argv[2]])\n"
        "p.add_code('c')\n"
        "for suffix in ('', '-wal', '-shm'):\n"
        "    print(suffix or 'main', oct(os.stat(sys.argv[1] + suffix).st_mode & 0o777))\n"
        "p.backup(sys.argv[1] + '.backup')\n"
        "p.close()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script, str(project), str(samples / "P01.txt")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    modes = dict(line.split() for line in proc.stdout.splitlines())
    assert set(modes.values()) == {"0o600"}, modes
    assert len(modes) == 3  # the main file, -wal and -shm all existed and were checked
    assert _mode(project) == 0o600
    assert _mode(Path(f"{project}.backup")) == 0o600


def test_demo_and_mapping_owner_only(tmp_path: Path, samples: Path) -> None:
    from qda.cli.project_cmds import build_demo

    old = os.umask(0)
    try:
        demo = build_demo(tmp_path / "demo", coder="ana")
        names = tmp_path / "names.csv"
        names.write_text("real,pseudonym\nSarah,Ruth\n")
        p = qda.init_project(tmp_path / "p.qda", coder="ana")
        try:
            report = p.import_pseudonymised([samples / "P01.txt"], names=names)
        finally:
            p.close()
    finally:
        os.umask(old)
    assert _mode(demo) == 0o600
    assert _mode(Path(report.mapping)) == 0o600
    assert _mode(tmp_path / "p.qda") == 0o600
