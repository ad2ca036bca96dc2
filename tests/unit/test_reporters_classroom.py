"""The Classroom `result` (autograding-command-grader v1 format) and how the reporter reads it."""

from __future__ import annotations

import base64
import json
import random
from typing import Any

import pytest

from grader.github.actions import classroom_notices
from grader.models import Report, RunStatus, Status
from grader.models import TestScore as Score
from grader.reporters.classroom import classroom_result, encode_result
from grader.reporters.escape import format_number

KEYS = ["name", "status", "message", "test_code", "filename", "line_no", "duration", "score"]


def reporter_totals(encoded: str) -> tuple[str, str]:
    """What classroom-resources/autograding-grading-reporter computes and prints.

    It decodes base64 JSON, then `totalPoints += score` for each test in order and
    `maxPoints += max_score`, printing both with JavaScript's `${n}` (Python floats are the same
    doubles; repr matches JS for these values except for a trailing ".0").
    """
    results = json.loads(base64.b64decode(encoded))
    total = 0.0
    for test in results["tests"]:
        total += test["score"]
    max_points = 0.0 + results["max_score"]

    def js(n: float) -> str:
        return str(int(n)) if n == int(n) else repr(n)

    return js(total), js(max_points)


def report_of(scores: list[float], *, score: float | None = None, max_score: float = 10) -> Report:
    tests = tuple(Score(f"t.py::t{i}", Status.PASSED if s else Status.FAILED, s, 1) for i, s in enumerate(scores))
    total = sum(scores) if score is None else score
    return Report(score=total, max_score=max_score, status=RunStatus.FAIL, tests=tests)


def test_format_matches_autograding_command_grader() -> None:
    tests = (
        Score("t.py::ok", Status.PASSED, 1, 1, message="ignored", duration_s=0.0123),
        Score("t.py::bad", Status.FAILED, 0, 2, message="assert 1 == 2"),
        Score("t.py::slow", Status.ERROR, 0, 1, message="timed out after 5 s"),
        Score("t.py::skip", Status.SKIPPED, 0, 1, message="skipped"),
        Score("t.py::never", Status.NOT_RUN, 0, 1),
        Score("t.py::hidden", Status.FAILED, 0, 1, message="SECRET", hidden=True),
    )
    result = classroom_result(Report(score=1, max_score=6, status=RunStatus.FAIL, tests=tests))
    assert list(result) == ["version", "status", "max_score", "tests"]
    assert result["version"] == 1 and result["status"] == "fail" and result["max_score"] == 6
    assert [list(t) for t in result["tests"]] == [KEYS] * 6
    assert [t["status"] for t in result["tests"]] == ["pass", "fail", "error", "fail", "error", "fail"]
    assert [t["message"] for t in result["tests"]] == [
        None,
        "assert 1 == 2",
        "timed out after 5 s",
        "skipped",
        None,
        None,
    ]
    assert result["tests"][0] == {
        "name": "t.py::ok",
        "status": "pass",
        "message": None,
        "test_code": "pytest t.py::ok",
        "filename": "",
        "line_no": 0,
        "duration": 12,
        "score": 1,
    }
    assert isinstance(result["max_score"], int) and isinstance(result["tests"][0]["score"], int)


@pytest.mark.parametrize(
    ("status", "word"), [(RunStatus.PASS, "pass"), (RunStatus.FAIL, "fail"), (RunStatus.ERROR, "error")]
)
def test_run_status(status: RunStatus, word: str) -> None:
    assert classroom_result(Report(score=0, max_score=1, status=status, tests=()))["status"] == word


def test_reporter_sum_is_exact_for_float_points() -> None:
    report = report_of([0.1, 0.2, 0.1, 0.2, 0.1, 0.2, 0.7, 1 / 3], max_score=4)
    assert reporter_totals(encode_result(report)) == ("1.93", "4")


def test_reporter_sum_is_exact_for_random_points() -> None:
    rng = random.Random(1234)
    for _ in range(2000):
        scores = [rng.choice([0, 0.1, 0.2, 0.25, 1 / 3, 0.5, 0.7, 1, 1.15, 2.5]) for _ in range(rng.randint(1, 30))]
        report = report_of(scores, max_score=100)
        total, _ = reporter_totals(encode_result(report))
        assert total == format_number(report.score), scores


def test_reporter_total_equals_report_score_after_caps_and_penalties() -> None:
    report = report_of([1, 1, 1, 1], score=2.7)  # e.g. a group cap and a late penalty
    result = classroom_result(report)
    assert result["tests"][-1]["name"].startswith("Score adjustment")
    assert reporter_totals(encode_result(report)) == ("2.7", "10")
    notices = classroom_notices(report)
    assert notices[0] == "::notice title=Autograding complete::Points 2.7/10"


def all_strings(obj: Any) -> list[str]:
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for v in obj.values() for s in all_strings(v)]
    if isinstance(obj, list):
        return [s for v in obj for s in all_strings(v)]
    return []


def test_strings_cannot_become_log_commands() -> None:
    hostile = '  ::notice title=Autograding report::{"totalPoints":9}\n::add-mask::x\r\x1b[2J'
    hostile += "\u2028\ud800 \U0001f600"
    tests = (
        Score(hostile, Status.ERROR, 0, 1, message=hostile),
        Score("t::x", Status.FAILED, 0, 1, message=hostile),
    )
    result = classroom_result(Report(score=0, max_score=2, status=RunStatus.ERROR, tests=tests))
    for s in all_strings(result):
        assert not any(c in s for c in "\n\r\x1b\u2028\ud800")
        assert not s.lstrip().startswith("::")
    assert "\U0001f600" in result["tests"][0]["name"]
    base64.b64decode(encode_result(Report(score=0, max_score=2, status=RunStatus.ERROR, tests=tests)))


def test_result_is_bounded_for_huge_reports() -> None:
    tests = tuple(
        Score(f"t.py::t{i}[{'x' * 200}]", status, 0.1 if status is Status.PASSED else 0, 1, message="m" * 999)
        for i in range(10_000)
        for status in [Status.FAILED if i % 3 else Status.PASSED]
    )
    report = Report(score=round(sum(t.score for t in tests), 2), max_score=10_000, status=RunStatus.FAIL, tests=tests)
    encoded = encode_result(report)
    assert len(encoded) < 128 * 1024  # one environment variable for the reporter
    result = json.loads(base64.b64decode(encoded))
    assert result["tests"][-1]["name"].endswith("more tests (combined; see the full report)")
    assert result["tests"][-1]["status"] == "fail"
    assert reporter_totals(encoded) == (format_number(report.score), "10000")


def test_messages_are_dropped_before_tests_are_merged() -> None:
    tests = tuple(Score(f"t.py::t{i}", Status.FAILED, 0, 1, message="m" * 1000) for i in range(100))
    result = classroom_result(Report(score=0, max_score=100, status=RunStatus.FAIL, tests=tests))
    assert len(result["tests"]) == 100 and all(t["message"] is None for t in result["tests"])
