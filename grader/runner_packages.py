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

The GitHub Action builds the image with the docker CLI while it installs the grader, before the
grader's environment exists: it runs `main` with the runner's python3 (this module needs the standard
library only).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable, Iterator, Sequence
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


def context_hash(context: Path) -> str:
    """A hash of the build context's files: a changed Dockerfile or pin means a different image."""
    digest = hashlib.sha256()
    for path in sorted(p for p in context.rglob("*") if p.is_file()):
        digest.update(path.relative_to(context).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _usable_uv(runner: Path) -> str | None:
    """The uv to unpack `runner`'s pins with; None when there is none, no pins, or a packages.tar already."""
    uv = find_uv()
    if uv is None or not (runner / REQUIREMENTS).is_file() or (runner / PACKAGES).exists():
        return None
    return uv


def add_packages(runner: Path, context: Path, on_line: Callable[[str], None] = lambda line: None) -> bool:
    """Write `packages.tar` into `context` (a copy of `runner`) when uv can make it. True when it did."""
    uv = _usable_uv(runner)
    if uv is None:
        return False
    with tempfile.TemporaryDirectory(prefix="grader-packages-") as tmp:
        try:
            unpack(uv, runner / REQUIREMENTS, Path(tmp) / "packages")
            impure = impure_wheels(Path(tmp) / "packages")
            if impure:
                raise PackagesError(f"not pure Python: {', '.join(impure)}")
            write_tar(Path(tmp) / "packages", context / PACKAGES)
        except (PackagesError, OSError) as exc:
            (context / PACKAGES).unlink(missing_ok=True)
            on_line(f"installing the runner's packages in the build instead: {exc}")
            return False
    on_line(f"the runner's packages come from uv's hash-checked wheels ({uv}): the build needs no network")
    return True


@contextmanager
def build_context(runner: Path, on_line: Callable[[str], None] = lambda line: None) -> Iterator[Path]:
    """A copy of `runner` with `packages.tar` when uv can make it, else `runner` itself."""
    if _usable_uv(runner) is None:
        yield runner
        return
    with tempfile.TemporaryDirectory(prefix="grader-runner-") as tmp:
        context = Path(tmp) / "context"
        try:
            shutil.copytree(runner, context)
        except OSError as exc:
            on_line(f"installing the runner's packages in the build instead: {exc}")
            yield runner
            return
        yield context if add_packages(runner, context, on_line) else runner


def main(argv: Sequence[str]) -> int:
    """`RUNNER DEST`: copy the build context `RUNNER` to `DEST` (new), with `packages.tar` when uv can make it.

    For the GitHub Action, which builds the runner image with the docker CLI while it installs the
    grader: it runs this module from the action's folder with the runner's own python3 (standard
    library only, no grader environment yet). Prints the context's hash (the image's label) on
    stdout, what it did on stderr; exit status 1 when `DEST` could not be made.
    """
    if len(argv) != 2:
        print("usage: RUNNER DEST", file=sys.stderr)
        return 2
    runner, dest = Path(argv[0]), Path(argv[1])
    try:
        shutil.copytree(runner, dest)
    except OSError as exc:
        print(f"cannot copy the build context: {exc}", file=sys.stderr)
        return 1
    add_packages(runner, dest, lambda line: print(line, file=sys.stderr))
    print(context_hash(runner))
    return 0
