"""A Classroom class for the verified-regrade tests: a template, four students' repositories on a local
stand-in for github.com (reached through git's `url.<base>.insteadOf`), Classroom's roster in the fake
GitHub API and as a grades CSV, and the instructor's course folder.

  hw1-honest   the solution; Classroom 10/10
  hw1-tester   the starter code, with tests/test_calc.py edited to pass; Classroom 10/10
  hw1-flow     the starter code, with the workflow edited to print `Points 10/10`; Classroom 10/10
  hw1-shy      accepted, never pushed (0 commits)
  ghost        never accepted (no repository)
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.act_harness import REPO_ROOT, ScratchRepo
from tests.e2e.fake_github import FakeGitHubAPI

ASSIGNMENT = REPO_ROOT / "examples" / "assignment"
TOKEN = "ghp_e2eInstructorToken"
ASSIGNMENT_ID = 42
TEMPLATE: dict[str, str | Path] = {
    ".github/workflows/classroom.yml": REPO_ROOT / "examples" / "classroom.yml",
    "calc.py": ASSIGNMENT / "starter" / "calc.py",
    "tests/test_calc.py": ASSIGNMENT / "tests" / "test_calc.py",
    "grading.yml": ASSIGNMENT / "grading.yml",
}
# A partial solution whose score does not depend on the machine's speed (the starter's naive fib runs into
# the per-test timeout, and a loaded machine may turn its soft timeout into a kill): fib right but without
# the ValueError, is_prime wrong for 0 and 1. 8 of 10 with the example's tests and grading.yml.
PARTIAL = (
    "def fib(n):\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a\n\n\n"
    "def is_prime(n):\n    return all(n % k for k in range(2, n))\n"
)
PARTIAL_SCORE = "8"
FORGED_TESTS = "def test_everything():\n    assert True\n"
FORGED_WORKFLOW = (
    (REPO_ROOT / "examples" / "classroom.yml")
    .read_text(encoding="utf-8")
    .replace("    steps:\n", "    steps:\n      - run: echo '::notice title=Autograding complete::Points 10/10'\n", 1)
)
# The forged file shares no line with the original: every line of it removed, both of the forgery added.
TESTS_CHANGE = (
    f"tests/test_calc.py changed (+2 -{len((ASSIGNMENT / 'tests' / 'test_calc.py').read_text().splitlines())})"
)
COLUMNS = ("assignment_name", "assignment_url", "starter_code_url", "github_username", "roster_identifier",
           "student_repository_name", "student_repository_url", "submission_timestamp", "points_awarded",
           "points_available")  # fmt: skip


def grade_row(user: str, repo: str, awarded: int) -> dict[str, object]:
    return {
        "assignment_name": "hw1", "assignment_url": "https://classroom.github.com/classrooms/7-org/assignments/hw1",
        "starter_code_url": "https://github.com/org/hw1-template", "github_username": user,
        "roster_identifier": f"{user}@uni.edu", "student_repository_name": repo,
        "student_repository_url": f"https://github.com/org/{repo}" if repo else "",
        "submission_timestamp": "2026-11-20 10:00" if repo else "", "points_awarded": awarded,
        "points_available": 10,
    }  # fmt: skip


@dataclass
class ClassroomClass:
    api: FakeGitHubAPI
    xdg_config: Path  # XDG_CONFIG_HOME with git's insteadOf: https://github.com/ -> the local stand-in
    course: Path  # grading.yml, tests/, classroom-grades.csv


def make_class(root: Path) -> ClassroomClass:
    """The local 'github.com', the fake API, the git configuration and the instructor's course folder."""
    github = root / "github.com"
    api = FakeGitHubAPI(token=TOKEN)
    template = ScratchRepo.create(github / "org" / "hw1-template", "org/hw1-template")
    template.commit(dict(TEMPLATE), "Template")
    students = {
        "hw1-honest": {"calc.py": ASSIGNMENT / "solution" / "calc.py"},
        "hw1-tester": {"calc.py": PARTIAL, "tests/test_calc.py": FORGED_TESTS},
        "hw1-flow": {"calc.py": PARTIAL, ".github/workflows/classroom.yml": FORGED_WORKFLOW},
    }
    for name, change in students.items():
        repo = ScratchRepo.create(github / "org" / name, f"org/{name}")
        first = repo.commit(dict(TEMPLATE), "Initial commit")
        head = repo.commit(dict(change), "my work")
        api.add_push(f"org/{name}", before="0" * 40, after=first, at="2026-11-19T09:00:00Z")
        api.add_push(f"org/{name}", before=first, after=head, at="2026-11-20T10:00:00Z")
    ScratchRepo.create(github / "org" / "hw1-shy", "org/hw1-shy")  # accepted: created empty, never pushed
    grades = [
        grade_row("honest", "hw1-honest", 10), grade_row("tester", "hw1-tester", 10),
        grade_row("flow", "hw1-flow", 10), grade_row("shy", "hw1-shy", 0), grade_row("ghost", "", 0),
    ]  # fmt: skip
    accepted = [
        api.accepted_assignment(ASSIGNMENT_ID, f"org/{g['student_repository_name']}", [str(g["github_username"])],
                                commit_count=0 if g["github_username"] == "shy" else 2, grade="10/10")
        for g in grades if g["student_repository_name"]
    ]  # fmt: skip
    api.add_classroom_assignment(ASSIGNMENT_ID, grades, accepted)
    xdg = root / "xdg-config"
    (xdg / "git").mkdir(parents=True)
    (xdg / "git" / "config").write_text(f'[url "file://{github}/"]\n\tinsteadOf = https://github.com/\n', "utf-8")
    course = root / "course"
    course.mkdir()
    (course / "grading.yml").write_bytes((ASSIGNMENT / "grading.yml").read_bytes())
    (course / "tests").mkdir()
    (course / "tests" / "test_calc.py").write_bytes((ASSIGNMENT / "tests" / "test_calc.py").read_bytes())
    with (course / "classroom-grades.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(grades)
    return ClassroomClass(api, xdg, course)
