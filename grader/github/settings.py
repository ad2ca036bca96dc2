"""The GitHub Actions context, read once: every `GITHUB_*` (and token) variable the grader uses.

This is the only module that names those variables. The command line turns `os.environ` into one frozen
`GitHubSettings` (`settings_from_env`) and passes it down; the event payload is read here, once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.errors import UsageError

DEFAULT_API_URL = "https://api.github.com"
PULL_REQUEST_EVENTS = frozenset({"pull_request", "pull_request_target", "pull_request_review"})
# Variables searched for the token, in this one order for every command. GRADER_GITHUB_TOKEN lets an
# instructor give the grader a token no other tool picks up; GITHUB_TOKEN is what workflows conventionally
# set (`env: GITHUB_TOKEN: ${{ github.token }}`, the action's `token` input), GH_TOKEN what the gh CLI reads.
ACTIONS_TOKEN_VARIABLE = "GITHUB_TOKEN"
CLI_TOKEN_VARIABLE = "GH_TOKEN"
TOKEN_VARIABLES = ("GRADER_GITHUB_TOKEN", ACTIONS_TOKEN_VARIABLE, CLI_TOKEN_VARIABLE)
WORKSPACE_VARIABLE = "GITHUB_WORKSPACE"  # named in help texts


class ContextError(UsageError, ValueError):
    """The environment does not say which repository or commit to post to."""


@dataclass(frozen=True)
class GitHubSettings:
    """What the job's environment says about GitHub. Empty strings / None for what it does not say."""

    in_actions: bool = False  # GITHUB_ACTIONS=true: workflow commands, outputs and summary apply
    repository: str = ""  # OWNER/REPO
    sha: str = ""
    event_name: str = ""
    event: Mapping[str, Any] = field(default_factory=dict)  # the payload of GITHUB_EVENT_PATH, {} if none
    api_url: str = DEFAULT_API_URL
    server_url: str = ""
    run_id: str = ""
    workspace: Path | None = None
    step_summary: Path | None = None
    output: Path | None = None
    token: str | None = field(default=None, repr=False)


def settings_from_env(env: Mapping[str, str]) -> GitHubSettings:
    def path(name: str) -> Path | None:
        value = env.get(name, "")
        return Path(value) if value else None

    return GitHubSettings(
        in_actions=env.get("GITHUB_ACTIONS") == "true",
        repository=env.get("GITHUB_REPOSITORY", ""),
        sha=env.get("GITHUB_SHA", ""),
        event_name=env.get("GITHUB_EVENT_NAME", ""),
        event=_read_event(env.get("GITHUB_EVENT_PATH", "")),
        api_url=env.get("GITHUB_API_URL", "").strip().rstrip("/") or DEFAULT_API_URL,
        server_url=env.get("GITHUB_SERVER_URL", "").rstrip("/"),
        run_id=env.get("GITHUB_RUN_ID", ""),
        workspace=path(WORKSPACE_VARIABLE),
        step_summary=path("GITHUB_STEP_SUMMARY"),
        output=path("GITHUB_OUTPUT"),
        token=read_token(env),
    )


def read_token(env: Mapping[str, str]) -> str | None:
    for name in TOKEN_VARIABLES:
        value = env.get(name, "").strip()
        if value:
            return value
    return None


def _read_event(path: str) -> dict[str, Any]:
    if not path:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


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


def post_context(settings: GitHubSettings) -> GitHubContext:
    """Where `grader post` posts. Raises ContextError when the settings do not say.

    For pull request events the commit is the pull request's head (GITHUB_SHA is then GitHub's
    temporary merge commit, which nobody looks at).
    """
    repository = settings.repository
    owner, _, repo = repository.partition("/")
    if not owner or not repo or "/" in repo:
        raise ContextError(f"GITHUB_REPOSITORY must be OWNER/REPO, got {repository!r}")
    sha, event = settings.sha, settings.event
    pr_number: int | None = None
    fork = False
    pull_request = event.get("pull_request")
    if settings.event_name in PULL_REQUEST_EVENTS and isinstance(pull_request, dict):
        head = pull_request.get("head") or {}
        sha = str(head.get("sha") or sha)
        number = pull_request.get("number", event.get("number"))
        pr_number = number if isinstance(number, int) else None
        head_repo = (head.get("repo") or {}).get("full_name")
        fork = bool(head_repo) and head_repo != repository
    if not sha:
        raise ContextError("GITHUB_SHA is not set and the event has no pull request head")
    run_url = None
    if settings.server_url and settings.run_id:
        run_url = f"{settings.server_url}/{repository}/actions/runs/{settings.run_id}"
    return GitHubContext(
        owner=owner,
        repo=repo,
        sha=sha,
        event_name=settings.event_name,
        api_url=settings.api_url,
        pr_number=pr_number,
        fork=fork,
        run_url=run_url,
    )
