"""The Classroom result adds up: the reporter's JavaScript sum of the entries is exactly the report's score."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from grader.config import GradingConfig, Group
from grader.models import ExpectedTest, JUnitCase, JUnitReport, Status
from grader.reporters.classroom import classroom_result
from grader.results.scoring import junit_key, score_report


def js_sum(values: list[float]) -> float:
    total = 0.0
    for value in values:
        total += value
    return total


def graded(n: int, passed: set[int], **cfg: object) -> tuple[dict, object]:
    expected = tuple(ExpectedTest(nodeid=f"t.py::test_{i}", file="t.py", line=i + 1) for i in range(n))
    cases = tuple(JUnitCase(*junit_key(t.nodeid), status=Status.PASSED if i in passed else Status.FAILED)
                  for i, t in enumerate(expected))
    report = score_report(expected, JUnitReport(cases=cases), GradingConfig(tests=Path("/t"), **cfg))  # type: ignore[arg-type]
    return classroom_result(report), report


def test_rescaled_scores_need_no_adjustment_entry() -> None:
    result, report = graded(9, {0, 1, 2, 4, 5, 7, 8}, max_score=10)
    assert len(result["tests"]) == 9  # "7/9 tests" in the reporter's table, not 7/10
    assert js_sum([t["score"] for t in result["tests"]]) == report.score == 7.78
    assert result["max_score"] == 10


def test_no_float_artefacts_and_exact_sums_for_random_reports() -> None:
    rng = random.Random(3)
    for _ in range(300):
        n = rng.randint(1, 30)
        points = tuple((f"t.py::test_{i}", rng.choice([0.1, 0.2, 0.3, 0.7, 1 / 3, 1.0])) for i in range(n))
        result, report = graded(n, {i for i in range(n) if rng.random() < 0.6}, points=points,
                                max_score=rng.choice([None, 10.0, 7.0]))
        scores = [t["score"] for t in result["tests"]]
        text = json.dumps(result)
        assert not re.search(r"\d\.\d{3,}", text), text  # no 0.30000000000000004 / 0.09999999999999964
        assert js_sum(scores) == report.score
        assert all(not t["name"].startswith(("Score adjustment", "Rounding")) for t in result["tests"])


def test_a_group_cap_is_an_entry_named_for_it() -> None:
    result, report = graded(3, {0, 1, 2}, groups=(Group(name="style", tests=("t.py::*",), cap=2.0),))
    names = [t["name"] for t in result["tests"]]
    assert names[-1] == "group cap: style (at most 2 points)" or "group cap: style (at most 2 points)" in names
    assert js_sum([t["score"] for t in result["tests"]]) == report.score == 2.0


def test_the_job_summary_points_column_adds_up_to_its_header() -> None:
    from grader.reporters.markdown import render_summary

    rng = random.Random(5)
    for _ in range(50):
        n = rng.randint(2, 9)
        groups = (Group(name="g", tests=("t.py::test_0", "t.py::test_1"), cap=rng.choice([0.5, 1.0])),)
        _, report = graded(n, {i for i in range(n) if rng.random() < 0.6}, groups=groups, max_score=10.0)
        text = render_summary(report, audience="instructor")
        cells = re.findall(r"^\|[^|]*\| (-?[\d.]+) / (-?[\d.]+) \|", text, re.MULTILINE)
        assert len(cells) == len(report.tests) + len(report.adjustments)
        assert round(sum(float(s) for s, _ in cells), 2) == report.score
        assert round(sum(float(m) for _, m in cells), 2) == report.max_score == 10.0
