"""A fresh install speaks Spanish: the wheel carries the compiled catalog, built with no manual step.

Builds the real wheel with pip (setup.py's build hook compiles grader/locale/*/LC_MESSAGES/*.po with
Babel), then imports the package from the unpacked wheel alone, where no .po file exists: the
Spanish it prints can only come from the compiled .mo.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MO = "grader/locale/es/LC_MESSAGES/grader.mo"

PROBE = """
import grader, sys
from pathlib import Path
from grader.models import Report, RunStatus, Status, TestScore
from grader.reporters.markdown import render_summary
assert Path(grader.__file__).resolve().is_relative_to(Path(sys.argv[1]).resolve()), grader.__file__
report = Report(score=7.5, max_score=10, status=RunStatus.FAIL, tests=(
    TestScore("t.py::a", Status.PASSED, 7.5, 7.5),
    TestScore("t.py::b", Status.FAILED, 0, 2.5, message="timed out after 5 s (test-timeout)"),
))
print(render_summary(report, language="es"))
"""


def test_the_wheel_carries_the_compiled_spanish_catalog_and_speaks_spanish(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--disable-pip-version-check",
         "--wheel-dir", str(dist), str(ROOT)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr[-3000:]
    (wheel,) = dist.glob("pytest_sandbox_grader-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert MO in names
        assert not [n for n in names if n.endswith(".po")]  # only the compiled catalog ships
        archive.extractall(tmp_path / "site")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}
    probe = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path / "site")],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
    )
    assert probe.returncode == 0, probe.stderr[-3000:]
    assert "## Corrección automática: 7,5 / 10" in probe.stdout
    assert "se superó el tiempo límite de 5 s por prueba (test-timeout)" in probe.stdout
