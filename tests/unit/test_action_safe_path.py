"""The action's steps run in the student's repository: a Python started there with `-m` or `-c` puts that
folder first on sys.path, so a `grader/`, `pip/` or `platform.py` the student committed would run on the
runner, outside the sandbox (in the Post step, with the token). Every python of action.yml runs with -I:
no working folder on sys.path (-P), and no PYTHONPATH either, which a workflow may set to the repository.

The steps that need no path of the repository (preparing, installing, building) start in the runner's
temporary folder instead: uv reads uv.toml / pyproject.toml's [tool.uv] from its working folder, and a
python3 shim (pyenv) reads .python-version there. The attack end to end, with act:
tests/e2e/test_action_host_attack_e2e.py."""

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


def test_every_python_of_the_action_ignores_the_working_folder_and_pythonpath() -> None:
    calls = python_calls()
    assert len(calls) >= 10  # the pattern sees the action's pythons
    assert [line for flag, line in calls if flag != "-I"] == []


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


def steps() -> list[dict[str, object]]:
    return [s for s in yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))["runs"]["steps"] if "run" in s]


def test_only_grading_and_posting_start_in_the_repository() -> None:
    """Their relative paths (submission, tests, config) are the repository's; every other step runs uv or
    python3 and needs none."""
    in_repository = [s["name"] for s in steps() if s.get("working-directory") != "${{ runner.temp }}"]
    assert in_repository == ["Grade", "Post the result"]


def test_steps_running_uv_drop_pythonpath() -> None:
    """uv and pip build packages with pythons of their own, without -I: they must not see a PYTHONPATH
    that names the repository (its sitecustomize.py would run, and could change the cached environment)."""
    with_uv = [s for s in steps() if "uv" in str(s["run"]).replace("--quiet", "")]
    assert [s["name"] for s in with_uv] == ["Install the grader"]  # which also starts the image's build
    for step in with_uv:
        assert str(step["run"]).startswith("set -euo pipefail\nunset PYTHONPATH "), step["name"]


def test_uv_reads_its_configuration_from_the_working_folder(tmp_path: Path) -> None:
    """Why the installing step must not start in the repository (with the uv the action pins)."""
    uv = Path(sys.executable).with_name("uv")
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "uv.toml").write_text("required-version = '>=99'\n")  # no uv is that new: it refuses
    (tmp_path / "elsewhere").mkdir()

    def uv_pip_list(cwd: Path) -> int:
        return subprocess.run([str(uv), "pip", "list", "--python", sys.executable], cwd=cwd,
                              capture_output=True, check=False).returncode  # fmt: skip

    assert uv_pip_list(tmp_path / "repo") != 0
    assert uv_pip_list(tmp_path / "elsewhere") == 0
