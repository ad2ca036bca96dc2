"""`grader run --language es` on the bundled starter, on the real engine, as the action runs it."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader.reporters.classroom import classroom_result
from grader.reporters.report_json import from_json
from tests.conftest import RUNNER_IMAGE

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "assignment"


def test_spanish_feedback_with_the_same_classroom_score(tmp_path: Path) -> None:
    outputs, summary, report_path = tmp_path / "output", tmp_path / "summary.md", tmp_path / "report.json"
    env = {**os.environ, "GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(outputs), "GITHUB_STEP_SUMMARY": str(summary),
           "GITHUB_WORKSPACE": str(ROOT), "COLUMNS": "120"}  # fmt: skip
    proc = subprocess.run(
        [sys.executable, "-m", "grader", "run", str(EXAMPLE / "starter"), "--config", str(EXAMPLE / "grading.yml"),
         "--image", RUNNER_IMAGE, "--json", str(report_path), "--language", "es"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=180,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    # terminal report (students' view under Actions)
    assert "Resultados de la corrección automática" in proc.stdout
    assert "Total: 5 / 10  (8 de 12 pruebas superadas; algunas pruebas no se superaron)" in proc.stdout
    assert "se superó el tiempo límite de 5 s por prueba (test-timeout)" in proc.stdout
    # job summary: Spanish, decimal commas
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("## Corrección automática: 5 / 10")
    assert "| ✅ Superada | 0,5 / 0,5 |" in text and "| ❌ Fallida | 0 / 0,5 |" in text
    # Classroom: the same English notices and the same `result` whatever the language
    assert "::notice title=Autograding complete::Points 5/10" in proc.stdout
    assert '::notice title=Autograding report::{"totalPoints":5,"maxPoints":10}' in proc.stdout
    line = next(x for x in outputs.read_text().splitlines() if x.startswith("result="))
    result = json.loads(base64.b64decode(line.removeprefix("result=")))
    assert result == classroom_result(from_json(json.loads(report_path.read_text())))
    assert sum(t["score"] for t in result["tests"]) == 5
    assert all("tiempo" not in (t["message"] or "") for t in result["tests"])  # messages stay as graded
