"""The fake GitHub API must refuse what GitHub refuses, or the tests that rely on it prove nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.fake_github import FakeGitHubAPI, FakeGitHubServer

HEADERS = {"Authorization": "token t", "X-GitHub-Api-Version": "2022-11-28"}


@pytest.fixture
def fake() -> Iterator[tuple[FakeGitHubAPI, httpx.Client]]:
    api = FakeGitHubAPI(token="t")
    with FakeGitHubServer(api) as server, httpx.Client(base_url=server.url, headers=HEADERS) as client:
        yield api, client


def check_run(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Autograding",
        "head_sha": "a" * 40,
        "status": "completed",
        "conclusion": "success",
        "output": {"title": "Score 1/1", "summary": "ok"},
    }
    body.update(overrides)
    return body


def note(**overrides: Any) -> dict[str, Any]:
    return {"path": "a.py", "start_line": 1, "end_line": 1, "annotation_level": "failure", "message": "m", **overrides}


def test_a_valid_check_run_is_created_and_extended(fake: tuple[FakeGitHubAPI, httpx.Client]) -> None:
    api, client = fake
    created = client.post(
        "/repos/o/r/check-runs", json=check_run(output={"title": "t", "summary": "s", "annotations": [note()]})
    )
    assert created.status_code == 201
    run_id = created.json()["id"]
    updated = client.patch(
        f"/repos/o/r/check-runs/{run_id}", json={"output": {"summary": "s", "annotations": [note()]}}
    )
    assert updated.status_code == 200 and updated.json()["output"]["annotations_count"] == 2
    assert api.problems == []


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (check_run(conclusion=None), "body['conclusion']"),
        ({k: v for k, v in check_run().items() if k != "head_sha"}, "'head_sha' is a required property"),
        (check_run(status="completed", conclusion="great"), "'great' is not one of"),
        (check_run(output={"title": "t", "summary": "s", "annotations": [note()] * 51}), "is too long"),
        (check_run(output={"title": "t", "summary": "x" * 65_536}), "is too long"),
        (check_run(output={"title": "t", "summary": "s", "annotations": [note(annotation_level="error")]}),
         "'error' is not one of"),
        (check_run(output={"title": "t", "summary": "s", "annotations": [note(title="t" * 256)]}),
         "title longer than 255"),
        (check_run(output={"title": "t", "summary": "s", "annotations": [note(message="é" * 40_000)]}),
         "message larger than 64 KB"),
        (check_run(output={"title": "t", "summary": "s", "annotations": [note(start_line=0)]}), "lines 0-1"),
        (check_run(output={"title": "😀", "summary": "s"}), "above U+FFFF"),
    ],
)  # fmt: skip
def test_invalid_check_runs_are_refused(fake: tuple[FakeGitHubAPI, httpx.Client], body: dict[str, Any],
                                        problem: str) -> None:  # fmt: skip
    api, client = fake
    response = client.post("/repos/o/r/check-runs", json=body)
    assert response.status_code == 422
    assert any(problem in p for p in api.problems), api.problems
    assert api.check_runs == {}


def test_requests_outside_the_known_operations_are_problems(fake: tuple[FakeGitHubAPI, httpx.Client]) -> None:
    api, client = fake
    assert client.delete("/repos/o/r/check-runs/1").status_code == 404
    assert client.get("/repos/o/r/pulls", params={"state": "merged"}).status_code == 422
    assert client.get("/repos/o/r/pulls", params={"color": "red"}).status_code == 422
    assert (
        client.post("/repos/o/r/statuses/abc", json={"state": "success", "description": "d" * 141}).status_code == 422
    )
    assert client.post("/repos/o/r/statuses/abc", json={"state": "ok"}).status_code == 422
    assert client.post("/repos/o/r/issues/1/comments", json={"text": "no body"}).status_code == 422
    old = client.post(
        "/repos/o/r/statuses/abc", json={"state": "success"}, headers={"X-GitHub-Api-Version": "2026-03-10"}
    )
    assert old.status_code == 422
    problems = "\n".join(api.problems)
    for expected in ("no operation", "'merged' is not one of", "unknown query parameter 'color'",
                     "longer than 140", "'ok' is not one of", "'body' is a required property",
                     "X-GitHub-Api-Version is '2026-03-10'"):  # fmt: skip
        assert expected in problems


def test_token_and_read_only_mode(fake: tuple[FakeGitHubAPI, httpx.Client]) -> None:
    api, client = fake
    assert (
        client.post("/repos/o/r/check-runs", json=check_run(), headers={"Authorization": "token x"}).status_code == 401
    )
    api.read_only = True
    refused = client.post("/repos/o/r/check-runs", json=check_run())
    assert refused.status_code == 403 and refused.json()["message"] == "Resource not accessible by integration"
    assert client.get("/repos/o/r/pulls").status_code == 200
    assert api.problems == []


def test_classroom_answers_are_checked_against_the_response_schema(fake: tuple[FakeGitHubAPI, httpx.Client]) -> None:
    api, client = fake
    good = api.accepted_assignment(42, "org/hw1-a", ["a"], commit_count=1, grade="1/1")
    api.add_classroom_assignment(42, [], [good])
    assert client.get("/assignments/42/accepted_assignments", params={"per_page": 100}).status_code == 200
    assert api.problems == []
    api.add_classroom_assignment(43, [{"github_username": "a"}], [{**good, "commit_count": "five"}])
    client.get("/assignments/43/grades")
    client.get("/assignments/43/accepted_assignments")
    problems = "\n".join(api.problems)
    assert "the fake's answer[0]: 'assignment_name' is a required property" in problems
    assert "the fake's answer[0]['commit_count']: 'five' is not of type 'integer'" in problems
    api.classroom_closed = True
    gone = client.get("/assignments/42/grades")
    assert gone.status_code == 410 and "retired" in gone.json()["message"]
