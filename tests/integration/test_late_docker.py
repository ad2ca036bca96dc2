"""One meaning of `score`, on the real engine: a submission of the bundled example pushed 30 hours after the
deadline, graded by `grader run` under GitHub Actions (the push event's time) and by `grader batch` (the
instructor's time): the two report.json are the same, and `score == raw_score - late.penalty` (8 - 1.6 = 6.4)."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import RUNNER_IMAGE

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "assignment"
DEADLINE = datetime(2026, 12, 1, 22, 59, tzinfo=UTC)  # 23:59 at +01:00
PUSHED = DEADLINE + timedelta(hours=30)  # 2 started days late: 20% off at 10% a day
# A fast fib that accepts negative n (1 point lost) and the starter's is_prime, wrong for 0 and 1 (0.5 each): 8 of 10.
# Not the starter itself: where its slow fib is when the test's timeout hits differs from run to run.
CALC = """
def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def is_prime(n):
    for k in range(2, n):
        if n % k == 0:
            return False
    return True
"""
# Inherently per run: how long the sandbox and each test took, and the time pytest prints in the session's output.
PER_RUN = ("duration_s",)


def grader(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "grader", *args, "--image", RUNNER_IMAGE],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=240)  # fmt: skip


def without_per_run_fields(report: dict[str, Any]) -> dict[str, Any]:
    def strip(part: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in part.items() if k not in PER_RUN}

    output = re.sub(r" in \d+\.\d+s\n$", " in (time)\n", report["output"])  # "3 failed, 9 passed in 0.08s"
    tests = [strip(t) for t in report["tests"]]
    return {**strip(report), "output": output, "tests": tests, "sandbox": strip(report["sandbox"])}


def differences(a: dict[str, Any], b: dict[str, Any]) -> list[tuple[str, str, object, object]]:
    """(test, key, run's value, batch's value) for every per-test difference: a readable failure."""
    return [(x["name"], k, x[k], y.get(k)) for x, y in zip(a["tests"], b["tests"], strict=False)
            for k in x if k not in PER_RUN and x[k] != y.get(k)]  # fmt: skip


def test_run_under_actions_and_batch_write_the_same_late_report(tmp_path: Path, docker_client, no_leftovers) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "grading.yml"
    config.write_text(
        (EXAMPLE / "grading.yml").read_text(encoding="utf-8").replace("tests: tests", f"tests: {EXAMPLE / 'tests'}")
        + "deadline: 2026-12-01T23:59:00+01:00\nlate-penalty: {per-day: 10%, max: 50%}\n",
        encoding="utf-8",
    )
    submission = tmp_path / "subs" / "alice"
    submission.mkdir(parents=True)
    (submission / "calc.py").write_text(CALC, encoding="utf-8")
    base = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}

    event = tmp_path / "event.json"
    event.write_text(json.dumps({"repository": {"pushed_at": int(PUSHED.timestamp())}}), encoding="utf-8")
    outputs = tmp_path / "github_output"
    actions = {**base, "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": str(event),
               "GITHUB_OUTPUT": str(outputs), "GITHUB_STEP_SUMMARY": str(tmp_path / "step_summary.md"),
               "GITHUB_WORKSPACE": str(tmp_path)}  # fmt: skip
    run = grader("run", str(submission), "--config", str(config), "--json", str(tmp_path / "run.json"), env=actions)
    assert run.returncode == 0, run.stderr

    times = tmp_path / "times.csv"
    times.write_text(f"submission,timestamp\nalice,{PUSHED.isoformat()}\n", encoding="utf-8")
    out = tmp_path / "out"
    batch = grader("batch", str(tmp_path / "subs"), "--config", str(config), "--out", str(out), "--times",
                   str(times), "--jobs", "1", env=base)  # fmt: skip
    assert batch.returncode == 0, batch.stderr

    from_run = json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))
    from_batch = json.loads((out / "reports" / "alice" / "report.json").read_text(encoding="utf-8"))
    assert without_per_run_fields(from_run) == without_per_run_fields(from_batch), differences(from_run, from_batch)

    assert (from_run["version"], from_run["raw_score"], from_run["score"], from_run["max_score"]) == (3, 8.0, 6.4, 10.0)
    assert from_run["late"] == {
        "deadline": "2026-12-01T22:59:00Z", "submitted_at": "2026-12-03T04:59:00Z", "days_late": 2,
        "policy": {"per_day": 10.0, "max": 50.0}, "penalty_percent": 20.0, "penalty": 1.6,
    }  # fmt: skip
    assert from_run["score"] == from_run["raw_score"] - from_run["late"]["penalty"]
    lines = [t["score"] for t in from_run["tests"]] + [a["score"] for a in from_run["adjustments"]]
    assert round(sum(lines), 2) == 6.4 and from_run["adjustments"][-1]["kind"] == "late-penalty"

    # what the student and Classroom see is the final score; the gradebook shows raw and final
    assert "Points 6.4/10" in run.stdout
    assert "score=6.4\n" in outputs.read_text(encoding="utf-8")
    with (out / "gradebook.csv").open(encoding="utf-8") as fh:
        (row,) = list(csv.DictReader(fh))
    assert (row["raw"], row["final"], row["days_late"], row["penalty_percent"]) == ("8", "6.4", "2", "20")
