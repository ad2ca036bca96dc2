"""A verified regrade end to end: Classroom's roster (API and CSV), a template, local student repositories.

GitHub is the fake API (`FakeGitHubAPI`, every request and every answer checked against GitHub's OpenAPI
description, Classroom endpoints included); github.com's git side is local repositories reached through
git's `url.<base>.insteadOf` in the instructor's git configuration (XDG_CONFIG_HOME), so
`https://github.com/org/hw1-alice` in Classroom's answers is fetched from a folder. The students of
assignment 42 (tests/e2e/verified_class.py), all graded on the real sandbox:

  hw1-honest   the solution; Classroom 10/10, verified 10/10
  hw1-tester   a partial solution (8/10), with tests/test_calc.py edited to pass; Classroom 10/10
  hw1-flow     a partial solution (8/10), with the workflow edited to print `Points 10/10`; Classroom 10/10
  hw1-shy      accepted, never pushed (0 commits)
  ghost        never accepted (no repository)

The review list must name exactly hw1-tester and hw1-flow, each with the reason, the tester must get the
honest score of its code, and the verified CSV must carry the verified scores in Classroom's rows.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.fake_github import FakeGitHubServer
from tests.e2e.verified_class import ASSIGNMENT_ID, COLUMNS, PARTIAL_SCORE, TESTS_CHANGE, TOKEN, make_class

pytestmark = pytest.mark.e2e

BASE_IMAGE = os.environ.get("GRADER_BASE_IMAGE") or "python:3.11-slim"


def grader(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    exe = str(Path(sys.executable).with_name("grader"))
    return subprocess.run([exe, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


def read_csv(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return {row["submission"]: row for row in csv.DictReader(fh)}


def test_classroom_roster_template_review_list_and_verified_csv(tmp_path: Path) -> None:
    cls = make_class(tmp_path)
    api, course = cls.api, cls.course
    with FakeGitHubServer(api) as server:
        env = {**os.environ, "XDG_CONFIG_HOME": str(cls.xdg_config), "GITHUB_API_URL": server.url,
               "GH_TOKEN": TOKEN, "GRADER_BASE_IMAGE": BASE_IMAGE}  # fmt: skip
        env.pop("GITHUB_TOKEN", None)
        done = grader("batch", "--classroom-assignment", str(ASSIGNMENT_ID), "--template", "org/hw1-template",
                      "--config", "grading.yml", "--out", "out", "--jobs", "2", cwd=course, env=env)  # fmt: skip
        assert done.returncode == 0, done.stderr[-4000:]

        # The same class from the grades CSV, merged from the reports (what the workflow's merge job does).
        merged = grader("gradebook", "--reports", "out/reports", "--classroom-grades", "classroom-grades.csv",
                        "--config", "grading.yml", "--out", "merged", cwd=course, env=env)  # fmt: skip
        assert merged.returncode == 0, merged.stderr[-3000:]

        api.classroom_closed = True  # as GitHub since 2026-08-28
        closed = grader("batch", "--classroom-assignment", str(ASSIGNMENT_ID), "--config", "grading.yml",
                        "--out", "closed", cwd=course, env=env)  # fmt: skip
    assert api.problems == []
    assert api.served("classroom/get-assignment-grades") and api.served("repos/list-activities")
    assert closed.returncode == 2 and "retired Classroom on 2026-08-28" in closed.stderr

    rows = read_csv(course / "out" / "gradebook.csv")
    assert sorted(rows) == ["ghost", "hw1-flow", "hw1-honest", "hw1-shy", "hw1-tester"]
    honest, tester, flow = rows["hw1-honest"], rows["hw1-tester"], rows["hw1-flow"]
    assert (honest["verified_points"], honest["classroom_points"], honest["protected_changes"]) == ("10", "10", "")
    # The tester's edited tests never ran: the code's honest score, the same as the workflow editor's.
    assert tester["verified_points"] == flow["verified_points"] == PARTIAL_SCORE
    assert tester["protected_changes"] == TESTS_CHANGE
    assert flow["protected_changes"] == ".github/workflows/classroom.yml changed (+1 -0)"
    assert (tester["difference"], flow["difference"]) == ("2", "2")
    assert rows["hw1-shy"]["status"] == "not-graded" and "never pushed" in rows["hw1-shy"]["note"]
    assert rows["ghost"]["status"] == "not-graded" and "never accepted" in rows["ghost"]["note"]
    assert rows["hw1-honest"]["time_source"] == "github-push"

    for folder in ("out", "merged"):
        md = (course / folder / "gradebook.md").read_text(encoding="utf-8")
        review = md.split("## Review (2)\n\n", 1)[1].split("\n\n", 1)[0].splitlines()
        assert review == [
            "- **hw1-flow** (flow): Classroom 10, verified 8 of 10 (2 more in Classroom); protected files changed: "
            ".github/workflows/classroom.yml changed (+1 -0)",
            "- **hw1-tester** (tester): Classroom 10, verified 8 of 10 (2 more in Classroom); protected files "
            f"changed: {TESTS_CHANGE}",
        ], folder
        with (course / folder / "classroom-grades.verified.csv").open(encoding="utf-8", newline="") as fh:
            verified = list(csv.DictReader(fh))
        assert [(r["github_username"], r["points_awarded"]) for r in verified] == [
            ("honest", "10"), ("tester", "8"), ("flow", "8"), ("shy", ""), ("ghost", ""),
        ]  # fmt: skip
        assert tuple(verified[0]) == COLUMNS
    assert read_csv(course / "merged" / "gradebook.csv") == rows
