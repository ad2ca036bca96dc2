"""Static checks of action.yml, the CI workflow and the Classroom examples: actionlint, zizmor,
shellcheck, pinning, the token's reach, and the shape GitHub Classroom expects. Fast; no Docker."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.act_harness import REPO_ROOT

ACTION = REPO_ROOT / "action.yml"
WORKFLOWS = sorted((REPO_ROOT / ".github" / "workflows").glob("*.yml"))
ALL_EXAMPLES = sorted((REPO_ROOT / "examples").glob("*.yml"))  # every workflow shipped in examples/
EXAMPLES = [REPO_ROOT / "examples" / "classroom.yml", REPO_ROOT / "examples" / "classroom-with-reporter.yml"]
BIN = Path(sys.executable).parent
SHA_PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")


def load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def tool(name: str) -> str:
    path = BIN / name
    assert path.is_file(), f"{name} is missing: pip install -e '.[dev]'"
    return str(path)


def test_files_exist() -> None:
    assert ACTION.is_file()
    assert [p.name for p in WORKFLOWS] == ["ci.yml"]
    assert set(EXAMPLES) <= set(ALL_EXAMPLES)


def test_actionlint_with_shellcheck_finds_nothing() -> None:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}  # its shellcheck
    done = subprocess.run(
        [tool("actionlint"), *map(str, WORKFLOWS + ALL_EXAMPLES)],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
    )
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


def test_zizmor_finds_nothing() -> None:
    done = subprocess.run(
        [tool("zizmor"), "--offline", "--format", "json", str(ACTION), *map(str, WORKFLOWS + ALL_EXAMPLES)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
    )
    assert json.loads(done.stdout) == [], done.stdout
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("step", [s for s in load(ACTION)["runs"]["steps"] if "run" in s], ids=lambda s: s["name"])
def test_action_scripts_pass_shellcheck(step: dict[str, Any]) -> None:
    assert "${{" not in step["run"], "expressions go through env:, never into the script"
    done = subprocess.run([tool("shellcheck"), "--shell=bash", "-"], input=step["run"], capture_output=True, text=True)
    assert (done.returncode, done.stdout) == (0, "")


def all_uses(path: Path) -> list[str]:
    data = load(path)
    if "runs" in data:
        steps = data["runs"]["steps"]
    else:
        steps = [s for job in data["jobs"].values() for s in job.get("steps", [])]
    return [s["uses"] for s in steps if "uses" in s]


@pytest.mark.parametrize("path", [ACTION, *WORKFLOWS], ids=lambda p: p.name)
def test_third_party_actions_are_pinned_by_commit(path: Path) -> None:
    uses = [u for u in all_uses(path) if not u.startswith("./")]
    assert uses, "nothing to check"
    assert [u for u in uses if not SHA_PINNED.match(u)] == []


def test_action_interface() -> None:
    action = load(ACTION)
    assert action["runs"]["using"] == "composite"
    assert list(action["inputs"]) == [
        "tests", "config", "submission", "image", "base-image", "check-name", "post", "token", "fail-under", "timeout",
        "language", "classroom-notices",
    ]  # fmt: skip
    for name, spec in action["inputs"].items():
        assert spec.get("description"), name
        assert "default" in spec, name
    assert action["inputs"]["submission"]["default"] == "."
    assert action["inputs"]["check-name"]["default"] == "Autograding"
    assert action["inputs"]["post"]["default"] == "check-run"
    assert action["inputs"]["token"]["default"] == "${{ github.token }}"
    assert action["inputs"]["language"]["default"] == ""  # none: the config's `language` decides
    assert list(action["outputs"]) == ["score", "max-score", "status", "result", "report", "junit"]
    for name, spec in action["outputs"].items():
        assert spec["value"] == f"${{{{ steps.grade.outputs.{name} }}}}"


@pytest.mark.parametrize("doc", ["README.md", "docs/action.md"])
def test_the_inputs_tables_list_every_input_in_order(doc: str) -> None:
    text = (REPO_ROOT / doc).read_text(encoding="utf-8")
    table = text.split("### Inputs", 1)[1].split("###", 1)[0]
    rows = re.findall(r"^\| `([a-z-]+)` \|", table, flags=re.M)
    assert rows == list(load(ACTION)["inputs"])


def test_only_the_posting_step_sees_the_token() -> None:
    steps = load(ACTION)["runs"]["steps"]
    with_token = [s["name"] for s in steps if "inputs.token" in json.dumps(s)]
    assert with_token == ["Post the result"]
    (grade,) = [s for s in steps if s.get("id") == "grade"]
    for name in ("GITHUB_TOKEN", "GH_TOKEN", "ACTIONS_RUNTIME_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"):
        assert f"-u {name}" in grade["run"], f"the grading step must drop {name} from its environment"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_have_the_shape_classroom_generates(path: Path) -> None:
    workflow = load(path)
    assert workflow["name"] == "Autograding Tests"
    assert workflow["on"] == ["push", "workflow_dispatch", "repository_dispatch"]
    assert list(workflow["jobs"]) == ["run-autograding-tests"]
    job = workflow["jobs"]["run-autograding-tests"]
    assert job["runs-on"] == "ubuntu-latest"
    assert job["if"] == "github.actor != 'github-classroom[bot]'"
    assert job["permissions"] == {"checks": "write", "actions": "read", "contents": "read"}
    uses = [s["uses"] for s in job["steps"] if "uses" in s]
    assert uses[0].startswith("actions/checkout@") and SHA_PINNED.match(uses[0])
    assert uses[1] == "OWNER/REPO@v1"


def test_reporter_example_wires_the_result_output() -> None:
    job = load(REPO_ROOT / "examples" / "classroom-with-reporter.yml")["jobs"]["run-autograding-tests"]
    grader = next(s for s in job["steps"] if s.get("uses") == "OWNER/REPO@v1")
    reporter = job["steps"][-1]
    assert reporter["uses"].startswith("classroom-resources/autograding-grading-reporter@")
    step_id = grader["id"]
    assert reporter["with"]["runners"] == step_id
    assert reporter["env"] == {f"{step_id.upper()}_RESULTS": f"${{{{ steps.{step_id}.outputs.result }}}}"}
