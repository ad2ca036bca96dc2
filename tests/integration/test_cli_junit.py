"""`grader run --junit FILE`: the sandbox's JUnit XML as an artefact other JUnit tools read (the
action's `junit` output), on the real engine."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import RUNNER_IMAGE
from tests.integration.test_cli import EXAMPLE, grader
from tests.junit_readback import junit_verdicts, report_verdicts

pytestmark = pytest.mark.docker


def test_junit_holds_the_verdicts_of_the_report(tmp_path: Path) -> None:
    report, junit = tmp_path / "report.json", tmp_path / "out" / "junit.xml"  # its folder is made
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    proc = grader("run", str(EXAMPLE / "starter"), "--config", str(EXAMPLE / "grading.yml"), "--image", RUNNER_IMAGE,
                  "--json", str(report), "--junit", str(junit), env=env)
    assert proc.returncode == 0, proc.stderr
    verdicts = report_verdicts(json.loads(report.read_text()))
    assert set(verdicts.values()) == {"passed", "failed"} and len(verdicts) == 12
    assert junit_verdicts(junit) == verdicts
    assert "<testsuite" not in proc.stdout + proc.stderr  # an artefact, never printed
