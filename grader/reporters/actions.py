"""GitHub Actions integration: workflow commands, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, Classroom.

Anything written to the log is a potential workflow command (`::set-output`, `::add-mask::`,
`::notice title=Autograding report::...` which Classroom reads as the grade). Every command built
here escapes its untrusted parts per the runner's rules, and untrusted text printed as-is must go
through `guard_untrusted_output`, which turns command processing off around it.
"""

# no `from __future__ import annotations`: it would clash with the public `annotations()` below
import json
import os
import re
import secrets
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from grader.models import Report, Status, TestScore
from grader.reporters.classroom import encode_result
from grader.reporters.escape import bmp_only, clean, format_number, one_line, truncate, utf8_len
from grader.reporters.markdown import Audience, render_summary

MAX_ERROR_ANNOTATIONS = 10  # per step, GitHub's limit
SUMMARY_LIMIT = 1024 * 1024  # GITHUB_STEP_SUMMARY: bytes per step
ANNOTATION_MESSAGE_MAX = 4_000
ANNOTATION_TITLE_MAX = 255
HIDDEN_MESSAGE = "hidden test failed"
_TEST_FILE_RE = re.compile(r"(^|/)(test_[^/]*\.py|[^/]*_test\.py|conftest\.py)$")
_SAFE_OUTPUT_RE = re.compile(r"[A-Za-z0-9._+=\-/ ]*")  # one line, nothing odd


# -- escaping (same rules as @actions/core: escapeData / escapeProperty) ----------------------------


def escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(s: str) -> str:
    return escape_data(s).replace(":", "%3A").replace(",", "%2C")


def _command(name: str, properties: Mapping[str, str | int], message: str) -> str:
    props = ",".join(f"{k}={escape_property(str(v))}" for k, v in properties.items())
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


# -- annotations -----------------------------------------------------------------------------------


def annotations(
    report: Report, *, max_errors: int = MAX_ERROR_ANNOTATIONS, path_prefix: str = ""
) -> tuple[list[str], int]:
    """`::error` commands for failed/errored tests, most useful first; returns (commands, omitted).

    Order: failures located in a student file, then those located in a test file, then those
    without a location; within each, by points lost, then report order. `path_prefix` is the
    submission's folder relative to the repository root (annotation paths are repo-relative).
    """
    failing = [t for t in report.tests if t.status in (Status.FAILED, Status.ERROR)]
    ranked = sorted(enumerate(failing), key=lambda it: (_location_rank(it[1]), -(it[1].max_score - it[1].score), it[0]))
    chosen = [t for _, t in ranked[: max(0, max_errors)]]
    return [_annotation(t, path_prefix) for t in chosen], len(failing) - len(chosen)


def _location_rank(test: TestScore) -> int:
    if not test.file or test.hidden:
        return 2
    return 1 if _TEST_FILE_RE.search(test.file.replace("\\", "/")) else 0


def _annotation(test: TestScore, path_prefix: str) -> str:
    points = f"{format_number(test.score)}/{format_number(test.max_score)}"
    title = one_line(f"{test.title or test.name} ({points})", ANNOTATION_TITLE_MAX)
    props: dict[str, str | int] = {}
    if test.file and not test.hidden:  # a hidden test's location comes from its traceback
        props["file"] = one_line(_join(path_prefix, test.file), 1000)
        if test.line and test.line > 0:
            props["line"] = test.line
    props["title"] = title
    # like the check runs API behind them, annotations may refuse characters above U+FFFF
    return _command(
        "error",
        {k: bmp_only(str(v), code=True) for k, v in props.items()},
        bmp_only(_annotation_message(test), code=True),
    )


def _annotation_message(test: TestScore) -> str:
    if test.hidden:
        return HIDDEN_MESSAGE
    message = _block(test.message) or f"{test.status.value}: {one_line(test.name, 300)}"
    message = truncate(message, ANNOTATION_MESSAGE_MAX // 2)
    details = _block(test.details)
    room = ANNOTATION_MESSAGE_MAX - len(message) - 2
    if details and room > 200:
        message += "\n\n" + truncate(details, room, keep="tail")
    return message


def _block(text: str) -> str:
    """Cleaned multi-line text without surrounding blank lines (first-line indentation kept)."""
    return clean(text).rstrip().lstrip("\n")


def _join(prefix: str, path: str) -> str:
    prefix = prefix.strip("/")
    return f"{prefix}/{path}" if prefix else path


# -- untrusted text in the log ---------------------------------------------------------------------


def guard_untrusted_output(text: str) -> list[str]:
    """Log lines that show `text` with workflow commands switched off around it.

    `::stop-commands::TOKEN` makes the runner ignore every command until a line `::TOKEN::`;
    the token is random and checked not to occur in the text, so the text cannot end the pause.
    """
    body = clean(text)
    token = _random_token()
    while token in body:
        token = _random_token()
    return [f"::stop-commands::{token}", *body.split("\n"), f"::{token}::"]


def _random_token() -> str:
    return secrets.token_hex(16)


# -- Classroom notices -----------------------------------------------------------------------------


def classroom_notices(report: Report) -> list[str]:
    """The two lines classroom-resources/autograding-grading-reporter prints, which Classroom reads.

    The reporter prints nothing when max_score is 0, and so do we.
    """
    if not report.max_score:
        return []
    score, max_score = format_number(report.score), format_number(report.max_score)
    # JSON.stringify({totalPoints, maxPoints}): numbers as JavaScript prints them
    summary = f'{{"totalPoints":{score},"maxPoints":{max_score}}}'
    json.loads(summary)  # both are plain numbers, so this is valid JSON
    return [
        _command("notice", {"title": "Autograding complete"}, f"Points {score}/{max_score}"),
        _command("notice", {"title": "Autograding report"}, summary),
    ]


# -- files -----------------------------------------------------------------------------------------


def output_lines(name: str, value: str) -> str:
    """One GITHUB_OUTPUT entry: `name=value`, or the heredoc form with a random delimiter."""
    if _SAFE_OUTPUT_RE.fullmatch(value):
        return f"{name}={value}\n"
    delimiter = f"ghadelimiter_{_random_token()}"
    while delimiter in value or delimiter in name:
        delimiter = f"ghadelimiter_{_random_token()}"
    return f"{name}<<{delimiter}\n{value}\n{delimiter}\n"


def write_outputs(report: Report, *, report_path: str | Path | None, output_file: str | Path) -> None:
    """Append `score`, `max-score`, `status`, `report` and `result` to the GITHUB_OUTPUT file."""
    values = {
        "score": format_number(report.score),
        "max-score": format_number(report.max_score),
        "status": report.status.value,
        "report": clean(str(report_path)) if report_path is not None else "",
        "result": encode_result(report),
    }
    with open(output_file, "a", encoding="utf-8", errors="replace") as fh:
        fh.write("".join(output_lines(k, v) for k, v in values.items()))


def write_summary(markdown: str, summary_file: str | Path) -> bool:
    """Append Markdown to GITHUB_STEP_SUMMARY if the step's 1 MiB stays respected.

    Returns False (and writes a one-line note if that fits) when it would not.
    """
    existing = _file_size(summary_file)
    if existing + utf8_len(markdown) > SUMMARY_LIMIT:
        note = "\n**Autograding summary omitted: it would exceed the 1 MiB job summary limit.**\n"
        if existing + len(note) <= SUMMARY_LIMIT:
            _append(summary_file, note)
        return False
    _append(summary_file, markdown)
    return True


def _file_size(path: str | Path) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _append(path: str | Path, text: str) -> None:
    with open(path, "a", encoding="utf-8", errors="replace") as fh:
        fh.write(text)


# -- all together ----------------------------------------------------------------------------------


def emit_github(
    report: Report,
    env: Mapping[str, str],
    *,
    report_path: str | Path | None,
    stream: TextIO = sys.stdout,
    summary_audience: Audience = "student",
    path_prefix: str = "",
    notices: bool = True,
) -> None:
    """Inside GitHub Actions: annotations, job summary, step outputs and the Classroom notices.

    `notices=False` leaves the two Classroom notices to autograding-grading-reporter, for workflows
    that combine graders (the reporter prints the total; two totals would confuse Classroom).
    """
    if env.get("GITHUB_ACTIONS") != "true":
        return
    commands, omitted = annotations(report, path_prefix=path_prefix)
    summary_file = env.get("GITHUB_STEP_SUMMARY")
    if summary_file:
        room = SUMMARY_LIMIT - _file_size(summary_file)
        if room > 1024:
            markdown = render_summary(report, audience=summary_audience, limit=room, annotations_omitted=omitted)
            write_summary(markdown, summary_file)
    output_file = env.get("GITHUB_OUTPUT")
    if output_file:
        write_outputs(report, report_path=report_path, output_file=output_file)
    for line in [*commands, *(classroom_notices(report) if notices else [])]:
        stream.write(line + "\n")
    stream.flush()
