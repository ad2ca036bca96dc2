"""`grader post` in Spanish against the fake GitHub API: the language comes from the config the action
passes (`--config`), or from `--language`; what reaches GitHub is Spanish, requests still valid."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

from grader.cli import post as post_cmd
from tests.e2e.fake_github import FakeGitHubAPI, FakeGitHubServer
from tests.unit.test_post_api import SHA, TOKEN, api, failing_report, server, workspace, write_report

__all__ = ["api", "server", "workspace"]  # fixtures used below


def post_with(tmp_path: Path, api_url: str, workspace: Path, *options: str) -> tuple[int, str]:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"after": SHA}))
    env = {
        "GITHUB_REPOSITORY": "classroom/calc-alice", "GITHUB_SHA": SHA, "GITHUB_EVENT_NAME": "push",
        "GITHUB_EVENT_PATH": str(event), "GITHUB_API_URL": api_url, "GITHUB_TOKEN": TOKEN,
        "GITHUB_SERVER_URL": "https://github.com", "GITHUB_RUN_ID": "77", "GITHUB_WORKSPACE": str(workspace),
    }  # fmt: skip
    parser = argparse.ArgumentParser()
    post_cmd.configure_parser(parser)
    report = write_report(tmp_path, failing_report(2))
    args = parser.parse_args(["--report", str(report), "--mode", "check-run,status", *options])
    out = io.StringIO()
    return post_cmd.run(args, env=env, stream=out), out.getvalue()


def test_spanish_check_run_and_status_from_the_configs_language(
    tmp_path: Path, api: FakeGitHubAPI, server: FakeGitHubServer, workspace: Path
) -> None:
    config = tmp_path / "grading.yml"
    config.write_text("tests: .\nlanguage: es\n")
    code, out = post_with(tmp_path, server.url, workspace, "--config", str(config))
    assert code == 0 and "::warning" not in out
    (create,) = api.served("checks/create")
    output = create.body["output"]
    assert output["title"] == "Puntuación 2/4 · 1/3 pruebas superadas"
    assert output["summary"].startswith("## Corrección automática: 2 / 4")
    assert {a["title"] for a in output["annotations"]} == {
        "test_calc.py::test_fib[0]: fallida", "test_calc.py::test_fib[1]: fallida"
    }
    (status,) = api.served("repos/create-commit-status")
    assert status.body["description"] == "Puntuación 2/4, 1/3 pruebas superadas"


def test_language_option_wins_and_an_unknown_one_is_a_usage_error(
    tmp_path: Path, api: FakeGitHubAPI, server: FakeGitHubServer, workspace: Path
) -> None:
    config = tmp_path / "grading.yml"
    config.write_text("tests: .\nlanguage: es\n")
    code, _ = post_with(tmp_path, server.url, workspace, "--config", str(config), "--language", "en")
    assert code == 0
    (create,) = api.served("checks/create")
    assert create.body["output"]["title"] == "Score 2/4 · 1/3 tests passed"
    code, _ = post_with(tmp_path, server.url, workspace, "--language", "xx")
    assert code == 2
    assert len(api.served("checks/create")) == 1  # nothing more was posted
    code, out = post_with(tmp_path, server.url, workspace, "--config", str(tmp_path / "missing.yml"))
    assert code == 0 and "::warning title=Grader language not read::Posting in English" in out
    assert api.served("checks/create")[-1].body["output"]["title"] == "Score 2/4 · 1/3 tests passed"
