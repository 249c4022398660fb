"""The real `qda` command: demo, info, docs, participants, show, search, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import qda_cmd


@pytest.fixture(scope="module")
def demo_cli(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("cli-demo")
    res = qda_cmd("demo", "--no-open", "--dir", str(where), "--coder", "ana")
    assert res.returncode == 0, res.stderr
    path = Path(res.stdout.strip().splitlines()[-1])
    assert path == where / "demo.qda" and path.exists()
    return path


def test_info_counts_everything(demo_cli: Path, samples: Path) -> None:
    res = qda_cmd("info", str(demo_cli), "--json")
    assert res.returncode == 0, res.stderr
    info = json.loads(res.stdout)
    transcripts = [p for p in samples.iterdir() if p.suffix in (".txt", ".docx", ".vtt")]
    assert info["documents"] == len(transcripts) >= 12
    assert info["participants"] == 14
    assert info["words"] > 12 * 1500
    assert info["coders"] == ["ana"]


def test_docs_and_participants_json(demo_cli: Path) -> None:
    docs = json.loads(qda_cmd("docs", str(demo_cli), "--json").stdout)
    assert {d["name"] for d in docs} >= {"P01", "P09", "P12", "P14"}
    assert all(d["id"] and d["participant"] == d["name"] for d in docs)
    people = json.loads(qda_cmd("participants", str(demo_cli), "--json").stdout)
    p07 = next(p for p in people if p["name"] == "P07")
    assert p07["attributes"]["age"] == 52 and p07["documents"] == ["P07"]


def test_search_finds_physio_in_several_documents(demo_cli: Path) -> None:
    res = qda_cmd("search", str(demo_cli), "physio", "--json")
    assert res.returncode == 0, res.stderr
    hits = json.loads(res.stdout)
    assert len({h["document"] for h in hits}) >= 5
    texts: dict[str, str] = {}
    for h in hits:
        if h["document"] not in texts:
            shown = json.loads(qda_cmd("show", str(demo_cli), h["document"], "--json").stdout)
            texts[h["document"]] = shown["text"]
        t = texts[h["document"]]
        assert t[h["start"] : h["end"]].lower() == "physio"
        assert h["match"] == t[h["start"] : h["end"]]
        assert h["sentence_start"] <= h["start"] < h["end"] <= h["sentence_end"]
        assert f"[{h['match']}]" in h["snippet"]
        if len(texts) > 3:
            break


def test_search_phrase_and_prefix(demo_cli: Path) -> None:
    hits = json.loads(qda_cmd("search", str(demo_cli), '"no difference"', "--json").stdout)
    assert hits and all(h["match"].lower() == "no difference" for h in hits)
    pre = json.loads(qda_cmd("search", str(demo_cli), "physiother*", "--json").stdout)
    assert pre and all(h["match"].lower().startswith("physiother") for h in pre)


def test_show_json_has_turns_and_sentences(demo_cli: Path) -> None:
    view = json.loads(qda_cmd("show", str(demo_cli), "P12", "--json").stdout)
    assert view["turns"][0]["speaker"] == "Interviewer"
    assert view["turns"][0]["start_ms"] is not None
    for s in view["sentences"]:
        assert view["text"][s["start"] : s["end"]] == s["text"]


def test_user_text_prints_as_written_not_as_markup(demo_cli: Path, tmp_path: Path) -> None:
    """Transcripts say "[laughs]"; Rich would take it for a style tag and drop it."""
    shown = qda_cmd("show", str(demo_cli), "P01").stdout
    assert "not the person attached to it. [laughs] Does that make sense?" in shown
    copy = tmp_path / "markup.qda"
    copy.write_bytes(demo_cli.read_bytes())
    assert qda_cmd("code", "add", str(copy), "[bold]odd[/] name").returncode == 0
    res = qda_cmd("apply", str(copy), "[bold]odd[/] name", "--doc", "P01", "--quote",
                  "I was just the back")  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "[bold]odd[/] name" in qda_cmd("code", "list", str(copy)).stdout
    segs = qda_cmd("segments", str(copy), "[bold]odd[/] name").stdout
    assert segs.startswith("[bold]odd[/] name: 1 segment, 1 participant")
    assert "[laughs] Does that make sen" in segs


@pytest.mark.parametrize(
    "args, message",
    [
        (["info", "{tmp}/missing.qda"], "no such project"),
        (["show", "{demo}", "P99"], "no document 'P99'"),
        (["init", "{demo}"], "already exists"),
        (["info", "{tmp}/garbage.qda"], "not a qda project"),
    ],
)
def test_errors_are_one_line(demo_cli: Path, tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "garbage.qda").write_bytes(b"hello, not a database" * 10)
    res = qda_cmd(*[a.format(tmp=tmp_path, demo=demo_cli) for a in args])
    assert res.returncode != 0
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("qda: error: ") and message in lines[0]
    assert "Traceback" not in res.stderr


def test_import_reports_skipped_files_and_exits_non_zero(tmp_path: Path) -> None:
    project = tmp_path / "p.qda"
    assert qda_cmd("init", str(project)).returncode == 0
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "P01.txt").write_text("Interviewer: hi\n\nP01: hello\n", encoding="utf-8")
    (tmp_path / "in" / "P02.txt").write_bytes(b"\xff\xfe")
    res = qda_cmd("import", str(project), str(tmp_path / "in"), "--json")
    assert res.returncode == 1
    data = json.loads(res.stdout)
    assert [d["name"] for d in data["imported"]] == ["P01"]
    assert "P02.txt: empty" in res.stderr
    again = qda_cmd("import", str(project), str(tmp_path / "in" / "P01.txt"), "--json")
    assert again.returncode == 0 and json.loads(again.stdout)["duplicates"]


def test_version_and_help() -> None:
    assert qda_cmd("--version").stdout.startswith("qda ")
    helptext = qda_cmd("--help").stdout
    for command in ("init", "import", "info", "docs", "search", "open", "demo"):
        assert command in helptext
