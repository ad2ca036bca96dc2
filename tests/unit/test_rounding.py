"""grader.results.rounding and the numbers a student sees: per-test scores, maxima and totals add up at 2 decimals."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from grader.config import GradingConfig, Group, LatePenalty
from grader.models import AdjustmentKind, ExpectedTest, JUnitCase, JUnitReport, Report, Status, SubtestCounts
from grader.results.late import SubmissionTime, apply_late_policy
from grader.results.rounding import allocate, from_cents, to_cents
from grader.results.scoring import junit_key, score_report

DEADLINE = datetime(2026, 1, 1, tzinfo=UTC)
ONE_DAY_LATE = SubmissionTime(at=DEADLINE + timedelta(hours=1), source="instructor")


def config(**kwargs: object) -> GradingConfig:
    return GradingConfig(tests=Path("/tests"), **kwargs)  # type: ignore[arg-type]


def expect(n: int, **kwargs: object) -> tuple[ExpectedTest, ...]:
    return tuple(ExpectedTest(nodeid=f"test_a.py::test_{i}", file="test_a.py", line=i + 1, **kwargs)  # type: ignore[arg-type]
                 for i in range(n))


def results(expected: tuple[ExpectedTest, ...], passed: set[int], **kwargs: object) -> JUnitReport:
    cases = []
    for i, test in enumerate(expected):
        classname, name = junit_key(test.nodeid)
        status = Status.PASSED if i in passed else Status.FAILED
        cases.append(JUnitCase(classname=classname, name=name, status=status, **kwargs))  # type: ignore[arg-type]
    return JUnitReport(cases=tuple(cases))


def cents(value: float) -> int:
    return to_cents(value)


def assert_adds_up(report: Report) -> None:
    parts = list(report.tests) + list(report.adjustments)
    assert sum(cents(p.score) for p in parts) == cents(report.score)
    assert sum(cents(p.max_score) for p in parts) == cents(report.max_score)
    for value in [report.score, report.max_score] + [p.score for p in parts] + [p.max_score for p in parts]:
        assert repr(value) == repr(round(value, 2)), value  # no 0.09999999999999964
    assert all(t.score <= t.max_score for t in report.tests)


def test_allocate_is_largest_remainder_and_hits_the_target() -> None:
    assert allocate([333.333, 333.333, 333.334], 1000) == [333, 333, 334]
    assert allocate([333.3333, 333.3333, 333.3333], 1000) == [334, 333, 333]  # ties: the first
    assert allocate([50.5, 49.5], 100) == [51, 49]
    assert allocate([-66.667, 166.667], 100) == [-67, 167]
    assert allocate([], 0) == []


def test_max_score_rescaling_adds_up_for_every_subset_of_passed_tests() -> None:
    expected = expect(7)  # 10 / 7 points each: 1.43 or 1.42
    for passed in ({0}, {1, 2}, {0, 3, 6}, set(range(7)), set()):
        report = score_report(expected, results(expected, passed), config(max_score=10))
        assert_adds_up(report)
        assert report.max_score == 10.0
    full = score_report(expected, results(expected, set(range(7))), config(max_score=10))
    assert full.score == 10.0


def test_random_points_scaling_groups_and_partial_credit_always_add_up() -> None:
    rng = random.Random(7)
    for _ in range(200):
        n = rng.randint(1, 12)
        expected = expect(n)
        points = tuple((f"test_a.py::test_{i}", rng.choice([0.1, 0.2, 0.25, 1 / 3, 1.0, 2.5, 3.0])) for i in range(n))
        groups = (Group(name="g", tests=("test_a.py::test_1", "test_a.py::test_2", "test_a.py::test_3"),
                        cap=rng.choice([0.5, 1.0, 4.0])),)
        cfg = config(points=points, groups=groups, max_score=rng.choice([None, 7.0, 10.0, 100.0]),
                     subtests=rng.choice(["partial", "all-or-nothing"]))
        passed = {i for i in range(n) if rng.random() < 0.5}
        report = score_report(expected, results(expected, passed, subtests=SubtestCounts(1, 2)), cfg)
        assert_adds_up(report)


def test_a_group_cap_is_one_named_adjustment() -> None:
    expected = expect(3)
    cfg = config(groups=(Group(name="style", tests=("test_a.py::*",), cap=2.0),))
    report = score_report(expected, results(expected, {0, 1, 2}), cfg)
    assert [(a.name, a.score, a.max_score) for a in report.adjustments] == [
        ("group cap: style (at most 2 points)", -1.0, -1.0)
    ]
    assert (report.score, report.max_score) == (2.0, 2.0)
    under_cap = score_report(expected, results(expected, {0}), cfg)
    assert [(a.score, a.max_score) for a in under_cap.adjustments] == [(0.0, -1.0)]
    assert (under_cap.score, under_cap.max_score) == (1.0, 2.0)
    assert score_report(expected, results(expected, {0}), config()).adjustments == ()  # no cap, no line


def test_partial_credit_is_the_passed_share_rounded_down() -> None:
    expected = expect(2)
    partial = config(subtests="partial")
    report = score_report(expected, results(expected, set(), subtests=SubtestCounts(passed=2, failed=1)), partial)
    assert [t.score for t in report.tests] == [0.66, 0.66]  # 2/3 of 1 point, never rounded up
    assert report.score == 1.32
    whole = score_report(expected, results(expected, set(), subtests=SubtestCounts(passed=2, failed=1)), config())
    assert whole.score == 0.0  # the default stays all-or-nothing


@pytest.mark.parametrize("percent", [10.0, 33.0, 7.5])
def test_the_late_penalty_keeps_the_parts_adding_up(percent: float) -> None:
    expected = expect(7)
    cfg = config(max_score=10, groups=(Group(name="g", tests=("test_a.py::test_1", "test_a.py::test_2"), cap=1.0),),
                 deadline=DEADLINE, late_penalty=LatePenalty(per_day=percent))
    report = score_report(expected, results(expected, {0, 1, 2, 4, 5}), cfg)
    late = apply_late_policy(report, deadline=DEADLINE, penalty=cfg.late_penalty, submitted=ONE_DAY_LATE)
    assert late.score == round(report.score * (1 - percent / 100), 2)
    assert late.tests == report.tests  # the tests keep what they earned: the late line takes the points
    assert_adds_up(late)


def test_cap_and_late_lines_add_up_to_the_score_a_student_sees() -> None:
    """4 tests of 1 point rescaled to 10 (3.34, 3.33, 3.33, 3.33), the first three in a group capped at 2 points
    (-3.33 of maximum); 2 days late at 12.5% a day. Every number is whole cents and the lines add up."""
    expected = expect(4)
    style = Group(name="style", tests=("test_a.py::test_0", "test_a.py::test_1", "test_a.py::test_2"), cap=2.0)
    cfg = config(max_score=10, groups=(style,), deadline=DEADLINE, late_penalty=LatePenalty(per_day=12.5))
    on_time = score_report(expected, results(expected, {0, 1, 2}), cfg)
    report = apply_late_policy(on_time, deadline=DEADLINE, penalty=cfg.late_penalty,
                               submitted=SubmissionTime(DEADLINE + timedelta(hours=25), "instructor"))  # fmt: skip
    assert [t.score for t in report.tests] == [3.34, 3.33, 3.33, 0.0]
    assert [(a.kind, a.score, a.max_score) for a in report.adjustments] == [
        (AdjustmentKind.GROUP_CAP, -3.33, -3.33),  # the group earned 10.00 of its 6.67
        (AdjustmentKind.LATE_PENALTY, -1.67, 0.0),  # 25% of 6.67 is 1.6675: the final 5.0025 rounds to 5.00
    ]
    assert (report.raw_score, report.score, report.max_score) == (6.67, 5.0, 10.0)
    assert report.late is not None and (report.late.penalty, report.late.penalty_percent) == (1.67, 25.0)
    assert_adds_up(report)
    assert round(report.raw_score - report.late.penalty, 2) == report.score


def test_cents_have_no_float_artefacts() -> None:
    assert [repr(from_cents(c)) for c in (10, 30, 333, -5, 0)] == ["0.1", "0.3", "3.33", "-0.05", "0.0"]
    expected = expect(3)
    report = score_report(expected, results(expected, {0, 1, 2}), config(max_score=1))
    late = apply_late_policy(report, deadline=DEADLINE, penalty=LatePenalty(per_day=90), submitted=ONE_DAY_LATE)
    assert late.score == 0.1
    assert_adds_up(late)
