from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from grader import pipeline
from grader.collection.manifest import CollectionError
from grader.config import default_config
from grader.models import ExpectedTest, Report, RunStatus, SandboxInfo, Status, TestScore
from grader.paths import relative_tests_prefix, relocate_test_files
from grader.pipeline import PreparedTests
from grader.sandbox import SandboxResult


def test_tests_prefix_inside_and_outside_the_submission(tmp_path: Path) -> None:
    (tmp_path / "repo" / "tests").mkdir(parents=True)
    (tmp_path / "spec").mkdir()
    assert relative_tests_prefix(tmp_path / "repo" / "tests", tmp_path / "repo") == "tests/"
    assert relative_tests_prefix(tmp_path / "spec", tmp_path / "repo") == ""


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


def test_the_sandbox_starts_before_the_collection_is_waited_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The instructor's collection overlaps the container's run (issue #15): a grade that waited for it
    first would never start this sandbox, whose run is what lets the collection finish."""
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "calc.py").write_text("X = 1\n")
    (tmp_path / "tests").mkdir()
    collected: Future[tuple[ExpectedTest, ...]] = Future()
    expected = (ExpectedTest(nodeid="test_calc.py::test_x", file="test_calc.py", line=1),)

    def run_sandbox(spec: object, client: object, **hooks: object) -> SandboxResult:
        assert not collected.done(), "grade waited for the collection before starting the sandbox"
        collected.set_result(expected)  # the collection ends while the container runs
        return SandboxResult(junit_xml=None, info=SandboxInfo(exit_code=0), error="the run broke")

    monkeypatch.setattr(pipeline, "run_sandbox", run_sandbox)
    tests = PreparedTests(tmp_path / "tests", collected)
    pool = ThreadPoolExecutor(max_workers=1)
    job = pool.submit(pipeline.grade, tmp_path / "sub", default_config(tmp_path / "tests"),
                      tests=tests, client=object())  # type: ignore[arg-type]
    try:
        report = job.result(timeout=20)
    finally:
        if not collected.done():
            collected.set_result(expected)  # release a grade stuck waiting for it
        pool.shutdown()
    assert [t.name for t in report.tests] == ["test_calc.py::test_x"]
    assert report.error == "the run broke"


def test_a_broken_collection_still_fails_the_run_after_the_sandbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deferred, the instructor's collection error still reaches the caller (not a report of the student's)."""
    (tmp_path / "sub").mkdir()
    (tmp_path / "tests").mkdir()
    collected: Future[tuple[ExpectedTest, ...]] = Future()
    collected.set_exception(CollectionError("tests/test_calc.py: SyntaxError"))
    monkeypatch.setattr(
        pipeline,
        "run_sandbox",
        lambda spec, client, **hooks: SandboxResult(junit_xml=None, info=SandboxInfo(exit_code=0)),
    )
    with pytest.raises(CollectionError, match="SyntaxError"):
        pipeline.grade(tmp_path / "sub", default_config(tmp_path / "tests"),
                       tests=PreparedTests(tmp_path / "tests", collected), client=object())  # type: ignore[arg-type]
