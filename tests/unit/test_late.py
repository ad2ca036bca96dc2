"""The late policy: which time counts and what lateness costs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from grader.config import LatePenalty
from grader.models import Adjustment, AdjustmentKind, Late, Report, RunStatus, Status
from grader.models import TestScore as Score
from grader.results.late import (
    LateResult,
    SubmissionTime,
    TimeError,
    apply_late_policy,
    days_late,
    format_time,
    late_result,
    load_times,
    parse_time,
)

DEADLINE = datetime(2026, 12, 1, 23, 59, tzinfo=timezone(timedelta(hours=1)))
TEN_PERCENT = LatePenalty(per_day=10, max=30)


def at(delta: timedelta) -> SubmissionTime:
    return SubmissionTime(DEADLINE + delta, "instructor")


@pytest.mark.parametrize(
    ("delta", "days"),
    [
        (timedelta(seconds=-1), 0),
        (timedelta(0), 0),
        (timedelta(seconds=1), 1),
        (timedelta(hours=24), 1),
        (timedelta(hours=24, seconds=1), 2),
        (timedelta(days=6, hours=1), 7),
    ],
)
def test_days_late_counts_started_days(delta: timedelta, days: int) -> None:
    assert days_late(DEADLINE + delta, DEADLINE) == days


def test_days_late_compares_instants_across_zones() -> None:
    # 23:30 UTC is 00:30 the next day at +01:00, i.e. 31 minutes after a 23:59+01:00 deadline.
    assert days_late(datetime(2026, 12, 1, 23, 30, tzinfo=UTC), DEADLINE) == 1
    assert days_late(datetime(2026, 12, 1, 22, 58, tzinfo=UTC), DEADLINE) == 0


def test_days_late_refuses_naive_times() -> None:
    with pytest.raises(TimeError):
        days_late(datetime(2026, 12, 2), DEADLINE)


def scored(score: float) -> Report:
    """A report whose one test earned `score` of 10 points."""
    test = Score("t.py::a", Status.PASSED if score == 10 else Status.FAILED, score, 10.0)
    return Report(score=score, max_score=10.0, status=RunStatus.FAIL, tests=(test,))


def apply(score: float, submitted: SubmissionTime | None, *, penalty: LatePenalty | None = TEN_PERCENT,
          deadline: datetime | None = DEADLINE) -> Report:  # fmt: skip
    return apply_late_policy(scored(score), deadline=deadline, penalty=penalty, submitted=submitted)


def test_on_time_keeps_the_score() -> None:
    report = apply(8.5, at(timedelta(hours=-1)))
    assert (report.raw_score, report.score, report.adjustments) == (8.5, 8.5, ())
    assert report.late == Late(DEADLINE, DEADLINE - timedelta(hours=1), 0, 10, 30, penalty_percent=0.0, penalty=0.0)
    assert late_result(report) == LateResult(8.5, 8.5, 0, 0.0, "")


def test_each_started_day_costs_per_day_percent_of_the_score() -> None:
    report = apply(8.0, at(timedelta(hours=25)))
    assert report.late is not None
    assert (report.raw_score, report.score, report.late.days_late, report.late.penalty_percent) == (8.0, 6.4, 2, 20.0)
    assert report.late.penalty == 1.6
    line = Adjustment("late penalty: 2 days late (20%)", -1.6, 0.0, AdjustmentKind.LATE_PENALTY)
    assert report.adjustments == (line,)
    assert late_result(report).note == "2 days late"


def test_penalty_is_capped_at_max() -> None:
    report = apply(10.0, at(timedelta(days=30)))
    assert report.late is not None
    assert (report.score, report.late.penalty_percent, report.late.days_late) == (7.0, 30.0, 30)


def test_final_score_is_rounded_to_the_nearest_cent() -> None:
    report = apply(3.33, at(timedelta(hours=1)), penalty=LatePenalty(per_day=33.3))
    assert report.raw_score == 3.33
    assert report.score == round(3.33 * (1 - 0.333), 2) == 2.22  # 2.22111: the penalty is 1.11, not 1.10889
    assert report.late is not None and report.late.penalty == 1.11
    # exact arithmetic: 0.05 at 10% is 0.045 off, a tie, to the even cent (a float would say 0.04499999)
    assert apply(0.05, at(timedelta(hours=1))).score == 0.04
    assert apply(0.15, at(timedelta(hours=1))).score == 0.14  # 0.135: to the even cent


def test_no_deadline_means_no_penalty_even_when_a_time_is_known() -> None:
    report = apply(5, at(timedelta(days=3)), deadline=None, penalty=None)
    assert (report.score, report.late) == (5, None)
    assert late_result(report) == LateResult(5, 5, 0, 0.0, "")


def test_deadline_without_penalty_only_reports_lateness() -> None:
    report = apply(5, at(timedelta(days=3)), penalty=None)
    assert report.late is not None
    assert (report.score, report.late.days_late, report.late.penalty_percent, report.adjustments) == (5, 3, 0.0, ())
    assert (report.late.per_day, report.late.max_percent) == (None, None)


def test_unknown_time_deducts_nothing_and_says_so() -> None:
    report = apply(5, None)
    assert report.late is not None
    assert (report.score, report.late.days_late, report.late.submitted_at) == (5, 0, None)
    assert late_result(report).note == "no trusted submission time"


def test_applying_again_replaces_the_late_line() -> None:
    """From raw_score: another time or deadline replaces the earlier late line, never adds a second."""
    twice_late = apply(8.0, at(timedelta(hours=25)))
    on_time = apply_late_policy(twice_late, deadline=DEADLINE, penalty=TEN_PERCENT, submitted=at(timedelta(hours=-1)))
    assert (on_time.score, on_time.raw_score, on_time.adjustments) == (8.0, 8.0, ())
    again = apply_late_policy(twice_late, deadline=DEADLINE, penalty=TEN_PERCENT, submitted=at(timedelta(hours=25)))
    assert again == twice_late
    assert apply_late_policy(twice_late, deadline=None, penalty=None, submitted=None) == scored(8.0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01T23:59:00+01:00", datetime(2026, 12, 1, 22, 59, tzinfo=UTC)),
        ("2026-12-01T22:59:00Z", datetime(2026, 12, 1, 22, 59, tzinfo=UTC)),
        ("2026-12-01 22:59:00+0000", datetime(2026, 12, 1, 22, 59, tzinfo=UTC)),
        ("1796165940", datetime(2026, 12, 1, 22, 59, tzinfo=UTC)),
        (1796165940, datetime(2026, 12, 1, 22, 59, tzinfo=UTC)),
    ],
)
def test_parse_time_accepts_zoned_iso_and_unix_seconds(text: str | int, expected: datetime) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["2026-12-01T23:59:00", "tomorrow", "2026-13-01T00:00:00Z", ""])
def test_parse_time_refuses_zoneless_or_invalid_times(text: str) -> None:
    with pytest.raises(TimeError):
        parse_time(text)


def test_format_time_is_utc_with_z() -> None:
    assert format_time(DEADLINE) == "2026-12-01T22:59:00Z"
    assert format_time(None) == ""


def test_load_times_reads_the_instructors_csv(tmp_path: Path) -> None:
    path = tmp_path / "times.csv"
    path.write_text(
        "submission,timestamp\n# a comment\nalice,2026-12-01T23:00:00+01:00\n\nbob , 2026-12-03T10:00:00Z \n",
        encoding="utf-8",
    )
    times = load_times(path)
    assert set(times) == {"alice", "bob"}
    assert times["bob"] == SubmissionTime(datetime(2026, 12, 3, 10, tzinfo=UTC), "instructor")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("alice,2026-12-01T23:00:00\n", ":1: "),
        ("alice\n", "expected `submission,timestamp`"),
        ("alice,2026-12-01T23:00:00Z\nalice,2026-12-02T23:00:00Z\n", "given twice"),
    ],
)
def test_load_times_names_the_bad_line(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "times.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TimeError, match=problem):
        load_times(path)


