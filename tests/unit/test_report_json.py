"""grader.reporters.report_json: the stable --json contract, its schema and the round trip."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from grader.models import Finding, Report, RunStatus, SandboxInfo, Status
from grader.models import TestScore as Score
from grader.reporters.report_json import SCHEMA_PATH, from_json, to_json, write_json

TOP_KEYS = [
    "version", "score", "raw_score", "max_score", "status", "error", "late", "tests", "adjustments", "integrity",
    "sandbox", "output",
]  # fmt: skip
TEST_KEYS = [
    "name", "title", "status", "score", "max_score", "message", "details", "output",
    "file", "line", "hidden", "group", "duration_s", "subtests", "graded",
]  # fmt: skip


def full_report() -> Report:
    return Report(
        score=3.3333333,
        max_score=10.0,
        status=RunStatus.FAIL,
        tests=(
            Score(
                name="test_calc.py::test_add[1-2]",
                status=Status.PASSED,
                score=3.3333333,
                max_score=3.3333333,
                title="Adds two numbers",
                output="printed ✓",
                file="test_calc.py",
                line=4,
                group="basics",
                duration_s=0.0123456,
            ),
            Score(
                name="test_calc.py::test_div",
                status=Status.FAILED,
                score=0.0,
                max_score=6.6666667,
                message="ZeroDivisionError: division by zero",
                details="calc.py:3: ZeroDivisionError",
                file="calc.py",
                line=3,
                hidden=True,
            ),
            Score(name="test_calc.py::test_never", status=Status.NOT_RUN, score=0.0, max_score=0.0),
        ),
        integrity=(
            Finding("symlink", "symbolic link dropped", "data/link"),
            Finding("early-exit", "sys.exit"),
        ),
        sandbox=SandboxInfo(exit_code=1, timed_out=False, oom_killed=True, duration_s=2.71828),
        error=None,
        output="session output",
    )


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_keys_are_exactly_the_contract() -> None:
    data = to_json(full_report())
    assert list(data) == TOP_KEYS
    assert all(list(t) == TEST_KEYS for t in data["tests"])
    assert list(data["integrity"][0]) == ["kind", "path", "detail"]
    assert list(data["sandbox"]) == ["exit_code", "timed_out", "oom_killed", "duration_s"]


def test_values_are_plain_json_with_rounded_numbers() -> None:
    data = to_json(full_report())
    assert (data["version"], data["score"], data["max_score"], data["status"]) == (3, 3.33, 10.0, "fail")
    assert (data["raw_score"], data["late"], data["adjustments"]) == (3.33, None, [])
    first, second, third = data["tests"]
    assert (first["score"], first["max_score"], first["duration_s"]) == (3.33, 3.33, 0.012)
    assert (second["status"], second["hidden"], second["max_score"]) == ("failed", True, 6.67)
    assert (third["status"], third["title"], third["file"], third["line"]) == ("not-run", None, None, None)
    assert data["integrity"][1] == {"kind": "early-exit", "path": None, "detail": "sys.exit"}
    assert data["sandbox"] == {"exit_code": 1, "timed_out": False, "oom_killed": True, "duration_s": 2.718}
    assert json.loads(json.dumps(data)) == data  # nothing that JSON cannot carry


def test_output_validates_against_the_schema(validator: jsonschema.Draft202012Validator) -> None:
    validator.validate(to_json(full_report()))
    error_report = Report(score=0.0, max_score=0.0, status=RunStatus.ERROR, tests=(), error="no tests found")
    validator.validate(to_json(error_report))


@pytest.mark.parametrize(
    "breakage",
    [
        lambda d: d.pop("score"),
        lambda d: d.update(status="passed"),
        lambda d: d["tests"][0].update(status="pass"),
        lambda d: d["tests"][0].update(extra=1),
        lambda d: d["tests"][0].update(line=0),
        lambda d: d["sandbox"].update(exit_code="1"),
        lambda d: d.update(version=2),
        lambda d: d.pop("raw_score"),
        lambda d: d.pop("late"),
        lambda d: d.update(late={"deadline": "2026-12-01T22:59:00Z"}),
    ],
)
def test_schema_rejects_what_breaks_the_contract(
    validator: jsonschema.Draft202012Validator, breakage: Any
) -> None:
    data = to_json(full_report())
    breakage(data)
    assert not validator.is_valid(data)


def test_round_trip() -> None:
    data = to_json(full_report())
    assert to_json(from_json(data)) == data
    rebuilt = from_json(json.loads(json.dumps(data)))
    assert rebuilt.tests[1].status is Status.FAILED
    assert rebuilt.integrity == full_report().integrity
    assert rebuilt.sandbox == SandboxInfo(exit_code=1, oom_killed=True, duration_s=2.718)


def late_report() -> Report:
    """full_report graded 2 days late at 10% a day (at most 50%), with a group cap before the late line."""
    from datetime import UTC, datetime, timedelta

    from grader.config import LatePenalty
    from grader.models import Adjustment
    from grader.results.late import SubmissionTime, apply_late_policy

    capped = replace(full_report(), score=3.0, adjustments=(Adjustment("group cap: basics (at most 3 points)", -0.33,
                                                                       -0.33),))  # fmt: skip
    deadline = datetime(2026, 12, 1, 22, 59, tzinfo=UTC)
    submitted = SubmissionTime(deadline + timedelta(hours=30), "push-event")
    return apply_late_policy(capped, deadline=deadline, penalty=LatePenalty(10, 50), submitted=submitted)


def test_the_late_line_in_json(validator: jsonschema.Draft202012Validator) -> None:
    data = to_json(late_report())
    validator.validate(data)
    assert (data["score"], data["raw_score"]) == (2.4, 3.0)
    assert data["late"] == {
        "deadline": "2026-12-01T22:59:00Z", "submitted_at": "2026-12-03T04:59:00Z", "days_late": 2,
        "policy": {"per_day": 10, "max": 50}, "penalty_percent": 20.0, "penalty": 0.6,
    }  # fmt: skip
    assert data["adjustments"] == [
        {"kind": "group-cap", "name": "group cap: basics (at most 3 points)", "score": -0.33, "max_score": -0.33},
        {"kind": "late-penalty", "name": "late penalty: 2 days late (20%)", "score": -0.6, "max_score": 0.0},
    ]
    rebuilt, made = from_json(json.loads(json.dumps(data))), late_report()
    assert (rebuilt.late, rebuilt.adjustments, rebuilt.score, rebuilt.raw_score) == (
        made.late, made.adjustments, made.score, made.raw_score)  # fmt: skip
    assert to_json(from_json(data)) == data


def test_a_version_2_report_still_loads_with_its_score_as_the_raw_score() -> None:
    data = to_json(replace(full_report(), score=3.0))
    data.update(version=2, adjustments=[{"name": "group cap: basics (at most 3 points)", "score": -0.33,
                                         "max_score": -0.33}])  # fmt: skip
    del data["raw_score"], data["late"]
    report = from_json(data)
    assert (report.version, report.score, report.raw_score, report.late) == (2, 3.0, 3.0, None)
    assert [a.kind.value for a in report.adjustments] == ["group-cap"]


def test_write_json_is_utf8_and_loads_back(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    write_json(full_report(), target)
    text = target.read_text(encoding="utf-8")
    assert "printed ✓" in text  # not \u2713: readable in the artifact
    assert text.endswith("\n")
    assert json.loads(text) == to_json(full_report())
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # no temporary file left behind


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "not a grader report: missing key 'version'"),
        ({**to_json(full_report()), "version": 99}, "report version 99 is newer than this grader (3)"),
        ({**to_json(full_report()), "status": "great"}, "'great' is not a valid RunStatus"),
    ],
)
def test_from_json_rejects_other_documents(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        from_json(data)


def test_write_json_survives_lone_surrogates_and_missing_folders(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from grader.models import Finding, Report, RunStatus
    from grader.reporters.report_json import write_json

    report = Report(score=0, max_score=0, status=RunStatus.ERROR, tests=(),
                    integrity=(Finding("symlink", "left out", "caf\udce9.py"),))
    target = tmp_path / "out" / "report.json"
    write_json(report, target)
    assert "caf\ufffd.py" in target.read_text(encoding="utf-8")
