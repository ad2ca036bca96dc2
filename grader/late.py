"""Late policy: which time counts, and what it costs.

Students can set commit dates to anything (`git commit --date`, `GIT_COMMITTER_DATE`), so a commit date never
decides lateness. The time that counts is one the student cannot forge:

- under GitHub Actions, the push event's `repository.pushed_at` (set by GitHub's server when the push
  arrived; a re-run reuses the same payload, so an instructor's re-run never makes a student late), and for
  any other event the run's own clock (the job runs after its trigger: never earlier than the truth);
- in batch mode, a time the instructor supplies (`--times FILE`, `--submitted-at`) or the push time that
  GitHub's repository activity API records for the graded commit (see `grader.repos`).

`apply_late_policy` is a pure function of the score, the deadline, the penalty and that time.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from grader.config import GradingConfig, LatePenalty
from grader.errors import UsageError
from grader.models import Report

_DAY = timedelta(days=1)
_ZONE_RE = re.compile(r"(Z|[+-]\d\d(:?\d\d)?)$", re.IGNORECASE)


class TimeError(UsageError, ValueError):
    """A submission time that cannot be used, worded for the instructor (one line)."""


@dataclass(frozen=True)
class SubmissionTime:
    """When a submission arrived, and where that fact comes from (shown in the gradebook)."""

    at: datetime  # always timezone-aware
    source: str  # e.g. "instructor", "github-push", "push-event", "run-clock"


@dataclass(frozen=True)
class LateResult:
    raw: float  # the report's score
    final: float  # after the late penalty, rounded to 2 decimals
    days_late: int  # started days after the deadline; 0 when on time or unknown
    penalty_percent: float  # percent of the raw score lost
    note: str = ""  # e.g. "no trusted submission time", shown to the instructor


def apply_late_policy(
    score: float,
    *,
    deadline: datetime | None,
    penalty: LatePenalty | None,
    submitted: SubmissionTime | None,
) -> LateResult:
    """Raw and final score: every started day past the deadline costs `per_day` percent, at most `max`.

    A deadline without a penalty only reports the days late. Without a trusted submission time nothing is
    deducted and the note says so: the instructor decides, the grader never guesses from a commit date.
    """
    raw = round(score, 2)
    if deadline is None:
        return LateResult(raw=raw, final=raw, days_late=0, penalty_percent=0.0)
    if submitted is None:
        return LateResult(raw=raw, final=raw, days_late=0, penalty_percent=0.0, note="no trusted submission time")
    days = days_late(submitted.at, deadline)
    percent = 0.0 if penalty is None else min(days * penalty.per_day, penalty.max)
    final = round(raw * (1 - percent / 100), 2)
    # both forms spelt out: reporters.messages translates them in the gradebook's Markdown
    note = "" if not days else "1 day late" if days == 1 else f"{days} days late"
    return LateResult(raw=raw, final=final, days_late=days, penalty_percent=round(percent, 2), note=note)


def days_late(submitted_at: datetime, deadline: datetime) -> int:
    """Started days after the deadline: 1 second late is 1 day, exactly 24 h late is 1 day, 24 h 1 s is 2."""
    if submitted_at.tzinfo is None or deadline.tzinfo is None:
        raise TimeError("submission time and deadline must both name their time zone")
    late = submitted_at - deadline
    if late <= timedelta(0):
        return 0
    return math.ceil(late / _DAY)


def parse_time(text: str | int | float) -> datetime:
    """ISO 8601 with a zone (`2026-12-01T23:59:00+01:00`, `...Z`), or Unix seconds as GitHub sends them."""
    if isinstance(text, bool):
        raise TimeError(f"{text!r} is not a time")
    if isinstance(text, int | float):
        return datetime.fromtimestamp(text, tz=UTC)
    value = text.strip()
    if re.fullmatch(r"\d{9,11}(\.\d+)?", value):
        return datetime.fromtimestamp(float(value), tz=UTC)
    if not _ZONE_RE.search(value):
        raise TimeError(f"{text!r} must name its time zone, e.g. 2026-12-01T23:59:00+01:00 or ...Z")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise TimeError(f"{text!r} is not an ISO 8601 date and time") from None
    if parsed.tzinfo is None:  # pragma: no cover - guarded by the regex above
        raise TimeError(f"{text!r} must name its time zone")
    return parsed


def load_times(path: Path) -> dict[str, SubmissionTime]:
    """The instructor's CSV `submission,timestamp` (a header row with those names is optional)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise TimeError(f"{path}: cannot read: {exc.strerror or exc}") from None
    times: dict[str, SubmissionTime] = {}
    for number, row in enumerate(csv.reader(text.splitlines()), start=1):
        if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
            continue
        if number == 1 and [c.strip().lower() for c in row[:2]] == ["submission", "timestamp"]:
            continue
        if len(row) < 2:
            raise TimeError(f"{path}:{number}: expected `submission,timestamp`, got {','.join(row)!r}")
        name, stamp = row[0].strip(), row[1].strip()
        try:
            at = parse_time(stamp)
        except TimeError as exc:
            raise TimeError(f"{path}:{number}: {exc}") from None
        if name in times:
            raise TimeError(f"{path}:{number}: {name!r} is given twice")
        times[name] = SubmissionTime(at=at, source="instructor")
    return times


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


def submission_time_from_env(env: Mapping[str, str], *, now: datetime | None = None) -> SubmissionTime | None:
    """The submission time of a single `grader run` under GitHub Actions, or None outside Actions.

    `GITHUB_RUN_ID`/`GITHUB_RUN_NUMBER`/`GITHUB_RUN_ATTEMPT` carry no timestamp, so: the push event's
    `repository.pushed_at` when a push triggered the run; otherwise the runner's clock now, which is after
    the run started and so never earlier than when the code arrived (conservative for the student).
    """
    if env.get("GITHUB_ACTIONS") != "true":
        return None
    event_path = env.get("GITHUB_EVENT_PATH")
    if event_path:
        try:
            payload = json.loads(Path(event_path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            payload = None
        if isinstance(payload, Mapping):
            found = submission_time_from_event(env.get("GITHUB_EVENT_NAME", ""), payload)
            if found is not None:
                return found
    return SubmissionTime(at=now or datetime.now(UTC), source="run-clock")


def format_time(at: datetime | None) -> str:
    """ISO 8601 in UTC with a Z, seconds precision: stable in CSV and JSON."""
    if at is None:
        return ""
    return at.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def apply_to_report(report: Report, config: GradingConfig, submitted: SubmissionTime | None) -> Report:
    """The report with the late penalty applied to its total and to every test's score (GitHub Classroom
    sums the tests), rounded to 2 decimals. Unchanged when nothing is deducted."""
    late = apply_late_policy(report.score, deadline=config.deadline, penalty=config.late_penalty, submitted=submitted)
    if late.penalty_percent == 0:
        return report
    from grader.rounding import rescale  # largest remainder: the tests still add up to the final score

    return rescale(report, late.final)


def apply_to_report_from_env(
    report: Report, config: GradingConfig, env: Mapping[str, str], *, now: datetime | None = None
) -> Report:
    """`grader run` under GitHub Actions: the late policy with the run's unforgeable submission time."""
    return apply_to_report(report, config, submission_time_from_env(env, now=now))
