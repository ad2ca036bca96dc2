"""The expected tests: learnt on the trusted side, before and without running any submission code.

The instructor's tests are collected on the host by pytest itself (so parametrized ids, classes and
markers come out exactly as pytest sees them), with every module the tests import but cannot find
replaced by a stub. The result fixes which test ids can score and how many points each is worth;
results for anything else are ignored.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from grader.errors import UsageError
from grader.models import ExpectedTest

INI = Path(__file__).parent / "sandbox" / "inside" / "pytest.ini"


class CollectionError(UsageError):
    """The instructor's tests could not be collected (one line, for the instructor)."""


def collect_expected(tests_dir: Path, *, timeout: float = 120.0) -> tuple[ExpectedTest, ...]:
    """Collect the tests in `tests_dir` (ids relative to it). Raises CollectionError."""
    tests_dir = tests_dir.resolve()
    with tempfile.TemporaryDirectory(prefix="grader-collect-") as tmp:
        out = Path(tmp) / "manifest.json"
        cmd = [
            sys.executable, "-I", "-B", "-m", "pytest", str(tests_dir),
            "--collect-only", "-q", "--no-header",
            "-c", str(INI), f"--rootdir={tests_dir}", f"--confcutdir={tests_dir}",
            "-p", "grader.collect_plugin", f"--grader-manifest={out}",
            "-p", "no:cacheprovider", "-p", "no:randomly", "-p", "no:xdist",
            "--import-mode=prepend",
        ]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PYTHON"))}
        env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
        try:
            proc = subprocess.run(
                cmd, cwd=tmp, env=env, capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            raise CollectionError(f"collecting the tests in {tests_dir} took longer than {timeout:g} s") from None
        if not out.exists():
            tail = (proc.stdout + proc.stderr).strip().splitlines()[-5:]
            raise CollectionError(
                f"could not collect the tests in {tests_dir} (pytest exit {proc.returncode}): " + " | ".join(tail)
            )
        data = json.loads(out.read_text(encoding="utf-8"))
    if data.get("errors"):
        first = data["errors"][0]
        text = first["text"].strip().splitlines()
        raise CollectionError(
            f"the instructor's tests do not collect: {first['nodeid'] or 'conftest'}: "
            + (text[-1] if text else "error")
        )
    return tuple(
        ExpectedTest(
            nodeid=t["nodeid"],
            file=t["file"],
            line=int(t["line"]),
            title=t.get("title"),
            marker_points=t.get("marker_points"),
            ungraded=t.get("ungraded"),
            xfail_strict=bool(t.get("xfail_strict", False)),
        )
        for t in data["tests"]
    )
