"""`grader image build`: build (or rebuild) the runner image."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from grader.cli.common import status
from grader.errors import ExitCode


def configure_parser(image: argparse.ArgumentParser) -> None:
    image_sub = image.add_subparsers(dest="image_command", metavar="ACTION")
    build = image_sub.add_parser("build", help="build (or rebuild) the runner image")
    build.add_argument(
        "--base-image", default=None, help="base image (default: $GRADER_BASE_IMAGE or python:3.11-slim)"
    )
    build.add_argument("--tag", default=None, help="image tag (default: pytest-grader-runner:latest)")
    build.add_argument(
        "--context", type=Path, default=None, help="the runner/ folder (default: found next to the package)"
    )
    build.set_defaults(func=build_command)


def build_command(args: argparse.Namespace) -> int:
    from grader.image import build_image
    from grader.pipeline import DEFAULT_IMAGE
    from grader.sandbox import docker_client

    err = Console(stderr=True)
    tag = args.tag or DEFAULT_IMAGE
    client = docker_client()
    with status(err, f"Building {tag}") as spinner:
        image_id = build_image(
            client, tag, base_image=args.base_image, context=args.context,
            on_line=lambda line: spinner.update(line[-100:]),
        )  # fmt: skip
    err.print(f"Built {tag} ({image_id[:19]})", markup=False)
    return ExitCode.OK
