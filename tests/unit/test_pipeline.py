from __future__ import annotations

from pathlib import Path

from grader.models import Report, RunStatus, Status, TestScore
from grader.pipeline import _tests_prefix, relocate_test_files


def test_tests_prefix_inside_and_outside_the_submission(tmp_path: Path) -> None:
    (tmp_path / "repo" / "tests").mkdir(parents=True)
    (tmp_path / "spec").mkdir()
    assert _tests_prefix(tmp_path / "repo" / "tests", tmp_path / "repo") == "tests/"
    assert _tests_prefix(tmp_path / "spec", tmp_path / "repo") == ""


def test_locations_in_test_files_become_relative_to_the_submission() -> None:
    student = TestScore(name="t.py::a", status=Status.FAILED, score=0, max_score=1, file="calc.py", line=3)
    in_test = TestScore(name="t.py::b", status=Status.FAILED, score=0, max_score=1, file="test_calc.py", line=9)
    nowhere = TestScore(name="t.py::c", status=Status.PASSED, score=1, max_score=1)
    report = Report(score=1, max_score=3, status=RunStatus.FAIL, tests=(student, in_test, nowhere))
    moved = relocate_test_files(report, "tests/", frozenset({"calc.py"}))
    assert [t.file for t in moved.tests] == ["calc.py", "tests/test_calc.py", None]
    assert relocate_test_files(report, "", frozenset({"calc.py"})).tests[1].file == "test_calc.py"


def test_sandbox_paths_in_tracebacks_become_repository_paths() -> None:
    details = "/mnt/tests/test_calc.py:33: AssertionError\n/workspace/calc.py:7: in fib\n../mnt/tests/x.py:1"
    test = TestScore(name="t.py::a", status=Status.FAILED, score=0, max_score=1, details=details,
                     message="see /workspace/calc.py")
    report = Report(score=0, max_score=1, status=RunStatus.FAIL, tests=(test,))
    moved = relocate_test_files(report, "tests/", frozenset({"calc.py"})).tests[0]
    assert moved.details == "tests/test_calc.py:33: AssertionError\ncalc.py:7: in fib\ntests/x.py:1"
    assert moved.message == "see calc.py"
