"""Both sides of a conformance run, in the same runner image.

Reference: plain `python -m pytest --junitxml` in one `docker run` per suite (its variants one after
the other, each its own pytest process), the tests mounted at /mnt/tests as the grader mounts
them, the variant's solution on PYTHONPATH, no grader code at all. With
`--continue-on-collection-errors`: by default pytest runs no test at all once one module fails to
import, which would leave nothing to compare per test; with it, pytest runs the other modules, as
the grader does (a module that does not import costs only its own tests).
Grader: `grader run --json` for each variant, as a course's workflow runs it.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import docker

from tests.conformance.mutate import Variant

REFERENCE_TIMEOUT_S = 120  # per variant; a suite runs in a few seconds
GRADER_TIMEOUT_S = 400  # the config's run timeout (300 s) plus start-up
GRADER = Path(sys.executable).parent / "grader"  # the console script next to this interpreter
# The grader's limits are generous here: the corpus is honest code, and a verdict must not depend on them.
GRADER_CONFIG = """\
tests: tests
timeout: 300
test-timeout: 60
"""


def run_reference(
    client: docker.DockerClient, image: str, tests: Path, variants: list[Variant], out: Path, limits: Any
) -> dict[str, str | None]:
    """JUnit XML text per variant name (None when pytest wrote none).

    The grader's resource `limits` apply here too: a mutant that eats memory must meet the same wall
    on both sides (else the reference passes what the grader's sandbox kills).
    """
    out.mkdir(parents=True, exist_ok=True)
    os.chmod(out, 0o777)  # written by uid 1000 in the container
    root = variants[0].path.parent
    script = []
    for v in variants:
        d = v.path.name
        script.append(
            f"PYTHONPATH=/mnt/variants/{d} timeout {REFERENCE_TIMEOUT_S} python -B -m pytest /mnt/tests"
            f" --rootdir=/mnt/tests -p no:cacheprovider -q --continue-on-collection-errors"
            f" --junitxml=/out/{d}.xml > /out/{d}.log 2>&1"
        )
    container = client.containers.run(
        image,
        command=["sh", "-c", "cd /tmp && " + " ; ".join(script)],
        user="1000:1000",
        environment={"HOME": "/tmp", "LANG": "C.UTF-8"},
        network_mode="none",
        read_only=True,
        tmpfs={"/tmp": f"rw,size={limits.tmp}"},
        mem_limit=limits.memory,
        memswap_limit=limits.memory,
        nano_cpus=int(limits.cpus * 1e9),
        pids_limit=limits.pids,
        volumes={
            str(tests): {"bind": "/mnt/tests", "mode": "ro"},
            str(root): {"bind": "/mnt/variants", "mode": "ro"},
            str(out): {"bind": "/out", "mode": "rw"},
        },
        labels={"io.github.pytest-grader.conformance": "reference"},
        detach=True,
    )
    try:
        container.wait(timeout=REFERENCE_TIMEOUT_S * len(variants) + 60)
    finally:
        container.remove(force=True)
    found: dict[str, str | None] = {}
    for v in variants:
        xml = out / f"{v.path.name}.xml"
        found[v.name] = xml.read_text(encoding="utf-8") if xml.exists() else None
    return found


def reference_log(out: Path, variant: Variant) -> str:
    log = out / f"{variant.path.name}.log"
    return log.read_text(encoding="utf-8", errors="replace")[-2000:] if log.exists() else ""


def grader_config(base: Path, tests: Path) -> tuple[Path, Any]:
    """(grading.yml for `grader run --config`, its parsed form for the limits)."""
    from grader.config import parse_config

    text = GRADER_CONFIG.replace("tests: tests", f"tests: {tests}")
    path = base / "grading.yml"
    path.write_text(text, encoding="utf-8")
    return path, parse_config(text, base_dir=base)


def run_grader(image: str, config_file: Path, variant: Variant, out: Path) -> tuple[dict[str, Any] | None, str]:
    """(the grader's JSON report, "") or (None, why there is none), from `grader run` in its own process.

    Its own process, as in Actions: grading in threads of one process would share CPython 3.11's
    `ast` state between the static scans (gh-106905: "AST constructor recursion depth mismatch").
    """
    report = out / f"{variant.path.name}.json"
    cmd = [str(GRADER), "run", str(variant.path), "--config", str(config_file), "--image", image,
           "--json", str(report), "--quiet"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=GRADER_TIMEOUT_S, check=False)
    if proc.returncode not in (0, 1) or not report.exists():
        tail = (proc.stderr.strip() or proc.stdout.strip()).splitlines()[-1:] or ["no output"]
        return None, f"grader run exit {proc.returncode}: {tail[0][:300]}"
    return json.loads(report.read_text(encoding="utf-8")), ""


def command_line(variant: Variant) -> str:
    """How to reproduce the grader's side by hand (printed in the status file)."""
    return shlex.join([".venv/bin/grader", "run", str(variant.path), "--config",
                       str(variant.path.parent.parent / "grading.yml"), "--json", "out.json"])
