"""One annotation policy, rendered twice: the workflow commands of `grader run` and the check run of
`grader post` annotate the same tests and findings, at the same places, and neither reveals a hidden test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader.github.actions import annotations as workflow_annotations
from grader.github.annotations import select_annotations
from grader.github.payloads import check_run_annotations
from grader.models import Finding, Report, RunStatus, Status, TestScore
from grader.paths import RepoLayout
from tests.unit.test_reporters_actions import parse_command

SECRET = "SECRET_EXPECTED_42"


@pytest.fixture
def layout(tmp_path: Path) -> RepoLayout:
    """A Classroom-like repository: the submission in hw1/, the tests beside it in tests/."""
    (tmp_path / "hw1").mkdir()
    (tmp_path / "hw1" / "calc.py").write_text("x = 1\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_calc.py").write_text("def test(): pass\n")
    return RepoLayout(tmp_path, "hw1", "tests")


def report() -> Report:
    tests = (
        TestScore("test_calc.py::test_ok", Status.PASSED, 1, 1, file="calc.py", line=1),
        TestScore("test_calc.py::test_small", Status.FAILED, 0.5, 1, file="calc.py", line=4, message="assert 1 == 2",
                  details="calc.py:4: AssertionError"),
        TestScore("test_calc.py::test_setup", Status.ERROR, 0, 2, file="test_calc.py", line=9, message="boom"),
        TestScore("test_calc.py::test_big", Status.FAILED, 0, 3, file="calc.py", line=7, message="wrong"),
        TestScore("test_hidden.py::test_secret_edge", Status.FAILED, 0, 2, file="calc.py", line=2, hidden=True,
                  title="Edge cases", message=f"assert f() == {SECRET}", details=f"E   assert f() == {SECRET}"),
        TestScore("test_hidden.py::test_secret_error", Status.ERROR, 0, 1, file="test_hidden.py", line=3,
                  hidden=True, message=SECRET),
        TestScore("test_calc.py::test_nowhere", Status.FAILED, 0, 1, message="no place"),
        TestScore("test_calc.py::test_outside", Status.FAILED, 0, 1, file="../../etc/passwd", line=1),
        TestScore("test_calc.py::test_skip", Status.SKIPPED, 0, 1, file="calc.py", line=1),
    )  # fmt: skip
    findings = (Finding("framework-import", "imports _pytest", "calc.py"), Finding("early-exit", "no file"))
    return Report(score=1.5, max_score=13, status=RunStatus.FAIL, tests=tests, integrity=findings)


def test_workflow_commands_and_check_run_annotate_the_same_places(layout: RepoLayout) -> None:
    commands, omitted = workflow_annotations(report(), layout=layout)
    check = check_run_annotations(select_annotations(report(), layout.locate))
    parsed = [parse_command(c) for c in commands]
    level = {"error": "failure", "warning": "warning"}
    in_log = [(level[name], props["file"], int(props["line"]), props["title"]) for name, props, _ in parsed]
    in_check = [(a["annotation_level"], a["path"], a["start_line"], a["title"]) for a in check]
    assert in_log == in_check
    assert omitted == 0
    # most useful first: student files by points lost, then test files; then the findings
    assert in_check == [
        ("failure", "hw1/calc.py", 7, "test_calc.py::test_big failed"),
        ("failure", "hw1/calc.py", 4, "test_calc.py::test_small failed"),
        ("failure", "tests/test_calc.py", 9, "test_calc.py::test_setup raised an error"),
        ("warning", "hw1/calc.py", 1, "Integrity check: framework-import"),
    ]


def test_neither_rendering_reveals_a_hidden_test(layout: RepoLayout) -> None:
    commands, _ = workflow_annotations(report(), layout=layout)
    check = json.dumps(check_run_annotations(select_annotations(report(), layout.locate)))
    for text in ("\n".join(commands), check):
        assert SECRET not in text and "secret" not in text and "Edge cases" not in text
        assert "test_hidden" not in text


def test_the_log_keeps_githubs_ten_per_level_and_counts_the_rest(layout: RepoLayout) -> None:
    many = tuple(TestScore(f"t.py::t{i}", Status.FAILED, 0, 1, file="calc.py", line=i + 1) for i in range(12))
    findings = tuple(Finding(f"kind{i}", "x", "calc.py") for i in range(11))
    r = Report(score=0, max_score=12, status=RunStatus.FAIL, tests=many, integrity=findings)
    commands, omitted = workflow_annotations(r, layout=layout)
    assert [c.split(" ")[0] for c in commands] == ["::error"] * 10 + ["::warning"] * 10
    assert omitted == 3
    assert len(check_run_annotations(select_annotations(r, layout.locate))) == 23  # the check run takes them all
