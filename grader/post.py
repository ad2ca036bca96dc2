"""`grader post`: publish a graded report to GitHub as a check run, a commit status and/or a PR comment.

Runs after `grader run` has written the job summary and the step outputs, so nothing here can lose
the score: every GitHub API failure (read-only token on a fork's pull request, missing permission,
outage after the retries) is reported as a `::warning::` and the command still exits 0. Exit 2 is
for usage errors only (unreadable report, unknown mode, no repository in the environment).

The token comes from GITHUB_TOKEN (or GH_TOKEN); the action passes its `token` input there. The
repository, commit and pull request come from the job's environment (see `grader.github_api`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO, cast
from urllib.parse import quote

from githubkit import GitHub
from githubkit.exception import GitHubException, RequestFailed

from grader.github_api import (
    API_VERSION,
    ContextError,
    GitHubContext,
    context_from_env,
    make_client,
    read_token,
)
from grader.i18n import DEFAULT_LANGUAGE, N_, LanguageError, Translator, check_language, translator
from grader.models import Report, RunStatus, Status
from grader.report_json import from_json
from grader.reporters import actions
from grader.reporters.escape import bmp_only, clean, format_number, one_line, truncate, utf8_len
from grader.reporters.failure import display_title, failing_line, failure_view
from grader.reporters.markdown import render_summary
from grader.reporters.messages import translate_details, translate_message

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

_NOT_GOOD = (Status.FAILED, Status.ERROR)
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


def _annotation_text(text: str) -> str:
    return fit_bytes(bmp_only(clean(text), code=True), ANNOTATION_TEXT_MAX_BYTES)


def annotation_path(file: str, *, submission: str, tests: str | None, workspace: Path) -> str | None:
    """Where `file` (relative to the submission, or for a test file to the tests folder) is in the
    repository, as a repository-relative POSIX path; None when it is outside the repository."""
    if not file or os.path.isabs(file):
        return None
    candidates = [os.path.join(submission, file)]
    if tests:
        candidates.append(os.path.join(tests, file))
    inside = []
    for candidate in candidates:
        absolute = os.path.normpath(os.path.join(workspace, candidate))
        relative = os.path.relpath(absolute, workspace)
        if relative == os.curdir or relative.startswith(os.pardir):
            continue
        if os.path.isfile(absolute):
            return Path(relative).as_posix()
        inside.append(Path(relative).as_posix())
    return inside[0] if inside else None


def build_annotations(
    report: Report,
    *,
    submission: str = ".",
    tests: str | None = None,
    workspace: Path | None = None,
    language: str = DEFAULT_LANGUAGE,
) -> list[dict[str, Any]]:
    """One `failure` annotation per failed or erroring test with a file, then one `warning` per
    integrity finding on a file. Hidden tests get none (the summary shows their status)."""
    t = translator(language)
    workspace = workspace or Path.cwd()
    annotations: list[dict[str, Any]] = []
    for test in report.tests:
        # A hidden test's place comes from its traceback (maybe its own file): like the student view
        # of the report, say nothing about where it failed.
        if test.status not in _NOT_GOOD or not test.file or test.hidden:
            continue
        line = max(1, failing_line(test) or 1)  # the failing line (not the decorator line), else the first
        path = annotation_path(test.file, submission=submission, tests=tests, workspace=workspace)
        if path is None:
            continue
        name = display_title(test)
        if test.status is Status.ERROR:
            title = t._("{name} raised an error", name=name)
        else:
            title = t._("{name} failed", name=name)
        view = failure_view(test, t)  # one sentence and the lines that matter; raw_details has the rest
        message = f"{view.lead}\n\n{view.excerpt}" if view.excerpt else view.lead
        details = translate_details(test.details, t)
        annotation: dict[str, Any] = {
            "path": path,
            "start_line": line,
            "end_line": line,
            "annotation_level": "failure",
            "title": bmp_only(truncate(one_line(title), ANNOTATION_TITLE_MAX_CHARS, sep=" "), code=True),
            "message": _annotation_text(message),
        }
        if details.strip():
            annotation["raw_details"] = _annotation_text(details)
        annotations.append(annotation)
    for finding in report.integrity:
        if not finding.path:
            continue
        path = annotation_path(finding.path, submission=submission, tests=None, workspace=workspace)
        if path is None:
            continue
        annotations.append(
            {
                "path": path,
                "start_line": 1,
                "end_line": 1,
                "annotation_level": "warning",
                "title": _integrity_title(finding.kind, t),
                "message": _annotation_text(finding.detail or finding.kind),
            }
        )
    return annotations


def _integrity_title(kind: str, t: Translator) -> str:
    return bmp_only(truncate(t._("Integrity check: {kind}", kind=one_line(kind)), 255), code=True)


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


# ---------------------------------------------------------------------------------------------
# Effects: sending it


class Log:
    """Lines for the job log; warnings as workflow commands so they show on the run page."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self.warnings: list[str] = []

    def info(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def warning(self, text: str, title: str = "Grader result not posted") -> None:
        self.warnings.append(text)
        # through the deny-by-default log's gate (grader.cli closes the log under Actions)
        actions.write_commands([actions.command("warning", text, title=title)], self.stream)

    def notice(self, text: str) -> None:
        actions.write_commands([actions.command("notice", text)], self.stream)


def describe_failure(exc: GitHubException) -> tuple[int | None, str]:
    """(HTTP status or None, GitHub's message) of a failed request."""
    if isinstance(exc, RequestFailed):
        status = exc.response.status_code
        message = ""
        try:
            data = exc.response.raw_response.json()
            if isinstance(data, dict):
                message = str(data.get("message") or "")
        except ValueError:
            message = exc.response.raw_response.text[:200]
        return status, one_line(message, 200) or exc.response.raw_response.reason_phrase
    cause = getattr(exc, "exc", None)
    return None, one_line(repr(cause or exc), 200)


def _body(data: dict[str, Any]) -> Any:
    """Our plain-dict request bodies; githubkit validates them against its models when sending."""
    return cast(Any, data)


REPORT_STILL_THERE = "The score and the full report are in this job's summary and the step outputs."


class Poster:
    def __init__(self, gh: GitHub[Any], ctx: GitHubContext, log: Log, language: str = DEFAULT_LANGUAGE) -> None:
        self.language = language  # of what students read: summary, titles, annotations, comment
        self.gh = gh
        # The API version GitHub Enterprise Server supports too (newer ones are github.com only).
        self.rest = gh.rest(API_VERSION)
        self.ctx = ctx
        self.log = log

    def failed(self, what: str, exc: GitHubException, permission: str) -> None:
        status, message = describe_failure(exc)
        if status in (401, 403, 404):
            why = f"GitHub answered {status} ({message})."
            if self.ctx.fork:
                why += " Pull requests from forks get a read-only token, so nothing can be posted."
            else:
                why += f" The token needs `permissions: {permission}: write`."
        elif status is None:
            why = f"the GitHub API could not be reached ({message})."
        else:
            why = f"GitHub answered {status} ({message}) even after retries."
        self.log.warning(f"Could not {what}: {why} {REPORT_STILL_THERE}")

    # check run ---------------------------------------------------------------------------------

    def check_run(self, report: Report, *, name: str, annotations: Sequence[dict[str, Any]]) -> bool:
        ctx = self.ctx
        plan = plan_check_run(
            report, name=name, head_sha=ctx.sha, annotations=annotations,
            summary=summary_markdown(report, language=self.language), language=self.language,
        )  # fmt: skip
        try:
            created = self.rest.checks.create(ctx.owner, ctx.repo, data=_body(plan.create)).json()
        except GitHubException as exc:
            self.failed("create the check run", exc, "checks")
            return False
        check_run_id = int(created["id"])
        sent = len(plan.create["output"].get("annotations", []))
        for update in plan.updates:
            try:
                self.rest.checks.update(ctx.owner, ctx.repo, check_run_id, data=_body(update))
            except GitHubException as exc:
                self.failed(
                    f"add all annotations to the check run ({sent} of {plan.total_annotations} sent)",
                    exc,
                    "checks",
                )
                return False
            sent += len(update["output"]["annotations"])
        where = created.get("html_url") or f"id {check_run_id}"
        self.log.info(f"Posted check run {name!r} on {ctx.sha[:12]} with {sent} annotations: {where}")
        if plan.dropped_annotations:
            self.log.info(f"{plan.dropped_annotations} more annotations were left out (at most {MAX_ANNOTATIONS}).")
        return True

    # commit status ------------------------------------------------------------------------------

    def status(self, report: Report, *, context: str) -> bool:
        ctx = self.ctx
        data: dict[str, Any] = {
            "state": _STATE[report.status],
            "description": status_description(report, self.language),
            "context": bmp_only(one_line(context, 255), code=True),
        }
        if ctx.run_url:
            data["target_url"] = ctx.run_url
        try:
            self.rest.repos.create_commit_status(ctx.owner, ctx.repo, ctx.sha, data=_body(data))
        except GitHubException as exc:
            self.failed("set the commit status", exc, "statuses")
            return False
        self.log.info(f"Set commit status {context!r} on {ctx.sha[:12]}: {data['state']}, {data['description']}")
        return True

    # pull request comment ---------------------------------------------------------------------

    def comment(self, report: Report, *, check_name: str) -> bool:
        ctx = self.ctx
        try:
            number = ctx.pr_number or self.feedback_pull_request()
        except GitHubException as exc:
            self.failed("look for GitHub Classroom's Feedback pull request", exc, "pull-requests")
            return False
        if number is None:
            self.log.notice(
                "No comment posted: this run is not for a pull request and the repository has no open "
                f"GitHub Classroom {CLASSROOM_FEEDBACK_TITLE!r} pull request."
            )
            return False
        body = comment_body(report, check_name=check_name, sha=ctx.sha, run_url=ctx.run_url, language=self.language)
        marker = comment_marker(check_name)
        try:
            existing = self.find_comment(number, marker)
            if existing is None:
                made = self.rest.issues.create_comment(ctx.owner, ctx.repo, number, data={"body": body}).json()
                verb = "Posted"
            else:
                made = self.rest.issues.update_comment(ctx.owner, ctx.repo, existing, data={"body": body}).json()
                verb = "Updated"
        except GitHubException as exc:
            self.failed(f"comment on pull request #{number}", exc, "pull-requests")
            return False
        self.log.info(f"{verb} the grading comment on pull request #{number}: {made.get('html_url', '')}")
        return True

    def feedback_pull_request(self) -> int | None:
        """The open pull request GitHub Classroom made for feedback, if the repository has one."""
        for pull in self._pages(
            lambda page: self.rest.pulls.list(
                self.ctx.owner, self.ctx.repo, state="open", per_page=PAGE_SIZE, page=page
            ).json()
        ):
            user = pull.get("user") or {}
            if pull.get("title") == CLASSROOM_FEEDBACK_TITLE and user.get("login") == CLASSROOM_BOT:
                return int(pull["number"])
        return None

    def find_comment(self, number: int, marker: str) -> int | None:
        for comment in self._pages(
            lambda page: self.rest.issues.list_comments(
                self.ctx.owner, self.ctx.repo, number, per_page=PAGE_SIZE, page=page
            ).json()
        ):
            # Only a bot's comment is ours to edit: anyone can paste the marker into a comment, and a
            # student-authored "report" that our later pushes keep refreshing would be forgeable.
            author = comment.get("user") or {}
            if author.get("type") == "Bot" and str(comment.get("body") or "").startswith(marker):
                return int(comment["id"])
        return None

    @staticmethod
    def _pages(fetch: Callable[[int], Any]) -> Iterator[dict[str, Any]]:
        for page in range(1, MAX_PAGES + 1):
            items = fetch(page)
            if not isinstance(items, list):
                return
            yield from (item for item in items if isinstance(item, dict))
            if len(items) < PAGE_SIZE:
                return


# ---------------------------------------------------------------------------------------------
# Command line


def configure_parser(p: argparse.ArgumentParser) -> None:
    p.description = (
        "Publish a JSON report (from `grader run --json`) to GitHub: a check run on the commit, a "
        "commit status and/or a comment on the pull request. API failures are warnings (exit 0)."
    )
    p.add_argument("--report", required=True, type=Path, help="the JSON report written by `grader run --json`")
    p.add_argument(
        "--mode",
        default="check-run",
        help="what to post, comma-separated: check-run, status, comment; or none (default: check-run)",
    )
    p.add_argument(
        "--check-name",
        default=DEFAULT_CHECK_NAME,
        help="name of the check run, context of the status, key of the comment (default: %(default)s)",
    )
    p.add_argument(
        "--submission",
        default=".",
        help="the submission folder relative to the repository root, for annotation paths (default: .)",
    )
    p.add_argument(
        "--tests",
        default=None,
        help="the tests folder relative to the repository root, to annotate test files that are in it",
    )
    p.add_argument(
        "--language",
        default=None,
        help="language of what students read (en, es...; default: the config's `language`, else en)",
    )
    p.add_argument(
        "--config",
        type=Path,
        default=None,
        help="the grading.yml the report was graded with, to read its `language` from",
    )
    p.add_argument(
        "--workspace",
        type=Path,
        default=None,
        help="the repository checkout (default: $GITHUB_WORKSPACE, else the current directory)",
    )


def run(args: argparse.Namespace, env: Mapping[str, str] | None = None, stream: TextIO | None = None) -> int:
    env = os.environ if env is None else env
    log = Log(stream)
    try:
        modes = parse_modes(args.mode)
    except ValueError as exc:
        print(f"grader post: {exc}", file=sys.stderr)
        return 2
    try:
        report = from_json(json.loads(Path(args.report).read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"grader post: cannot read the report {args.report}: {exc}", file=sys.stderr)
        return 2
    try:
        language = post_language(args)
    except LanguageError as exc:  # an explicit --language nobody can read: a usage error
        print(f"grader post: --language: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:  # the config `grader run` already read: never lose the post over it
        log.warning(f"Posting in English: {exc}", title="Grader language not read")
        language = DEFAULT_LANGUAGE
    if not modes:
        log.info("grader post: mode none, nothing to post.")
        return 0
    try:
        ctx = context_from_env(env)
    except ContextError as exc:
        print(f"grader post: {exc} (run it inside a GitHub Actions job)", file=sys.stderr)
        return 2
    token = read_token(env)
    if token is None:
        log.warning(f"No token: set GITHUB_TOKEN to post the result. {REPORT_STILL_THERE}")
        return 0
    workspace = args.workspace or Path(env.get("GITHUB_WORKSPACE") or Path.cwd())
    with make_client(token, ctx.api_url) as gh:
        poster = Poster(gh, ctx, log, language)
        for mode in modes:
            try:
                if mode == "check-run":
                    annotations = build_annotations(
                        report, submission=args.submission, tests=args.tests, workspace=workspace, language=language
                    )
                    poster.check_run(report, name=args.check_name, annotations=annotations)
                elif mode == "status":
                    poster.status(report, context=args.check_name)
                else:
                    poster.comment(report, check_name=args.check_name)
            except Exception as exc:  # posting is best effort: never fail the job after grading
                traceback.print_exc(file=sys.stderr)
                log.warning(f"Could not post the {mode}: unexpected {type(exc).__name__}: {exc}. {REPORT_STILL_THERE}")
    return 0


def post_language(args: argparse.Namespace) -> str:
    """--language, else the `language` of --config, else English. LanguageError for a bad --language,
    ValueError (the one-line reason) when the config cannot be read."""
    if getattr(args, "language", None):
        return check_language(args.language)
    if getattr(args, "config", None) is not None:
        from grader.config import ConfigError, load_config

        try:
            return load_config(args.config).language
        except ConfigError as exc:
            raise ValueError(str(exc)) from None
    return DEFAULT_LANGUAGE


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="grader post")
    configure_parser(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
