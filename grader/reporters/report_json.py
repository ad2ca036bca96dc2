"""The `--json` report: a stable, versioned contract (schema in grader/schemas/report.schema.json).

Keys never change meaning within a `version`; adding a key is a new version.  Scores are numbers
rounded to 2 decimals, durations to 3, times ISO 8601 in UTC.  Since version 3 `score` is always the final
score (after group caps and the late penalty) and `raw_score` the score before the late penalty; in version 2
`grader run` under Actions wrote the penalised score and `grader batch` the raw one, and nothing said which.
This is the instructor's view: hidden tests keep their details here; student-facing reporters strip them.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from grader.models import (
    REPORT_VERSION,
    Adjustment,
    AdjustmentKind,
    Finding,
    Late,
    Report,
    RunStatus,
    SandboxInfo,
    Status,
    SubtestCounts,
    TestScore,
)
from grader.results.late import TimeError, format_time, parse_time

SCHEMA_PATH = Path(__file__).parent.parent / "schemas" / "report.schema.json"


def to_json(report: Report) -> dict[str, Any]:
    """The report as plain JSON data, keys in a fixed order."""
    return {
        "version": report.version,
        "score": _score(report.score),
        "raw_score": _score(report.raw_score),
        "max_score": _score(report.max_score),
        "status": report.status.value,
        "error": report.error,
        "late": None if report.late is None else _late(report.late),
        "tests": [_test(t) for t in report.tests],
        "adjustments": [
            {"kind": a.kind.value, "name": a.name, "score": _signed(a.score), "max_score": _signed(a.max_score)}
            for a in report.adjustments
        ],
        "integrity": [{"kind": f.kind, "path": f.path, "detail": f.detail} for f in report.integrity],
        "sandbox": {
            "exit_code": report.sandbox.exit_code,
            "timed_out": report.sandbox.timed_out,
            "oom_killed": report.sandbox.oom_killed,
            "duration_s": _seconds(report.sandbox.duration_s),
        },
        "output": report.output,
    }


def write_json(report: Report, path: str | os.PathLike[str]) -> None:
    """Write the report atomically (a reader never sees half a file), UTF-8, 2-space indent."""
    text = json.dumps(to_json(report), indent=2, ensure_ascii=False) + "\n"
    # A lone surrogate (an undecodable file name, say) cannot be written as UTF-8: show U+FFFD instead.
    write_text_atomic(Path(path), re.sub("[\ud800-\udfff]", "\ufffd", text))


def write_text_atomic(path: Path, text: str) -> None:
    """Write through a temporary file in the same folder and rename it over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def from_json(data: dict[str, Any]) -> Report:
    """Rebuild a Report from `to_json` output. Raises ValueError naming the first bad key."""
    try:
        version = int(data["version"])
        if version > REPORT_VERSION:
            raise ValueError(f"report version {version} is newer than this grader ({REPORT_VERSION})")
        sandbox = data["sandbox"]
        return Report(
            version=version,
            score=float(data["score"]),
            max_score=float(data["max_score"]),
            status=RunStatus(data["status"]),
            error=data["error"],
            tests=tuple(_test_from(t) for t in data["tests"]),
            integrity=tuple(
                Finding(kind=f["kind"], detail=f["detail"], path=f["path"]) for f in data["integrity"]
            ),
            sandbox=SandboxInfo(
                exit_code=sandbox["exit_code"],
                timed_out=bool(sandbox["timed_out"]),
                oom_killed=bool(sandbox["oom_killed"]),
                duration_s=float(sandbox["duration_s"]),
            ),
            output=data["output"],
            # version 1 reports have no adjustments (and no subtests / graded per test); before version 3
            # every adjustment was a group cap and there was no late line: `score` is taken as it stands
            adjustments=tuple(
                Adjustment(name=a["name"], score=float(a["score"]), max_score=float(a["max_score"]),
                           kind=AdjustmentKind(a.get("kind", AdjustmentKind.GROUP_CAP.value)))
                for a in data.get("adjustments", ())
            ),
            late=None if data.get("late") is None else _late_from(data["late"]),
        )
    except KeyError as exc:
        raise ValueError(f"not a grader report: missing key {exc.args[0]!r}") from None
    except (TypeError, AttributeError, TimeError) as exc:
        raise ValueError(f"not a grader report: {exc}") from None


def _late(late: Late) -> dict[str, Any]:
    policy = None if late.per_day is None else {"per_day": late.per_day, "max": late.max_percent}
    return {
        "deadline": format_time(late.deadline),
        "submitted_at": format_time(late.submitted_at) if late.submitted_at is not None else None,
        "days_late": late.days_late,
        "policy": policy,
        "penalty_percent": late.penalty_percent,
        "penalty": _score(late.penalty),
    }


def _late_from(data: dict[str, Any]) -> Late:
    policy = data["policy"]
    return Late(
        deadline=parse_time(data["deadline"]),
        submitted_at=None if data["submitted_at"] is None else parse_time(data["submitted_at"]),
        days_late=int(data["days_late"]),
        per_day=None if policy is None else float(policy["per_day"]),
        max_percent=None if policy is None else float(policy["max"]),
        penalty_percent=float(data["penalty_percent"]),
        penalty=float(data["penalty"]),
    )


def _test(t: TestScore) -> dict[str, Any]:
    return {
        "name": t.name,
        "title": t.title,
        "status": t.status.value,
        "score": _score(t.score),
        "max_score": _score(t.max_score),
        "message": t.message,
        "details": t.details,
        "output": t.output,
        "file": t.file,
        "line": t.line,
        "hidden": t.hidden,
        "group": t.group,
        "duration_s": _seconds(t.duration_s),
        "subtests": None if t.subtests is None else {"passed": t.subtests.passed, "failed": t.subtests.failed},
        "graded": t.graded,
    }


def _test_from(t: dict[str, Any]) -> TestScore:
    return TestScore(
        name=t["name"],
        title=t["title"],
        status=Status(t["status"]),
        score=float(t["score"]),
        max_score=float(t["max_score"]),
        message=t["message"],
        details=t["details"],
        output=t["output"],
        file=t["file"],
        line=t["line"],
        hidden=bool(t["hidden"]),
        group=t["group"],
        duration_s=float(t["duration_s"]),
        subtests=None if t.get("subtests") is None else SubtestCounts(
            passed=int(t["subtests"]["passed"]), failed=int(t["subtests"]["failed"])
        ),
        graded=bool(t.get("graded", True)),
    )


def _score(value: float) -> float:
    return round(value, 2) + 0.0  # + 0.0: never -0.0


def _signed(value: float) -> float:
    return round(value, 2) + 0.0


def _seconds(value: float) -> float:
    return round(value, 3) + 0.0
