"""action.yml's runner image in the background: started by "Start loading the runner image" (a load or a
pull) or by Install (a build), waited for by "Load, build or pull the runner image", which prints its
output and fails as it failed; a failing Install stops it. The steps' own scripts run here with bash and
a stand-in `docker`; tests/e2e runs them for real under act."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
STEPS: list[dict[str, Any]] = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))["runs"]["steps"]
START = next(s["run"] for s in STEPS if s["name"] == "Start loading the runner image")
WAIT = next(s["run"] for s in STEPS if s.get("id") == "image")
INSTALL = next(s["run"] for s in STEPS if s.get("id") == "install")

# `docker image inspect` finds nothing; `docker load` and `docker pull` take a moment, say so, and exit
# with $FAKE_STATUS.
FAKE_DOCKER = """#!/bin/bash
case "$1" in
  image) exit 1 ;;
  load|pull) sleep "${FAKE_SECONDS:-0.3}"; echo "docker $1 done"; exit "${FAKE_STATUS:-0}" ;;
esac
exit 99
"""


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "docker").write_text(FAKE_DOCKER)
    (bin_dir / "docker").chmod(0o755)
    tarball = tmp_path / "runner-image.tar"
    tarball.write_bytes(b"image")
    return {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "IMAGE": "pytest-grader-runner:0123456789abcdef",
        "JOB": str(tmp_path / "image-job"),
        "TARBALL": str(tarball),
        "BUILD": "true",
        "CACHE_HIT": "true",
        "GITHUB_OUTPUT": str(tmp_path / "github-output"),
    }


def bash(script: str, env: dict[str, str], **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", script], env={**env, **extra}, capture_output=True, text=True, timeout=30, check=False
    )


def test_the_load_runs_in_the_background_and_the_image_step_waits_for_it(env: dict[str, str]) -> None:
    began = time.monotonic()
    started = bash(START, env, FAKE_SECONDS="1")
    assert started.returncode == 0, started.stderr
    assert time.monotonic() - began < 0.8, "the start step must not wait for the load"
    waited = bash(WAIT, env)
    assert time.monotonic() - began >= 1, "the image step returned before the load ended"
    assert waited.returncode == 0, waited.stdout + waited.stderr
    assert waited.stdout.splitlines() == [
        f"Loading the runner image {env['IMAGE']} from the cache.",
        "docker load done",
    ]
    assert not Path(env["GITHUB_OUTPUT"]).exists()  # no ID, no save: only a build is cached


def test_a_failed_load_fails_the_image_step_with_its_output(env: dict[str, str]) -> None:
    assert bash(START, env, FAKE_STATUS="3", FAKE_SECONDS="0").returncode == 0
    waited = bash(WAIT, env)
    assert waited.returncode == 1
    assert "docker load done" in waited.stdout
    assert "::error title=No runner image::the runner image's load failed (exit status 3)" in waited.stdout


def test_a_prebuilt_image_is_pulled_in_the_background(env: dict[str, str]) -> None:
    assert bash(START, env, BUILD="false").returncode == 0
    waited = bash(WAIT, env)
    assert (
        waited.returncode == 0 and "Pulling the runner image" in waited.stdout and "docker pull done" in waited.stdout
    )


def test_nothing_started_is_an_error_not_a_wait(env: dict[str, str]) -> None:
    assert bash(START, env, CACHE_HIT="false").returncode == 0  # a build: Install starts it
    waited = bash(WAIT, env)
    assert waited.returncode == 1 and "was neither found nor started" in waited.stdout


def test_a_job_killed_before_its_status_fails_the_image_step(env: dict[str, str]) -> None:
    assert bash(START, env, FAKE_SECONDS="30").returncode == 0
    pid = int(Path(env["JOB"], "pid").read_text())
    os.killpg(pid, signal.SIGKILL)
    waited = bash(WAIT, env)
    assert waited.returncode == 1 and "(exit status killed)" in waited.stdout


def function(script: str, name: str) -> str:
    """A shell function's definition from a step's script (from `name() {` to its closing brace)."""
    lines = script.splitlines()
    first = lines.index(f"{name}() {{")
    return "\n".join(lines[first : lines.index("}", first) + 1])


def living(group: int) -> list[int]:
    """The processes of a process group that are not zombies (an orphan's zombie waits for init)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[2]) == group and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def test_a_failing_install_stops_the_background_job(env: dict[str, str]) -> None:
    (trap,) = [line for line in INSTALL.splitlines() if line.startswith("trap ")]
    script = "\n".join(["set -euo pipefail", trap, function(INSTALL, "start"), "start build sleep 30", "false"])
    Path(env["JOB"]).mkdir()
    done = bash(script, env)
    assert done.returncode == 1
    pid = int(Path(env["JOB"], "pid").read_text())
    deadline = time.monotonic() + 5
    while living(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert living(pid) == [], "the background job's process group outlived the failed install"
    # A successful Install leaves it running for the image step.
    (Path(env["JOB"]) / "kind").unlink()
    script = "\n".join(["set -euo pipefail", trap, function(INSTALL, "start"), "start build sleep 0.5"])
    assert bash(script, env).returncode == 0
    assert bash(WAIT, env).returncode == 0


def test_the_two_steps_start_the_job_the_same_way() -> None:
    assert function(START, "start") == function(INSTALL, "start")
