"""`grader run` removes the sandboxes a crashed grader left behind, while its own sandbox runs (issue #15:
off the critical path), and never another live grader's."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader.sandbox import CONTAINER_LABEL
from tests.conftest import RUNNER_IMAGE

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "assignment"


def labelled(docker_client, pid: int):  # type: ignore[no-untyped-def]
    return docker_client.containers.create(
        RUNNER_IMAGE, command=["true"], labels={CONTAINER_LABEL: "sandbox", f"{CONTAINER_LABEL}.pid": str(pid)}
    )


def test_grader_run_removes_the_sandboxes_of_dead_graders_only(tmp_path: Path, docker_client) -> None:  # type: ignore[no-untyped-def]
    gone = subprocess.Popen(["true"])
    gone.wait()  # a grader process that no longer exists
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])  # one that still runs
    orphan, other = labelled(docker_client, gone.pid), labelled(docker_client, alive.pid)
    try:
        env = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
        proc = subprocess.run(
            [sys.executable, "-m", "grader", "run", str(EXAMPLE / "solution"), "--config", str(EXAMPLE / "grading.yml"),
             "--image", RUNNER_IMAGE, "--quiet"],
            capture_output=True, text=True, env=env, cwd=ROOT, timeout=120,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        ids = {c.id for c in docker_client.containers.list(all=True, filters={"label": CONTAINER_LABEL})}
        assert orphan.id not in ids
        assert other.id in ids
    finally:
        alive.kill()
        alive.wait()
        for container in (orphan, other):
            with contextlib.suppress(Exception):  # already removed by the grader
                container.remove(force=True)
