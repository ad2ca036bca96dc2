"""The one GitHub client: githubkit with the job's API URL (GitHub Enterprise Server included), no HTTP
cache, `RetryPolicy`, and the REST API version every call uses."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from itertools import islice
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

from grader.github.settings import DEFAULT_API_URL
from grader.reporters.escape import one_line

USER_AGENT = "pytest-sandbox-grader"
# The API version GitHub Enterprise Server supports too (newer ones are github.com only).
API_VERSION: Final = "2022-11-28"
API_HEADERS: Final = {"X-GitHub-Api-Version": API_VERSION}


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


def raw_pages(gh: GitHub[Any], request: Callable[..., Any], *args: Any, max_pages: int, **kwargs: Any) -> Iterator[Any]:
    """The JSON of each page of a listing, at most `max_pages` pages, following GitHub's `Link: rel="next"`
    header (githubkit's paginator). One element per page, so that islice stops before a request for one
    page too many; raw JSON rather than githubkit's models, so that a field GitHub adds or drops never
    makes a request fail. The version header goes with the follow-up requests too (githubkit sends the
    next link with the first request's `headers`)."""
    pages = gh.rest.paginate(request, lambda response: [response.json()], *args, headers=API_HEADERS, **kwargs)
    return islice(pages, max_pages)


def _at_least_a_tick(seconds: float) -> timedelta:
    # githubkit sleeps 60 s when given a zero timedelta (it is falsy), so never hand it one
    return timedelta(seconds=max(seconds, 0.001))


def make_client(
    token: str | None,
    api_url: str = DEFAULT_API_URL,
    *,
    retry: RetryPolicy | None = None,
    timeout_s: float = 30.0,
) -> GitHub[Any]:
    """A client; without a token, anonymous (public repositories, 60 requests an hour)."""
    return GitHub(
        token,
        base_url=api_url,
        user_agent=USER_AGENT,
        timeout=timeout_s,
        http_cache=False,  # lookups (comments, pull requests, pushes) must see the current state
        auto_retry=retry or RetryPolicy(),
    )


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
