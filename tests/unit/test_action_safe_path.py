"""The action's steps run in the student's repository: a Python started there with `-m` or `-c` puts that
folder first on sys.path, so a `grader/`, `pip/` or `platform.py` the student committed would run on the
runner, outside the sandbox (in the Post step, with the token). Every python of action.yml runs with -P
(safe path, Python 3.11+) or -I; the one exception is the version check, which imports only `sys` (built
in, never shadowed) and must run on any Python to say that it is too old."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
PYTHON = re.compile(r'(?:python3|"\$VENV/bin/python"|"\$PY")\s+(-\S+)')


def python_calls() -> list[tuple[str, str]]:
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    calls = []
    for step in action["runs"]["steps"]:
        for line in str(step.get("run", "")).splitlines():
            calls += [(m.group(1), line.strip()) for m in PYTHON.finditer(line)]
    return calls


def test_every_python_of_the_action_ignores_the_working_folder() -> None:
    calls = python_calls()
    assert len(calls) >= 8  # the pattern sees the action's pythons
    unsafe = [line for flag, line in calls if flag not in ("-P", "-I")]
    assert unsafe == ["if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then"]


def test_a_grader_folder_in_the_working_folder_is_not_imported(tmp_path: Path) -> None:
    """What -P prevents, on this interpreter."""
    (tmp_path / "grader").mkdir()
    (tmp_path / "grader" / "__init__.py").write_text("")
    (tmp_path / "grader" / "__main__.py").write_text("print('the student ran code')")
    def run(*flags: str) -> str:
        return subprocess.run([sys.executable, *flags, "-m", "grader", "--help"], cwd=tmp_path,
                              capture_output=True, text=True).stdout  # fmt: skip

    unsafe, safe = run(), run("-P")
    assert "the student ran code" in unsafe
    assert "the student ran code" not in safe and "usage: grader" in safe
