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

from grader.i18n import DEFAULT_LANGUAGE, N_, Translator, translator
from grader.models import Report, RunStatus, Status, TestScore
from grader.reporters.escape import clean, one_line, truncate
from grader.reporters.failure import display_title, failure_view, next_step_command, restore_first_indent
from grader.reporters.markdown import adjustment_points, late_sentence
from grader.reporters.messages import translate_details, translate_message

STATUS_STYLE = {
    Status.PASSED: (N_("PASSED"), "green"),
    Status.FAILED: (N_("FAILED"), "red"),
    Status.ERROR: (N_("ERROR"), "bold red"),
    Status.SKIPPED: (N_("SKIPPED"), "yellow"),
    Status.NOT_RUN: (N_("NOT RUN"), "magenta"),
}
RUN_STYLE = {
    RunStatus.PASS: (N_("all tests passed"), "bold green"),
    RunStatus.FAIL: (N_("some tests did not pass"), "bold red"),
    RunStatus.ERROR: (N_("grading did not complete"), "bold red"),
}
GUTTER = "    │ "
NAME_MAX = 200
MESSAGE_MAX = 2_000
DETAILS_MAX = 6_000
OUTPUT_MAX = 2_000


def print_report(
    report: Report,
    console: Console,
    *,
    audience: Literal["student", "instructor"] = "instructor",
    language: str = DEFAULT_LANGUAGE,
    verbose: bool = False,
) -> None:
    """Print a table of the tests, failure details, integrity findings, the total and any run error.

    Each failure is a sentence and the lines that matter; `verbose` adds pytest's full text."""
    t = translator(language)
    student = audience != "instructor"  # anything unexpected gets the student view
    console.print(_table(report, student, t))
    lines: list[Text] = []
    for test in report.tests:
        lines += _failure(test, student, t, verbose)
    failing = [x for x in report.tests if x.status in (Status.FAILED, Status.ERROR) and not x.hidden]
    command = next_step_command(failing)
    if command is not None:
        step = t._(
            "Run the failing tests on your computer with `{command}` and start with the first one: {first}.",
            command=command, first=one_line(display_title(failing[0]), NAME_MAX),
        )  # fmt: skip
        lines.append(Text.assemble((t._("Next step:") + " ", "bold"), step))
    if report.integrity:
        lines += _integrity(report, student, t)
    if report.error:
        error = one_line(translate_message(report.error, t), MESSAGE_MAX)
        lines.append(Text.assemble((t._("Grading error: "), "bold red"), error))
    late = late_sentence(report, t)
    if late is not None:  # raw, penalty, final: the same numbers as the table's late line and the total
        lines.append(Text.assemble((t._("Late:") + " ", "bold yellow"), late))
    label, style = RUN_STYLE[report.status]
    passed = t.ngettext(
        "{passed} of {n} test passed", "{passed} of {n} tests passed", report.graded, passed=report.passed
    )
    lines.append(
        Text.assemble(
            (t._("Total: "), "bold"),
            (t.score(report.score, report.max_score), style),
            f"  ({passed}; ",
            (t._(label), style),
            ")",
        )
    )
    for line in lines:
        console.print(line, soft_wrap=True)


def _table(report: Report, student: bool, t: Translator) -> Table:
    table = Table(title=Text(t._("Autograding results")), show_lines=False, expand=False)
    table.add_column(t._("Status"), no_wrap=True)
    table.add_column(t._("Points"), justify="right", no_wrap=True)
    table.add_column(t._("Test"), overflow="fold")
    for test in report.tests:
        word, style = STATUS_STYLE[test.status]
        points = t.score(test.score, test.max_score)
        table.add_row(Text(t._(word), style=style), Text(points), _test_label(test, student, t))
    for adjustment in report.adjustments:  # group caps, the late penalty: the points column adds up to the total
        name = one_line(translate_message(adjustment.name, t), NAME_MAX)
        table.add_row(Text("-"), Text(adjustment_points(adjustment, t)), Text(name))
    return table


def _test_label(test: TestScore, student: bool, t: Translator) -> Text:
    label = Text(one_line(display_title(test), NAME_MAX))
    if test.title and not student:
        label.append(f"\n{one_line(test.name, NAME_MAX)}", style="dim")
    if test.hidden:
        label.append(" (" + t._("hidden") + ")", style="italic")
    return label


def _failure(test: TestScore, student: bool, t: Translator, verbose: bool) -> list[Text]:
    if test.status is Status.PASSED:
        return []
    word, style = STATUS_STYLE[test.status]
    lines = [Text.assemble((t._(word) + " ", style), (one_line(test.name, NAME_MAX), "bold"))]
    if test.hidden and student:
        return [*lines, Text("  " + t._("hidden test: details are not shown"), style="italic")]
    view = failure_view(test, t)  # a sentence after a fixed arrow: no untrusted text starts a line
    lines.append(Text.assemble(("  → ", style), one_line(view.lead, MESSAGE_MAX)))
    if view.excerpt:
        lines.append(_gutter(view.excerpt))
    details = _block(restore_first_indent(translate_details(test.details, t)))
    if details and verbose:  # the end of a traceback (assertion diff, failing line) is the useful part
        lines.append(Text("  " + t._("pytest's full output:"), style="italic"))
        lines.append(_gutter(truncate(details, DETAILS_MAX, keep="tail", note=t.cut_note), style="dim"))
    output = _block(test.output)
    if output:
        lines.append(Text("  " + t._("captured output:"), style="italic"))
        lines.append(_gutter(truncate(output, OUTPUT_MAX, keep="tail", note=t.cut_note)))
    return lines


def _block(text: str) -> str:
    """Cleaned multi-line text without surrounding blank lines (first-line indentation kept)."""
    return clean(text).rstrip().lstrip("\n")


def _gutter(text: str, style: str = "") -> Text:
    return Text("\n".join(GUTTER + line for line in text.split("\n")), style=style)


def _integrity(report: Report, student: bool, t: Translator) -> list[Text]:
    n = len(report.integrity)
    if student:
        text = t.ngettext(
            "Integrity: {n} finding noted for your instructor.", "Integrity: {n} findings noted for your instructor.", n
        )
        return [Text(text, style="yellow")]
    lines = [Text(t._("Integrity findings ({n}):", n=n), style="bold yellow")]
    for f in report.integrity:
        where = f" ({one_line(f.path, NAME_MAX)})" if f.path else ""
        lines.append(Text(f"  - {one_line(f.kind, 50)}{where}: {one_line(f.detail, 500)}"))
    return lines
