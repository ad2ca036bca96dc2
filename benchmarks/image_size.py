"""Image size: the runner's own layers on top of its base image (target: under 15 MB).

    .venv/bin/python benchmarks/image_size.py [--image pytest-grader-runner:latest] [--base IMAGE]

The base image is the local image whose layers are the longest proper prefix of the runner's layers
(or --base). Prints every layer the runner adds (size and the Dockerfile step, from the image history),
their total, and the machine. Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

import docker
import docker.errors

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import print_machine

TARGET_MB = 15.0


def layers(client: docker.DockerClient, ref: str) -> list[str]:
    return list(client.api.inspect_image(ref)["RootFS"]["Layers"])


def find_base(client: docker.DockerClient, image: str) -> str | None:
    """The local image with the most layers that are all a proper prefix of the image's layers."""
    own = layers(client, image)
    best: tuple[int, str] | None = None
    for candidate in client.images.list():
        theirs = candidate.attrs["RootFS"]["Layers"]
        if 0 < len(theirs) < len(own) and own[: len(theirs)] == theirs and (best is None or len(theirs) > best[0]):
            best = (len(theirs), (candidate.tags or [candidate.id])[0])
    return best[1] if best else None


def own_history(client: docker.DockerClient, image: str, base: str) -> list[dict[str, Any]]:
    """History entries (newest first) that the image adds on top of base."""
    mine = client.api.history(image)
    theirs = client.api.history(base)
    if len(theirs) >= len(mine):
        raise SystemExit(f"{base} is not a base of {image}")
    return list(mine[: len(mine) - len(theirs)])


def step(created_by: str) -> str:
    text = " ".join(created_by.replace("/bin/sh -c #(nop) ", "").replace("/bin/sh -c ", "RUN ").split())
    return text if len(text) <= 90 else text[:89] + "…"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", default=os.environ.get("GRADER_IMAGE", "pytest-grader-runner:latest"))
    parser.add_argument("--base", default=None, help="base image (default: found from the layers)")
    args = parser.parse_args()

    client = docker.from_env()
    try:
        base = args.base or find_base(client, args.image)
    except docker.errors.ImageNotFound:
        raise SystemExit(f"no image {args.image}: build it with `grader image build`") from None
    if base is None:
        raise SystemExit(f"cannot tell the base image of {args.image}: pass --base")
    own = layers(client, args.image)
    theirs = layers(client, base)
    if own[: len(theirs)] != theirs:
        raise SystemExit(f"{base} is not the base of {args.image} (its layers are not a prefix)")
    history = own_history(client, args.image, base)
    added = sum(int(h.get("Size") or 0) for h in history)
    print_machine()
    image_mb = client.api.inspect_image(args.image)["Size"] / 1e6
    base_mb = client.api.inspect_image(base)["Size"] / 1e6
    print(f"Image {args.image}: {image_mb:.1f} MB; base {base}: {base_mb:.1f} MB")
    print(f"Layers the runner adds ({len(own) - len(theirs)} with content, {len(history)} steps):")
    print("| size (MB) | step |")
    print("|--:|---|")
    for entry in reversed(history):
        print(f"| {int(entry.get('Size') or 0) / 1e6:.3f} | `{step(entry.get('CreatedBy') or '')}` |")
    print(f"| **{added / 1e6:.2f}** | **total added on top of the base** |")
    verdict = "met" if added / 1e6 < TARGET_MB else "NOT met"
    print(f"Target: under {TARGET_MB:g} MB -> {verdict} ({added / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
