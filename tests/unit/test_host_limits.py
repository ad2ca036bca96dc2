"""Host-side bounds of issue #11 without Docker: the iterative walk, the token scan, the log gate."""

from __future__ import annotations

import io
import os
import subprocess
import warnings
from pathlib import Path

from grader.github import actions, commands
from grader.github.settings import GitHubSettings
from grader.models import Report, RunStatus, Status, TestScore
from grader.submission.integrity import scan_source, shadowed_modules, token_scan
from grader.submission.staging import walk


def test_walk_matches_os_walk_and_prunes(tmp_path: Path) -> None:
    for rel in ("a/b/c.txt", "a/d.py", "e/f/g/h.txt", "top.py", ".git/x"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    os.symlink(tmp_path / "a", tmp_path / "link")
    ours = {(p, tuple(sorted(d)), tuple(sorted(f))) for p, d, f in walk(tmp_path)}
    theirs = {(p, tuple(sorted(d)), tuple(sorted(f))) for p, d, f in os.walk(tmp_path)}
    assert ours == theirs
    seen = []
    for path, dirs, _ in walk(tmp_path):
        dirs[:] = [d for d in dirs if d != "e"]
        seen.append(os.path.relpath(path, tmp_path))
    assert not any(p.startswith("e") for p in seen) and "a/b" in seen


def test_walk_has_no_recursion_limit(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    fd = os.open(tmp_path, os.O_RDONLY)
    for _ in range(1100):
        os.mkdir("d", dir_fd=fd)
        inner = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = inner
    os.close(fd)
    monkeypatch.chdir(tmp_path)  # os.walk raises RecursionError here (Python 3.11)
    try:
        assert sum(1 for _ in walk("d")) == 1100
    finally:
        subprocess.run(["rm", "-rf", str(tmp_path / "d")], check=True)  # rmtree recurses too


def test_the_scan_prints_no_warning_and_falls_back_to_tokens() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert scan_source(b"x = 0x1for\nimport ctypes\n", "::notice::m.py") == []  # a SyntaxError: nothing
        found = scan_source(b"import gc\ny = 1if 1 else 2\n", "::notice::n.py")
    assert caught == []
    assert [f.kind for f in found] == ["suspicious-import"]
    deep = "import os\nos._exit(1)\nx = " + " + ".join(["1"] * 6000) + "\n"  # RecursionError in ast.parse
    assert [(f.kind, f.detail) for f in scan_source(deep, "d.py")] == [
        ("early-exit", "calls os._exit (ends the test process at once) (line 2)")
    ]
    assert token_scan("s = '::stop-commands::x'\n", "s.py")[0].kind == "suspicious-string"


def test_shadowed_modules_names_the_file_and_the_module() -> None:
    found = shadowed_modules(["cmd.py", "calc.py", "random/__init__.py", "pkg/code.py"])
    assert [(f.path, f.detail.split(":")[0]) for f in found] == [
        ("cmd.py", "cmd.py has the name of the standard module `cmd`, which pytest uses"),
        ("random/", "random/ shadows the standard module `random`"),
    ]


def test_the_log_gate_opens_only_around_the_graders_commands(tmp_path: Path) -> None:
    stream = io.StringIO()
    gate = commands.LogGate(stream)
    gate.close()
    stream.write("::notice title=Autograding complete::Points 12/12\n")  # e.g. a file name, printed
    passed, failed = TestScore("t.py::a", Status.PASSED, 1, 1), TestScore("t.py::b", Status.FAILED, 0, 1, file="c.py")
    report = Report(score=1, max_score=2, status=RunStatus.FAIL, tests=(passed, failed))
    old, commands.ACTIONS_LOG = commands.ACTIONS_LOG, gate
    try:
        actions.emit_github(report, GitHubSettings(in_actions=True), report_path=None, stream=stream)
    finally:
        commands.ACTIONS_LOG = old
    lines = stream.getvalue().splitlines()
    first, forged, resume, *written, last = lines
    assert first.startswith("::stop-commands::") and resume == f"::{first.removeprefix('::stop-commands::')}::"
    assert forged.startswith("::notice") and last.startswith("::stop-commands::") and last != first
    assert [c.split(" ")[0] for c in written] == ["::error", "::notice", "::notice"]
    assert gate.token == last.removeprefix("::stop-commands::")
