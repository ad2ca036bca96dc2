"""Every renderer shows the same numbers for a late submission: the tests, the group cap line, the late line
(raw - penalty = final) and `score` as the total, in the job summary, the terminal, Classroom and the check run."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

from rich.console import Console

from grader.cli.terminal import print_report
from grader.config import LatePenalty
from grader.models import Adjustment, Report, RunStatus, Status
from grader.models import TestScore as Score
from grader.reporters.classroom import classroom_result
from grader.reporters.markdown import render_summary
from grader.results.late import SubmissionTime, apply_late_policy

DEADLINE = datetime(2026, 12, 1, 23, 0, tzinfo=UTC)


TEN_PERCENT = LatePenalty(per_day=10, max=50)


def late_report(days: int = 2, penalty: LatePenalty | None = TEN_PERCENT) -> Report:
    """5 + 3 + 0 points, a group cap of -1: 7 raw; 2 days late at 10% a day: 7 - 1.4 = 5.6 of 10."""
    tests = (
        Score("test_calc.py::test_add", Status.PASSED, 5.0, 5.0, group="core"),
        Score("test_calc.py::test_sub", Status.PASSED, 3.0, 3.0, group="core"),
        Score("test_calc.py::test_div", Status.FAILED, 0.0, 3.0, message="assert 1 == 2"),
    )
    cap = Adjustment("group cap: core (at most 7 points)", -1.0, -1.0)
    on_time = Report(score=7.0, max_score=10.0, status=RunStatus.FAIL, tests=tests, adjustments=(cap,))
    submitted = SubmissionTime(DEADLINE + timedelta(days=days - 1, hours=1), "push-event")
    return apply_late_policy(on_time, deadline=DEADLINE, penalty=penalty, submitted=submitted)


def test_the_numbers_of_a_late_report() -> None:
    report = late_report()
    assert (report.raw_score, report.score, report.max_score) == (7.0, 5.6, 10.0)
    assert [a.score for a in report.adjustments] == [-1.0, -1.4]


def points_column(markdown: str) -> list[float]:
    """The Points column of the summary's table, as numbers (`5 / 5` -> 5, `-1.4` -> -1.4)."""
    lines = markdown.splitlines()
    rows = [line for line in lines if line.startswith("| ") and not line.startswith(("| Status", "| :"))]
    return [float(row.split(" | ")[1].split(" / ")[0]) for row in rows]


def test_job_summary_header_table_and_late_sentence_agree() -> None:
    text = render_summary(late_report(), audience="student")
    assert text.startswith("## Autograding: 5.6 / 10\n")
    assert "**Late:** Submitted 2 days late: 7 - 1.4 late penalty (20%) = 5.6 / 10." in text
    assert "| \u2796 | -1 / -1 | group cap: core (at most 7 points) |" in text
    assert "| \u2796 | -1.4 | late penalty: 2 days late (20%) |" in text
    assert round(sum(points_column(text)), 2) == 5.6


def test_job_summary_in_spanish() -> None:
    text = render_summary(late_report(days=1), audience="student", language="es")
    assert "**Retraso:** Entregado con 1 día de retraso: 7 - 0,7 de penalización (10 %) = 6,3 / 10." in text
    assert "| \u2796 | -0,7 | penalización por retraso: 1 día (10 %) |" in text


def test_late_without_a_penalty_says_so_and_deducts_nothing() -> None:
    report = late_report(days=3, penalty=None)
    assert (report.score, report.raw_score) == (7.0, 7.0)
    text = render_summary(report)
    assert "**Late:** Submitted 3 days late: no late penalty." in text and "late penalty:" not in text


def test_on_time_shows_no_late_line() -> None:
    report = late_report(days=0)
    assert "Late" not in render_summary(report) and report.score == 7.0


def terminal(report: Report) -> str:
    console = Console(file=io.StringIO(), width=120, color_system=None)
    print_report(report, console, audience="student")
    return console.file.getvalue()  # type: ignore[attr-defined]


def test_terminal_shows_the_late_line_and_the_final_total() -> None:
    text = terminal(late_report())
    assert re.search(r"│ -\s+│\s+-1\.4 │ late penalty: 2 days late \(20%\)", text), text
    assert "Late: Submitted 2 days late: 7 - 1.4 late penalty (20%) = 5.6 / 10." in text
    assert "Total: 5.6 / 10" in text


def test_classroom_entries_add_up_to_the_final_score() -> None:
    result = classroom_result(late_report())
    entries = {t["name"]: t["score"] for t in result["tests"]}
    assert entries["late penalty: 2 days late (20%)"] == -1.4
    assert entries["group cap: core (at most 7 points)"] == -1
    total = 0.0
    for test in result["tests"]:  # the reporter's JavaScript sum
        total += test["score"]
    assert total == 5.6 and result["max_score"] == 10


def test_classroom_notices_and_check_title_show_the_final_score() -> None:
    from grader.github.actions import classroom_notices
    from grader.github.payloads import check_title

    assert any("Points 5.6/10" in line for line in classroom_notices(late_report()))
    assert check_title(late_report()).startswith("Score 5.6/10")
