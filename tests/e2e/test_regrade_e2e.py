"""examples/regrade.yml exactly as shipped, run by nektos/act: plan, 2 grading shards, the merge job.

The instructor's course repository (scratch, origin github.com/instructor/course) holds roster.txt,
grading.yml and tests/ of the example assignment, and examples/regrade.yml copied byte for byte as
.github/workflows/regrade.yml. The roster lists local student repositories (absolute paths): the
reference solution, a partial solution, a solution with a syntax error, and a
student who accepted the assignment but never pushed. actions/checkout (the course, and OWNER/REPO = this
working tree at .grader), setup-python and the artifact actions are local stand-ins (act_harness).

The merged gradebook (the `gradebook` artifact) must equal a direct `grader batch` of the same roster,
student by student, and nobody may be missing. A second run gives the workflow its Classroom inputs (a
grades CSV and a template) against the fake GitHub API (tests/e2e/verified_class.py).
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.act_harness import REPO_ROOT, ActHarness, ScratchRepo, git
from tests.e2e.fake_github import FakeGitHubServer
from tests.e2e.verified_class import PARTIAL, PARTIAL_SCORE, TESTS_CHANGE, TOKEN, make_class

pytestmark = pytest.mark.e2e

ASSIGNMENT = REPO_ROOT / "examples" / "assignment"
WORKFLOW = REPO_ROOT / "examples" / "regrade.yml"
BASE_IMAGE = os.environ.get("GRADER_BASE_IMAGE") or "python:3.11-slim"
STUDENTS = {
    "hw1-solution": {"calc.py": ASSIGNMENT / "solution" / "calc.py"},
    "hw1-partial": {"calc.py": PARTIAL},  # not the starter: its score would depend on the machine's speed
    "hw1-broken": {"calc.py": "def fib(n):\n    return n +\n"},
    "hw1-empty": None,  # accepted, never pushed: cannot be fetched
}


def student_repos(root: Path) -> list[Path]:
    paths = []
    for name, files in STUDENTS.items():
        repo = ScratchRepo.create(root / name, f"classroom-org/{name}")
        if files:
            repo.commit(dict(files), "my work")
        paths.append(repo.path)
    return paths


def course_repo(root: Path, roster: list[Path]) -> ScratchRepo:
    course = ScratchRepo.create(root / "course", "instructor/course")
    files: dict[str, str | Path] = {
        ".github/workflows/regrade.yml": WORKFLOW,
        "roster.txt": "".join(f"{p}\n" for p in roster),
        "grading.yml": ASSIGNMENT / "grading.yml",
        "tests/test_calc.py": ASSIGNMENT / "tests" / "test_calc.py",
    }
    course.commit(files, "The course")
    return course


def read_csv(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return {row["submission"]: row for row in csv.DictReader(fh)}


def test_regrade_workflow_as_shipped_equals_a_direct_batch(tmp_path: Path) -> None:
    roster = student_repos(tmp_path / "students")
    course = course_repo(tmp_path, roster)
    workflow = course.path / ".github/workflows/regrade.yml"
    assert workflow.read_bytes() == WORKFLOW.read_bytes()
    harness = ActHarness.for_workflow(tmp_path / "harness", workflow, course.path)
    run = harness.run(
        course,
        workflow=workflow,
        event_name="workflow_dispatch",
        event={"inputs": {"shards": "2", "deadline": "", "ref": ""}},
        env={"GRADER_BASE_IMAGE": BASE_IMAGE},
        secrets={"CLASSROOM_TOKEN": ""},
        actor="instructor",
        timeout_s=1500,
    )
    log = run.log
    assert run.returncode == 0, log[-8000:]
    artifacts = sorted(p.name for p in harness.artifact_store.iterdir())
    assert artifacts == ["gradebook", "reports-1", "reports-2"], log[-4000:]
    # roster order, every second: shard 1 = solution, broken; shard 2 = partial, empty
    assert sorted(p.name for p in (harness.artifact_store / "reports-1").iterdir()) == ["hw1-broken", "hw1-solution"]
    assert sorted(p.name for p in (harness.artifact_store / "reports-2").iterdir()) == ["hw1-empty", "hw1-partial"]
    merged = read_csv(harness.artifact_store / "gradebook" / "gradebook.csv")

    direct_out = tmp_path / "direct"
    done = subprocess.run(
        [str(Path(sys.executable).with_name("grader")), "batch", "--repos", "roster.txt", "--config", "grading.yml",
         "--out", str(direct_out), "--jobs", "2"],
        cwd=course.path, capture_output=True, text=True, env={**os.environ, "GRADER_BASE_IMAGE": BASE_IMAGE},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    direct = read_csv(direct_out / "gradebook.csv")

    assert sorted(merged) == sorted(direct) == sorted(STUDENTS)
    for name in STUDENTS:
        assert merged[name] == direct[name], name
    solution, partial = merged["hw1-solution"], merged["hw1-partial"]
    assert (solution["status"], solution["raw"]) == ("pass", solution["max_score"])
    assert float(solution["raw"]) > 0 and partial["raw"] == PARTIAL_SCORE
    assert merged["hw1-broken"]["raw"] == "0"
    empty = merged["hw1-empty"]
    assert empty["status"] == "not-graded" and "the repository has no commits" in empty["note"]
    # The merge job's summary counts and names the student who could not be graded.
    assert "**4** submissions" in run.summary and "## Not graded (1)" in run.summary
    assert "**hw1-empty**" in run.summary
    shutil.rmtree(tmp_path / "harness" / "action", ignore_errors=True)
    assert git(course.path, "status", "--porcelain") == ""


def test_regrade_workflow_with_a_classroom_roster_and_a_template(tmp_path: Path) -> None:
    """The same workflow with its Classroom inputs, against the fake GitHub API: the merge job's summary
    opens with the review list naming exactly the two tamperers, the gradebook artifact holds the verified
    CSV, and the merged gradebook equals a direct batch with the same arguments."""
    cls = make_class(tmp_path / "class")
    course = ScratchRepo.create(tmp_path / "course", "instructor/course")
    course.commit(
        {
            ".github/workflows/regrade.yml": WORKFLOW,
            "classroom-grades.csv": cls.course / "classroom-grades.csv",
            "grading.yml": cls.course / "grading.yml",
            "tests/test_calc.py": cls.course / "tests" / "test_calc.py",
        },
        "The course",
    )
    workflow = course.path / ".github/workflows/regrade.yml"
    harness = ActHarness.for_workflow(tmp_path / "harness", workflow, course.path)
    inputs = {"shards": "2", "deadline": "", "ref": "", "classroom-grades": "classroom-grades.csv",
              "classroom-assignment": "", "template": "org/hw1-template"}  # fmt: skip
    with FakeGitHubServer(cls.api) as server:
        env = {"GRADER_BASE_IMAGE": BASE_IMAGE, "GITHUB_API_URL": server.url, "XDG_CONFIG_HOME": str(cls.xdg_config)}
        run = harness.run(
            course, workflow=workflow, event_name="workflow_dispatch", event={"inputs": inputs}, env=env,
            secrets={"CLASSROOM_TOKEN": TOKEN}, actor="instructor", timeout_s=1500,
        )  # fmt: skip
        assert run.returncode == 0, run.log[-8000:]
        direct_out = tmp_path / "direct"
        done = subprocess.run(
            [str(Path(sys.executable).with_name("grader")), "batch", "--classroom-grades", "classroom-grades.csv",
             "--template", "org/hw1-template", "--config", "grading.yml", "--out", str(direct_out), "--jobs", "2"],
            cwd=course.path, capture_output=True, text=True, env={**os.environ, **env, "GH_TOKEN": TOKEN},
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]
    assert cls.api.problems == []
    assert cls.api.served("repos/list-activities"), "push times come from GitHub's record"
    merged = read_csv(harness.artifact_store / "gradebook" / "gradebook.csv")
    direct = read_csv(direct_out / "gradebook.csv")
    assert sorted(merged) == sorted(direct) == ["ghost", "hw1-flow", "hw1-honest", "hw1-shy", "hw1-tester"]
    for name in merged:
        assert merged[name] == direct[name], name
    tester = merged["hw1-tester"]
    assert (tester["verified_points"], tester["classroom_points"]) == (PARTIAL_SCORE, "10")
    review = run.summary.split("## Review (2)\n\n", 1)[1].split("\n\n", 1)[0]
    assert [line.split("**")[1] for line in review.splitlines() if line.startswith("- **")] == [
        "hw1-flow",
        "hw1-tester",
    ]
    assert f"protected files changed: {TESTS_CHANGE}" in review
    assert ".github/workflows/classroom.yml changed (+1 -0)" in review
    verified = (harness.artifact_store / "gradebook" / "classroom-grades.verified.csv").read_text(encoding="utf-8")
    assert verified == (direct_out / "classroom-grades.verified.csv").read_text(encoding="utf-8")
    assert [row["points_awarded"] for row in csv.DictReader(verified.splitlines())] == ["10", "8", "8", "", ""]
