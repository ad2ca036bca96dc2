"""Shared fixtures. Integration tests need a running Docker engine and the runner image: without
them they fail (never skip), because a skipped security suite proves nothing."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

RUNNER_IMAGE = os.environ.get("GRADER_IMAGE", "pytest-grader-runner:latest")
LABEL = "io.github.pytest-grader"


@pytest.fixture(scope="session")
def docker_client():  # type: ignore[no-untyped-def]
    from grader.sandbox import docker_client as make_client

    client = make_client()  # raises DockerUnavailable with the fix in its message
    client.images.get(RUNNER_IMAGE)  # raises ImageNotFound: run `grader image build` (.ci/run does)
    return client


def leftover_containers(client, pid: int | None = None) -> list[str]:  # type: ignore[no-untyped-def]
    """Sandbox containers of one grader process (default: this one); others may run beside the tests."""
    label = f"{LABEL}.pid={pid if pid is not None else os.getpid()}"
    return [c.name for c in client.containers.list(all=True, filters={"label": label})]


@pytest.fixture
def no_leftovers(docker_client) -> Iterator[None]:  # type: ignore[no-untyped-def]
    assert leftover_containers(docker_client) == [], "containers were left over before this test"
    yield
    assert leftover_containers(docker_client) == [], "the run left a container behind"


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")
    return root


@pytest.fixture
def grade_files(tmp_path: Path, docker_client, no_leftovers) -> Callable[..., object]:  # type: ignore[no-untyped-def]
    """grade_files(submission={...}, tests={...}, config="yaml text") -> Report, on the real engine."""
    from grader.config import parse_config
    from grader.pipeline import grade

    counter = iter(range(1000))

    def run(submission: dict[str, str | bytes], tests: dict[str, str | bytes], config: str = "") -> object:
        n = next(counter)
        sub = write_tree(tmp_path / f"submission{n}", submission)
        tdir = write_tree(tmp_path / f"tests{n}", tests)
        cfg = parse_config("tests: tests\n" + textwrap.dedent(config), base_dir=tmp_path, tests_override=tdir)
        return grade(sub, cfg, image=RUNNER_IMAGE, client=docker_client)

    return run
