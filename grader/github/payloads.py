"""What `grader post` sends to GitHub, as pure functions of the report: a check run (title, summary,
annotations), a commit status and a PR comment. The sending is `grader.github.poster`; the command itself
is `grader.cli.post`; which annotations, `grader.github.annotations`.

Runs after `grader run` has written the job summary and the step outputs, so nothing here can lose
the score: every GitHub API failure (read-only token on a fork's pull request, missing permission,
outage after the retries) is reported as a `::warning::`.

The token, repository, commit and pull request come from the job's environment (`grader.github.settings`);
the action passes its `token` input as the token.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from grader.github.annotations import Annotation
from grader.i18n import DEFAULT_LANGUAGE, N_, Translator, translator
from grader.models import Report, RunStatus
from grader.reporters.escape import bmp_only, clean, format_number, one_line, truncate, utf8_len
from grader.reporters.markdown import render_summary
from grader.reporters.messages import translate_message

MODES = ("check-run", "status", "comment")
DEFAULT_CHECK_NAME = "Autograding"

# GitHub's limits (REST docs for check runs, commit statuses and issue comments).
SUMMARY_MAX_CHARS = 65_535
ANNOTATIONS_PER_REQUEST = 50
ANNOTATION_TITLE_MAX_CHARS = 255
ANNOTATION_TEXT_MAX_BYTES = 64 * 1024 - 1
STATUS_DESCRIPTION_MAX_CHARS = 140
COMMENT_MAX_CHARS = 65_536
# Past this many annotations the check run is no more useful and each batch is one more request
# against the secondary rate limit (about 80 writes a minute).
MAX_ANNOTATIONS = 1000

CLASSROOM_BOT = "github-classroom[bot]"
CLASSROOM_FEEDBACK_TITLE = "Feedback"
PAGE_SIZE = 100
MAX_PAGES = 20

_CONCLUSION = {RunStatus.PASS: "success", RunStatus.FAIL: "failure", RunStatus.ERROR: "neutral"}
_STATE = {RunStatus.PASS: "success", RunStatus.FAIL: "failure", RunStatus.ERROR: "error"}


# ---------------------------------------------------------------------------------------------
# Pure: what to send


def parse_modes(text: str) -> tuple[str, ...]:
    """`check-run,comment` -> ("check-run", "comment"); `none` or empty -> ()."""
    modes: list[str] = []
    for part in text.replace(" ", ",").split(","):
        mode = part.strip().lower()
        if not mode or mode == "none":
            continue
        if mode not in MODES:
            raise ValueError(f"unknown post mode {mode!r} (choose from {', '.join(MODES)} or none)")
        if mode not in modes:
            modes.append(mode)
    return tuple(modes)


def score_text(report: Report, t: Translator | None = None) -> str:
    if t is None:
        return f"{format_number(report.score)}/{format_number(report.max_score)}"
    return f"{t.number(report.score)}/{t.number(report.max_score)}"


def _reason(report: Report, t: Translator, default: str, max_chars: int) -> str:
    return one_line(translate_message(report.error, t) if report.error else t._(default), max_chars)


def check_title(report: Report, language: str = DEFAULT_LANGUAGE) -> str:
    """The check run's title: the score first, since that is what the checks list shows."""
    t = translator(language)
    score = score_text(report, t)
    if report.status is RunStatus.ERROR:
        reason = _reason(report, t, N_("the submission could not be graded"), 150)
        title = t._("Score {score} · grading error: {reason}", score=score, reason=reason)
    else:
        title = t._("Score {score} · {passed}/{total} tests passed", score=score, passed=report.passed,
                    total=report.graded)  # fmt: skip
    return bmp_only(truncate(title, ANNOTATION_TITLE_MAX_CHARS, sep=" "), code=True)


def status_description(report: Report, language: str = DEFAULT_LANGUAGE) -> str:
    t = translator(language)
    score = score_text(report, t)
    if report.status is RunStatus.ERROR:
        reason = _reason(report, t, N_("unknown"), 100)
        text = t._("Score {score}, grading error: {reason}", score=score, reason=reason)
    else:
        text = t._("Score {score}, {passed}/{total} tests passed", score=score, passed=report.passed,
                   total=report.graded)  # fmt: skip
    return bmp_only(truncate(text, STATUS_DESCRIPTION_MAX_CHARS, sep=" "), code=True)


def status_payload(report: Report, *, context: str, language: str, target_url: str | None) -> dict[str, str]:
    """The commit status to create (POST /repos/{owner}/{repo}/statuses/{sha})."""
    data = {
        "state": _STATE[report.status],
        "description": status_description(report, language),
        "context": bmp_only(one_line(context, 255), code=True),
    }
    if target_url:
        data["target_url"] = target_url
    return data


def fit_bytes(text: str, max_bytes: int) -> str:
    """`text`, shortened with a note when needed, so that its UTF-8 encoding fits in `max_bytes`."""
    if utf8_len(text) <= max_bytes:
        return text
    low, high = 0, len(text)  # the longest character budget whose truncation fits
    while low < high:
        middle = (low + high + 1) // 2
        if utf8_len(truncate(text, middle)) <= max_bytes:
            low = middle
        else:
            high = middle - 1
    return truncate(text, low)


def check_run_annotations(annotations: Sequence[Annotation]) -> list[dict[str, Any]]:
    """The selected annotations (`grader.github.annotations`) as the check runs API takes them."""
    out: list[dict[str, Any]] = []
    for note in annotations:
        data: dict[str, Any] = {
            "path": note.path,
            "start_line": note.line,
            "end_line": note.line,
            "annotation_level": note.level,
            "title": bmp_only(truncate(note.title, ANNOTATION_TITLE_MAX_CHARS, sep=" "), code=True),
            "message": _annotation_text(f"{note.message}\n\n{note.excerpt}" if note.excerpt else note.message),
        }
        if note.details.strip():
            data["raw_details"] = _annotation_text(note.details)
        out.append(data)
    return out


def _annotation_text(text: str) -> str:
    return fit_bytes(bmp_only(clean(text), code=True), ANNOTATION_TEXT_MAX_BYTES)


def summary_markdown(report: Report, limit: int = SUMMARY_MAX_CHARS, language: str = DEFAULT_LANGUAGE) -> str:
    """The student-facing Markdown report, within `limit` characters and free of characters above
    U+FFFF (the renderer already escapes what it takes from the report; this is a safety net)."""
    budget = limit
    for _ in range(4):
        text = bmp_only(render_summary(report, audience="student", limit=budget, language=language))
        if len(text) <= limit:
            return text
        budget -= len(text) - limit + 64
    return truncate(text, limit)


@dataclass(frozen=True)
class CheckRunPlan:
    create: dict[str, Any]
    updates: tuple[dict[str, Any], ...]  # each appends one more batch of annotations
    total_annotations: int
    dropped_annotations: int


def plan_check_run(
    report: Report,
    *,
    name: str,
    head_sha: str,
    annotations: Sequence[dict[str, Any]],
    summary: str,
    language: str = DEFAULT_LANGUAGE,
) -> CheckRunPlan:
    """The create request (with the first batch of annotations) and one update per further batch."""
    kept = list(annotations[:MAX_ANNOTATIONS])
    batches = [kept[i : i + ANNOTATIONS_PER_REQUEST] for i in range(0, len(kept), ANNOTATIONS_PER_REQUEST)]
    output: dict[str, Any] = {"title": check_title(report, language), "summary": summary}
    create: dict[str, Any] = {
        "name": bmp_only(truncate(one_line(name), 255), code=True),
        "head_sha": head_sha,
        "status": "completed",
        "conclusion": _CONCLUSION[report.status],
        "output": {**output, "annotations": batches[0]} if batches else output,
    }
    updates = tuple({"output": {**output, "annotations": batch}} for batch in batches[1:])
    return CheckRunPlan(create, updates, len(kept), len(annotations) - len(kept))


def comment_marker(check_name: str) -> str:
    """Hidden first line of our PR comment; finding it again is how the comment is updated in place."""
    return f"<!-- pytest-grader:comment name={quote(check_name, safe='')} -->"


def comment_body(
    report: Report, *, check_name: str, sha: str, run_url: str | None, language: str = DEFAULT_LANGUAGE
) -> str:
    t = translator(language)
    marker = comment_marker(check_name)
    graded, workflow_run = t._("graded commit"), t._("workflow run")
    footer = f"\n\n---\n<sub>{_md_plain(check_name)} · {graded} `{sha[:12]}`"
    footer += f" · [{workflow_run}]({run_url})</sub>" if run_url else "</sub>"
    body = summary_markdown(report, COMMENT_MAX_CHARS - len(marker) - len(footer) - 1, language)
    return f"{marker}\n{body}{footer}"


def _md_plain(text: str) -> str:
    return "".join(f"&#{ord(c)};" if c in "\\`*_[]<>|~!$&" else c for c in one_line(text, 100))
