"""The submission time of a `grader run` under Actions (grader.github.push_time): the push event's
server-side time, never a commit date; the run's clock for other events; none outside Actions."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from grader.config import GradingConfig, LatePenalty
from grader.github.push_time import apply_to_report_from_env, submission_time_from_env, submission_time_from_event
from grader.github.settings import settings_from_env
from grader.models import Report, RunStatus, Status
from grader.models import TestScore as Score
from grader.results.late import SubmissionTime

DEADLINE = datetime(2026, 12, 1, 23, 59, tzinfo=timezone(timedelta(hours=1)))
TEN_PERCENT = LatePenalty(per_day=10, max=30)


def scored(score: float) -> Report:
    """A report whose one test earned `score` of 10 points."""
    test = Score("t.py::a", Status.PASSED if score == 10 else Status.FAILED, score, 10.0)
    return Report(score=score, max_score=10.0, status=RunStatus.FAIL, tests=(test,))


def test_push_event_time_is_the_servers_pushed_at_not_the_commit_date() -> None:
    payload = {
        "repository": {"pushed_at": 1796165940},
        "head_commit": {"timestamp": "2020-01-01T00:00:00Z"},  # what `git commit --date` would forge
    }
    found = submission_time_from_event("push", payload)
    assert found == SubmissionTime(datetime(2026, 12, 1, 22, 59, tzinfo=UTC), "push-event")


def test_only_push_events_carry_a_push_time() -> None:
    payload = {"repository": {"pushed_at": "2026-12-01T22:59:00Z"}}
    assert submission_time_from_event("push", payload) is not None
    assert submission_time_from_event("workflow_dispatch", payload) is None
    assert submission_time_from_event("push", {"repository": {"pushed_at": None}}) is None
    assert submission_time_from_event("push", {}) is None


def test_env_outside_actions_has_no_time() -> None:
    assert submission_time_from_env(settings_from_env({})) is None


def test_env_push_uses_the_event_payload(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"repository": {"pushed_at": 1796165940}}), encoding="utf-8")
    env = {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": str(event)}
    found = submission_time_from_env(settings_from_env(env), now=datetime(2030, 1, 1, tzinfo=UTC))
    assert found == SubmissionTime(datetime(2026, 12, 1, 22, 59, tzinfo=UTC), "push-event")


def test_env_other_events_use_the_runs_clock(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"inputs": {}}), encoding="utf-8")
    now = datetime(2026, 12, 2, tzinfo=UTC)
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "workflow_dispatch",
        "GITHUB_EVENT_PATH": str(event),
    }
    assert submission_time_from_env(settings_from_env(env), now=now) == SubmissionTime(now, "run-clock")
    missing = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_EVENT_PATH": str(tmp_path / "x"),
    }
    assert submission_time_from_env(settings_from_env(missing), now=now) == SubmissionTime(now, "run-clock")


def test_apply_to_report_from_env_uses_the_push_time(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    pushed = DEADLINE + timedelta(hours=30)
    event.write_text(json.dumps({"repository": {"pushed_at": int(pushed.timestamp())}}), encoding="utf-8")
    env = {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": str(event)}
    config = GradingConfig(tests=tmp_path, deadline=DEADLINE, late_penalty=TEN_PERCENT)
    late = apply_to_report_from_env(scored(5.0), config, settings_from_env(env))
    assert (late.score, late.raw_score, late.tests) == (4.0, 5.0, scored(5.0).tests)  # the tests keep their points
    assert late.late is not None and late.late.submitted_at == pushed
    outside = apply_to_report_from_env(scored(5.0), config, settings_from_env({}))  # no trusted time outside Actions
    assert outside.score == 5.0 and outside.late is not None and outside.late.submitted_at is None
