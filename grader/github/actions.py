"""GitHub Actions integration: annotations as workflow commands, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY,
Classroom's notices.

Anything written to the log is a potential workflow command: every command here is built and written
by `grader.github.commands` (the one escaper and writer), and which tests get an annotation is
`grader.github.annotations` (the same policy as the check run's).
"""

# no `from __future__ import annotations`: it would clash with the public `annotations()` below
import json
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from grader.github.annotations import Annotation, select_annotations
from grader.github.commands import command, random_token, write_commands
from grader.github.settings import GitHubSettings
from grader.i18n import DEFAULT_LANGUAGE, translator
from grader.models import Report
from grader.paths import RepoLayout
from grader.reporters.classroom import encode_result
from grader.reporters.escape import bmp_only, clean, format_number, one_line, truncate, utf8_len
from grader.reporters.markdown import Audience, render_summary

MAX_ANNOTATIONS_PER_LEVEL = 10  # per step and per level (errors, warnings): GitHub's limit
SUMMARY_LIMIT = 1024 * 1024  # GITHUB_STEP_SUMMARY: bytes per step
ANNOTATION_MESSAGE_MAX = 4_000
ANNOTATION_TITLE_MAX = 255
_COMMAND = {"failure": "error", "warning": "warning"}
_SAFE_OUTPUT_RE = re.compile(r"[A-Za-z0-9._+=\-/ ]*")  # one line, nothing odd


# -- annotations -----------------------------------------------------------------------------------


def annotations(
    report: Report,
    *,
    max_errors: int = MAX_ANNOTATIONS_PER_LEVEL,
    layout: RepoLayout | None = None,
    language: str = DEFAULT_LANGUAGE,
) -> tuple[list[str], int]:
    """The annotations of `report` as workflow commands; returns (commands, omitted). `layout` says where
    the submission is in the repository (default: it is the repository)."""
    layout = layout or RepoLayout(Path("."))
    return annotation_commands(select_annotations(report, layout.locate, language), max_per_level=max_errors)


def annotation_commands(
    selected: Sequence[Annotation], *, max_per_level: int = MAX_ANNOTATIONS_PER_LEVEL
) -> tuple[list[str], int]:
    """`::error` / `::warning` commands for the first `max_per_level` annotations of each level (the
    runner drops the rest); returns (commands, how many were left out)."""
    shown: dict[str, int] = {}
    commands: list[str] = []
    for note in selected:
        if shown.get(note.level, 0) >= max(0, max_per_level):
            continue
        shown[note.level] = shown.get(note.level, 0) + 1
        commands.append(annotation_command(note))
    return commands, len(selected) - len(commands)


def annotation_command(note: Annotation) -> str:
    # like the check runs API behind them, annotations may refuse characters above U+FFFF
    return command(
        _COMMAND[note.level],
        bmp_only(_annotation_message(note), code=True),
        file=bmp_only(one_line(note.path, 1000), code=True),
        line=note.line,
        title=bmp_only(one_line(note.title, ANNOTATION_TITLE_MAX), code=True),
    )


def _annotation_message(note: Annotation) -> str:
    """The sentence, then as much of the excerpt as fits (the job summary has the rest)."""
    message = truncate(note.message, ANNOTATION_MESSAGE_MAX // 2)
    room = ANNOTATION_MESSAGE_MAX - len(message) - 2
    if note.excerpt and room > 200:
        message += "\n\n" + truncate(note.excerpt, room)
    return message


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
        command("notice", f"Points {score}/{max_score}", title="Autograding complete"),
        command("notice", summary, title="Autograding report"),
    ]


# -- files -----------------------------------------------------------------------------------------


def output_lines(name: str, value: str) -> str:
    """One GITHUB_OUTPUT entry: `name=value`, or the heredoc form with a random delimiter."""
    if _SAFE_OUTPUT_RE.fullmatch(value):
        return f"{name}={value}\n"
    delimiter = f"ghadelimiter_{random_token()}"
    while delimiter in value or delimiter in name:
        delimiter = f"ghadelimiter_{random_token()}"
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
    github: GitHubSettings,
    *,
    report_path: str | Path | None,
    stream: TextIO = sys.stdout,
    summary_audience: Audience = "student",
    layout: RepoLayout | None = None,
    notices: bool = True,
    language: str = DEFAULT_LANGUAGE,
) -> None:
    """Inside GitHub Actions: annotations, job summary, step outputs and the Classroom notices.

    `notices=False` leaves the score to autograding-grading-reporter, for workflows
    that combine graders (it writes their total into the check run; two totals would confuse Classroom).
    """
    if not github.in_actions:
        return
    commands, omitted = annotations(report, layout=layout, language=language)
    summary_file = github.step_summary
    if summary_file:
        room = SUMMARY_LIMIT - _file_size(summary_file)
        if room > 1024:
            markdown = render_summary(
                report, audience=summary_audience, limit=room, annotations_omitted=omitted, language=language
            )
            write_summary(markdown, summary_file, language=language)
    if github.output:
        write_outputs(report, report_path=report_path, output_file=github.output)
    write_commands([*commands, *(classroom_notices(report) if notices else [])], stream)
