"""Where and how `grader post` talks to GitHub: the run's context from the environment, and the client.

The context is read from the variables every GitHub Actions job has (GITHUB_REPOSITORY, GITHUB_SHA,
GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_API_URL, ...). The HTTP client is githubkit, configured
with the API URL of the job (GitHub Enterprise Server included), no HTTP cache, and `RetryPolicy`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Final

from githubkit import GitHub
from githubkit.exception import (
    GitHubException,
    PrimaryRateLimitExceeded,
    RequestError,
    RequestFailed,
    SecondaryRateLimitExceeded,
)
from githubkit.retry import RetryOption

from grader.errors import UsageError

DEFAULT_API_URL = "https://api.github.com"
PULL_REQUEST_EVENTS = frozenset({"pull_request", "pull_request_target", "pull_request_review"})
# Variables searched for the token, in order. GITHUB_TOKEN is what workflows conventionally set
# (`env: GITHUB_TOKEN: ${{ github.token }}`), GH_TOKEN what the gh CLI reads.
TOKEN_VARIABLES = ("GITHUB_TOKEN", "GH_TOKEN")
USER_AGENT = "pytest-sandbox-grader"
API_VERSION: Final = "2022-11-28"


class ContextError(UsageError, ValueError):
    """The environment does not say which repository or commit to post to."""


@dataclass(frozen=True)
class GitHubContext:
    """Which repository, commit and pull request a result belongs to."""

    owner: str
    repo: str
    sha: str
    event_name: str
    api_url: str = DEFAULT_API_URL
    pr_number: int | None = None  # the pull request this run grades, for pull request events
    fork: bool = False  # the pull request comes from another repository (its token is read-only)
    run_url: str | None = None  # the workflow run's page, for links

    @property
    def repository(self) -> str:
        return f"{self.owner}/{self.repo}"


def read_token(env: Mapping[str, str]) -> str | None:
    for name in TOKEN_VARIABLES:
        value = env.get(name, "").strip()
        if value:
            return value
    return None


def context_from_env(env: Mapping[str, str] | None = None) -> GitHubContext:
    """The context of the current Actions job.

    For pull request events the commit is the pull request's head (GITHUB_SHA is then GitHub's
    temporary merge commit, which nobody looks at).
    """
    env = os.environ if env is None else env
    repository = env.get("GITHUB_REPOSITORY", "")
    owner, _, repo = repository.partition("/")
    if not owner or not repo or "/" in repo:
        raise ContextError(f"GITHUB_REPOSITORY must be OWNER/REPO, got {repository!r}")
    event_name = env.get("GITHUB_EVENT_NAME", "")
    event = _read_event(env.get("GITHUB_EVENT_PATH", ""))
    sha = env.get("GITHUB_SHA", "")
    pr_number: int | None = None
    fork = False
    pull_request = event.get("pull_request")
    if event_name in PULL_REQUEST_EVENTS and isinstance(pull_request, dict):
        head = pull_request.get("head") or {}
        sha = str(head.get("sha") or sha)
        number = pull_request.get("number", event.get("number"))
        pr_number = number if isinstance(number, int) else None
        head_repo = (head.get("repo") or {}).get("full_name")
        fork = bool(head_repo) and head_repo != repository
    if not sha:
        raise ContextError("GITHUB_SHA is not set and the event has no pull request head")
    server = env.get("GITHUB_SERVER_URL", "").rstrip("/")
    run_id = env.get("GITHUB_RUN_ID", "")
    run_url = f"{server}/{repository}/actions/runs/{run_id}" if server and run_id else None
    return GitHubContext(
        owner=owner,
        repo=repo,
        sha=sha,
        event_name=event_name,
        api_url=env.get("GITHUB_API_URL", "").strip() or DEFAULT_API_URL,
        pr_number=pr_number,
        fork=fork,
        run_url=run_url,
    )


def _read_event(path: str) -> dict[str, Any]:
    if not path:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


class RetryPolicy:
    """When githubkit should try a request again, and after how long.

    * 5xx responses and network errors: up to `server_retries` more tries, backing off
      `backoff_s`, 2x, 4x ...
    * secondary rate limits (403/429 with retry-after, or "secondary rate" in the message): up to
      `rate_limit_retries` more tries, waiting what GitHub asks (retry-after / x-ratelimit-reset);
    * primary rate limit (x-ratelimit-remaining: 0): once, if the reset is near.

    A wait longer than `max_wait_s` is not worth holding a CI job for: the request fails instead
    (the score is in the job summary and outputs already).
    """

    def __init__(
        self,
        *,
        server_retries: int = 3,
        rate_limit_retries: int = 2,
        backoff_s: float = 1.0,
        max_wait_s: float = 90.0,
    ) -> None:
        self.server_retries = server_retries
        self.rate_limit_retries = rate_limit_retries
        self.backoff_s = backoff_s
        self.max_wait_s = max_wait_s

    def __call__(self, exc: GitHubException, retry_count: int) -> RetryOption:
        if isinstance(exc, SecondaryRateLimitExceeded | PrimaryRateLimitExceeded):
            limit = self.rate_limit_retries if isinstance(exc, SecondaryRateLimitExceeded) else 1
            wait = exc.retry_after.total_seconds()
            if retry_count < limit and wait <= self.max_wait_s:
                return RetryOption(True, _at_least_a_tick(wait))
            return RetryOption(False)
        if isinstance(exc, RequestFailed):
            if exc.response.status_code >= 500 and retry_count < self.server_retries:
                return RetryOption(True, _at_least_a_tick(self.backoff_s * 2**retry_count))
            return RetryOption(False)
        if isinstance(exc, RequestError) and retry_count < self.server_retries:
            # connection refused/reset, timeouts: the same treatment as a 5xx
            return RetryOption(True, _at_least_a_tick(self.backoff_s * 2**retry_count))
        return RetryOption(False)


def _at_least_a_tick(seconds: float) -> timedelta:
    # githubkit sleeps 60 s when given a zero timedelta (it is falsy), so never hand it one
    return timedelta(seconds=max(seconds, 0.001))


def make_client(
    token: str,
    api_url: str = DEFAULT_API_URL,
    *,
    retry: RetryPolicy | None = None,
    timeout_s: float = 30.0,
) -> GitHub[Any]:
    return GitHub(
        token,
        base_url=api_url,
        user_agent=USER_AGENT,
        timeout=timeout_s,
        http_cache=False,  # lookups (comments, pull requests) must see the current state
        auto_retry=retry or RetryPolicy(),
    )
