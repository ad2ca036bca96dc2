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

from grader.i18n import DEFAULT_LANGUAGE, N_, Translator, translator
from grader.models import Adjustment, AdjustmentKind, Report, RunStatus, Status, TestScore
from grader.reporters.escape import md_code_block, md_inline, utf8_len
from grader.reporters.failure import display_title, failure_view, next_step_command, restore_first_indent
from grader.reporters.messages import translate_details, translate_message

Audience = Literal["student", "instructor"]

# (emoji, message id): the emoji stay out of the catalogs
STATUS_LABEL = {
    Status.PASSED: ("✅", N_("Passed")),
    Status.FAILED: ("❌", N_("Failed")),
    Status.ERROR: ("⚠️", N_("Error")),
    Status.SKIPPED: ("⏭️", N_("Skipped")),
    Status.NOT_RUN: ("⛔", N_("Not run")),
}
RUN_LABEL = {
    RunStatus.PASS: ("✅", N_("All tests passed")),
    RunStatus.FAIL: ("❌", N_("Some tests did not pass")),
    RunStatus.ERROR: ("⚠️", N_("Grading did not complete")),
}

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
    language: str = DEFAULT_LANGUAGE,
) -> str:
    """Render the report as GitHub Markdown of at most `limit` UTF-8 bytes (and so characters)."""
    t = translator(language)
    student = audience != "instructor"  # anything unexpected gets the student view
    head = _header(report, student, annotations_omitted, t)
    # the closing sections, from complete to nothing: used is the first that leaves room for the rest
    step = _next_step(report, t)
    tails = [step + _integrity(report, True, t), step, []]
    if not student:
        tails[:0] = [step + _integrity(report, False, t) + _session(report, t), step + _integrity(report, False, t)]
    for tail in tails:
        avail = limit - _size(head + tail) - len(SEP) * 2 - NOTE_RESERVE
        if avail >= 0:
            break
    else:
        return _minimal(report, limit, t)

    rows, details, rows_left, details_left = _select(report, student, avail, t)
    blocks = list(head)
    if rows:
        # group caps and the late penalty are rows of their own: the points column adds up to the header
        adjustments = [
            f"| \u2796 | {adjustment_points(a, t)} | {md_inline(translate_message(a.name, t), TITLE_MAX)} |"
            for a in report.adjustments
        ]
        blocks.append("\n".join([_table_head(t), *rows, *adjustments]))
    blocks += details
    blocks += tail
    if rows_left or details_left:
        blocks.append(_truncation_note(rows_left, details_left, limit, t))
    text = SEP.join(blocks) + "\n"
    return text if utf8_len(text) <= limit else _minimal(report, limit, t)  # never over the limit


def adjustment_points(adjustment: Adjustment, t: Translator) -> str:
    """A group cap takes points and maximum (`-1 / -1`); the late penalty only points (`-1.7`)."""
    if adjustment.kind is AdjustmentKind.LATE_PENALTY:
        return t.number(adjustment.score)
    return t.score(adjustment.score, adjustment.max_score)


def late_sentence(report: Report, t: Translator) -> str | None:
    """Raw score, late penalty and final score in one sentence, for a late submission (else None).

    The same numbers as the table's late line and the total: raw - penalty = score."""
    late = report.late
    if late is None or not late.days_late:
        return None
    if not late.penalty:
        return t.ngettext("Submitted {days} day late: no late penalty.", "Submitted {days} days late: no late penalty.",
                          late.days_late, days=late.days_late)  # fmt: skip
    return t.ngettext(
        "Submitted {days} day late: {raw} - {penalty} late penalty ({percent}%) = {score}.",
        "Submitted {days} days late: {raw} - {penalty} late penalty ({percent}%) = {score}.",
        late.days_late, days=late.days_late, raw=t.number(report.raw_score), penalty=t.number(late.penalty),
        percent=t.number(late.penalty_percent), score=t.score(report.score, report.max_score),
    )  # fmt: skip


def _table_head(t: Translator) -> str:
    status, points, test = t._("Status"), t._("Points"), t._("Test")
    return f"| {status} | {points} | {test} |\n| :-- | --: | :-- |"


def _label(labels: dict[Status, tuple[str, str]] | dict[RunStatus, tuple[str, str]], key: object, t: Translator) -> str:
    emoji, msgid = labels[key]  # type: ignore[index]
    return f"{emoji} " + t._(msgid)


# -- selection under the budget --------------------------------------------------------------------


def _select(report: Report, student: bool, avail: int, t: Translator) -> tuple[list[str], list[str], int, int]:
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
    table_head = _table_head(t)

    def take_rows(budget: int) -> None:
        nonlocal used
        for i in order[len(rows) :]:
            row = _row(tests[i], student, t)
            # "\n" + row; the first row also pays for the header and the block separator
            cost = utf8_len(row) + 1 + (utf8_len(table_head) + len(SEP) if not rows else 0)
            if used + cost > budget:
                return
            rows[i] = row
            used += cost

    take_rows(avail * 2 // 5 if detail_tests else avail)
    details: list[str] = []
    for block in _detail_blocks(detail_tests, student, t):
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


def _header(report: Report, student: bool, annotations_omitted: int, t: Translator) -> list[str]:
    total = report.graded  # the instructor's skips are listed, but not counted
    heading = t._("Autograding: {score}", score=t.score(report.score, report.max_score))
    blocks = [
        f"## {heading}",
        f"**{_label(RUN_LABEL, report.status, t)}** · "
        + t.ngettext("{passed} of {n} test passed", "{passed} of {n} tests passed", total, passed=report.passed),
    ]
    late = late_sentence(report, t)
    if late is not None:
        blocks.append(_field(t._("Late:"), late))
    if report.error:
        error = md_inline(translate_message(report.error, t), MESSAGE_MAX)
        failed = t._("The grading run failed:")
        blocks.append(f"> **⚠️ {failed}** {error}")
    if annotations_omitted > 0:
        note = t.ngettext(
            "{n} more failure not annotated in the code: GitHub shows at most 10 error annotations per step. "
            "All failures are listed below.",
            "{n} more failures not annotated in the code: GitHub shows at most 10 error annotations per step. "
            "All failures are listed below.",
            annotations_omitted,
        )
        blocks.append(f"*{note}*")
    if not student:
        blocks.append(_sandbox_line(report, t))
    return blocks


def _sandbox_line(report: Report, t: Translator) -> str:
    info = report.sandbox
    code = info.exit_code
    parts = [t._("exit code {code}", code=code) if code is not None else t._("no exit code")]
    if info.timed_out:
        parts.append("**" + t._("timed out") + "**")
    if info.oom_killed:
        parts.append("**" + t._("out of memory") + "**")
    parts.append(f"{t.decimal(info.duration_s)} s")
    return t._("Sandbox: {parts}", parts=" · ".join(parts))


def _row(test: TestScore, student: bool, t: Translator) -> str:
    points = t.score(test.score, test.max_score)
    return f"| {_label(STATUS_LABEL, test.status, t)} | {points} | {_test_cell(test, student, t)} |"


def _test_cell(test: TestScore, student: bool, t: Translator) -> str:
    cell = md_inline(display_title(test), TITLE_MAX)
    if test.title and not student:
        cell += f" · {md_inline(test.name, TITLE_MAX)}"
    if test.hidden:
        cell += " *(" + t._("hidden test") + ")*"
    return cell


def _field(label: str, value: str = "") -> str:
    """A bold label and its value; the label is ours (translated), the value already escaped."""
    return f"**{label}** {value}" if value else f"**{label}**"


def _summary(label: str) -> str:
    return f"<details><summary>{label}</summary>"


def _has_details(test: TestScore, student: bool) -> bool:
    if test.status is Status.PASSED or (student and test.hidden):
        return False
    return bool(test.message.strip() or test.details.strip() or test.output.strip())


def _detail_blocks(tests: list[TestScore], student: bool, t: Translator) -> Iterator[str]:
    # a generator: with thousands of failures only the blocks that fit are ever rendered
    for n, test in enumerate(tests):
        yield _detail_block(test, student, t, open_=n == 0)


def _detail_block(test: TestScore, student: bool, t: Translator, *, open_: bool) -> str:
    points = t.score(test.score, test.max_score)
    title = md_inline(display_title(test), TITLE_MAX)
    hidden = " (" + t._("hidden test") + ")" if test.hidden else ""
    parts = [
        f"<details{' open' if open_ else ''}><summary>{_label(STATUS_LABEL, test.status, t)}: "
        f"<b>{title}</b> — {points}{hidden}</summary>"
    ]
    if test.title:
        parts.append(_field(t._("Test:"), md_inline(test.name, TITLE_MAX)))
    # one plain sentence, the lines that matter, and pytest's full text one click away (issue #13)
    view = failure_view(test, t)
    # after a fixed label: untrusted text never starts a line, where `#`, `-` or `>` would be syntax
    parts.append(_field(t._("What happened:"), md_inline(view.lead, MESSAGE_MAX)))
    if view.excerpt:
        parts.append(md_code_block(view.excerpt, max_chars=MESSAGE_MAX, note=t.cut_note))
    if test.details.strip():
        # the end of a traceback (assertion diff, the failing line) is the useful part
        parts += [
            _summary(t._("Full pytest output")),
            md_code_block(restore_first_indent(translate_details(test.details, t)), max_chars=DETAILS_MAX,
                          keep="tail", note=t.cut_note),
            "</details>",
        ]
    if test.output.strip():
        parts += [
            _summary(t._("Captured output")),
            md_code_block(test.output, max_chars=OUTPUT_MAX, keep="tail", note=t.cut_note),
            "</details>",
        ]
    parts.append("</details>")
    return SEP.join(parts)


def _next_step(report: Report, t: Translator) -> list[str]:
    """What to do now: run the failing tests locally, starting with the first one."""
    failing = [x for x in report.tests if x.status in (Status.FAILED, Status.ERROR) and not x.hidden]
    command = next_step_command(failing)
    if command is None:
        return []
    text = t._(
        "Run the failing tests on your computer with `{command}` and start with the first one: {first}.",
        # the command holds only identifiers (see next_step_command): literal in a code span, unescaped
        command=command, first=md_inline(display_title(failing[0]), TITLE_MAX),
    )  # fmt: skip
    return [_field(t._("Next step:"), text)]


def _integrity(report: Report, student: bool, t: Translator) -> list[str]:
    findings = report.integrity
    if not findings:
        return []
    n = len(findings)
    heading = "### " + t._("Integrity findings")
    if student:
        return [
            heading,
            t.ngettext(
                "The grader noted {n} integrity finding in this submission for your instructor to review. "
                "Findings do not change the score by themselves.",
                "The grader noted {n} integrity findings in this submission for your instructor to review. "
                "Findings do not change the score by themselves.",
                n,
            ),
        ]
    items = []
    for f in findings[:FINDINGS_MAX]:
        path = f" ({md_inline(f.path, TITLE_MAX)})" if f.path else ""
        items.append(f"- **{md_inline(f.kind, 50)}**{path}: {md_inline(f.detail, 500)}")
    if n > FINDINGS_MAX:
        more = t._("{count} more not shown", count=t.integer(n - FINDINGS_MAX))
        items.append(f"- *{more}*")
    return [heading, "\n".join(items)]


def _session(report: Report, t: Translator) -> list[str]:
    if not report.output.strip():
        return []
    return [
        _summary(t._("Session output")),
        md_code_block(report.output, max_chars=SESSION_OUTPUT_MAX, keep="tail", note=t.cut_note),
        "</details>",
    ]


def _truncation_note(rows_left: int, details_left: int, limit: int, t: Translator) -> str:
    parts = []
    if rows_left:
        parts.append(t.ngettext("{n} test not shown in the table", "{n} tests not shown in the table", rows_left))
    if details_left:
        parts.append(t.ngettext("details of {n} test not shown", "details of {n} tests not shown", details_left))
    note = t._(
        "{parts} (this summary is limited to {limit} bytes). The full results are in the JSON report.",
        parts="; ".join(parts),
        limit=t.integer(limit),
    )
    return _field(t._("Report truncated:"), note)


def _minimal(report: Report, limit: int, t: Translator) -> str:
    """Last resort when even the header does not fit: the score and a note, cut to `limit` bytes."""
    heading = t._("Autograding: {score}", score=t.score(report.score, report.max_score))
    note = t.ngettext(
        "{n} test not shown (limit {limit} bytes).", "{n} tests not shown (limit {limit} bytes).",
        len(report.tests), limit=limit,
    )  # fmt: skip
    truncated = t._("Report truncated:")
    text = f"## {heading}\n\n{_field(truncated, note)}\n"
    return text.encode("utf-8")[: max(0, limit)].decode("utf-8", "ignore")
