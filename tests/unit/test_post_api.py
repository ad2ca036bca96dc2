"""`grader post` against the fake GitHub API (real HTTP on 127.0.0.1, requests checked against GitHub's
OpenAPI description): what reaches GitHub, retries, failures that must not fail the job."""

from __future__ import annotations

import argparse
import io
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from grader.cli import post as post_cmd
from grader.github import payloads as post
from grader.github import poster
from grader.github.client import RetryPolicy, make_client
from grader.github.settings import GitHubContext
from grader.models import Report, RunStatus, Status, TestScore
from grader.reporters.report_json import to_json
from tests.e2e.fake_github import FakeGitHubAPI, FakeGitHubServer

TOKEN = "ghs_unitFakeToken"
SHA = "c0ffee" * 6 + "abcd"


def failing_report(n_failed: int = 3, *, emoji: bool = False) -> Report:
    tests = [
        TestScore(
            name=f"test_calc.py::test_fib[{i}]",
            status=Status.FAILED,
            score=0.0,
            max_score=1.0,
            message=f"assert fib({i}) == {i + 1}" + (" 😀" if emoji else ""),
            details=f"def test_fib(n):\n>   assert fib(n) == n + 1\nE   AssertionError\ncalc.py:{i + 1}: Error",
            file="calc.py",
            line=i + 1,
        )
        for i in range(n_failed)
    ]
    tests.append(TestScore(name="test_calc.py::test_ok", status=Status.PASSED, score=2.0, max_score=2.0))
    return Report(score=2.0, max_score=2.0 + n_failed, status=RunStatus.FAIL, tests=tuple(tests))


@pytest.fixture
def api() -> FakeGitHubAPI:
    return FakeGitHubAPI(token=TOKEN)


@pytest.fixture
def server(api: FakeGitHubAPI) -> Iterator[FakeGitHubServer]:
    with FakeGitHubServer(api) as running:
        yield running
    assert api.problems == [], "every request must match GitHub's OpenAPI description"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "calc.py").write_text("def fib(n):\n    return n\n")
    return root


def write_report(tmp_path: Path, report: Report) -> Path:
    path = tmp_path / "report.json"
    path.write_text(json.dumps(to_json(report)), encoding="utf-8")
    return path


def run_post(
    tmp_path: Path,
    report: Report,
    api_url: str,
    *,
    mode: str = "check-run",
    event_name: str = "push",
    event: dict[str, Any] | None = None,
    extra_env: dict[str, str] | None = None,
    workspace: Path | None = None,
) -> tuple[int, str]:
    event_path = tmp_path / "event.json"
    event_path.write_text(json.dumps(event or {"after": SHA}))
    env = {
        "GITHUB_REPOSITORY": "classroom/calc-alice",
        "GITHUB_SHA": SHA,
        "GITHUB_EVENT_NAME": event_name,
        "GITHUB_EVENT_PATH": str(event_path),
        "GITHUB_API_URL": api_url,
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_RUN_ID": "77",
        "GITHUB_WORKSPACE": str(workspace or tmp_path),
        **(extra_env or {}),
    }
    parser = argparse.ArgumentParser()
    post_cmd.configure_parser(parser)
    args = parser.parse_args(["--report", str(write_report(tmp_path, report)), "--mode", mode])
    out = io.StringIO()
    code = post_cmd.run(args, env=env, stream=out)
    return code, out.getvalue()


# -- check runs ----------------------------------------------------------------------------------


def test_check_run_with_annotations_in_batches(
    tmp_path: Path, api: FakeGitHubAPI, server: FakeGitHubServer, workspace: Path
) -> None:
    code, out = run_post(tmp_path, failing_report(120), server.url, workspace=workspace)

    assert code == 0 and "::warning" not in out
    create = api.served("checks/create")
    updates = api.served("checks/update")
    assert len(create) == 1 and len(updates) == 2
    body = create[0].body
    assert (body["name"], body["head_sha"], body["conclusion"]) == ("Autograding", SHA, "failure")
    assert body["output"]["title"] == "Score 2/122 · 1/121 tests passed"
    assert [len(body["output"]["annotations"])] + [len(u.body["output"]["annotations"]) for u in updates] == [
        50,
        50,
        20,
    ]
    assert all(u.params["check_run_id"] == str(next(iter(api.check_runs))) for u in updates)
    (stored,) = api.check_runs.values()
    assert [a["start_line"] for a in stored["annotations"]] == list(range(1, 121))
    assert {a["path"] for a in stored["annotations"]} == {"calc.py"}
    assert create[0].headers["authorization"] == f"token {TOKEN}"
    assert "Posted check run 'Autograding'" in out and "with 120 annotations" in out


def test_characters_above_the_bmp_never_reach_the_checks_api(
    tmp_path: Path, api: FakeGitHubAPI, server: FakeGitHubServer, workspace: Path
) -> None:
    code, out = run_post(tmp_path, failing_report(2, emoji=True), server.url, workspace=workspace)
    assert code == 0 and "::warning" not in out
    assert api.served("checks/create"), "the fake refuses astral characters (422), so this proves escaping"


def test_retry_after_a_502_creates_exactly_one_check_run(
    tmp_path: Path, api: FakeGitHubAPI, server: FakeGitHubServer
) -> None:
    api.inject("checks/create", 502, message="Bad Gateway")
    code, out = run_post(tmp_path, failing_report(1), server.url)
    assert code == 0 and "::warning" not in out
    assert [r.status for r in api.calls("checks/create")] == [502, 201]
    assert len(api.check_runs) == 1


def test_secondary_rate_limit_is_waited_out(tmp_path: Path, api: FakeGitHubAPI, server: FakeGitHubServer) -> None:
    api.inject(
        "checks/create",
        403,
        message="You have exceeded a secondary rate limit",
        headers={"retry-after": "1"},
    )
    code, out = run_post(tmp_path, failing_report(1), server.url)
    assert code == 0 and "::warning" not in out
    assert [r.status for r in api.calls("checks/create")] == [403, 201]


def test_persistent_server_errors_are_a_warning_not_a_failure(
    tmp_path: Path, api: FakeGitHubAPI, server: FakeGitHubServer
) -> None:
    api.inject("checks/create", 503, times=10, message="Service Unavailable")
    ctx = GitHubContext(owner="o", repo="r", sha=SHA, event_name="push", api_url=server.url)
    log = poster.Log(io.StringIO())
    with make_client(TOKEN, server.url, retry=RetryPolicy(backoff_s=0.01)) as gh:
        posted = poster.Poster(gh, ctx, log).check_run(failing_report(1), name="Autograding", annotations=[])
    assert posted is False
    assert len(api.calls("checks/create")) == 4, "the first try and three retries"
    (warning,) = log.warnings
    assert "503 (Service Unavailable) even after retries" in warning
    assert "job's summary" in warning


def test_read_only_token_on_a_fork_pull_request(tmp_path: Path, api: FakeGitHubAPI, server: FakeGitHubServer) -> None:
    api.read_only = True
    event = {
        "number": 5,
        "pull_request": {"number": 5, "head": {"sha": "f" * 40, "repo": {"full_name": "mallory/calc-alice"}}},
    }
    code, out = run_post(
        tmp_path, failing_report(1), server.url, mode="check-run,status,comment",
        event_name="pull_request", event=event,
    )  # fmt: skip
    assert code == 0
    warnings = [line for line in out.splitlines() if line.startswith("::warning")]
    assert len(warnings) == 3
    assert all("Pull requests from forks get a read-only token" in w for w in warnings)
    assert all(r.status == 403 for r in api.requests if r.method != "GET")
    assert api.calls("checks/create")[0].body["head_sha"] == "f" * 40
    assert api.check_runs == {} and api.statuses == [] and api.comments == {}


def test_missing_permission_names_it(tmp_path: Path, api: FakeGitHubAPI, server: FakeGitHubServer) -> None:
    api.read_only = True
    code, out = run_post(tmp_path, failing_report(1), server.url, mode="status")
    assert code == 0
    assert "GitHub answered 403 (Resource not accessible by integration)" in out
    assert "`permissions: statuses: write`" in out


def test_bad_credentials(tmp_path: Path, api: FakeGitHubAPI, server: FakeGitHubServer) -> None:
    code, out = run_post(tmp_path, failing_report(1), server.url, extra_env={"GITHUB_TOKEN": "wrong"})
    assert code == 0 and "GitHub answered 401 (Bad credentials)" in out
    assert len(api.requests) == 1, "401 is not retried"


def test_unreachable_api_is_a_warning(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens there once closed
    ctx = GitHubContext(owner="o", repo="r", sha=SHA, event_name="push", api_url=f"http://127.0.0.1:{port}")
    log = poster.Log(io.StringIO())
    with make_client(TOKEN, ctx.api_url, retry=RetryPolicy(backoff_s=0.01)) as gh:
        assert poster.Poster(gh, ctx, log).status(failing_report(1), context="Autograding") is False
    (warning,) = log.warnings
    assert "could not be reached" in warning


def test_github_enterprise_server_api_prefix(tmp_path: Path) -> None:
    api = FakeGitHubAPI(token=TOKEN, prefix="/api/v3")
    with FakeGitHubServer(api) as server:
        assert server.url.endswith("/api/v3")
        code, out = run_post(tmp_path, failing_report(1), server.url, mode="check-run,status")
    assert code == 0 and "::warning" not in out
    assert api.problems == []
    assert len(api.served("checks/create")) == 1 and len(api.served("repos/create-commit-status")) == 1


# -- commit status -------------------------------------------------------------------------------


def test_commit_status(tmp_path: Path, api: FakeGitHubAPI, server: FakeGitHubServer) -> None:
    code, out = run_post(tmp_path, failing_report(2), server.url, mode="status")
    assert code == 0 and "::warning" not in out
    (status,) = api.statuses
    assert status["sha"] == SHA
    assert (status["state"], status["context"]) == ("failure", "Autograding")
    assert status["description"] == "Score 2/4, 1/3 tests passed"
    assert status["target_url"] == "https://github.com/classroom/calc-alice/actions/runs/77"


# -- comments ------------------------------------------------------------------------------------


def test_comment_on_the_pull_request_being_graded_then_updated_in_place(
    tmp_path: Path, api: FakeGitHubAPI, server: FakeGitHubServer
) -> None:
    event = {
        "number": 9,
        "pull_request": {"number": 9, "head": {"sha": SHA, "repo": {"full_name": "classroom/calc-alice"}}},
    }
    for _ in range(2):
        code, out = run_post(
            tmp_path, failing_report(1), server.url, mode="comment", event_name="pull_request", event=event
        )
        assert code == 0 and "::warning" not in out
    assert len(api.served("issues/create-comment")) == 1
    assert len(api.served("issues/update-comment")) == 1
    (comment,) = api.comments.values()
    assert comment["issue_number"] == 9
    assert comment["body"].startswith(post.comment_marker("Autograding"))
    assert "Updated the grading comment on pull request #9" in out


def test_push_comments_on_classrooms_feedback_pull_request(
    tmp_path: Path, api: FakeGitHubAPI, server: FakeGitHubServer
) -> None:
    for number in range(1, 131):  # the Feedback PR is on the second page
        api.add_pull(number, title=f"Work {number}", user="student")
    api.add_pull(200, title="Feedback", user="student")  # a look-alike
    api.add_pull(201, title="Feedback", user="github-classroom[bot]")
    code, out = run_post(tmp_path, failing_report(1), server.url, mode="comment")
    assert code == 0 and "::warning" not in out
    (created,) = api.served("issues/create-comment")
    assert created.params["issue_number"] == "201"
    # The second request is the one GitHub's `Link: rel="next"` header named (no page counting on our side).
    pages = [r.query.get("page") for r in api.calls("pulls/list")]
    assert pages == [None, ["2"]]


def test_a_copied_marker_in_someone_elses_comment_is_not_taken_over(
    tmp_path: Path, api: FakeGitHubAPI, server: FakeGitHubServer
) -> None:
    api.add_pull(1, title="Feedback", user="github-classroom[bot]")
    forged = api.add_comment(1, post.comment_marker("Autograding") + "\n## Autograding: 100 / 100", user="student")
    for _ in range(150):  # our own comment comes after a page of chatter
        api.add_comment(1, "chatter", user="student")
    run_post(tmp_path, failing_report(1), server.url, mode="comment")
    ours = api.served("issues/create-comment")[0].body
    run_post(tmp_path, failing_report(1), server.url, mode="comment")
    assert api.comments[forged]["body"].endswith("100 / 100"), "the student's comment is left alone"
    (updated,) = api.served("issues/update-comment")
    assert updated.params["comment_id"] != str(forged)
    assert api.comments[int(updated.params["comment_id"])]["body"] == ours["body"]


def test_push_without_a_pull_request_posts_no_comment(
    tmp_path: Path, api: FakeGitHubAPI, server: FakeGitHubServer
) -> None:
    code, out = run_post(tmp_path, failing_report(1), server.url, mode="comment")
    assert code == 0
    assert "::notice::No comment posted" in out
    assert [r.operation_id for r in api.requests] == ["pulls/list"]


# -- the command line contract -------------------------------------------------------------------


def test_mode_none_sends_nothing(tmp_path: Path, api: FakeGitHubAPI, server: FakeGitHubServer) -> None:
    code, _ = run_post(tmp_path, failing_report(1), server.url, mode="none")
    assert code == 0 and api.requests == []


def test_no_token_is_a_warning(tmp_path: Path, api: FakeGitHubAPI, server: FakeGitHubServer) -> None:
    code, out = run_post(tmp_path, failing_report(1), server.url, extra_env={"GITHUB_TOKEN": ""})
    assert code == 0 and "::warning title=Grader result not posted::No token" in out
    assert api.requests == []


def test_usage_errors_exit_2(tmp_path: Path, server: FakeGitHubServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_post(tmp_path, failing_report(1), server.url, mode="bogus")[0] == 2
    assert run_post(tmp_path, failing_report(1), server.url, extra_env={"GITHUB_REPOSITORY": ""})[0] == 2
    parser = argparse.ArgumentParser()
    post_cmd.configure_parser(parser)
    (tmp_path / "bad.json").write_text("{}")
    assert post_cmd.run(parser.parse_args(["--report", str(tmp_path / "bad.json")]), env={}) == 2
    assert post_cmd.run(parser.parse_args(["--report", str(tmp_path / "missing.json")]), env={}) == 2
    assert "cannot read the report" in capsys.readouterr().err


def test_warning_text_cannot_inject_workflow_commands(
    tmp_path: Path, api: FakeGitHubAPI, server: FakeGitHubServer
) -> None:
    api.inject("checks/create", 422, message="bad\n::error::injected %0A")
    code, out = run_post(tmp_path, failing_report(1), server.url)
    assert code == 0
    (line,) = [line for line in out.splitlines() if "Could not create" in line]
    assert line.startswith("::warning ") and "\n" not in line
    assert not any(line.startswith("::error") for line in out.splitlines())


def runner_sees(log: str) -> list[str]:
    """The workflow commands the Actions runner executes in `log`: none between `::stop-commands::T`
    and `::T::` (the runner's rule)."""
    seen: list[str] = []
    paused: str | None = None
    for line in log.splitlines():
        if paused is not None:
            if line == f"::{paused}::":
                paused = None
        elif line.startswith("::stop-commands::"):
            paused = line.removeprefix("::stop-commands::")
        elif line.startswith("::"):
            seen.append(line)
    return seen


def test_posts_warnings_pass_the_deny_by_default_log_of_the_command_line(
    tmp_path: Path, api: FakeGitHubAPI, server: FakeGitHubServer,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """Under Actions `grader` closes the log before any subcommand runs; post's own warnings (the
    fork's read-only token: one per mode) must still reach the runner, and nothing else may."""
    from grader import cli
    from grader.github import commands

    api.read_only = True
    event_path = tmp_path / "event.json"
    event_path.write_text(json.dumps({
        "number": 5,
        "pull_request": {"number": 5, "head": {"sha": "f" * 40, "repo": {"full_name": "mallory/calc-alice"}}},
    }))  # fmt: skip
    env = {
        "GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "classroom/calc-alice", "GITHUB_SHA": SHA,
        "GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(event_path), "GITHUB_API_URL": server.url,
        "GITHUB_TOKEN": TOKEN, "GITHUB_WORKSPACE": str(tmp_path),
    }  # fmt: skip
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(commands, "ACTIONS_LOG", None)
    report = write_report(tmp_path, failing_report(1))
    assert cli.main(["post", "--report", str(report), "--mode", "check-run,status,comment"]) == 0
    log = capsys.readouterr().out
    assert log.startswith("::stop-commands::")
    seen = runner_sees(log)
    assert len(seen) == 3 and all(s.startswith("::warning title=Grader result not posted::") for s in seen)
    assert all("Pull requests from forks get a read-only token" in s for s in seen)
