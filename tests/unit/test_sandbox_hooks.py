"""The sandbox's hooks, in the order of the container's life (issue #15): `on_started` comes once the
container runs with its settings, after the create and start requests, before the wait; the caller's
work started there cannot delay those requests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from grader.sandbox import SandboxSpec, run_sandbox


class Socket:
    def __init__(self, calls: list[str]) -> None:
        self.calls = calls

    def sendall(self, data: bytes) -> None:
        self.calls.append("settings")

    def close(self) -> None:
        pass


class Container:
    id = "c1"

    def __init__(self, calls: list[str]) -> None:
        self.calls = calls
        self.attrs: dict[str, Any] = {"State": {"OOMKilled": False}}

    def attach_socket(self, **kw: object) -> Socket:
        return Socket(self.calls)

    def start(self) -> None:
        self.calls.append("start")

    def wait(self, **kw: object) -> dict[str, int]:
        self.calls.append("wait")
        return {"StatusCode": 0}

    def reload(self) -> None:
        pass

    def logs(self, **kw: object) -> list[bytes]:
        return []

    def remove(self, **kw: object) -> None:
        self.calls.append("remove")


class Client:
    def __init__(self) -> None:
        self.calls: list[str] = []
        self.containers = self

    def create(self, **kw: object) -> Container:
        self.calls.append("create")
        return Container(self.calls)


def test_on_started_comes_after_the_start_and_before_the_wait(tmp_path: Path) -> None:
    client = Client()
    spec = SandboxSpec(image="x", submission=tmp_path, tests=tmp_path)
    result = run_sandbox(spec, client,  # type: ignore[arg-type]
                         on_created=lambda c: client.calls.append("created"),
                         on_started=lambda: client.calls.append("started"))  # fmt: skip
    assert client.calls == ["create", "created", "start", "settings", "started", "wait", "remove"]
    assert result.error == "the sandbox produced no results (exit code 0)"  # the fake wrote no frame


def test_a_failing_on_started_still_removes_the_container(tmp_path: Path) -> None:
    client = Client()

    def broken() -> None:
        raise RuntimeError("the caller broke")

    with pytest.raises(RuntimeError):
        run_sandbox(SandboxSpec(image="x", submission=tmp_path, tests=tmp_path), client,  # type: ignore[arg-type]
                    on_started=broken)  # fmt: skip
    assert client.calls[-1] == "remove" and "wait" not in client.calls
