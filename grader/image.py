"""Build the runner image (`runner/Dockerfile`) and make sure it exists before a run."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import docker
import docker.errors

from grader.errors import InstallationError
from grader.runner_packages import PACKAGES, build_context, context_hash
from grader.sandbox import DockerUnavailable

DEFAULT_BASE_IMAGE = "python:3.11-slim"
HASH_LABEL = "io.github.pytest-grader.runner-hash"


def runner_dir(explicit: Path | None = None) -> Path:
    """The build context: --context, $GRADER_RUNNER_DIR, or runner/ next to the package (source checkout)."""
    candidates = [explicit] if explicit else []
    if os.environ.get("GRADER_RUNNER_DIR"):
        candidates.append(Path(os.environ["GRADER_RUNNER_DIR"]))
    candidates.append(Path(__file__).resolve().parent.parent / "runner")
    for path in candidates:
        if path and (path / "Dockerfile").is_file():
            return path
    raise InstallationError(  # our files are missing, the engine is fine: exit 2, not 3
        "cannot find the runner's Dockerfile: pass --context DIR (the runner/ folder of the grader's source)"
    )


def build_image(
    client: docker.DockerClient,
    tag: str,
    *,
    base_image: str | None = None,
    context: Path | None = None,
    on_line: Callable[[str], None] = lambda line: None,
) -> str:
    """Build the runner image and tag it. Returns the image id. Progress lines go to `on_line`."""
    ctx = runner_dir(context)
    base = base_image or os.environ.get("GRADER_BASE_IMAGE") or DEFAULT_BASE_IMAGE
    with build_context(ctx, on_line) as build_ctx:
        return _build(client, tag, base, ctx, build_ctx, on_line)


def _build(
    client: docker.DockerClient, tag: str, base: str, ctx: Path, build_ctx: Path, on_line: Callable[[str], None]
) -> str:
    image_id = ""
    # With pytest and its dependencies already in the context (runner/Dockerfile) the build needs no
    # network: it gets none, so nothing in it can fetch anything either.
    offline = (build_ctx / PACKAGES).is_file()
    try:
        for chunk in client.api.build(
            path=str(build_ctx),
            tag=tag,
            buildargs={"BASE_IMAGE": base},
            labels={HASH_LABEL: context_hash(ctx)},
            network_mode="none" if offline else None,
            rm=True,
            forcerm=True,
            decode=True,
        ):
            if "error" in chunk:
                raise DockerUnavailable(f"building the runner image failed: {chunk['error'].strip()}")
            if "stream" in chunk and chunk["stream"].strip():
                on_line(chunk["stream"].rstrip())
            if "aux" in chunk and "ID" in chunk["aux"]:
                image_id = chunk["aux"]["ID"]
    except docker.errors.APIError as exc:
        raise DockerUnavailable(
            f"building the runner image failed: {exc.explanation or exc}"
            + (f" (is the base image {base} reachable? pass --base-image)" if "pull" in str(exc).lower() else "")
        ) from None
    return image_id


def image_exists(client: docker.DockerClient, tag: str) -> bool:
    try:
        client.images.get(tag)
    except docker.errors.ImageNotFound:
        return False
    return True
