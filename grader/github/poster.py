"""Sending what `grader.github.payloads` builds: the check run, the status and the comment through githubkit, each
GitHub API failure a `::warning::` in the job log (the score is already in the job summary)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TextIO, cast

from githubkit import GitHub
from githubkit.exception import GitHubException

from grader.github import commands
from grader.github.client import API_VERSION, describe_failure, raw_pages
from grader.github.payloads import (
    CLASSROOM_BOT,
    CLASSROOM_FEEDBACK_TITLE,
    MAX_ANNOTATIONS,
    MAX_PAGES,
    PAGE_SIZE,
    comment_body,
    comment_marker,
    plan_check_run,
    status_payload,
    summary_markdown,
)
from grader.github.settings import GitHubContext
from grader.i18n import DEFAULT_LANGUAGE
from grader.models import Report


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
        commands.write_commands([commands.command("warning", text, title=title)], self.stream)

    def notice(self, text: str) -> None:
        commands.write_commands([commands.command("notice", text)], self.stream)


def _body(data: dict[str, Any]) -> Any:
    """Our plain-dict request bodies; githubkit validates them against its models when sending."""
    return cast(Any, data)


REPORT_STILL_THERE = "The score and the full report are in this job's summary and the step outputs."


class Poster:
    def __init__(self, gh: GitHub[Any], ctx: GitHubContext, log: Log, language: str = DEFAULT_LANGUAGE) -> None:
        self.language = language  # of what students read: summary, titles, annotations, comment
        self.gh = gh
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
        data = status_payload(report, context=context, language=self.language, target_url=ctx.run_url)
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
        for pull in self._pages(self.rest.pulls.list, owner=self.ctx.owner, repo=self.ctx.repo, state="open"):
            user = pull.get("user") or {}
            if pull.get("title") == CLASSROOM_FEEDBACK_TITLE and user.get("login") == CLASSROOM_BOT:
                return int(pull["number"])
        return None

    def find_comment(self, number: int, marker: str) -> int | None:
        for comment in self._pages(
            self.rest.issues.list_comments, owner=self.ctx.owner, repo=self.ctx.repo, issue_number=number
        ):
            # Only a bot's comment is ours to edit: anyone can paste the marker into a comment, and a
            # student-authored "report" that our later pushes keep refreshing would be forgeable.
            author = comment.get("user") or {}
            if author.get("type") == "Bot" and str(comment.get("body") or "").startswith(marker):
                return int(comment["id"])
        return None

    def _pages(self, list_method: Callable[..., Any], **params: Any) -> Iterator[dict[str, Any]]:
        """The items of a listing (dicts), at most MAX_PAGES pages (see `raw_pages`)."""
        for items in raw_pages(self.gh, list_method, max_pages=MAX_PAGES, per_page=PAGE_SIZE, **params):
            if not isinstance(items, list):
                return
            yield from (item for item in items if isinstance(item, dict))
