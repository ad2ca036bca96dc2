"""Late policy: which time counts, and what it costs.

Students can set commit dates to anything (`git commit --date`, `GIT_COMMITTER_DATE`), so a commit date never
decides lateness. The time that counts is one the student cannot forge:

- under GitHub Actions, the push event's `repository.pushed_at` (set by GitHub's server when the push
  arrived; a re-run reuses the same payload, so an instructor's re-run never makes a student late), and for
  any other event the run's own clock (the job runs after its trigger: never earlier than the truth): read
  from the job's context by `grader.github.push_time`;
- in batch mode, a time the instructor supplies (`--times FILE`, `--submitted-at`) or the push time that
  GitHub's repository activity API records for the graded commit (see `grader.github.repos`).

`apply_late_policy` is a pure function of a report, the deadline, the penalty and that time. `grader run` and
`grader batch` both apply it before writing the report, so `Report.score` is always the final score and the
same submission graded at the same submission time gives the same report either way.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path

from grader.config import LatePenalty
from grader.errors import UsageError
from grader.models import REPORT_VERSION, Adjustment, AdjustmentKind, Late, Report
from grader.results.rounding import from_cents, to_cents

_DAY = timedelta(days=1)
_ZONE_RE = re.compile(r"(Z|[+-]\d\d(:?\d\d)?)$", re.IGNORECASE)
NO_TIME = "no trusted submission time"


class TimeError(UsageError, ValueError):
    """A submission time that cannot be used, worded for the instructor (one line)."""


@dataclass(frozen=True)
class SubmissionTime:
    """When a submission arrived, and where that fact comes from (shown in the gradebook)."""

    at: datetime  # always timezone-aware
    source: str  # e.g. "instructor", "github-push", "push-event", "run-clock"


@dataclass(frozen=True)
class LateResult:
    """A report's late line as the gradebook shows it."""

    raw: float  # the score before the late penalty
    final: float  # the report's score
    days_late: int  # started days after the deadline; 0 when on time or unknown
    penalty_percent: float  # percent of the raw score lost
    note: str = ""  # e.g. "no trusted submission time", shown to the instructor


def apply_late_policy(
    report: Report,
    *,
    deadline: datetime | None,
    penalty: LatePenalty | None,
    submitted: SubmissionTime | None,
) -> Report:
    """The report with `late` set and, when points are lost, a late-penalty adjustment after the others.

    Every started day past the deadline costs `per_day` percent of the raw score, at most `max`; the final
    score is rounded to the nearest cent (exact arithmetic, ties to even) and the penalty is the difference,
    so tests + adjustments still add up to `score`. A deadline without a penalty only records the days late.
    Without a trusted submission time nothing is deducted: the instructor decides, the grader never guesses
    from a commit date. Computed from `raw_score`, so applying it again (another time, another deadline)
    replaces the earlier late line instead of adding to it.
    """
    base = replace(
        report,
        score=report.raw_score,
        late=None,
        version=REPORT_VERSION,  # a version 2 report (a raw score) now has the meaning of this version's
        adjustments=tuple(a for a in report.adjustments if a.kind is not AdjustmentKind.LATE_PENALTY),
    )
    if deadline is None:
        return base
    per_day, cap = (penalty.per_day, penalty.max) if penalty is not None else (None, None)
    if submitted is None:
        late = Late(deadline, None, 0, per_day, cap, penalty_percent=0.0, penalty=0.0)
        return replace(base, late=late)
    days = days_late(submitted.at, deadline)
    percent = 0.0 if penalty is None else round(min(days * penalty.per_day, penalty.max), 2) + 0.0
    raw = to_cents(base.score)
    cut = raw - round(raw * (100 - Fraction(repr(percent))) / 100)  # repr: 33.3 is 333/10, not the double
    late = Late(deadline, submitted.at, days, per_day, cap, penalty_percent=percent, penalty=from_cents(cut))
    if not cut:
        return replace(base, late=late)
    line = Adjustment(late_line_name(days, percent), from_cents(-cut), 0.0, AdjustmentKind.LATE_PENALTY)
    return replace(base, score=from_cents(raw - cut), late=late, adjustments=(*base.adjustments, line))


def late_line_name(days: int, percent: float) -> str:
    """The late penalty's line, in English (reporters.messages translates these forms)."""
    if days == 1:
        return f"late penalty: 1 day late ({percent:g}%)"
    return f"late penalty: {days} days late ({percent:g}%)"


def late_result(report: Report) -> LateResult:
    """The gradebook's view of a report's late line (no `late`: no deadline, nothing deducted)."""
    late = report.late
    if late is None:
        return LateResult(raw=report.raw_score, final=report.score, days_late=0, penalty_percent=0.0)
    days = late.days_late
    # both forms spelt out: reporters.messages translates them in the gradebook's Markdown
    note = "" if not days else "1 day late" if days == 1 else f"{days} days late"
    if late.submitted_at is None:
        note = NO_TIME
    return LateResult(report.raw_score, report.score, days, late.penalty_percent, note)


def late_policy_again(
    report: Report, submitted: SubmissionTime | None, *, deadline: datetime | None, penalty: LatePenalty | None
) -> Report:
    """The gradebook's report: as stored, or with the late policy applied again when the instructor gives a
    deadline (grading.yml's) or a submission time the report was not graded with (`--times`).

    Reports before version 3 carry no late line: their score is taken as the raw score (what `grader batch`
    stored then) and the config's policy applies with the time in meta.json, as the gradebook always did.
    """
    stored = report.late
    if deadline is None and stored is not None:  # the report's own policy, perhaps with another time
        if submitted is None or submitted.at == stored.submitted_at:
            return report
        deadline = stored.deadline
        cap = 100.0 if stored.max_percent is None else stored.max_percent
        penalty = None if stored.per_day is None else LatePenalty(stored.per_day, cap)
    elif deadline is None:
        return report
    return apply_late_policy(report, deadline=deadline, penalty=penalty, submitted=submitted or stored_time(report))


def stored_time(report: Report) -> SubmissionTime | None:
    """The time a report was graded with (a `grader run --json` report has no meta.json: its push time)."""
    at = report.late.submitted_at if report.late is not None else None
    return SubmissionTime(at, "report") if at is not None else None


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


def format_time(at: datetime | None) -> str:
    """ISO 8601 in UTC with a Z, seconds precision: stable in CSV and JSON."""
    if at is None:
        return ""
    return at.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
