"""`grader post`, the pure parts: what is sent (titles, annotations, batches, bodies) and from which context."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from githubkit.exception import PrimaryRateLimitExceeded, RequestError, RequestFailed, SecondaryRateLimitExceeded
from githubkit.response import Response

from grader.github import payloads as post
from grader.github.annotations import select_annotations
from grader.github.client import RetryPolicy
from grader.github.settings import ContextError, GitHubContext, post_context, read_token, settings_from_env
from grader.models import Finding, Report, RunStatus, Status, TestScore
from grader.paths import RepoLayout

ASTRAL = re.compile(r"[\U00010000-\U0010ffff]")


def t(name: str, status: Status, **kw: object) -> TestScore:
    defaults: dict[str, object] = {"score": 1.0 if status is Status.PASSED else 0.0, "max_score": 1.0}
    return TestScore(name=name, status=status, **{**defaults, **kw})  # type: ignore[arg-type]


def report(*tests: TestScore, status: RunStatus = RunStatus.FAIL, **kw: object) -> Report:
    score = sum(x.score for x in tests)
    maximum = sum(x.max_score for x in tests)
    return Report(score=score, max_score=maximum, status=status, tests=tests, **kw)  # type: ignore[arg-type]


# -- modes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "modes"),
    [
        ("check-run", ("check-run",)),
        ("check-run,status,comment", ("check-run", "status", "comment")),
        ("comment, check-run", ("comment", "check-run")),
        ("status,status", ("status",)),
        ("none", ()),
        ("", ()),
    ],
)
def test_parse_modes(text: str, modes: tuple[str, ...]) -> None:
    assert post.parse_modes(text) == modes


def test_parse_modes_rejects_unknown() -> None:
    with pytest.raises(ValueError, match="unknown post mode 'checks'"):
        post.parse_modes("checks")


# -- titles and descriptions -----------------------------------------------------------------------


def test_check_title_has_score_and_counts() -> None:
    r = report(t("a", Status.PASSED, score=2.5, max_score=2.5), t("b", Status.FAILED, max_score=7.5))
    assert post.check_title(r) == "Score 2.5/10 · 1/2 tests passed"


def test_check_title_of_an_error_names_the_reason_bounded_and_bmp_only() -> None:
    r = report(t("a", Status.NOT_RUN), status=RunStatus.ERROR, error="SyntaxError in calc.py 😀 " + "x" * 500)
    title = post.check_title(r)
    assert title.startswith("Score 0/1 · grading error: SyntaxError in calc.py")
    assert len(title) <= 255
    assert not ASTRAL.search(title)


def test_status_description_fits_140_characters() -> None:
    r = report(t("a", Status.NOT_RUN), status=RunStatus.ERROR, error="timed out " * 40)
    description = post.status_description(r)
    assert description.startswith("Score 0/1, grading error: timed out")
    assert len(description) <= 140
    ok = post.status_description(report(t("a", Status.PASSED)))
    assert ok == "Score 1/1, 1/1 tests passed"


def test_fit_bytes_cuts_by_utf8_size_and_says_so() -> None:
    text = "é" * 100_000  # 2 bytes each
    fitted = post.fit_bytes(text, 65_535)
    assert len(fitted.encode()) <= 65_535
    assert len(fitted.encode()) > 65_000, "the budget is used, not wasted"
    assert "more characters not shown" in fitted
    assert post.fit_bytes("short", 10) == "short"


# -- annotations ---------------------------------------------------------------------------------


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "calc.py").write_text("x = 1\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_calc.py").write_text("def test(): pass\n")
    return tmp_path


def check_run_notes(r: Report, *, submission: str, workspace: Path, tests: str | None = None) -> list[dict]:
    """What `grader post` sends: the one selection policy rendered for the check runs API."""
    layout = RepoLayout(workspace, submission, tests)
    return post.check_run_annotations(select_annotations(r, layout.locate))


def test_build_annotations_one_failure_per_failed_or_erroring_test_with_a_place(workspace: Path) -> None:
    r = report(
        t("test_calc.py::test_ok", Status.PASSED, file="calc.py", line=3),
        t("test_calc.py::test_fib", Status.FAILED, file="calc.py", line=7, message="assert 1 == 2",
          details="Traceback...\ncalc.py:7: AssertionError", title="fib works"),
        t("test_calc.py::test_boom", Status.ERROR, file="test_calc.py", line=0, message="ZeroDivisionError"),
        t("test_calc.py::test_skip", Status.SKIPPED, file="calc.py", line=1),
        t("test_calc.py::test_late", Status.NOT_RUN, file="calc.py", line=1),
        t("test_calc.py::test_nowhere", Status.FAILED, message="no file"),
        integrity=(Finding("framework-import", "imports pytest", path="calc.py"), Finding("early-exit", "x")),
    )  # fmt: skip
    notes = check_run_notes(r, submission="src", tests="tests", workspace=workspace)
    assert [(n["path"], n["start_line"], n["annotation_level"]) for n in notes] == [
        ("src/calc.py", 7, "failure"),
        ("tests/test_calc.py", 1, "failure"),  # line 0 (unknown) becomes 1: lines start at 1
        ("src/calc.py", 1, "warning"),
    ]
    fib, boom, finding = notes
    assert fib["title"] == "fib works failed"
    assert fib["message"] == "assert 1 == 2, at calc.py:7"  # the sentence: what happened, where
    assert fib["raw_details"].endswith("AssertionError")
    assert boom["title"] == "test_calc.py::test_boom raised an error"
    assert "raw_details" not in boom
    assert finding["title"] == "Integrity check: framework-import"
    assert all(n["end_line"] == n["start_line"] for n in notes)


def test_hidden_tests_get_no_annotation(workspace: Path) -> None:
    r = report(
        t("test_secret.py::test_answer_is_42", Status.FAILED, file="calc.py", line=2, hidden=True,
          message="assert f() == 42", details="secret traceback", title="the secret test"),
        t("test_calc.py::test_visible", Status.FAILED, file="calc.py", line=3, message="visible"),
    )  # fmt: skip
    notes = check_run_notes(r, submission="src", workspace=workspace)
    assert [n["message"] for n in notes] == ["visible, at calc.py:3"]
    assert "secret" not in json.dumps(notes) and "42" not in json.dumps(notes)


def test_annotation_fields_respect_githubs_limits(workspace: Path) -> None:
    r = report(
        t("x" * 400, Status.FAILED, file="calc.py", line=1, message="😀" + "m" * 100_000, details="d" * 200_000),
    )
    (note,) = check_run_notes(r, submission="src", workspace=workspace)
    assert len(note["title"]) <= 255
    assert len(note["message"].encode()) <= 64 * 1024
    assert len(note["raw_details"].encode()) <= 64 * 1024
    assert not ASTRAL.search(json.dumps(note, ensure_ascii=False))
    assert note["message"].startswith("\\U0001f600"), "characters above U+FFFF are escaped, not dropped"


# -- check run plan ------------------------------------------------------------------------------


def notes(n: int) -> list[dict[str, object]]:
    return [
        {"path": "a.py", "start_line": i + 1, "end_line": i + 1, "annotation_level": "failure", "message": "m"}
        for i in range(n)
    ]


@pytest.mark.parametrize(("count", "batches"), [(0, []), (1, [1]), (50, [50]), (51, [50, 1]), (120, [50, 50, 20])])
def test_plan_check_run_batches_annotations_by_50(count: int, batches: list[int]) -> None:
    r = report(t("a", Status.FAILED))
    plan = post.plan_check_run(r, name="Autograding", head_sha="abc", annotations=notes(count), summary="S")
    sizes = [len(plan.create["output"].get("annotations", []))] + [
        len(u["output"]["annotations"]) for u in plan.updates
    ]
    assert [s for s in sizes if s] == batches
    assert plan.total_annotations == count
    for update in plan.updates:
        assert update["output"]["summary"] == "S" and update["output"]["title"] == plan.create["output"]["title"]
    assert plan.create["head_sha"] == "abc" and plan.create["status"] == "completed"


def test_plan_check_run_caps_the_number_of_annotations() -> None:
    plan = post.plan_check_run(
        report(t("a", Status.FAILED)), name="n", head_sha="s", annotations=notes(post.MAX_ANNOTATIONS + 7), summary=""
    )
    assert plan.total_annotations == post.MAX_ANNOTATIONS
    assert plan.dropped_annotations == 7


@pytest.mark.parametrize(
    ("status", "conclusion"),
    [(RunStatus.PASS, "success"), (RunStatus.FAIL, "failure"), (RunStatus.ERROR, "neutral")],
)
def test_conclusion_follows_the_run_status(status: RunStatus, conclusion: str) -> None:
    plan = post.plan_check_run(report(t("a", Status.PASSED), status=status), name="n", head_sha="s",
                               annotations=[], summary="")  # fmt: skip
    assert plan.create["conclusion"] == conclusion


def test_summary_fits_the_limit_and_has_no_astral_characters() -> None:
    many = tuple(
        t(f"test_x.py::test_{i}[😀]", Status.FAILED, message="😀" * 50, details="trace 😀\n" * 200, file="x.py", line=1)
        for i in range(400)
    )
    text = post.summary_markdown(report(*many))
    assert len(text) <= post.SUMMARY_MAX_CHARS
    assert len(text.encode("utf-16-le")) // 2 <= post.SUMMARY_MAX_CHARS
    assert not ASTRAL.search(text)
    assert "0 / 400" in text or "0/400" in text


# -- comments ------------------------------------------------------------------------------------


def test_comment_marker_cannot_be_closed_by_the_check_name() -> None:
    marker = post.comment_marker("Grade --> <script>")
    assert marker.startswith("<!-- ") and marker.endswith(" -->")
    assert marker.count("-->") == 1


def test_comment_body_starts_with_the_marker_and_fits() -> None:
    r = report(*(t(f"t{i}", Status.FAILED, details="x" * 5000) for i in range(100)))
    body = post.comment_body(r, check_name="Autograding", sha="0123456789abcdef", run_url="https://x/runs/1")
    assert body.startswith(post.comment_marker("Autograding") + "\n")
    assert len(body) <= post.COMMENT_MAX_CHARS
    assert "`0123456789ab`" in body and "(https://x/runs/1)" in body


# -- context -------------------------------------------------------------------------------------


def env_for(tmp_path: Path, event_name: str, event: dict[str, object], **extra: str) -> dict[str, str]:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    return {
        "GITHUB_REPOSITORY": "org/repo",
        "GITHUB_SHA": "merge" * 8,
        "GITHUB_EVENT_NAME": event_name,
        "GITHUB_EVENT_PATH": str(path),
        **extra,
    }


def context_of(env: dict[str, str]) -> GitHubContext:
    return post_context(settings_from_env(env))


def test_context_of_a_push(tmp_path: Path) -> None:
    ctx = context_of(
        env_for(tmp_path, "push", {"after": "x"}, GITHUB_SERVER_URL="https://github.com", GITHUB_RUN_ID="42")
    )
    assert (ctx.owner, ctx.repo, ctx.sha, ctx.pr_number, ctx.fork) == ("org", "repo", "merge" * 8, None, False)
    assert ctx.api_url == "https://api.github.com"
    assert ctx.run_url == "https://github.com/org/repo/actions/runs/42"


def test_context_of_a_pull_request_uses_the_head_commit_and_knows_forks(tmp_path: Path) -> None:
    event = {
        "number": 7,
        "pull_request": {"number": 7, "head": {"sha": "head" * 10, "repo": {"full_name": "mallory/repo"}}},
    }
    ctx = context_of(env_for(tmp_path, "pull_request", event, GITHUB_API_URL="https://ghe.local/api/v3"))
    assert (ctx.sha, ctx.pr_number, ctx.fork) == ("head" * 10, 7, True)
    assert ctx.api_url == "https://ghe.local/api/v3"
    same_repo = {"pull_request": {"number": 8, "head": {"sha": "h" * 40, "repo": {"full_name": "org/repo"}}}}
    assert context_of(env_for(tmp_path, "pull_request_target", same_repo)).fork is False


@pytest.mark.parametrize("repository", ["", "noslash", "a/b/c", "/repo"])
def test_context_needs_a_repository(tmp_path: Path, repository: str) -> None:
    with pytest.raises(ContextError):
        context_of(env_for(tmp_path, "push", {}, GITHUB_REPOSITORY=repository))


def test_context_survives_an_unreadable_event(tmp_path: Path) -> None:
    env = env_for(tmp_path, "pull_request", {})
    Path(env["GITHUB_EVENT_PATH"]).write_text("{not json")
    assert context_of(env).sha == "merge" * 8


def test_read_token_order() -> None:
    assert read_token({"GRADER_GITHUB_TOKEN": "g", "GITHUB_TOKEN": "a", "GH_TOKEN": "b"}) == "g"
    assert read_token({"GITHUB_TOKEN": "a", "GH_TOKEN": "b"}) == "a"
    assert read_token({"GITHUB_TOKEN": "  ", "GH_TOKEN": "b"}) == "b"
    assert read_token({}) is None


# -- retry policy --------------------------------------------------------------------------------


def failed(status: int, headers: dict[str, str] | None = None, body: object = None) -> Response[object]:
    request = httpx.Request("POST", "https://api.github.com/repos/o/r/check-runs")
    raw = httpx.Response(status, headers=headers or {}, json=body or {"message": "x"}, request=request)
    return Response(raw, object)


def test_retry_policy_backs_off_on_server_errors_three_times() -> None:
    policy = RetryPolicy(backoff_s=0.5)
    exc = RequestFailed(failed(502))
    assert [policy(exc, n) for n in range(4)] == [
        (True, timedelta(seconds=0.5)),
        (True, timedelta(seconds=1)),
        (True, timedelta(seconds=2)),
        (False, None),
    ]


def test_retry_policy_does_not_retry_client_errors() -> None:
    policy = RetryPolicy()
    for status in (401, 403, 404, 422):
        assert policy(RequestFailed(failed(status)), 0).do_retry is False


def test_retry_policy_honours_retry_after_of_secondary_limits_within_reason() -> None:
    policy = RetryPolicy(max_wait_s=90)
    soon = SecondaryRateLimitExceeded(failed(403), timedelta(seconds=3))
    assert policy(soon, 0) == (True, timedelta(seconds=3))
    assert policy(soon, 1) == (True, timedelta(seconds=3))
    assert policy(soon, 2).do_retry is False
    later = SecondaryRateLimitExceeded(failed(429), timedelta(minutes=10))
    assert policy(later, 0).do_retry is False, "not worth holding the job for ten minutes"
    now = SecondaryRateLimitExceeded(failed(429), timedelta(0))
    assert policy(now, 0).retry_after > timedelta(0), "githubkit would sleep 60 s on a zero timedelta"


def test_retry_policy_retries_a_primary_limit_once() -> None:
    policy = RetryPolicy()
    exc = PrimaryRateLimitExceeded(failed(403), timedelta(seconds=20))
    assert policy(exc, 0) == (True, timedelta(seconds=20))
    assert policy(exc, 1).do_retry is False


def test_retry_policy_retries_network_errors() -> None:
    exc = RequestError(httpx.ConnectError("refused"))
    assert RetryPolicy(backoff_s=1)(exc, 0) == (True, timedelta(seconds=1))
    assert RetryPolicy()(exc, 3).do_retry is False
