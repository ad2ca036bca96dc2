"""The runner image built from packages uv unpacked on the host: no network in the build, the same pinned
pytest as pip would install, with its bytecode (the root filesystem is read-only at run time)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from grader.image import build_image
from grader.sandbox import docker_client

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]
UV = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
BASE_IMAGE = os.environ.get("GRADER_BASE_IMAGE", "python:3.11-slim")
PYTEST_PIN = next(
    line.split()[0].split("==")[1]
    for line in (ROOT / "runner" / "requirements.txt").read_text().splitlines()
    if line.startswith("pytest==")
)


@pytest.mark.skipif(UV is None, reason="needs uv (pip install uv; it is in the dev extra)")
def test_image_built_offline_from_uv_packages_runs_the_pinned_pytest(monkeypatch: pytest.MonkeyPatch) -> None:
    assert UV is not None
    monkeypatch.setenv("GRADER_UV", UV)
    client = docker_client()
    tag = f"pytest-grader-runner-test:{uuid.uuid4().hex[:12]}"
    lines: list[str] = []
    try:
        build_image(client, tag, base_image=BASE_IMAGE, context=ROOT / "runner", on_line=lines.append)
        assert any("needs no network" in line for line in lines), lines
        # In the interpreter's own site-packages, where the sandbox's audit hook trusts library code.
        probe = (
            "import pathlib, sysconfig, pytest, _pytest, pluggy; "
            "print(pytest.__version__); "
            "print(len(list(pathlib.Path(_pytest.__file__).parent.glob('__pycache__/*.pyc')))); "
            "print(all(m.__file__.startswith(sysconfig.get_path('purelib') + '/') for m in (_pytest, pluggy)))"
        )
        done = subprocess.run(
            ["docker", "run", "--rm", "--network", "none", "--read-only", tag, "python", "-c", probe],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        version, pyc, in_purelib = done.stdout.split()
        assert version == PYTEST_PIN
        assert in_purelib == "True"
        assert int(pyc) > 10, "pytest's modules must be compiled in the image"
        scripts = subprocess.run(
            ["docker", "run", "--rm", "--network", "none", tag, "sh", "-c", "command -v pytest || echo none"],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert scripts.stdout.strip() == "none", "no console script with the host's interpreter in its shebang"
    finally:
        subprocess.run(["docker", "image", "rm", "--force", tag], capture_output=True, check=False)
