"""The runner image's packages, unpacked on the host, so that building the image needs no network.

`runner/Dockerfile` installs pytest and its dependencies from `requirements.txt` (pinned, with hashes).
Inside the build that means a pip of the base image resolving against PyPI again, although the host
has just fetched the very same wheels to install the grader. When uv is at hand (`GRADER_UV`, uv in
the grader's environment, or on PATH; the GitHub Action installs the grader with it), `build_context`
has it unpack those pins from its cache into a copy of the context as `packages.tar`, checking every
wheel against the requirements' hashes (`--require-hashes`) exactly as pip in the build would. The Dockerfile then
lays the tarball out in the image's site-packages, and `grader.image` builds with no network.

Only pure-Python wheels (`*-none-any`) qualify: they do not depend on the image's interpreter, which
need not be the host's. Anything else, or any failure, falls back to the plain context (pip in the
build), with a line saying why.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from grader.errors import GraderError

PACKAGES = "packages.tar"  # the file name runner/Dockerfile and runner/.dockerignore expect
REQUIREMENTS = "requirements.txt"
_SKIPPED = {"bin", ".lock"}  # console scripts (their shebangs name the host's interpreter), uv's lock file


class PackagesError(GraderError, RuntimeError):
    """The packages could not be prepared on the host; the build installs them itself."""


def find_uv() -> str | None:
    """$GRADER_UV, else uv installed next to this interpreter (the grader's environment), else on PATH."""
    beside = shutil.which("uv", path=str(Path(sys.executable).parent))
    return os.environ.get("GRADER_UV") or beside or shutil.which("uv")


def unpack(uv: str, requirements: Path, target: Path, *, timeout_s: float = 300) -> None:
    """Install `requirements` into `target` with uv: wheels only, every one checked against its hash."""
    cmd = [
        uv, "pip", "install", "--quiet", "--no-python-downloads", "--python", sys.executable,
        "--target", str(target), "--require-hashes", "--only-binary", ":all:", "--no-deps",
        "--requirements", str(requirements),
    ]  # fmt: skip
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PackagesError(f"uv did not run: {exc}") from None
    if done.returncode != 0:
        # uv explains over several lines ("error: ...", "cause: Hash mismatch ...", the hashes): keep the gist
        lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
        gist = [line for line in lines if line.startswith(("error:", "cause:"))] or lines[-1:]
        detail = "; ".join(gist) or f"exit status {done.returncode}"
        raise PackagesError(f"uv could not install {requirements.name}: {detail}")


def impure_wheels(target: Path) -> list[str]:
    """The installed distributions whose wheel is not pure Python (tag other than *-none-any)."""
    impure = []
    for wheel in sorted(target.glob("*.dist-info/WHEEL")):
        tags = [line.split(":", 1)[1].strip() for line in wheel.read_text().splitlines() if line.startswith("Tag:")]
        if not tags or not all(tag.endswith("-none-any") for tag in tags):
            impure.append(wheel.parent.name)
    return impure


def write_tar(target: Path, dest: Path) -> None:
    """`target`'s files, owned by root and in a stable order, minus what must not reach the image."""

    def clean(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        return info

    with tarfile.open(dest, "w") as tar:
        for entry in sorted(target.iterdir()):
            if entry.name not in _SKIPPED:
                tar.add(entry, arcname=entry.name, filter=clean)


@contextmanager
def build_context(runner: Path, on_line: Callable[[str], None] = lambda line: None) -> Iterator[Path]:
    """A copy of `runner` with `packages.tar` when uv can make it, else `runner` itself."""
    uv = find_uv()
    requirements = runner / REQUIREMENTS
    if uv is None or not requirements.is_file() or (runner / PACKAGES).exists():
        yield runner
        return
    with tempfile.TemporaryDirectory(prefix="grader-runner-") as tmp:
        context = Path(tmp) / "context"
        prepared = False
        try:
            shutil.copytree(runner, context)
            unpack(uv, requirements, Path(tmp) / "packages")
            impure = impure_wheels(Path(tmp) / "packages")
            if impure:
                raise PackagesError(f"not pure Python: {', '.join(impure)}")
            write_tar(Path(tmp) / "packages", context / PACKAGES)
            prepared = True
        except (PackagesError, OSError) as exc:
            on_line(f"installing the runner's packages in the build instead: {exc}")
        if prepared:
            on_line(f"the runner's packages come from uv's hash-checked wheels ({uv}): the build needs no network")
        yield context if prepared else runner
