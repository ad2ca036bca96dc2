"""Golden tests: the reporters' output for one representative report, checked in under tests/golden.

Regenerate after an intended change with `UPDATE_GOLDEN=1 .venv/bin/pytest tests/unit -k golden`
and review the diff.
"""

# no `from __future__ import annotations`: it clashes with the imported `annotations()`
import base64
import json
import os
from pathlib import Path

import pytest
from rich.console import Console

from grader.cli.terminal import print_report
from grader.github import actions
from grader.github.actions import annotations, classroom_notices, write_outputs
from grader.models import Finding, Report, RunStatus, SandboxInfo, Status
from grader.models import TestScore as Score
from grader.reporters.classroom import classroom_result
from grader.reporters.markdown import render_summary

GOLDEN = Path(__file__).resolve().parent.parent / "golden"

DIFF = """\
    def test_add():
        \"\"\"add() adds two numbers.\"\"\"
>       assert add(2, 3) == 5
E       assert 6 == 5
E        +  where 6 = add(2, 3)

test_calc.py:8: AssertionError"""


def sample_report() -> Report:
    """Every status, a hidden test, float points, hostile ids and text, a finding, an output."""
    tests = (
        Score("test_calc.py::test_sub", Status.PASSED, 1, 1, title="sub() subtracts", duration_s=0.002),
        Score(
            "test_calc.py::test_add",
            Status.FAILED,
            0,
            2,
            title="add() adds two numbers",
            message="assert 6 == 5",
            details=DIFF,
            output="debug: adding 2 and 3\n",
            file="calc.py",
            line=3,
            duration_s=0.01,
        ),
        Score(
            "test_calc.py::test_loop",
            Status.ERROR,
            0,
            1,
            message="timed out after 5 s",
            file="calc.py",
            line=20,
            duration_s=5.0,
        ),
        Score(
            "test_hidden.py::test_edge",
            Status.FAILED,
            0,
            1,
            title="Hidden edge cases",
            message="assert SECRET_EXPECTED == 42",
            details="E   assert SECRET_EXPECTED == 42",
            output="SECRET_OUTPUT",
            file="calc.py",
            line=7,
            hidden=True,
        ),
        Score("test_calc.py::test_pow", Status.SKIPPED, 0, 1, message="Skipped: pow not required"),
        Score("test_calc.py::test_div", Status.NOT_RUN, 0, 1, message="not run: the session crashed"),
        Score("test_calc.py::test_frac[a]", Status.PASSED, 0.1, 0.1),
        Score("test_calc.py::test_frac[b]", Status.PASSED, 0.2, 0.2),
        Score(
            "test_calc.py::test_echo[@org/team <b>x</b> | ::warning::hi]",
            Status.FAILED,
            0.2,
            0.7,
            message="assert '[click](http://evil)' == 'ok' `x`\n::add-mask::secret %0A",
            file="test_calc.py",
            line=30,
        ),
    )
    return Report(
        score=1.5,
        max_score=9,
        status=RunStatus.FAIL,
        tests=tests,
        integrity=(Finding("framework-import", "imports _pytest.runner", "calc.py"),),
        sandbox=SandboxInfo(exit_code=1, duration_s=6.25),
        output="collected 9 items\n",
    )


def check_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(actual, encoding="utf-8", newline="")
        return
    if not path.exists():
        pytest.fail(f"{path} is missing: run with UPDATE_GOLDEN=1 to create it")
    assert actual == path.read_text(encoding="utf-8"), f"{name} differs from the golden file"


def test_sample_scores_add_up() -> None:
    report = sample_report()
    assert sum(t.score for t in report.tests) == pytest.approx(report.score)


@pytest.mark.parametrize("audience", ["student", "instructor"])
def test_golden_summary(audience: str) -> None:
    check_golden(f"summary_{audience}.md", render_summary(sample_report(), audience=audience))  # type: ignore[arg-type]


def test_golden_summary_student_hides_hidden_details() -> None:
    text = render_summary(sample_report(), audience="student")
    assert "SECRET" not in text
    assert "Hidden edge cases" in text  # the docstring title stays
    assert "imports _pytest" not in text  # findings: count only


def test_golden_github_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(actions, "random_token", lambda: "0" * 32)
    out = tmp_path / "output"
    write_outputs(sample_report(), report_path="grading report.json", output_file=out)
    check_golden("github_output.txt", out.read_text(encoding="utf-8"))


def test_golden_workflow_commands() -> None:
    commands, omitted = annotations(sample_report())
    lines = [*commands, f"# omitted: {omitted}", *classroom_notices(sample_report())]
    check_golden("workflow_commands.txt", "\n".join(lines) + "\n")


def test_golden_classroom_result() -> None:
    result = classroom_result(sample_report())
    check_golden("classroom_result.json", json.dumps(result, indent=2, ensure_ascii=False) + "\n")


def test_golden_output_result_decodes_to_classroom_result(tmp_path: Path) -> None:
    out = tmp_path / "output"
    write_outputs(sample_report(), report_path=None, output_file=out)
    line = next(x for x in out.read_text().splitlines() if x.startswith("result="))
    assert json.loads(base64.b64decode(line.removeprefix("result="))) == classroom_result(sample_report())


@pytest.mark.parametrize("audience", ["student", "instructor"])
def test_golden_terminal(audience: str) -> None:
    console = Console(width=100, record=True, color_system=None, file=open(os.devnull, "w"))  # noqa: SIM115
    print_report(sample_report(), console, audience=audience)  # type: ignore[arg-type]
    check_golden(f"terminal_{audience}.txt", console.export_text())
