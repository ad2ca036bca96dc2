"""Run the staged submission against the staged tests in one hardened container (docker SDK).

Every run: no network, read-only root filesystem, tmpfs /tmp and /workspace with size caps, CPU,
memory (no swap) and pids limits, all capabilities dropped, no-new-privileges, ulimits, uid 1000,
an init process, an empty environment, SIGKILL at the wall-clock timeout, and removal of the
container in every case (also on Ctrl-C). Results come back only as a frame signed with a key that
exists for this run alone, sent to the supervisor on stdin; output is read with a byte cap.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import secrets
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker
import docker.errors
import requests.exceptions
from docker.types import LogConfig, Mount, Ulimit

from grader.config import Limits
from grader.models import Finding, SandboxInfo

INSIDE = Path(__file__).parent / "inside"
CONTAINER_LABEL = "io.github.pytest-grader"
FRAME_MARK = b"@@grader-frame@@"
LOG_READ_LIMIT = 48 * 1024 * 1024  # bytes of container output read at most
KILL_GRACE_S = 4.0  # the supervisor stops itself 1 s early; this is the backstop


class DockerUnavailable(Exception):
    """The Docker engine or the runner image cannot be used (message says how to fix it)."""


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
    try:
        client = docker.from_env(timeout=30)
        client.ping()
    except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
        raise DockerUnavailable(
            "cannot reach the Docker engine ("
            + str(exc).splitlines()[0][:200]
            + "): start it (e.g. `sudo systemctl start docker`) or set DOCKER_HOST"
        ) from None
    return client


def _container_kwargs(spec: SandboxSpec, run_id: str) -> dict[str, Any]:
    limits = spec.limits
    mem = str(limits.memory)
    return dict(
        image=spec.image,
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
            Mount("/opt/grader", str(INSIDE), type="bind", read_only=True),
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


def run_sandbox(spec: SandboxSpec, client: docker.DockerClient) -> SandboxResult:
    """Run one submission. Never raises for anything the submission does; DockerUnavailable for the engine."""
    key = secrets.token_bytes(32)
    run_id = uuid.uuid4().hex[:12]
    settings = {
        "key": key.hex(),
        "timeout": spec.timeout,
        "test_timeout": spec.test_timeout,
        "memory_limit": _human(spec.limits.memory),
        "rootdir": "/mnt/tests",
    }
    container = None
    started = time.monotonic()
    timed_out = False
    try:
        try:
            container = client.containers.create(**_container_kwargs(spec, run_id))
        except docker.errors.ImageNotFound:
            raise DockerUnavailable(f"the runner image {spec.image} is missing: run `grader image build`") from None
        except docker.errors.APIError as exc:
            raise DockerUnavailable(f"Docker refused to create the sandbox: {exc.explanation or exc}") from None
        sock = container.attach_socket(params={"stdin": 1, "stream": 1})
        try:
            container.start()
            raw = getattr(sock, "_sock", sock)
            raw.sendall((json.dumps(settings) + "\n").encode())
        finally:
            sock.close()
        try:
            status = container.wait(timeout=spec.timeout + KILL_GRACE_S)
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
            with contextlib.suppress(docker.errors.APIError):
                container.remove(force=True, v=True)
    return _result(frame, forged, exit_code, timed_out, oom_killed, duration, spec)


def _read_frame(container: Any, key: bytes) -> tuple[dict[str, Any] | None, int]:
    """The last correctly signed frame in the container's stdout, read with a byte cap."""
    frame: dict[str, Any] | None = None
    forged = 0
    seen = 0
    buffer = b""
    for chunk in container.logs(stdout=True, stderr=False, stream=True, follow=False):
        seen += len(chunk)
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            parsed, bad = _parse_line(line, key)
            frame = parsed or frame
            forged += bad
        if len(buffer) > LOG_READ_LIMIT or seen > LOG_READ_LIMIT:
            break
    parsed, bad = _parse_line(buffer, key)
    return parsed or frame, forged + bad


def _parse_line(line: bytes, key: bytes) -> tuple[dict[str, Any] | None, int]:
    if not line.startswith(FRAME_MARK):
        return None, 0
    parts = line.split(b" ")
    if len(parts) != 3:
        return None, 1
    _, mac, body = parts
    if not hmac.compare_digest(mac, hmac.new(key, body, hashlib.sha256).hexdigest().encode()):
        return None, 1
    try:
        data = json.loads(base64.b64decode(body, validate=True))
    except ValueError:
        return None, 1
    return (data, 0) if isinstance(data, dict) else (None, 1)


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
