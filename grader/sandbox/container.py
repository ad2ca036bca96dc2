"""Run the staged submission against the staged tests in one hardened container (docker SDK).

Every run: no network, read-only root filesystem, tmpfs /tmp and /workspace with size caps, CPU,
memory (no swap) and pids limits, all capabilities dropped, no-new-privileges, ulimits, uid 1000,
an init process, an empty environment, SIGKILL at the wall-clock timeout, and removal of the
container in every case (also on Ctrl-C). Results come back only as a frame signed with a key that
exists for this run alone, sent to the supervisor on stdin; output is read with a byte cap.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker
import docker.errors
import requests.exceptions
from docker.types import LogConfig, Mount, Ulimit

from grader.config import Limits
from grader.errors import EngineError
from grader.models import Finding, SandboxInfo
from grader.paths import default_cache_dir
from grader.sandbox.bytecode import code_folder
from grader.sandbox.inside.protocol import FRAME_MARK_BYTES as FRAME_MARK
from grader.sandbox.inside.protocol import parse_frame_line

INSIDE = Path(__file__).parent / "inside"
CONTAINER_LABEL = "io.github.pytest-grader"
LOG_READ_LIMIT = 48 * 1024 * 1024  # bytes of container output read at most
KILL_GRACE_S = 4.0  # the supervisor stops itself 1 s early; this is the backstop
# The whole-run timeout counts time spent running tests. The grader's own kills and pytest restarts
# (after a test stuck in C code, a crash...) move the supervisor's deadline, by at most this share of
# the timeout; the wall clock below allows for it. Worst case: timeout * (1 + share) + KILL_GRACE_S.
OVERHEAD_SHARE = 1.0


class DockerUnavailable(EngineError):
    """The Docker engine or the runner image cannot be used (message says how to fix it)."""


class RunnerImageMissing(DockerUnavailable):
    """The runner image is not on the engine. Learnt from the create request, as `docker run` learns it:
    no separate look-up on every run's critical path (issue #15)."""


@dataclass(frozen=True)
class SandboxSpec:
    image: str
    submission: Path  # staged copy, mounted read-only
    tests: Path  # staged copy of the tests folder, mounted read-only
    limits: Limits = field(default_factory=Limits)
    timeout: float = 60.0
    test_timeout: float = 5.0


@dataclass(frozen=True)
class SandboxResult:
    junit_xml: str | None
    info: SandboxInfo
    findings: tuple[Finding, ...] = ()
    output: str = ""
    error: str | None = None  # why the run produced no trustworthy results, or broke early


def docker_client() -> docker.DockerClient:
    """A client of the engine DOCKER_HOST names. One request: the SDK asks the engine's API version (as the
    docker CLI does), which also proves the engine answers, so there is no separate ping (issue #15)."""
    try:
        client = docker.from_env(version="auto", timeout=30)
    except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
        raise DockerUnavailable(
            "cannot reach the Docker engine ("
            + _one_line(exc)
            + "): start it (e.g. `sudo systemctl start docker`) or set DOCKER_HOST"
        ) from None
    return client


def _container_kwargs(spec: SandboxSpec, run_id: str) -> dict[str, Any]:
    limits = spec.limits
    mem = str(limits.memory)
    return dict(
        image=spec.image,
        # -I: no PYTHON* variables, user site or script folder; -B: nothing written. No -S: the first test
        # process is forked from the supervisor (inside/child_io.fork_child) and must have what `python -I -B`
        # has: the image's site-packages, `exit`/`quit`, and sys.flags that multiprocessing passes on.
        command=["python", "-I", "-B", "/opt/grader/supervisor.py"],
        user="1000:1000",
        working_dir="/workspace",
        environment={"HOME": "/tmp", "LANG": "C.UTF-8", "PATH": "/usr/local/bin:/usr/bin:/bin"},
        network_mode="none",
        read_only=True,
        tmpfs={
            "/tmp": f"rw,noexec,nosuid,nodev,size={limits.tmp}",
            "/workspace": f"rw,noexec,nosuid,nodev,size={limits.workspace},uid=1000,gid=1000,mode=0700",
        },
        mounts=[
            # INSIDE's sources and their bytecode (see bytecode.py); INSIDE itself without a cache
            Mount("/opt/grader", str(code_folder(INSIDE, default_cache_dir())), type="bind", read_only=True),
            Mount("/mnt/submission", str(spec.submission), type="bind", read_only=True),
            Mount("/mnt/tests", str(spec.tests), type="bind", read_only=True),
        ],
        mem_limit=mem,
        memswap_limit=mem,  # the same as memory: no swap
        nano_cpus=int(limits.cpus * 1e9),
        pids_limit=limits.pids,
        cap_drop=["ALL"],
        security_opt=["no-new-privileges:true"],
        ulimits=[
            Ulimit(name="nofile", soft=limits.nofile, hard=limits.nofile),
            Ulimit(name="fsize", soft=limits.fsize, hard=limits.fsize),
            Ulimit(name="core", soft=0, hard=0),
        ],
        init=True,
        ipc_mode="private",
        hostname="sandbox",
        stdin_open=True,
        # The host pid tells which grader process owns a container (cleanup, tests under concurrency).
        labels={
            CONTAINER_LABEL: "sandbox",
            f"{CONTAINER_LABEL}.run": run_id,
            f"{CONTAINER_LABEL}.pid": str(os.getpid()),
        },
        log_config=LogConfig(type=LogConfig.types.JSON, config={"max-size": "32m", "max-file": "1"}),
        detach=True,
    )


ENGINE_GONE = (
    "the Docker engine stopped answering ({}); no more sandboxes are started: restart it "
    "(e.g. `sudo systemctl restart docker`) and run the grader again (finished results are kept)"
)


def run_sandbox(
    spec: SandboxSpec,
    client: docker.DockerClient,
    *,
    on_created: Callable[[Any], None] | None = None,
    on_started: Callable[[], None] | None = None,
) -> SandboxResult:
    """Run one submission. Never raises for anything the submission does; DockerUnavailable for the engine.
    `on_created(container)` is called as soon as the container exists (see `tracking.ContainerTracker`);
    what it raises stops the run, and the container is removed. `on_started()` is called once the
    container runs with its settings: the caller's own work can overlap the run from there (it must not
    block; started earlier, it would slow the create and start requests down, issue #15)."""
    try:
        return _run_sandbox(spec, client, on_created, on_started)
    except requests.exceptions.RequestException as exc:
        # The engine died or restarted under the run (refused connections, a log stream cut short):
        # nothing the submission did (issue #11, item 6). The caller asks the engine before giving up.
        raise DockerUnavailable(ENGINE_GONE.format(_engine_reason(exc))) from None


def remove_orphans(client: docker.DockerClient) -> int:
    """Remove sandbox containers whose grader process is gone (an engine or host crash left them).

    Containers of live processes (other graders on this machine, concurrent tests) are left alone.
    """
    removed = 0
    try:
        containers = client.containers.list(all=True, filters={"label": CONTAINER_LABEL})
    except (docker.errors.DockerException, requests.exceptions.RequestException):
        return 0
    for container in containers:
        try:
            pid = int(container.labels.get(f"{CONTAINER_LABEL}.pid", ""))
        except ValueError:
            continue
        if pid <= 0 or _process_exists(pid):
            continue
        with contextlib.suppress(docker.errors.DockerException, requests.exceptions.RequestException):
            container.remove(force=True, v=True)
            removed += 1
    return removed


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _engine_reason(exc: BaseException) -> str:
    text = str(exc)
    # requests nests the cause in reprs ("('Connection aborted.', RemoteDisconnected(...))"): the gist only
    for needle in ("Connection refused", "No such file or directory", "Connection reset", "Response ended prematurely",
                   "Remote end closed connection", "Connection aborted", "Read timed out"):
        if needle in text:
            return needle.lower()
    return type(exc).__name__


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:200] or type(exc).__name__


def _run_sandbox(
    spec: SandboxSpec,
    client: docker.DockerClient,
    on_created: Callable[[Any], None] | None,
    on_started: Callable[[], None] | None,
) -> SandboxResult:
    key = secrets.token_bytes(32)
    run_id = uuid.uuid4().hex[:12]
    settings = {
        "key": key.hex(),
        "timeout": spec.timeout,
        "test_timeout": spec.test_timeout,
        "memory_limit": _human(spec.limits.memory),
        "rootdir": "/mnt/tests",
        "overhead_budget": spec.timeout * OVERHEAD_SHARE,
    }
    container = None
    started = time.monotonic()
    timed_out = False
    try:
        try:
            container = client.containers.create(**_container_kwargs(spec, run_id))
        except docker.errors.ImageNotFound:
            raise RunnerImageMissing(f"the runner image {spec.image} is missing: run `grader image build`") from None
        except docker.errors.APIError as exc:
            raise DockerUnavailable(f"Docker refused to create the sandbox: {exc.explanation or exc}") from None
        if on_created is not None:
            on_created(container)
        sock = container.attach_socket(params={"stdin": 1, "stream": 1})
        try:
            container.start()
            raw = getattr(sock, "_sock", sock)
            raw.sendall((json.dumps(settings) + "\n").encode())
        finally:
            sock.close()
        if on_started is not None:
            on_started()
        try:
            status = container.wait(timeout=wall_clock_limit(spec.timeout))
            exit_code: int | None = int(status.get("StatusCode", -1))
        except (requests.exceptions.ReadTimeout, requests.exceptions.ConnectionError):
            timed_out = True
            container.kill(signal="SIGKILL")
            exit_code = None
            container.wait(timeout=30)
        duration = time.monotonic() - started
        container.reload()
        oom_killed = bool(container.attrs.get("State", {}).get("OOMKilled"))
        frame, forged = _read_frame(container, key)
    finally:
        if container is not None:
            # A dead engine cannot remove it: the next run's remove_orphans() does (it carries our pid).
            with contextlib.suppress(docker.errors.APIError, requests.exceptions.ConnectionError):
                container.remove(force=True, v=True)
    return _result(frame, forged, exit_code, timed_out, oom_killed, duration, spec)


def wall_clock_limit(timeout: float) -> float:
    """Seconds a sandbox may run before the host kills it (see OVERHEAD_SHARE)."""
    return timeout * (1 + OVERHEAD_SHARE) + KILL_GRACE_S


def _read_frame(container: Any, key: bytes) -> tuple[dict[str, Any] | None, int]:
    """The last correctly signed frame in the container's stdout, read with a byte cap."""
    scanner = FrameScanner(key)
    seen = 0
    for chunk in container.logs(stdout=True, stderr=False, stream=True, follow=False):
        seen += len(chunk)
        scanner.feed(chunk)
        if seen > LOG_READ_LIMIT:
            break
    return scanner.finish()


class FrameScanner:
    """Finds frame lines in a byte stream in linear time.

    Only a line that starts with FRAME_MARK can be a frame: as soon as a line's first bytes differ,
    the rest of it is skipped without being kept, so a 30 MB line without a newline costs one pass
    (appending to a growing buffer and splitting it again on every chunk was quadratic).
    """

    def __init__(self, key: bytes) -> None:
        self.key = key
        self.line = bytearray()  # the current line while it may still be a frame
        self.skipping = False  # the current line cannot be a frame: wait for its end
        self.frame: dict[str, Any] | None = None
        self.forged = 0

    def feed(self, chunk: bytes) -> None:
        start = 0
        while start <= len(chunk):
            end = chunk.find(b"\n", start)
            stop = len(chunk) if end < 0 else end
            if not self.skipping and stop > start:
                self.line += chunk[start:stop]
                head = bytes(self.line[: len(FRAME_MARK)])
                if not FRAME_MARK.startswith(head) or len(self.line) > LOG_READ_LIMIT:
                    self.line.clear()
                    self.skipping = True
            if end < 0:
                return
            self._end_line()
            start = end + 1

    def _end_line(self) -> None:
        if not self.skipping and self.line:
            parsed, bad = parse_frame_line(bytes(self.line), self.key)
            self.frame = parsed or self.frame
            self.forged += bad
        self.line.clear()
        self.skipping = False

    def finish(self) -> tuple[dict[str, Any] | None, int]:
        self._end_line()
        return self.frame, self.forged


def _result(
    frame: dict[str, Any] | None,
    forged: int,
    exit_code: int | None,
    timed_out: bool,
    oom_killed: bool,
    duration: float,
    spec: SandboxSpec,
) -> SandboxResult:
    findings: list[Finding] = []
    if forged:
        findings.append(Finding("forged-output", f"{forged} result frame(s) not signed by the grader were ignored"))
    meta = (frame or {}).get("meta") or {}
    for f in meta.get("findings", [])[:50]:
        if isinstance(f, dict):
            findings.append(Finding(str(f.get("kind", "")), str(f.get("detail", "")), f.get("path")))
    oom = oom_killed or bool(meta.get("oom"))
    timed = timed_out or bool(meta.get("timed_out"))
    info = SandboxInfo(exit_code=exit_code, timed_out=timed, oom_killed=oom, duration_s=round(duration, 3))
    junit = frame.get("junit") if frame else None
    error: str | None = meta.get("run_error")
    if frame is None or not isinstance(junit, str):
        junit = None
        if timed_out:
            error = f"timed out after {spec.timeout:g} s"
        elif oom_killed:
            error = f"out of memory (limit {_human(spec.limits.memory)}): the grader itself was killed"
        else:
            error = f"the sandbox produced no results (exit code {exit_code})"
    return SandboxResult(
        junit_xml=junit,
        info=info,
        findings=tuple(findings),
        output=str(meta.get("output", ""))[:70_000],
        error=error,
    )


def _human(n: int) -> str:
    for unit, size in (("g", 1024**3), ("m", 1024**2), ("k", 1024)):
        if n >= size and n % size == 0:
            return f"{n // size}{unit}"
    return f"{n}b"
