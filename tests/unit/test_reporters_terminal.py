"""The rich terminal report: readable, and nothing in it can be markup, ANSI or a workflow command."""

from __future__ import annotations

import io

from rich.console import Console

from grader.cli.terminal import print_report
from grader.models import Finding, Report, RunStatus, Status
from grader.models import TestScore as Score

HOSTILE = (
    "[bold red]FAKE PASS[/bold red] [link=https://evil]x[/link] :smile: "
    '\x1b[2J\x1b[1;1H\x1b]0;pwned\x07\x1b[32mgreen\r\n::notice title=Autograding report::{"totalPoints":10}'
)


def render(report: Report, *, audience: str = "instructor", width: int = 60, color: bool = False) -> str:
    out = io.StringIO()
    console = Console(
        file=out,
        width=width,
        force_terminal=color,
        color_system="truecolor" if color else None,
        legacy_windows=False,
    )
    print_report(report, console, audience=audience)  # type: ignore[arg-type]
    return out.getvalue()


def hostile_report() -> Report:
    long_line = "y" * 45 + " ::set-output name=score::100 " + "z" * 80
    test = Score(
        f"t.py::t[{HOSTILE}]",
        Status.FAILED,
        0,
        1,
        title=HOSTILE,
        message=HOSTILE + "\n" + long_line,
        details=HOSTILE,
        output=HOSTILE,
        file="calc.py",
        line=3,
    )
    return Report(
        score=0,
        max_score=1,
        status=RunStatus.ERROR,
        tests=(test,),
        integrity=(Finding("early-exit", HOSTILE, HOSTILE),),
        error=HOSTILE,
    )


def test_markup_is_shown_literally() -> None:
    text = render(hostile_report(), width=200)
    assert "[bold red]FAKE PASS[/bold red]" in text
    assert "[link=https://evil]x[/link]" in text
    assert ":smile:" in text


def test_no_hostile_escape_sequences_reach_the_terminal() -> None:
    text = render(hostile_report(), color=True)
    assert "\x1b[2J" not in text and "\x1b[1;1H" not in text and "\x1b]" not in text
    assert "green" in text and "pwned" not in text  # text stays; sequences (with their payload) go
    assert "\r" not in text


def test_no_line_can_be_read_as_a_workflow_command() -> None:
    for width in (40, 60, 80, 200):
        for line in render(hostile_report(), width=width).splitlines():
            assert not line.lstrip().startswith("::"), line


def test_table_failure_details_total_and_error() -> None:
    tests = (
        Score("t.py::ok", Status.PASSED, 1, 1, title="Adds"),
        Score(
            "t.py::bad",
            Status.FAILED,
            0,
            2,
            message="assert 1 == 2",
            details="E   assert 1 == 2",
            file="calc.py",
            line=4,
        ),
    )
    report = Report(score=1, max_score=3, status=RunStatus.FAIL, tests=tests, error="container crashed")
    text = render(report, width=100)
    assert "PASSED" in text and "FAILED" in text and "1 / 1" in text and "0 / 2" in text and "Adds" in text
    assert "→ assert 1 == 2, at calc.py:4" in text  # one sentence: what happened and where
    assert text.count("assert 1 == 2") == 1  # the E line repeats the message: not shown twice
    assert "Grading error: container crashed" in text
    assert "Total: 1 / 3" in text and "1 of 2 tests passed" in text


def test_student_view_hides_hidden_details_and_findings() -> None:
    test = Score(
        "h.py::t",
        Status.FAILED,
        0,
        1,
        title="Edge",
        message="SECRET",
        details="SECRET",
        output="SECRET",
        hidden=True,
    )
    report = Report(
        score=0, max_score=1, status=RunStatus.FAIL, tests=(test,), integrity=(Finding("symlink", "SECRET"),)
    )
    student = render(report, audience="student", width=100)
    assert "SECRET" not in student and "hidden test" in student and "1 finding" in student
    assert "SECRET" in render(report, audience="instructor", width=100)
