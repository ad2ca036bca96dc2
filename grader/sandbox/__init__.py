"""The sandbox: one hardened container per submission (host side in `container.py`, the trusted
in-container code in `inside/`)."""

from grader.sandbox.container import (
    CONTAINER_LABEL,
    DockerUnavailable,
    RunnerImageMissing,
    SandboxResult,
    SandboxSpec,
    docker_client,
    remove_orphans,
    run_sandbox,
)

__all__ = [
    "CONTAINER_LABEL",
    "DockerUnavailable",
    "RunnerImageMissing",
    "SandboxResult",
    "SandboxSpec",
    "docker_client",
    "remove_orphans",
    "run_sandbox",
]
