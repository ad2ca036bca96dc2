"""grader.runner_packages: the runner's pinned packages unpacked on the host by uv, hash-checked, so that
the image build needs no network; anything wrong falls back to pip in the build. Needs uv (dev extra)
and, for a cold uv cache, PyPI."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

from grader.github.client import API_VERSION
from grader.runner_packages import PACKAGES, build_context, context_hash, find_uv, impure_wheels, write_tar

ROOT = Path(__file__).resolve().parents[2]
RUNNER = ROOT / "runner"
UV = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")


def dist_info(target: Path, name: str, *tags: str) -> None:
    folder = target / f"{name}-1.0.dist-info"
    folder.mkdir(parents=True)
    lines = ["Wheel-Version: 1.0", "Root-Is-Purelib: true", *(f"Tag: {tag}" for tag in tags)]
    (folder / "WHEEL").write_text("\n".join(lines) + "\n")


def test_only_pure_python_wheels_qualify(tmp_path: Path) -> None:
    dist_info(tmp_path, "pure", "py3-none-any")
    dist_info(tmp_path, "both", "py2-none-any", "py3-none-any")
    dist_info(tmp_path, "compiled", "cp311-cp311-manylinux_2_17_x86_64")
    dist_info(tmp_path, "untagged")
    assert impure_wheels(tmp_path) == ["compiled-1.0.dist-info", "untagged-1.0.dist-info"]


def test_tarball_is_owned_by_root_without_scripts_or_lock(tmp_path: Path) -> None:
    target = tmp_path / "packages"
    (target / "pkg").mkdir(parents=True)
    (target / "pkg" / "__init__.py").write_text("X = 1\n")
    (target / "bin").mkdir()
    (target / "bin" / "pytest").write_text("#!/home/runner/venv/bin/python\n")
    (target / ".lock").write_text("")
    write_tar(target, tmp_path / PACKAGES)
    with tarfile.open(tmp_path / PACKAGES) as tar:
        members = tar.getmembers()
    assert sorted(m.name for m in members) == ["pkg", "pkg/__init__.py"]
    assert {(m.uid, m.gid, m.uname) for m in members} == {(0, 0, "root")}


def test_no_uv_means_the_plain_context(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADER_UV", "")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    assert find_uv() is None
    with build_context(RUNNER) as context:
        assert context == RUNNER


@pytest.mark.skipif(UV is None, reason="needs uv (pip install uv; it is in the dev extra)")
def test_pins_are_unpacked_from_hash_checked_wheels(monkeypatch: pytest.MonkeyPatch) -> None:
    assert UV is not None
    monkeypatch.setenv("GRADER_UV", UV)
    lines: list[str] = []
    with build_context(RUNNER, lines.append) as context:
        assert context != RUNNER, lines
        assert sorted(p.name for p in context.iterdir()) == sorted([*(p.name for p in RUNNER.iterdir()), PACKAGES])
        with tarfile.open(context / PACKAGES) as tar:
            names = set(tar.getnames())
    assert "needs no network" in lines[-1]
    pins = [line.split()[0] for line in (RUNNER / "requirements.txt").read_text().splitlines() if "==" in line]
    for pin in pins:
        name, version = pin.split("==")
        assert f"{name}-{version}.dist-info/RECORD" in names, pin
    assert "pytest/__init__.py" in names and "_pytest/main.py" in names
    assert not any(n.startswith(("bin", ".lock")) for n in names)
    assert not context.exists(), "the temporary context is removed after the build"


@pytest.mark.skipif(UV is None, reason="needs uv (pip install uv; it is in the dev extra)")
def test_a_wrong_hash_falls_back_to_pip_in_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert UV is not None
    monkeypatch.setenv("GRADER_UV", UV)
    runner = tmp_path / "runner"
    shutil.copytree(RUNNER, runner)
    requirements = runner / "requirements.txt"
    text = requirements.read_text()
    pytest_line = next(line for line in text.splitlines() if line.startswith("pytest=="))
    forged = pytest_line.split("sha256:")[0] + "sha256:" + "0" * 64
    requirements.write_text(text.replace(pytest_line, forged))
    lines: list[str] = []
    with build_context(runner, lines.append) as context:
        assert context == runner, "a wheel that does not match its hash must not reach the image"
    assert len(lines) == 1 and lines[0].startswith("installing the runner's packages in the build instead: uv")
    assert "hash" in lines[0].lower()


def test_the_action_keeps_the_schemas_the_grader_posts_with() -> None:
    """action.yml leaves one githubkit-schemas version out of the environment: never API_VERSION's."""
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    (install,) = [step["run"] for step in action["runs"]["steps"] if step.get("id") == "install"]
    (excluded_line,) = [line for line in install.splitlines() if line.startswith("EXCLUDED=(")]
    excluded = excluded_line.removeprefix("EXCLUDED=(").removesuffix(")").split()
    assert excluded, "nothing excluded: the line moved?"
    assert f"githubkit-schemas-{API_VERSION}" not in excluded
    assert all(name.startswith("githubkit-schemas-") for name in excluded)
    pinned_uv = next(
        line.split('"')[1] for line in (ROOT / "action.yml").read_text().splitlines() if "UV_VERSION:" in line
    )
    assert f'"uv=={pinned_uv}"' in (ROOT / "pyproject.toml").read_text(), "pyproject's dev uv pin follows action.yml's"


def action_prepare_snippet() -> str:
    """The Python that action.yml's Install step runs with the runner's python3 to make the build context."""
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    (install,) = [step["run"] for step in action["runs"]["steps"] if step.get("id") == "install"]
    match = re.search(r"python3 -I -B -c '(.*?)'", install, re.DOTALL)
    assert match, "the build context is no longer made by a python3 -c in Install: update this test"
    return match.group(1)


def run_prepare(dest: Path, uv: str) -> subprocess.CompletedProcess[str]:
    # -S: no site-packages at all, so the action's interpreter needs nothing but the standard library
    command = [sys.executable, "-I", "-B", "-S", "-c", action_prepare_snippet(), str(ROOT), str(RUNNER), str(dest)]
    return subprocess.run(command, capture_output=True, text=True, env={**os.environ, "GRADER_UV": uv}, check=False)


def test_the_action_makes_the_plain_context_when_uv_fails(tmp_path: Path) -> None:
    done = run_prepare(tmp_path / "context", str(tmp_path / "no-such-uv"))
    assert done.returncode == 0, done.stderr
    assert "installing the runner's packages in the build instead: uv did not run" in done.stderr
    assert done.stdout.strip() == context_hash(RUNNER), "the image's label: the hash of runner/"
    copied = sorted(p.relative_to(tmp_path / "context") for p in (tmp_path / "context").rglob("*"))
    assert copied == sorted(p.relative_to(RUNNER) for p in RUNNER.rglob("*"))
    assert run_prepare(tmp_path / "context", "").returncode == 1, "an existing destination is refused"


@pytest.mark.skipif(UV is None, reason="needs uv (pip install uv; it is in the dev extra)")
def test_the_action_makes_the_offline_context_with_uv(tmp_path: Path) -> None:
    assert UV is not None
    done = run_prepare(tmp_path / "context", UV)
    assert done.returncode == 0, done.stderr
    assert "needs no network" in done.stderr
    with tarfile.open(tmp_path / "context" / PACKAGES) as tar:
        assert "pytest/__init__.py" in tar.getnames()
