"""The report on a terminal (and in the GitHub Actions log), with rich.

Untrusted text only ever reaches rich as `Text` objects, never as markup strings, so a test
message such as `[bold red]PASSED` is shown literally; `clean` strips ANSI escapes and control
characters first, so a submission cannot recolour, move the cursor or rewrite earlier lines.

In the Actions log any line whose first non-blank characters are `::` is a workflow command. So no
untrusted text may begin a line: multi-line text gets a `│` gutter, one-line text follows a fixed
label, and those lines are printed with soft wrapping (rich inserts no line breaks of its own that
could put a `::` at the start of a line). Table cells always follow the table's border.
"""

from __future__ import annotations

from typing import Literal

from rich.console import Console
from rich.table import Table
from rich.text import Text

from grader.models import Report, RunStatus, Status, TestScore
from grader.reporters.escape import clean, format_number, one_line, truncate

STATUS_STYLE = {
    Status.PASSED: ("PASSED", "green"),
    Status.FAILED: ("FAILED", "red"),
    Status.ERROR: ("ERROR", "bold red"),
    Status.SKIPPED: ("SKIPPED", "yellow"),
    Status.NOT_RUN: ("NOT RUN", "magenta"),
}
RUN_STYLE = {
    RunStatus.PASS: ("all tests passed", "bold green"),
    RunStatus.FAIL: ("some tests did not pass", "bold red"),
    RunStatus.ERROR: ("grading did not complete", "bold red"),
}
GUTTER = "    │ "
NAME_MAX = 200
MESSAGE_MAX = 2_000
DETAILS_MAX = 6_000
OUTPUT_MAX = 2_000


def print_report(
    report: Report, console: Console, *, audience: Literal["student", "instructor"] = "instructor"
) -> None:
    """Print a table of the tests, failure details, integrity findings, the total and any run error."""
    student = audience != "instructor"  # anything unexpected gets the student view
    console.print(_table(report, student))
    lines: list[Text] = []
    for test in report.tests:
        lines += _failure(test, student)
    if report.integrity:
        lines += _integrity(report, student)
    if report.error:
        lines.append(Text.assemble(("Grading error: ", "bold red"), one_line(report.error, MESSAGE_MAX)))
    label, style = RUN_STYLE[report.status]
    total = f"{format_number(report.score)} / {format_number(report.max_score)}"
    lines.append(
        Text.assemble(
            ("Total: ", "bold"),
            (total, style),
            f"  ({report.passed} of {len(report.tests)} tests passed; ",
            (label, style),
            ")",
        )
    )
    for line in lines:
        console.print(line, soft_wrap=True)


def _table(report: Report, student: bool) -> Table:
    table = Table(title=Text("Autograding results"), show_lines=False, expand=False)
    table.add_column("Status", no_wrap=True)
    table.add_column("Points", justify="right", no_wrap=True)
    table.add_column("Test", overflow="fold")
    for test in report.tests:
        word, style = STATUS_STYLE[test.status]
        points = f"{format_number(test.score)} / {format_number(test.max_score)}"
        table.add_row(Text(word, style=style), Text(points), _test_label(test, student))
    return table


def _test_label(test: TestScore, student: bool) -> Text:
    label = Text(one_line(test.title or test.name, NAME_MAX))
    if test.title and not student:
        label.append(f"\n{one_line(test.name, NAME_MAX)}", style="dim")
    if test.hidden:
        label.append(" (hidden)", style="italic")
    return label


def _failure(test: TestScore, student: bool) -> list[Text]:
    if test.status is Status.PASSED:
        return []
    word, style = STATUS_STYLE[test.status]
    lines = [Text.assemble((f"{word} ", style), (one_line(test.name, NAME_MAX), "bold"))]
    if test.hidden and student:
        return [*lines, Text("  hidden test: details are not shown", style="italic")]
    if test.file:
        where = f"{test.file}:{test.line}" if test.line else test.file
        lines.append(Text(f"  at {one_line(where, NAME_MAX)}", style="dim"))
    message = _block(test.message)
    if message:
        lines.append(_gutter(truncate(message, MESSAGE_MAX)))
    details = _block(test.details)
    if details:  # the end of a traceback (assertion diff, failing line) is the useful part
        lines.append(_gutter(truncate(details, DETAILS_MAX, keep="tail"), style="dim"))
    output = _block(test.output)
    if output:
        lines.append(Text("  captured output:", style="italic"))
        lines.append(_gutter(truncate(output, OUTPUT_MAX, keep="tail")))
    return lines


def _block(text: str) -> str:
    """Cleaned multi-line text without surrounding blank lines (first-line indentation kept)."""
    return clean(text).rstrip().lstrip("\n")


def _gutter(text: str, style: str = "") -> Text:
    return Text("\n".join(GUTTER + line for line in text.split("\n")), style=style)


def _integrity(report: Report, student: bool) -> list[Text]:
    n = len(report.integrity)
    if student:
        return [Text(f"Integrity: {n} finding{'s' if n != 1 else ''} noted for your instructor.", style="yellow")]
    lines = [Text(f"Integrity findings ({n}):", style="bold yellow")]
    for f in report.integrity:
        where = f" ({one_line(f.path, NAME_MAX)})" if f.path else ""
        lines.append(Text(f"  - {one_line(f.kind, 50)}{where}: {one_line(f.detail, 500)}"))
    return lines
