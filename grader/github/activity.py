"""GitHub's record of pushes: `GET /repos/{owner}/{repo}/activity` through the one client.

Every push is recorded with a server-side timestamp the student cannot set: with a deadline, the graded
commit is the head of the last push before it and its push time the submission time (`grader.github.repos`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from githubkit.exception import GitHubException, RequestFailed

from grader.errors import UsageError
from grader.github.client import API_VERSION, RetryPolicy, describe_failure, make_client, raw_pages
from grader.github.settings import CLI_TOKEN_VARIABLE, DEFAULT_API_URL, GitHubSettings
from grader.results.late import TimeError, parse_time

MAX_ACTIVITY_PAGES = 10  # 1 000 pushes per repository
PER_PAGE = 100
_SHA_RE = re.compile(r"^[0-9a-f]{40}$")


class ActivityError(UsageError):
    """GitHub did not give the push record, worded for the instructor (one line)."""


@dataclass(frozen=True)
class Push:
    """One entry of GitHub's repository activity: the branch `ref` moved to `after` at `at`."""

    after: str
    ref: str
    at: datetime
    kind: str  # push, force_push, branch_creation, pr_merge, merge_queue_merge


@dataclass(frozen=True)
class PushRecord:
    """Where to ask for push times, and with which token (None: anonymous, public repositories only)."""

    api_url: str = DEFAULT_API_URL
    token: str | None = None
    retry: RetryPolicy | None = None

    @classmethod
    def of(cls, settings: GitHubSettings) -> PushRecord:
        return cls(api_url=settings.api_url, token=settings.token)

    def pushes(self, owner: str, repo: str, *, ref: str) -> tuple[Push, ...]:
        """Pushes that moved `ref` (refs/heads/NAME), newest first, at most MAX_ACTIVITY_PAGES pages.
        Raises ActivityError."""
        where = f"{self.api_url}/repos/{owner}/{repo}/activity"
        items: list[Any] = []
        try:
            with make_client(self.token, self.api_url, retry=self.retry) as gh:
                pages = raw_pages(gh, gh.rest(API_VERSION).repos.list_activities, max_pages=MAX_ACTIVITY_PAGES,
                                  owner=owner, repo=repo, ref=ref, direction="desc", per_page=PER_PAGE)  # fmt: skip
                for page in pages:
                    if not isinstance(page, list):
                        raise ActivityError(f"GitHub activity of {owner}/{repo}: unexpected answer")
                    items.extend(page)
        except RequestFailed as exc:
            hint = f" (set {CLI_TOKEN_VARIABLE} for private repositories and a higher rate limit)"
            raise ActivityError(
                f"GitHub API {exc.response.status_code} for {where}{hint if not self.token else ''}"
            ) from None
        except GitHubException as exc:
            raise ActivityError(f"GitHub API unreachable: {describe_failure(exc)[1]}") from None
        except ValueError:  # the body is not JSON
            raise ActivityError(f"GitHub activity of {owner}/{repo}: not JSON") from None
        pushes = (p for p in map(_push, items) if p is not None)
        return tuple(sorted(pushes, key=lambda p: p.at, reverse=True))


def _push(item: object) -> Push | None:
    if not isinstance(item, Mapping):
        return None
    after, ref, stamp = item.get("after"), item.get("ref"), item.get("timestamp")
    if not isinstance(after, str) or not _SHA_RE.match(after) or not isinstance(stamp, str):
        return None  # branch deletions have no `after`
    try:
        at = parse_time(stamp)
    except TimeError:
        return None
    return Push(after=after, ref=str(ref or ""), at=at, kind=str(item.get("activity_type") or "push"))


def last_push_before(pushes: Sequence[Push], deadline: datetime) -> Push | None:
    """What the branch pointed to at the deadline: the latest push at or before it."""
    before = [p for p in pushes if p.at <= deadline]
    return max(before, key=lambda p: p.at) if before else None


def first_push_of(pushes: Sequence[Push], commit: str) -> Push | None:
    """When `commit` first became the head of the branch on GitHub's side."""
    matching = [p for p in pushes if p.after == commit]
    return min(matching, key=lambda p: p.at) if matching else None
