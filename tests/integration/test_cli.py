"""`grader run` as users call it: exit codes, the JSON contract, Ctrl-C, on the real engine."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.conftest import RUNNER_IMAGE, leftover_containers

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "assignment"


def grader(*args: str, env: dict[str, str] | None = None, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "grader", *args],
        capture_output=True, text=True, env=env or dict(os.environ), cwd=ROOT, timeout=120, **kw,  # type: ignore[arg-type]
    )


def test_grades_the_bundled_example(tmp_path: Path, docker_client) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "report.json"
    summary = tmp_path / "summary.md"
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    proc = grader("run", str(EXAMPLE / "starter"), "--config", str(EXAMPLE / "grading.yml"), "--image", RUNNER_IMAGE,
                  "--json", str(out), "--summary", str(summary), env=env)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(out.read_text())
    assert set(report) >= {"version", "score", "max_score", "status", "tests", "integrity", "sandbox"}
    assert (report["score"], report["max_score"], report["status"]) == (5.0, 10.0, "fail")
    tests = {t["name"]: t for t in report["tests"]}
    assert tests["test_calc.py::test_fib_large"]["message"].startswith("timed out after 5 s")
    assert tests["test_calc.py::test_fib_large"]["file"] == "calc.py"  # where the student's code was stuck
    assert tests["test_calc.py::test_is_prime_false[0]"]["status"] == "failed"
    assert set(report["sandbox"]) == {"exit_code", "timed_out", "oom_killed", "duration_s"}
    assert "5 / 10" in proc.stdout.replace("5.0", "5").replace("10.0", "10") or "5" in proc.stdout
    assert summary.read_text().strip()
    assert leftover_containers(docker_client, None) == []


def test_fail_under(tmp_path: Path) -> None:
    proc = grader("run", str(EXAMPLE / "solution"), "--config", str(EXAMPLE / "grading.yml"), "--image", RUNNER_IMAGE,
                  "--quiet", "--fail-under", "10")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "10 / 10"
    proc = grader("run", str(EXAMPLE / "starter"), "--config", str(EXAMPLE / "grading.yml"), "--image", RUNNER_IMAGE,
                  "--quiet", "--fail-under", "6")
    assert proc.returncode == 1


def test_config_error_exits_2_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    cfg = tmp_path / "grading.yml"
    cfg.write_text("tests: tests\ntest_timeout: 3\n")
    proc = grader("run", str(EXAMPLE / "solution"), "--config", str(cfg))
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert "line 2" in proc.stderr and "test_timeout" in proc.stderr


def test_missing_docker_exits_3_and_says_what_to_do(tmp_path: Path) -> None:
    env = dict(os.environ, DOCKER_HOST=f"unix://{tmp_path}/no-docker.sock")
    proc = grader("run", str(EXAMPLE / "solution"), "--tests", str(EXAMPLE / "tests"), env=env)
    assert proc.returncode == 3
    assert "cannot reach the Docker engine" in proc.stderr and "start it" in proc.stderr


def test_ctrl_c_leaves_no_container_and_no_temporary_files(docker_client) -> None:  # type: ignore[no-untyped-def]
    tmp_root = Path(tempfile.mkdtemp(prefix="grader-sigint-"))
    sub = tmp_root / "sub"
    tests = tmp_root / "tests"
    sub.mkdir()
    tests.mkdir()
    (sub / "slow.py").write_text("import time\n\ndef slow():\n    time.sleep(60)\n")
    (tests / "test_slow.py").write_text("from slow import slow\n\ndef test_slow():\n    slow()\n")
    scratch = tmp_root / "tmp"
    scratch.mkdir()
    env = dict(os.environ, TMPDIR=str(scratch))
    proc = subprocess.Popen(
        [sys.executable, "-m", "grader", "run", str(sub), "--tests", str(tests), "--image", RUNNER_IMAGE],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not leftover_containers(docker_client, proc.pid):
        time.sleep(0.1)
    assert leftover_containers(docker_client, proc.pid), "the sandbox never started"
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert leftover_containers(docker_client, proc.pid) == []
    assert list(scratch.iterdir()) == [], "temporary folders were left behind"


def test_builds_the_runner_image_on_first_use_and_says_so(docker_client) -> None:  # type: ignore[no-untyped-def]
    tag = "pytest-grader-runner:first-use-test"
    with contextlib.suppress(Exception):
        docker_client.images.remove(tag)
    try:
        base = os.environ.get("GRADER_BASE_IMAGE", "python:3.11-slim")
        proc = grader("run", str(EXAMPLE / "solution"), "--config", str(EXAMPLE / "grading.yml"), "--image", tag,
                      "--base-image", base, "--quiet")
        assert proc.returncode == 0, proc.stderr
        assert f"The runner image {tag} is missing: building it" in proc.stderr
        assert proc.stdout.strip() == "10 / 10"
        assert docker_client.images.get(tag).attrs["Config"]["User"] == "1000:1000"
    finally:
        with contextlib.suppress(Exception):
            docker_client.images.remove(tag)
