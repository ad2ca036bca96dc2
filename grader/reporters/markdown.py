"""Markdown summary of a Report: for GITHUB_STEP_SUMMARY, check runs and PR comments.

The document is a list of self-contained blocks (a header, table rows, one <details> block per
non-passing test, integrity findings). Truncation only ever drops whole blocks, so it can never cut
inside a code fence or an HTML element. Sizes are measured in UTF-8 bytes, which bounds the length
in code points and in UTF-16 units as well: one `limit` works for the 1 MiB job summary and for the
65535-character check run summary. Output contains no characters above U+FFFF (the check runs API
refuses them), so our own emoji are all in the BMP.

Student view vs instructor view:
* hidden tests (student): status and points only; no message, traceback or output, and no file
  or line (they come from the hidden test's traceback). Their docstring title stays.
* integrity findings (student): only their number. Findings describe what the grader looks for,
  so listing them would teach how to evade the checks; they never change the score by themselves,
  so the student loses nothing actionable about the grade.
* instructor: every test in full, each finding, the sandbox outcome and the session's output.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from grader.models import Report, RunStatus, Status, TestScore
from grader.reporters.escape import format_number, md_code_block, md_inline, utf8_len

Audience = Literal["student", "instructor"]

STATUS_LABEL = {
    Status.PASSED: "✅ Passed",
    Status.FAILED: "❌ Failed",
    Status.ERROR: "⚠️ Error",
    Status.SKIPPED: "⏭️ Skipped",
    Status.NOT_RUN: "⛔ Not run",
}
RUN_LABEL = {
    RunStatus.PASS: "✅ All tests passed",
    RunStatus.FAIL: "❌ Some tests did not pass",
    RunStatus.ERROR: "⚠️ Grading did not complete",
}

TABLE_HEAD = "| Status | Points | Test |\n| :-- | --: | :-- |"
TITLE_MAX = 200
MESSAGE_MAX = 2_000
DETAILS_MAX = 20_000
OUTPUT_MAX = 5_000
SESSION_OUTPUT_MAX = 20_000
FINDINGS_MAX = 100
NOTE_RESERVE = 400  # bytes kept free for the truncation note
SEP = "\n\n"


def render_summary(
    report: Report,
    *,
    audience: Audience = "student",
    limit: int = 1_000_000,
    annotations_omitted: int = 0,
) -> str:
    """Render the report as GitHub Markdown of at most `limit` UTF-8 bytes (and so characters)."""
    student = audience != "instructor"  # anything unexpected gets the student view
    head = _header(report, student, annotations_omitted)
    # the closing sections, from complete to nothing: used is the first that leaves room for the rest
    tails = [_integrity(report, student=True), []]
    if not student:
        tails[:0] = [_integrity(report, False) + _session(report), _integrity(report, False)]
    for tail in tails:
        avail = limit - _size(head + tail) - len(SEP) * 2 - NOTE_RESERVE
        if avail >= 0:
            break
    else:
        return _minimal(report, limit)

    rows, details, rows_left, details_left = _select(report, student, avail)
    blocks = list(head)
    if rows:
        blocks.append("\n".join([TABLE_HEAD, *rows]))
    blocks += details
    blocks += tail
    if rows_left or details_left:
        blocks.append(_truncation_note(rows_left, details_left, limit))
    text = SEP.join(blocks) + "\n"
    return text if utf8_len(text) <= limit else _minimal(report, limit)  # never over the limit


# -- selection under the budget --------------------------------------------------------------------


def _select(report: Report, student: bool, avail: int) -> tuple[list[str], list[str], int, int]:
    """Pick table rows and detail blocks that fit in `avail` bytes.

    Rows of non-passing tests are taken before passing ones; the table is given up to 40% of the
    room first, the failure details the rest, then any room left goes back to the table.
    Returns (rows in report order, detail blocks, rows left out, detail blocks left out).
    """
    tests = report.tests
    order = [i for i, t in enumerate(tests) if t.status is not Status.PASSED]
    order += [i for i, t in enumerate(tests) if t.status is Status.PASSED]
    detail_tests = [t for t in tests if _has_details(t, student)]
    rows: dict[int, str] = {}
    used = 0

    def take_rows(budget: int) -> None:
        nonlocal used
        for i in order[len(rows) :]:
            row = _row(tests[i], student)
            # "\n" + row; the first row also pays for the header and the block separator
            cost = utf8_len(row) + 1 + (utf8_len(TABLE_HEAD) + len(SEP) if not rows else 0)
            if used + cost > budget:
                return
            rows[i] = row
            used += cost

    take_rows(avail * 2 // 5 if detail_tests else avail)
    details: list[str] = []
    for block in _detail_blocks(detail_tests, student):
        cost = len(SEP) + utf8_len(block)
        if used + cost > avail:
            break
        details.append(block)
        used += cost
    take_rows(avail)
    return (
        [rows[i] for i in sorted(rows)],
        details,
        len(tests) - len(rows),
        len(detail_tests) - len(details),
    )


def _size(blocks: list[str]) -> int:
    return sum(utf8_len(b) for b in blocks) + len(SEP) * max(0, len(blocks) - 1) + 1


# -- blocks ------------------------------------------------------------------------------------------


def _header(report: Report, student: bool, annotations_omitted: int) -> list[str]:
    score = f"{format_number(report.score)} / {format_number(report.max_score)}"
    total = len(report.tests)
    blocks = [
        f"## Autograding: {score}",
        f"**{RUN_LABEL[report.status]}** · {report.passed} of {total} test{_s(total)} passed",
    ]
    if report.error:
        blocks.append(f"> **⚠️ The grading run failed:** {md_inline(report.error, MESSAGE_MAX)}")
    if annotations_omitted > 0:
        blocks.append(
            f"*{annotations_omitted} more failure{_s(annotations_omitted)} not annotated in the code: "
            "GitHub shows at most 10 error annotations per step. All failures are listed below.*"
        )
    if not student:
        blocks.append(_sandbox_line(report))
    return blocks


def _sandbox_line(report: Report) -> str:
    info = report.sandbox
    parts = [f"exit code {info.exit_code}" if info.exit_code is not None else "no exit code"]
    if info.timed_out:
        parts.append("**timed out**")
    if info.oom_killed:
        parts.append("**out of memory**")
    parts.append(f"{info.duration_s:.1f} s")
    return "Sandbox: " + " · ".join(parts)


def _row(test: TestScore, student: bool) -> str:
    points = f"{format_number(test.score)} / {format_number(test.max_score)}"
    return f"| {STATUS_LABEL[test.status]} | {points} | {_test_cell(test, student)} |"


def _test_cell(test: TestScore, student: bool) -> str:
    cell = md_inline(test.title or test.name, TITLE_MAX)
    if test.title and not student:
        cell += f" · {md_inline(test.name, TITLE_MAX)}"
    if test.hidden:
        cell += " *(hidden test)*"
    return cell


def _has_details(test: TestScore, student: bool) -> bool:
    if test.status is Status.PASSED or (student and test.hidden):
        return False
    return bool(test.message.strip() or test.details.strip() or test.output.strip())


def _detail_blocks(tests: list[TestScore], student: bool) -> Iterator[str]:
    # a generator: with thousands of failures only the blocks that fit are ever rendered
    for n, test in enumerate(tests):
        yield _detail_block(test, student, open_=n == 0)


def _detail_block(test: TestScore, student: bool, *, open_: bool) -> str:
    points = f"{format_number(test.score)} / {format_number(test.max_score)}"
    title = md_inline(test.title or test.name, TITLE_MAX)
    hidden = " (hidden test)" if test.hidden else ""
    parts = [
        f"<details{' open' if open_ else ''}><summary>{STATUS_LABEL[test.status]}: "
        f"<b>{title}</b> — {points}{hidden}</summary>"
    ]
    if test.title:
        parts.append(f"**Test:** {md_inline(test.name, TITLE_MAX)}")
    if test.file:
        where = f"{test.file}:{test.line}" if test.line else test.file
        parts.append(f"**Where:** {md_inline(where, TITLE_MAX)}")
    message = test.message.strip()
    if message and "\n" not in message:
        parts.append(f"**Message:** {md_inline(message, MESSAGE_MAX)}")
    elif message:
        parts += ["**Message:**", md_code_block(message, max_chars=MESSAGE_MAX)]
    if test.details.strip():
        # the end of a traceback (assertion diff, the failing line) is the useful part
        parts.append(md_code_block(test.details, max_chars=DETAILS_MAX, keep="tail"))
    if test.output.strip():
        parts += [
            "<details><summary>Captured output</summary>",
            md_code_block(test.output, max_chars=OUTPUT_MAX, keep="tail"),
            "</details>",
        ]
    parts.append("</details>")
    return SEP.join(parts)


def _integrity(report: Report, student: bool) -> list[str]:
    findings = report.integrity
    if not findings:
        return []
    n = len(findings)
    if student:
        return [
            "### Integrity findings",
            f"The grader noted {n} integrity finding{_s(n)} in this submission for your instructor "
            "to review. Findings do not change the score by themselves.",
        ]
    items = []
    for f in findings[:FINDINGS_MAX]:
        path = f" ({md_inline(f.path, TITLE_MAX)})" if f.path else ""
        items.append(f"- **{md_inline(f.kind, 50)}**{path}: {md_inline(f.detail, 500)}")
    if n > FINDINGS_MAX:
        items.append(f"- *{n - FINDINGS_MAX} more not shown*")
    return ["### Integrity findings", "\n".join(items)]


def _session(report: Report) -> list[str]:
    if not report.output.strip():
        return []
    return [
        "<details><summary>Session output</summary>",
        md_code_block(report.output, max_chars=SESSION_OUTPUT_MAX, keep="tail"),
        "</details>",
    ]


def _truncation_note(rows_left: int, details_left: int, limit: int) -> str:
    parts = []
    if rows_left:
        parts.append(f"{rows_left} test{_s(rows_left)} not shown in the table")
    if details_left:
        parts.append(f"details of {details_left} test{_s(details_left)} not shown")
    return (
        f"**Report truncated:** {'; '.join(parts)} (this summary is limited to {limit:,} bytes). "
        "The full results are in the JSON report."
    )


def _minimal(report: Report, limit: int) -> str:
    """Last resort when even the header does not fit: the score and a note, cut to `limit` bytes."""
    text = (
        f"## Autograding: {format_number(report.score)} / {format_number(report.max_score)}\n\n"
        f"**Report truncated:** {len(report.tests)} tests not shown (limit {limit} bytes).\n"
    )
    return text.encode("utf-8")[: max(0, limit)].decode("utf-8", "ignore")


def _s(n: int) -> str:
    return "" if n == 1 else "s"
