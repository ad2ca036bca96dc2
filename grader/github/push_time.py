"""The submission time of a single `grader run` under GitHub Actions, from the job's context.

The results layer (`grader.results.late`) applies the late policy to a time it is given; reading that
time from the push event is the GitHub edge's job, so it lives here, beside the settings it reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from grader.config import GradingConfig
from grader.github.settings import GitHubSettings
from grader.models import Report
from grader.results.late import SubmissionTime, TimeError, apply_late_policy, parse_time


def submission_time_from_event(event_name: str, payload: Mapping[str, object]) -> SubmissionTime | None:
    """The server-side push time of a `push` event (`repository.pushed_at`), else None.

    Not `head_commit.timestamp` nor `commits[].timestamp`: those are the commit dates the student chose.
    """
    if event_name != "push":
        return None
    repository = payload.get("repository")
    if not isinstance(repository, Mapping):
        return None
    pushed_at = repository.get("pushed_at")
    if not isinstance(pushed_at, str | int | float) or isinstance(pushed_at, bool):
        return None
    try:
        return SubmissionTime(at=parse_time(pushed_at), source="push-event")
    except TimeError:
        return None


def submission_time_from_env(github: GitHubSettings, *, now: datetime | None = None) -> SubmissionTime | None:
    """The submission time of a single `grader run` under GitHub Actions, or None outside Actions.

    The run's id, number and attempt carry no timestamp, so: the push event's `repository.pushed_at` when
    a push triggered the run; otherwise the runner's clock now, which is after the run started and so
    never earlier than when the code arrived (conservative for the student).
    """
    if not github.in_actions:
        return None
    found = submission_time_from_event(github.event_name, github.event)
    return found or SubmissionTime(at=now or datetime.now(UTC), source="run-clock")


def apply_to_report_from_env(
    report: Report, config: GradingConfig, github: GitHubSettings, *, now: datetime | None = None
) -> Report:
    """`grader run`: the late policy with the run's unforgeable submission time (none outside Actions)."""
    submitted = submission_time_from_env(github, now=now)
    return apply_late_policy(report, deadline=config.deadline, penalty=config.late_penalty, submitted=submitted)
