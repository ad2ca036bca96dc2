"""examples/regrade.yml: the scale-out workflow is wired the way docs/batch.md says."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

WORKFLOW = Path(__file__).resolve().parents[2] / "examples" / "regrade.yml"


def workflow() -> dict[str, Any]:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def steps(job: str) -> list[dict[str, Any]]:
    return list(workflow()["jobs"][job]["steps"])


def test_it_is_run_by_hand_with_validated_inputs() -> None:
    data = workflow()
    assert list(data["on"]) == ["workflow_dispatch"]
    assert set(data["on"]["workflow_dispatch"]["inputs"]) == {
        "shards", "deadline", "ref", "classroom-grades", "classroom-assignment", "template",
    }  # fmt: skip
    assert data["permissions"] == {}


def test_every_action_is_pinned_to_a_commit() -> None:
    for job in workflow()["jobs"]:
        for step in steps(job):
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", step["uses"]), step["uses"]


def test_inputs_reach_shell_only_through_the_environment() -> None:
    for job in workflow()["jobs"]:
        for step in steps(job):
            assert "${{" not in step.get("run", ""), f"{job}: expression inside a run script: {step.get('name')}"


def test_matrix_shards_grade_and_upload_then_one_job_merges() -> None:
    jobs = workflow()["jobs"]
    grade = jobs["grade"]
    assert grade["needs"] == "plan"
    assert grade["strategy"]["matrix"]["shard"] == "${{ fromJSON(needs.plan.outputs.shards) }}"
    assert grade["strategy"]["fail-fast"] is False
    run = next(s for s in grade["steps"] if s.get("name") == "Grade this shard")
    assert '--shard "$SHARD/$COUNT"' in run["run"] and 'grader" batch' in run["run"]
    upload = next(s for s in grade["steps"] if "upload-artifact" in s.get("uses", ""))
    assert upload["with"]["name"] == "reports-${{ matrix.shard }}"
    assert upload["with"]["path"] == "out/reports/"
    merge = jobs["gradebook"]
    assert merge["needs"] == "grade" and merge["if"] == "${{ !cancelled() }}"
    download = next(s for s in merge["steps"] if "download-artifact" in s.get("uses", ""))
    assert download["with"]["pattern"] == "reports-*"
    merged = next(s for s in merge["steps"] if s.get("name") == "Merge them into one gradebook")
    assert "gradebook --reports reports --out gradebook --config grading.yml" in merged["run"]


def test_only_the_grading_and_merging_steps_see_the_token() -> None:
    """No student code runs in either: grading runs it in containers without the environment."""
    holders = [
        (job, step.get("name"))
        for job in workflow()["jobs"]
        for step in steps(job)
        if "secrets." in str(step.get("env", {})) + str(step.get("with", {}))
    ]
    assert holders == [("grade", "Grade this shard"), ("gradebook", "Merge them into one gradebook")]
