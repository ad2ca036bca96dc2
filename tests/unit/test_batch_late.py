"""`grader batch` stores reports with the late policy applied (the same function as `grader run`), and a re-run
with another submission time rewrites the late line of a reused report without regrading."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from grader.batch.fingerprint import content_hash
from grader.batch.jobs import find_submissions
from grader.batch.runner import BatchContext, grade_all
from grader.batch.store import Meta, meta_to_json
from grader.config import LatePenalty
from grader.models import Report, RunStatus, Status
from grader.models import TestScore as Score
from grader.reporters.report_json import to_json
from grader.results.late import SubmissionTime

DEADLINE = datetime(2026, 12, 1, 23, 0, tzinfo=UTC)
PENALTY = LatePenalty(per_day=25)


def two_points(path: Path) -> Report:
    tests = (Score("t.py::a", Status.PASSED, 1.0, 1.0), Score("t.py::b", Status.PASSED, 1.0, 1.0))
    return Report(2.0, 2.0, RunStatus.PASS, tests)


class Counting:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, path: Path) -> Report:
        self.calls += 1
        return two_points(path)


def batch(subs: Path, out: Path, grade: Counting, submitted: SubmissionTime) -> dict[str, object]:
    ctx = BatchContext(grade=grade, fingerprint="fp", out=out, default_time=submitted, deadline=DEADLINE,
                       penalty=PENALTY)  # fmt: skip
    (outcome,) = grade_all(find_submissions(subs), ctx, workers=1).outcomes
    assert outcome.entry.report is not None
    stored = json.loads((out / "reports" / "alice" / "report.json").read_text(encoding="utf-8"))
    assert stored["score"] == outcome.entry.report.score  # what is stored is what the gradebook gets
    return stored


def test_the_stored_report_carries_the_final_score_and_follows_a_new_time(tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    (subs / "alice").mkdir(parents=True)
    (subs / "alice" / "calc.py").write_text("x = 1\n", encoding="utf-8")
    grade, out = Counting(), tmp_path / "out"

    stored = batch(subs, out, grade, SubmissionTime(DEADLINE + timedelta(hours=2), "instructor"))
    assert (stored["raw_score"], stored["score"], grade.calls) == (2.0, 1.5, 1)  # 1 day late: 25% off
    assert [a["kind"] for a in stored["adjustments"]] == ["late-penalty"]

    stored = batch(subs, out, grade, SubmissionTime(DEADLINE - timedelta(hours=2), "instructor"))  # an extension
    assert (stored["raw_score"], stored["score"], stored["adjustments"], grade.calls) == (2.0, 2.0, [], 1)
    meta = json.loads((out / "reports" / "alice" / "meta.json").read_text(encoding="utf-8"))
    assert meta["submitted_at"] == "2026-12-01T21:00:00Z"


def test_a_stored_version_2_report_is_reused_and_rewritten_as_version_3(tmp_path: Path) -> None:
    """Before version 3 the batch stored the raw score: a re-run applies the late policy to it, no regrade."""
    subs = tmp_path / "subs"
    (subs / "alice").mkdir(parents=True)
    (subs / "alice" / "calc.py").write_text("x = 1\n", encoding="utf-8")
    out = tmp_path / "out"
    late = SubmissionTime(DEADLINE + timedelta(hours=2), "instructor")
    data = to_json(two_points(subs / "alice"))
    data["version"] = 2
    del data["raw_score"], data["late"]
    folder = out / "reports" / "alice"
    folder.mkdir(parents=True)
    (folder / "report.json").write_text(json.dumps(data), encoding="utf-8")
    meta = Meta("alice", content_hash(subs / "alice", "fp"), late, graded_at=DEADLINE)
    (folder / "meta.json").write_text(json.dumps(meta_to_json(meta)), encoding="utf-8")

    grade = Counting()
    stored = batch(subs, out, grade, late)
    assert (stored["version"], stored["raw_score"], stored["score"], grade.calls) == (3, 2.0, 1.5, 0)
