"""The gradebook reads `score` and `late` from each report; it applies the late policy again only when the
instructor gives a deadline or a time of their own, and reads version 2 reports as it always did."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from grader.batch.gradebook import Entry, build_rows, render_csv
from grader.batch.store import META_FILE, REPORT_FILE, Meta, load_entries, meta_to_json
from grader.config import LatePenalty
from grader.models import Report, RunStatus, Status
from grader.models import TestScore as Score
from grader.reporters.report_json import to_json, write_json
from grader.results.late import SubmissionTime, apply_late_policy

DEADLINE = datetime(2026, 12, 1, 23, 0, tzinfo=UTC)
PENALTY = LatePenalty(per_day=10, max=50)
TWO_DAYS_LATE = SubmissionTime(DEADLINE + timedelta(hours=30), "github-push")


def raw(score: float = 8.0) -> Report:
    tests = (Score("t.py::a", Status.PASSED, score, score), Score("t.py::b", Status.FAILED, 0.0, 10.0 - score))
    return Report(score=score, max_score=10.0, status=RunStatus.FAIL, tests=tests)


def graded_late() -> Report:
    """What `grader batch` and `grader run` store: 8 points, 2 days late, 20% off: 6.4."""
    return apply_late_policy(raw(), deadline=DEADLINE, penalty=PENALTY, submitted=TWO_DAYS_LATE)


def test_the_stored_late_line_is_what_the_gradebook_shows() -> None:
    (row,) = build_rows([Entry("alice", graded_late(), TWO_DAYS_LATE)])
    assert row.late is not None
    assert (row.late.raw, row.late.final, row.late.days_late, row.late.penalty_percent) == (8.0, 6.4, 2, 20.0)
    assert row.note == "2 days late"
    # the batch's own call (the config's deadline and the same time) changes nothing
    assert build_rows([Entry("alice", graded_late(), TWO_DAYS_LATE)], deadline=DEADLINE, penalty=PENALTY) == (row,)


def test_a_time_of_the_instructors_applies_the_reports_own_policy_again() -> None:
    on_time = SubmissionTime(DEADLINE - timedelta(minutes=5), "instructor")  # e.g. an extension, via --times
    (row,) = build_rows([Entry("alice", graded_late(), on_time)])
    assert row.late is not None and (row.late.raw, row.late.final, row.late.days_late) == (8.0, 8.0, 0)
    three_days = SubmissionTime(DEADLINE + timedelta(days=2, hours=1), "instructor")
    (row,) = build_rows([Entry("alice", graded_late(), three_days)])
    assert row.late is not None and (row.late.final, row.late.penalty_percent) == (5.6, 30.0)


def test_a_new_deadline_in_the_config_applies_from_the_raw_score() -> None:
    later = DEADLINE + timedelta(days=1)
    (row,) = build_rows([Entry("alice", graded_late(), TWO_DAYS_LATE)], deadline=later, penalty=PENALTY)
    assert row.late is not None and (row.late.raw, row.late.final, row.late.days_late) == (8.0, 7.2, 1)


def test_a_run_report_without_meta_keeps_the_push_time_it_was_graded_with() -> None:
    (row,) = build_rows([Entry("bob", graded_late(), None)], deadline=DEADLINE, penalty=PENALTY)
    assert row.late is not None and row.late.final == 6.4
    assert row.submitted == SubmissionTime(TWO_DAYS_LATE.at, "report")
    assert "2026-12-03T05:00:00Z,report," in render_csv((row,))


def stored_version_2(folder: Path, report: Report, submitted: SubmissionTime | None) -> None:
    """A report and meta file as `grader batch` wrote them before version 3: the raw score, no late line."""
    data = to_json(report)
    data["version"] = 2
    del data["raw_score"], data["late"]
    for adjustment in data["adjustments"]:
        del adjustment["kind"]
    folder.mkdir(parents=True)
    (folder / REPORT_FILE).write_text(json.dumps(data), encoding="utf-8")
    meta = Meta(folder.name, "hash", submitted, graded_at=DEADLINE)
    (folder / META_FILE).write_text(json.dumps(meta_to_json(meta)), encoding="utf-8")


def test_version_2_reports_are_raw_scores_and_the_configs_policy_applies_as_before(tmp_path: Path) -> None:
    stored_version_2(tmp_path / "reports" / "alice", raw(), TWO_DAYS_LATE)
    write_json(graded_late(), tmp_path / "reports" / "carol" / REPORT_FILE)  # version 3 beside it
    entries, problems = load_entries(tmp_path / "reports")
    assert problems == []
    by_name = {r.name: r for r in build_rows(entries, deadline=DEADLINE, penalty=PENALTY)}
    assert by_name["alice"].late is not None and (by_name["alice"].late.raw, by_name["alice"].late.final) == (8.0, 6.4)
    assert by_name["carol"].late is not None and (by_name["carol"].late.raw, by_name["carol"].late.final) == (8.0, 6.4)
    # without --config a version 2 report has no late line: its score as stored, as the gradebook always did
    by_name = {r.name: r for r in build_rows(entries)}
    assert by_name["alice"].late is not None and by_name["alice"].late.final == 8.0
    assert by_name["carol"].late is not None and by_name["carol"].late.final == 6.4
