"""`--repos`: the repositories file, GitHub's push record (a local fake API), fetching local repos."""

from __future__ import annotations

import json
import os
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from grader.github.activity import MAX_ACTIVITY_PAGES, ActivityError, Push, PushRecord, first_push_of, last_push_before
from grader.github.client import RetryPolicy
from grader.github.repos import RepoError, RepoSpec, _git_env, fetch_submission, github_repo, parse_repos
from grader.github.settings import settings_from_env
from grader.results.late import format_time

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


# -- the repositories file ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/org/hw1-alice",
        "https://github.com/org/hw1-alice.git",
        "https://github.com/org/hw1-alice/",
        "git@github.com:org/hw1-alice.git",
        "ssh://git@github.com/org/hw1-alice.git",
    ],
)
def test_github_urls_are_recognised(url: str) -> None:
    assert github_repo(url) == ("org", "hw1-alice")


@pytest.mark.parametrize("url", ["https://gitlab.com/org/x", "https://github.com/org", "/srv/git/x"])
def test_other_urls_are_not_github(url: str) -> None:
    assert github_repo(url) is None


def test_parse_repos_names_each_repository_uniquely(tmp_path: Path) -> None:
    text = """
    # class of 2026
    https://github.com/org-a/hw1.git
    https://github.com/org-b/hw1
    git@github.com:org-a/hw1-bob.git

    https://gitlab.example.com/group/hw1-carol.git
    repos/dave
    """
    specs = parse_repos(text, base_dir=tmp_path)
    assert [s.name for s in specs] == ["org-a-hw1", "org-b-hw1", "hw1-bob", "hw1-carol", "dave"]
    assert specs[0].github == ("org-a", "hw1") and specs[3].github is None
    assert specs[4].source == str(tmp_path / "repos" / "dave")


# -- GitHub's record of pushes (a fake API on localhost) ----------------------------------------------------


def canonical(path: str) -> str:
    """The path with its query sorted: the order of query parameters is the client's business."""
    parts = urlsplit(path)
    return f"{parts.path}?{urlencode(sorted(parse_qsl(parts.query)))}"


# Retries as in production, without the waits.
FAST = RetryPolicy(backoff_s=0.001)


class FakeGitHub:
    def __init__(self) -> None:
        self.pages: dict[str, tuple[int, object, dict[str, str]]] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                status, body, headers = fake.pages.get(canonical(self.path), (404, {"message": "Not Found"}, {}))
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def activity(self, owner: str, repo: str, pushes: list[dict[str, object]], *, page_size: int = 100) -> None:
        """Serve the pushes newest first, `page_size` per page, linked like GitHub (cursor in the URL)."""
        base = f"/repos/{owner}/{repo}/activity"
        first = f"{base}?ref=refs%2Fheads%2Fmain&direction=desc&per_page=100"
        chunks = [pushes[i : i + page_size] for i in range(0, len(pushes), page_size)] or [[]]
        for n, chunk in enumerate(chunks):
            path = first if n == 0 else f"{base}?after=cursor{n}"
            headers = {}
            if n + 1 < len(chunks):
                headers["Link"] = (
                    f'<{self.url}{base}?after=cursor{n + 1}>; rel="next", <{self.url}{first}>; rel="first"'
                )
            self.pages[canonical(path)] = (200, chunk, headers)


@pytest.fixture
def fake_github() -> Iterator[FakeGitHub]:
    fake = FakeGitHub()
    yield fake
    fake.server.shutdown()


def activity(after: str | None, at: datetime, kind: str = "push") -> dict[str, object]:
    return {
        "id": 1,
        "node_id": "x",
        "before": "0" * 40,
        "after": after,
        "ref": "refs/heads/main",
        "timestamp": format_time(at),
        "activity_type": kind,
        "actor": {"login": "student"},
    }


def test_pushes_follow_pagination_and_send_the_token(fake_github: FakeGitHub) -> None:
    items = [activity(f"{i:040x}", T0 - timedelta(hours=i)) for i in range(5)]
    items.insert(2, activity(None, T0, "branch_deletion"))  # no `after`: not a push of code
    fake_github.activity("org", "hw1", items, page_size=2)
    api = PushRecord(api_url=fake_github.url, token="s3cret", retry=FAST)
    pushes = api.pushes("org", "hw1", ref="refs/heads/main")
    assert [p.after for p in pushes] == [f"{i:040x}" for i in range(5)]
    assert [p.at for p in pushes] == [T0 - timedelta(hours=i) for i in range(5)]
    assert len(fake_github.requests) == 3
    assert all(h.get("authorization") == "token s3cret" for _, h in fake_github.requests)
    assert fake_github.requests[0][1].get("x-github-api-version") == "2022-11-28"


def test_pushes_stop_at_the_page_limit(fake_github: FakeGitHub) -> None:
    items = [activity(f"{i:040x}", T0 - timedelta(hours=i)) for i in range(12)]
    fake_github.activity("org", "busy", items, page_size=1)
    pushes = PushRecord(api_url=fake_github.url, retry=FAST).pushes("org", "busy", ref="refs/heads/main")
    assert len(pushes) == MAX_ACTIVITY_PAGES and len(fake_github.requests) == MAX_ACTIVITY_PAGES


def test_api_errors_are_one_line_with_a_hint(fake_github: FakeGitHub) -> None:
    with pytest.raises(ActivityError, match=r"GitHub API 404 .*set GH_TOKEN"):
        PushRecord(api_url=fake_github.url, retry=FAST).pushes("org", "private", ref="refs/heads/main")
    with pytest.raises(ActivityError, match="unreachable"):
        PushRecord(api_url="http://127.0.0.1:9", retry=FAST).pushes("org", "x", ref="refs/heads/main")


def test_api_settings_come_from_the_environment() -> None:
    api = PushRecord.of(settings_from_env({"GITHUB_API_URL": "https://ghe.example/api/v3/", "GH_TOKEN": "t"}))
    assert (api.api_url, api.token) == ("https://ghe.example/api/v3", "t")
    assert PushRecord.of(settings_from_env({})).token is None


def push(after: str, hours: float) -> Push:
    return Push(after=after, ref="refs/heads/main", at=T0 + timedelta(hours=hours), kind="push")


def test_last_push_before_is_what_the_branch_held_at_the_deadline() -> None:
    pushes = [push("a" * 40, -5), push("b" * 40, -1), push("c" * 40, 2)]
    assert last_push_before(pushes, T0) == pushes[1]
    assert last_push_before(pushes, T0 - timedelta(hours=1)) == pushes[1]  # at the deadline counts
    assert last_push_before(pushes, T0 - timedelta(hours=6)) is None


def test_first_push_of_a_commit_is_when_it_arrived() -> None:
    pushes = [push("a" * 40, -5), push("b" * 40, -1), push("a" * 40, 3)]  # force-pushed back later
    assert first_push_of(pushes, "a" * 40) == pushes[0]
    assert first_push_of(pushes, "f" * 40) is None


def test_the_token_reaches_git_through_the_environment_only() -> None:
    spec = RepoSpec("https://github.com/org/hw1.git", "hw1", ("org", "hw1"))
    env = _git_env(spec, "s3cret")
    values = [env[f"GIT_CONFIG_VALUE_{i}"] for i in range(int(env["GIT_CONFIG_COUNT"]))]
    assert any(v.startswith("Authorization: Basic ") for v in values)
    assert env["GIT_TERMINAL_PROMPT"] == "0"
    other = RepoSpec("https://gitlab.com/org/hw1.git", "hw1", None)
    assert not any("Authorization" in v for k, v in _git_env(other, "s3cret").items())


# -- fetching local repositories ----------------------------------------------------------------------------


GIT_ID = {
    "GIT_AUTHOR_NAME": "Student",
    "GIT_AUTHOR_EMAIL": "s@example.com",
    "GIT_COMMITTER_NAME": "Student",
    "GIT_COMMITTER_EMAIL": "s@example.com",
}


def git(repo: Path, *args: str, date: datetime | None = None) -> str:
    env = {**os.environ, **GIT_ID}
    if date is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = date.isoformat()
    return subprocess.run(
        ["git", "-C", str(repo), *args], env=env, check=True, capture_output=True, text=True
    ).stdout.strip()


def commit(repo: Path, files: dict[str, str], date: datetime) -> str:
    for rel, text in files.items():
        (repo / rel).write_text(text, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "work", date=date)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def student_repo(tmp_path: Path) -> tuple[Path, list[str]]:
    """Three commits on main: v1 (dated -2 d), v2 (-1 h), v3 late but *dated* -3 d (a forged date)."""
    repo = tmp_path / "alice"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    shas = [
        commit(repo, {"calc.py": "v = 1\n"}, T0 - timedelta(days=2)),
        commit(repo, {"calc.py": "v = 2\n"}, T0 - timedelta(hours=1)),
    ]
    os.symlink("/etc/passwd", repo / "link")
    shas.append(commit(repo, {"calc.py": "v = 3\n"}, T0 - timedelta(days=3)))
    git(repo, "branch", "old", shas[0])
    return repo, shas


def test_fetch_head_exports_files_without_git_metadata(student_repo: tuple[Path, list[str]], tmp_path: Path) -> None:
    repo, shas = student_repo
    got = fetch_submission(RepoSpec(str(repo), "alice"), tmp_path / "co", ref=None, deadline=None, api=None)
    assert got.commit == shas[2]
    assert (got.path / "calc.py").read_text(encoding="utf-8") == "v = 3\n"
    assert sorted(p.name for p in got.path.iterdir()) == ["calc.py", "link"]
    assert (got.path / "link").is_symlink()  # kept as a link: staging decides, nothing is followed here
    assert got.submitted is None


def test_fetch_a_branch_or_a_commit(student_repo: tuple[Path, list[str]], tmp_path: Path) -> None:
    repo, shas = student_repo
    spec = RepoSpec(str(repo), "alice")
    assert fetch_submission(spec, tmp_path / "a", ref="old", deadline=None, api=None).commit == shas[0]
    assert fetch_submission(spec, tmp_path / "b", ref=shas[1], deadline=None, api=None).commit == shas[1]
    with pytest.raises(RepoError, match="git fetch failed"):
        fetch_submission(spec, tmp_path / "c", ref="no-such-branch", deadline=None, api=None)
    with pytest.raises(RepoError, match="already exists"):
        fetch_submission(spec, tmp_path / "a", ref=None, deadline=None, api=None)


def test_without_github_the_deadline_goes_by_commit_date_and_says_it_is_forgeable(
    student_repo: tuple[Path, list[str]], tmp_path: Path
) -> None:
    repo, shas = student_repo
    got = fetch_submission(RepoSpec(str(repo), "alice"), tmp_path / "co", ref=None, deadline=T0, api=None)
    assert got.commit == shas[2]  # the forged date wins here: this is why GitHub push times are used
    assert "students can set" in got.note and got.submitted is None
    with pytest.raises(RepoError, match="no commit on main dated before"):
        fetch_submission(
            RepoSpec(str(repo), "alice"), tmp_path / "x", ref=None, deadline=T0 - timedelta(days=9), api=None
        )


def test_with_github_the_deadline_goes_by_push_time(
    student_repo: tuple[Path, list[str]], tmp_path: Path, fake_github: FakeGitHub
) -> None:
    repo, shas = student_repo
    fake_github.activity(
        "org",
        "alice",
        [
            activity(shas[2], T0 + timedelta(hours=5)),  # pushed after the deadline, whatever its date says
            activity(shas[1], T0 - timedelta(minutes=30)),
            activity(shas[0], T0 - timedelta(days=1)),
        ],
    )
    spec = RepoSpec(str(repo), "alice", ("org", "alice"))
    api = PushRecord(api_url=fake_github.url, retry=FAST)
    at_deadline = fetch_submission(spec, tmp_path / "a", ref=None, deadline=T0, api=api)
    assert at_deadline.commit == shas[1]
    assert (at_deadline.path / "calc.py").read_text(encoding="utf-8") == "v = 2\n"
    assert at_deadline.submitted is not None
    assert (at_deadline.submitted.at, at_deadline.submitted.source) == (
        T0 - timedelta(minutes=30),
        "github-push",
    )
    latest = fetch_submission(spec, tmp_path / "b", ref=None, deadline=None, api=api)
    assert latest.commit == shas[2]
    assert latest.submitted is not None and latest.submitted.at == T0 + timedelta(hours=5)
    with pytest.raises(RepoError, match="nothing was pushed to main before"):
        fetch_submission(spec, tmp_path / "c", ref=None, deadline=T0 - timedelta(days=2), api=api)


def test_with_github_an_unlisted_commit_has_no_trusted_time(
    student_repo: tuple[Path, list[str]], tmp_path: Path, fake_github: FakeGitHub
) -> None:
    repo, shas = student_repo
    fake_github.activity("org", "alice", [activity(shas[0], T0)])
    spec = RepoSpec(str(repo), "alice", ("org", "alice"))
    api = PushRecord(api_url=fake_github.url, retry=FAST)
    got = fetch_submission(spec, tmp_path / "a", ref=None, deadline=None, api=api)
    assert got.commit == shas[2] and got.submitted is None
    assert "GitHub lists no push" in got.note
