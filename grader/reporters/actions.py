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
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TextIO

from grader.i18n import DEFAULT_LANGUAGE, N_, Translator, translator
from grader.models import Report, Status, TestScore
from grader.reporters.classroom import encode_result
from grader.reporters.escape import bmp_only, clean, format_number, one_line, truncate, utf8_len
from grader.reporters.failure import display_title, failing_line, failure_view
from grader.reporters.markdown import Audience, render_summary

MAX_ERROR_ANNOTATIONS = 10  # per step, GitHub's limit
SUMMARY_LIMIT = 1024 * 1024  # GITHUB_STEP_SUMMARY: bytes per step
ANNOTATION_MESSAGE_MAX = 4_000
ANNOTATION_TITLE_MAX = 255
HIDDEN_MESSAGE = N_("hidden test failed")
_STATUS_WORD = {Status.FAILED: N_("failed"), Status.ERROR: N_("error")}  # the only ones annotated
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
    report: Report, *, max_errors: int = MAX_ERROR_ANNOTATIONS, path_prefix: str = "", language: str = DEFAULT_LANGUAGE
) -> tuple[list[str], int]:
    """`::error` commands for failed/errored tests, most useful first; returns (commands, omitted).

    Order: failures located in a student file, then those located in a test file, then those
    without a location; within each, by points lost, then report order. `path_prefix` is the
    submission's folder relative to the repository root (annotation paths are repo-relative).
    """
    failing = [t for t in report.tests if t.status in (Status.FAILED, Status.ERROR)]
    ranked = sorted(enumerate(failing), key=lambda it: (_location_rank(it[1]), -(it[1].max_score - it[1].score), it[0]))
    chosen = [t for _, t in ranked[: max(0, max_errors)]]
    tr = translator(language)
    return [_annotation(t, path_prefix, tr) for t in chosen], len(failing) - len(chosen)


def _location_rank(test: TestScore) -> int:
    if not test.file or test.hidden:
        return 2
    return 1 if _TEST_FILE_RE.search(test.file.replace("\\", "/")) else 0


def _annotation(test: TestScore, path_prefix: str, tr: Translator) -> str:
    points = f"{tr.number(test.score)}/{tr.number(test.max_score)}"
    title = one_line(f"{display_title(test)} ({points})", ANNOTATION_TITLE_MAX)
    props: dict[str, str | int] = {}
    if test.file and not test.hidden:  # a hidden test's location comes from its traceback
        props["file"] = one_line(_join(path_prefix, test.file), 1000)
        line = failing_line(test)  # the failing line, not the test's decorator line
        if line and line > 0:
            props["line"] = line
    props["title"] = title
    # like the check runs API behind them, annotations may refuse characters above U+FFFF
    return _command(
        "error",
        {k: bmp_only(str(v), code=True) for k, v in props.items()},
        bmp_only(_annotation_message(test, tr), code=True),
    )


def _annotation_message(test: TestScore, tr: Translator) -> str:
    if test.hidden:
        return tr._(HIDDEN_MESSAGE)
    # the sentence and the lines that matter (grader.reporters.failure); the summary has the rest
    view = failure_view(test, tr)
    message = truncate(_block(view.lead) or tr._(_STATUS_WORD[test.status]), ANNOTATION_MESSAGE_MAX // 2)
    room = ANNOTATION_MESSAGE_MAX - len(message) - 2
    if view.excerpt and room > 200:
        message += "\n\n" + truncate(_block(view.excerpt), room)
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


class LogGate:
    """The grader's log, deny-by-default: workflow commands are off except around the grader's own.

    `close()` writes `::stop-commands::<random token>`: from then on the runner executes no command
    in the log, whatever a file name, test id, warning or traceback printed later holds. `opened()`
    re-enables commands (`::<token>::`) only while the grader writes its own annotations and
    notices, then closes again with a fresh token. A submission never sees the token before it is
    used: the sandbox has finished when the log carries it.
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.token: str | None = None

    def close(self) -> None:
        if self.token is None:
            self.token = _random_token()
            self._write(f"::stop-commands::{self.token}")

    def open(self) -> None:
        if self.token is not None:
            self._write(f"::{self.token}::")
            self.token = None

    @contextmanager
    def opened(self) -> Iterator[None]:
        was_closed = self.token is not None
        self.open()
        try:
            yield
        finally:
            if was_closed:
                self.close()

    def _write(self, line: str) -> None:
        self.stream.flush()
        self.stream.write(line + "\n")
        self.stream.flush()


# Set by the command line under Actions (grader.cli.main); write_commands opens it around our commands.
ACTIONS_LOG: LogGate | None = None


def write_commands(lines: list[str], stream: TextIO) -> None:
    """The one writer of the grader's own workflow commands (annotations, notices, `grader post`'s
    warnings): with the deny-by-default log closed, a command written any other way is never seen."""
    gate = ACTIONS_LOG if ACTIONS_LOG is not None and ACTIONS_LOG.stream is stream else None
    with gate.opened() if gate is not None else nullcontext():
        for line in lines:
            stream.write(line + "\n")
        stream.flush()


def command(name: str, message: str, **properties: str | int) -> str:
    """`::name props::message`, escaped as @actions/core does (for callers outside this module)."""
    return _command(name, properties, message)


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


def write_summary(markdown: str, summary_file: str | Path, *, language: str = DEFAULT_LANGUAGE) -> bool:
    """Append Markdown to GITHUB_STEP_SUMMARY if the step's 1 MiB stays respected.

    Returns False (and writes a one-line note if that fits) when it would not.
    """
    existing = _file_size(summary_file)
    if existing + utf8_len(markdown) > SUMMARY_LIMIT:
        omitted = translator(language)._("Autograding summary omitted: it would exceed the 1 MiB job summary limit.")
        note = f"\n**{omitted}**\n"
        if existing + utf8_len(note) <= SUMMARY_LIMIT:
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
    language: str = DEFAULT_LANGUAGE,
) -> None:
    """Inside GitHub Actions: annotations, job summary, step outputs and the Classroom notices.

    `notices=False` leaves the score to autograding-grading-reporter, for workflows
    that combine graders (it writes their total into the check run; two totals would confuse Classroom).
    """
    if env.get("GITHUB_ACTIONS") != "true":
        return
    commands, omitted = annotations(report, path_prefix=path_prefix, language=language)
    summary_file = env.get("GITHUB_STEP_SUMMARY")
    if summary_file:
        room = SUMMARY_LIMIT - _file_size(summary_file)
        if room > 1024:
            markdown = render_summary(
                report, audience=summary_audience, limit=room, annotations_omitted=omitted, language=language
            )
            write_summary(markdown, summary_file, language=language)
    output_file = env.get("GITHUB_OUTPUT")
    if output_file:
        write_outputs(report, report_path=report_path, output_file=output_file)
    write_commands([*commands, *(classroom_notices(report) if notices else [])], stream)
