"""The Docker engine dies during a batch (issue #11, item 6).

Runs against a SEPARATE dockerd started here (its own data root, exec root, pid file and socket under
/tmp; the runner image copied into it with `docker save | docker load`): killing the shared engine
would break everyone else's runs. The engine is killed with SIGKILL four seconds into a 30-submission
`grader batch`; then `grader batch` must stop starting sandboxes, say so in one line, exit 3 and keep
every finished result; after a restart, the next run removes the containers the dead run left behind
(by label: their grader process is gone) and grades the rest, reusing the finished reports.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import LABEL, RUNNER_IMAGE

ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT / "tests" / "adversarial" / "suites" / "calc"
BASE = ROOT / "tests" / "adversarial" / "base" / "calc"
SUBMISSIONS = 30


class Engine:
    """A private dockerd; every process it is stopped through is one this fixture started."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.host = f"unix://{root}/docker.sock"
        self.proc: subprocess.Popen[bytes] | None = None
        # A bridge of its own: started with `--bridge=none`, dockerd deletes the host's `docker0`, which
        # the shared engine needs for every `docker build`. 192.0.2.0/24 is a documentation range that
        # carries no traffic here (the sandboxes have no network).
        self.bridge = f"gef{os.getpid() % 100000}"

    def env(self) -> dict[str, str]:
        return {**os.environ, "DOCKER_HOST": self.host, "GRADER_IMAGE": RUNNER_IMAGE}

    def start(self) -> None:
        log = open(self.root / "dockerd.log", "ab")  # noqa: SIM115 - lives as long as the daemon
        if not Path(f"/sys/class/net/{self.bridge}").exists():  # started again after a crash: it is there
            subprocess.run(["ip", "link", "add", self.bridge, "type", "bridge"], check=True)
            subprocess.run(["ip", "addr", "add", "192.0.2.1/24", "dev", self.bridge], check=True)
            subprocess.run(["ip", "link", "set", self.bridge, "up"], check=True)
        self.proc = subprocess.Popen(
            ["dockerd", "--data-root", str(self.root / "data"), "--exec-root", str(self.root / "exec"),
             "--pidfile", str(self.root / "dockerd.pid"), "-H", self.host, f"--bridge={self.bridge}",
             "--iptables=false", "--ip-masq=false", "--storage-driver=overlay2"],
            stdout=log, stderr=log,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if subprocess.run(["docker", "version"], env=self.env(), capture_output=True).returncode == 0:
                return
            time.sleep(0.5)
        tail = (self.root / "dockerd.log").read_text(errors="replace").splitlines()[-8:]
        raise RuntimeError("the test's dockerd did not start:\n" + "\n".join(tail))

    def _containerd(self) -> list[int]:
        """dockerd's own containerd (started by it, with a config under our exec root)."""
        assert self.proc is not None
        out = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True).stdout
        return [int(p) for p in out.split()]

    def kill(self) -> None:
        """What a crash does: SIGKILL, no clean-up by the engine."""
        assert self.proc is not None
        children = self._containerd()
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        # The container shims too: while they live, the restarted engine's containerd times out on
        # start. Their containers stay in the engine's records, which is what the next run must clean.
        self._kill_leftovers()
        # Killed processes whose parent died stay zombies where PID 1 does not reap them (as here): a
        # restarted dockerd would take the pid in containerd's pid file for a live containerd and wait.
        (self.root / "exec" / "containerd" / "containerd.pid").unlink(missing_ok=True)
        time.sleep(1)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        self._kill_leftovers()
        mounts = [line.split()[1] for line in Path("/proc/mounts").read_text().splitlines()]
        for mount in sorted((m for m in mounts if m.startswith(str(self.root))), reverse=True):
            subprocess.run(["umount", "-l", mount], check=False, capture_output=True)
        subprocess.run(["ip", "link", "del", self.bridge], check=False, capture_output=True)

    def _kill_leftovers(self) -> None:
        """What a killed engine leaves: container shims (their command line names our root)."""
        for pid in [int(p) for p in os.listdir("/proc") if p.isdigit()]:
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if str(self.root).encode() in cmdline and pid != os.getpid():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)

    def containers(self) -> list[str]:
        out = subprocess.run(
            ["docker", "ps", "-a", "--filter", f"label={LABEL}", "--format", "{{.Names}}"],
            env=self.env(), capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        return out.split()


@pytest.fixture(scope="module")
def engine(docker_client) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    if shutil.which("dockerd") is None:
        pytest.fail("dockerd is needed to test an engine crash without stopping the shared engine")
    root = Path(tempfile.mkdtemp(prefix="gef-", dir="/tmp"))  # short: a unix socket path has 107 bytes
    eng = Engine(root)
    host_bridge = Path("/sys/class/net/docker0").exists()
    eng.start()
    try:
        save = subprocess.Popen(["docker", "save", RUNNER_IMAGE], stdout=subprocess.PIPE,
                                env={k: v for k, v in os.environ.items() if k != "DOCKER_HOST"})
        subprocess.run(["docker", "load", "-q"], stdin=save.stdout, env=eng.env(), check=True, capture_output=True)
        assert save.wait() == 0
        yield eng
    finally:
        eng.stop()
        subprocess.run(["rm", "-rf", str(root)], check=False)
    # The shared engine builds images through docker0: the test's engine must leave it alone.
    assert Path("/sys/class/net/docker0").exists() == host_bridge, "the test's dockerd removed the host's docker0"


def _batch(engine: Engine, subs: Path, out: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "grader", "batch", str(subs), "--tests", str(SUITE), "--out", str(out), "--jobs", "2"],
        env=engine.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _finished(out: Path) -> set[str]:
    return {p.parent.name for p in (out / "reports").glob("*/report.json")} if (out / "reports").is_dir() else set()


def test_an_engine_crash_stops_the_batch_in_one_line_and_loses_nothing(engine: Engine, tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    for i in range(SUBMISSIONS):
        shutil.copytree(BASE, subs / f"s{i:02d}")
    out = tmp_path / "out"

    batch = _batch(engine, subs, out)
    deadline = time.monotonic() + 120
    while len(_finished(out)) < 2 and time.monotonic() < deadline:  # a few seconds into the grading
        time.sleep(0.1)
    engine.kill()
    stdout, stderr = batch.communicate(timeout=180)
    assert batch.returncode == 3, stderr
    finished = _finished(out)
    assert 0 < len(finished) < SUBMISSIONS, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    stopped = [line for line in lines if line.startswith("grader: error:")]
    assert len(stopped) == 1 and stopped[0] == lines[-1], stderr
    assert stopped[0].startswith("grader: error: the batch stopped: the Docker engine stopped answering (")
    assert "restart it" in stopped[0] and "finished results are kept" in stopped[0]
    for raw in ("Traceback", "Connection aborted", "ConnectionRefusedError", "ChunkedEncodingError",
                "the grader failed while"):
        assert raw not in stderr + stdout, raw
    # the finished reports are real grades of the honest submission
    for name in finished:
        report = json.loads((out / "reports" / name / "report.json").read_text())
        assert (report["score"], report["max_score"]) == (1, 3), name

    # `grader run` against the dead engine: one line, exit 3
    run = subprocess.run(
        [sys.executable, "-m", "grader", "run", str(subs / "s00"), "--tests", str(SUITE)],
        env=engine.env(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 3, run.stderr
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("grader: error: cannot reach the Docker engine (")

    engine.start()
    assert engine.containers(), "the crash left no container behind: nothing to check the clean-up with"
    batch = _batch(engine, subs, out)
    stdout, stderr = batch.communicate(timeout=600)
    assert batch.returncode == 0, stderr
    assert engine.containers() == [], "the crashed run's containers survived the next run"
    assert f"reused {len(finished)}" in stderr, stderr
    assert _finished(out) == {f"s{i:02d}" for i in range(SUBMISSIONS)}
    for i in range(SUBMISSIONS):
        report = json.loads((out / "reports" / f"s{i:02d}" / "report.json").read_text())
        assert (report["score"], report["max_score"]) == (1, 3)
