"""The GitHub context read once from the environment (grader.github.settings)."""

from __future__ import annotations

import json
from pathlib import Path

from grader.github.settings import DEFAULT_API_URL, GitHubSettings, settings_from_env


def test_settings_of_an_actions_job(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"repository": {"pushed_at": 1}}))
    settings = settings_from_env({
        "GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "org/repo", "GITHUB_SHA": "s" * 40,
        "GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": str(event), "GITHUB_API_URL": "https://ghe/api/v3/",
        "GITHUB_SERVER_URL": "https://ghe/", "GITHUB_RUN_ID": "7", "GITHUB_WORKSPACE": str(tmp_path),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "s"), "GITHUB_OUTPUT": str(tmp_path / "o"), "GH_TOKEN": " ghp_s3cret ",
    })  # fmt: skip
    assert settings == GitHubSettings(
        in_actions=True, repository="org/repo", sha="s" * 40, event_name="push",
        event={"repository": {"pushed_at": 1}}, api_url="https://ghe/api/v3", server_url="https://ghe",
        run_id="7", workspace=tmp_path, step_summary=tmp_path / "s", output=tmp_path / "o", token="ghp_s3cret",
    )  # fmt: skip
    assert "ghp_s3cret" not in repr(settings), "the token stays out of reprs (and tracebacks)"


def test_settings_outside_actions_are_empty() -> None:
    settings = settings_from_env({"GITHUB_ACTIONS": "false", "GITHUB_EVENT_PATH": "/nonexistent.json"})
    assert settings == GitHubSettings(in_actions=False, event={})
    assert settings.api_url == DEFAULT_API_URL and settings.token is None and settings.workspace is None


def test_an_unreadable_event_is_an_empty_one(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text("[1, 2]")
    assert settings_from_env({"GITHUB_EVENT_PATH": str(event)}).event == {}
