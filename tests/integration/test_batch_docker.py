"""`grader batch` against the real Docker engine: a small class, a re-run, and Ctrl-C."""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import LABEL, RUNNER_IMAGE, write_tree

pytestmark = pytest.mark.docker

TESTS = {
    "test_calc.py": """
        from calc import add, slow

        def test_add():
            assert add(1, 2) == 3

        def test_add_negative():
            assert add(-1, -2) == -3

        def test_slow():
            assert slow() == 1
    """
}
CORRECT = "def add(a, b):\n    return a + b\n\ndef slow():\n    return 1\n"


def start(*args: str) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-m", "grader", "batch", "--image", RUNNER_IMAGE, *args]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def batch(client, *args: str, timeout: float = 240) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    """Run `grader batch`; return its exit code and stderr, after checking it left no container."""
    proc = start(*args)
    try:
        _, stderr = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert owned_by(client, proc.pid) == [], "the batch left a sandbox container behind"
    return proc.returncode, stderr


def owned_by(client, pid: int) -> list[str]:  # type: ignore[no-untyped-def]
    """Containers the sandbox labelled as created by process `pid` (other graders may run meanwhile)."""
    return [c.name for c in client.containers.list(all=True, filters={"label": f"{LABEL}.pid={pid}"})]


def rows(out: Path) -> dict[str, dict[str, str]]:
    with (out / "gradebook.csv").open(encoding="utf-8") as fh:
        return {r["submission"]: r for r in csv.DictReader(fh)}


def test_a_class_is_graded_concurrently_and_regraded_only_when_changed(
    tmp_path: Path,
    docker_client,
    no_leftovers,  # type: ignore[no-untyped-def]
) -> None:
    tests = write_tree(tmp_path / "tests", TESTS)
    subs = tmp_path / "subs"
    write_tree(subs / "correct", {"calc.py": CORRECT})
    write_tree(subs / "partial", {"calc.py": CORRECT.replace("a + b", "abs(a) + abs(b)")})
    write_tree(subs / "broken", {"calc.py": "def add(a, b)\n    return a + b\n"})
    write_tree(subs / "looping", {"calc.py": CORRECT.replace("return 1", "while True:\n        pass")})
    config = tmp_path / "grading.yml"
    config.write_text("tests: tests\ntimeout: 30\ntest-timeout: 2\n", encoding="utf-8")
    out = tmp_path / "out"

    code, stderr = batch(docker_client, str(subs), "--config", str(config), "--out", str(out), "--jobs", "2")
    assert code == 0, stderr
    table = rows(out)
    assert sorted(table) == ["broken", "correct", "looping", "partial"]
    assert (table["correct"]["status"], table["correct"]["final"]) == ("pass", "3")
    assert (table["partial"]["final"], table["partial"]["test_calc.py::test_add_negative"]) == ("2", "0")
    assert table["broken"]["final"] == "0"
    assert (table["looping"]["final"], table["looping"]["test_calc.py::test_slow"]) == ("2", "0")
    for name in table:
        assert (out / "reports" / name / "report.json").is_file()
        assert json.loads((out / "reports" / name / "meta.json").read_text(encoding="utf-8"))["content_hash"]
    assert (out / "gradebook.md").is_file() and (out / "histogram.png").is_file()
    assert tests.is_dir()

    stamps = {n: (out / "reports" / n / "meta.json").read_text(encoding="utf-8") for n in table}
    (subs / "partial" / "calc.py").write_text(CORRECT, encoding="utf-8")
    code, stderr = batch(docker_client, str(subs), "--config", str(config), "--out", str(out), "--jobs", "2")
    assert code == 0, stderr
    assert "Graded 1, reused 3" in stderr
    assert rows(out)["partial"]["final"] == "3"
    for name in ("correct", "broken", "looping"):
        assert (out / "reports" / name / "meta.json").read_text(encoding="utf-8") == stamps[name]


def test_ctrl_c_stops_the_batch_and_leaves_no_container(
    tmp_path: Path,
    docker_client,
    no_leftovers,  # type: ignore[no-untyped-def]
) -> None:
    write_tree(
        tmp_path / "tests",
        {
            "test_sleep.py": """
                from calc import wait

                def test_wait():
                    assert wait() == 1
            """
        },
    )
    subs = tmp_path / "subs"
    for i in range(6):
        write_tree(subs / f"s{i}", {"calc.py": "import time\n\ndef wait():\n    time.sleep(120)\n"})
    config = tmp_path / "grading.yml"
    config.write_text("tests: tests\ntimeout: 120\ntest-timeout: 110\n", encoding="utf-8")
    out = tmp_path / "out"
    proc = start(str(subs), "--config", str(config), "--out", str(out), "--jobs", "2")
    try:
        deadline = time.monotonic() + 90
        while len(_running(docker_client, proc.pid)) < 2:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the batch never started two sandboxes"
            time.sleep(0.2)
        time.sleep(1)  # inside the tests' sleep by now
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, stderr
    assert "Removed 2 container(s)" in stderr, stderr
    assert owned_by(docker_client, proc.pid) == []
    assert list(out.glob("reports/*/report.json")) == []  # interrupted runs are never stored as grades
    assert "Stopped: 6 submission(s) not graded." in stderr


def _running(client, pid: int) -> list[str]:  # type: ignore[no-untyped-def]
    filters = {"label": f"{LABEL}.pid={pid}", "status": "running"}
    return [c.id for c in client.containers.list(filters=filters)]
