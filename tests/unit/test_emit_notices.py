from __future__ import annotations

import io
from pathlib import Path

from grader.github.actions import emit_github
from grader.github.settings import settings_from_env
from grader.models import Report, RunStatus, Status, TestScore


def run(tmp_path: Path, notices: bool) -> str:
    report = Report(score=1, max_score=2, status=RunStatus.FAIL, tests=(
        TestScore(name="t.py::a", status=Status.PASSED, score=1, max_score=1),
        TestScore(name="t.py::b", status=Status.FAILED, score=0, max_score=1, message="boom", file="a.py", line=2),
    ))
    env = {"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(tmp_path / "out"), "GITHUB_STEP_SUMMARY": str(tmp_path / "s")}
    stream = io.StringIO()
    emit_github(report, settings_from_env(env), report_path="r.json", stream=stream, notices=notices)
    return stream.getvalue()


def test_notices_printed_by_default(tmp_path: Path) -> None:
    log = run(tmp_path, notices=True)
    assert "::notice title=Autograding complete::Points 1/2" in log
    assert "::error file=a.py,line=2" in log


def test_notices_left_to_the_reporter(tmp_path: Path) -> None:
    log = run(tmp_path, notices=False)
    assert "Autograding" not in log.replace("Autograding report", "") and "::notice" not in log
    assert "::error file=a.py,line=2" in log  # annotations still go out
    assert "result<<" in (tmp_path / "out").read_text() or "result=" in (tmp_path / "out").read_text()
