"""Per-submission latency: `grader run` vs a bare hardened `docker run` of the same pytest command vs
pytest on the host, on the bundled example assignment (correct solution). Median of N runs.

    .venv/bin/python benchmarks/overhead.py [--runs 10] [--image pytest-grader-runner:latest] [--baseline DIR]

`--baseline DIR` adds the `grader run` of another copy of the grader's source (e.g. the previous commit:
`git archive HEAD | tar -x -C DIR`), run from DIR with the same interpreter and arguments, in the same
rounds: a before/after comparison under the same load.

Prints a table of medians and ratios, the machine it ran on and its load average. Target: `grader run`
at most 1.3x the bare `docker run`.

The commands take turns (one run of each per round), so that a load that comes and goes on a shared
machine weighs on all of them alike. The grader runs with its bytecode written (as after `pip install`
or the action's install step): with PYTHONDONTWRITEBYTECODE set in the environment it would compile its
own modules on every run (about 40 ms), which no installed grader does.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = ROOT / "examples" / "assignment"


def timed(commands: dict[str, Callable[[], object]], runs: int) -> dict[str, list[float]]:
    """Each command once per round, `runs` rounds, after one warm-up round (page cache, image layers,
    Python bytecode)."""
    for fn in commands.values():
        fn()
    out: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, fn in commands.items():
            start = time.perf_counter()
            fn()
            out[name].append(time.perf_counter() - start)
    return out


def run(cmd: list[str], **kw: object) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)  # type: ignore[call-overload]
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr[-2000:]}")


def bare_docker_command(submission: Path, tests: Path, image: str) -> list[str]:
    """The baseline: the same pytest command in the same image with the same hardening, nothing else
    (no supervisor, no signing, no per-test timeout). Also benchmarks/throughput.py's baseline."""
    return [
        "docker", "run", "--rm", "--network", "none", "--read-only",
        "--tmpfs", "/tmp:rw,noexec,nosuid,size=64m",
        "--tmpfs", "/workspace:rw,noexec,nosuid,size=128m,uid=1000,gid=1000",
        "-v", f"{submission}:/mnt/submission:ro", "-v", f"{tests}:/mnt/tests:ro",
        "--user", "1000:1000", "--memory", "256m", "--memory-swap", "256m", "--cpus", "1",
        "--pids-limit", "64", "--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--init",
        "-e", "PYTHONPATH=/mnt/submission",
        image, "python", "-m", "pytest", "/mnt/tests", "-q", "-p", "no:cacheprovider",
        "--junitxml=/tmp/report.xml",
    ]  # fmt: skip


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    docker = subprocess.run(["docker", "version", "--format", "{{.Server.Version}}"], capture_output=True, text=True)
    return (f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB, Linux {platform.release()}, "
            f"Python {platform.python_version()}, Docker {docker.stdout.strip() or '?'}")


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--image", default="pytest-grader-runner:latest")
    parser.add_argument("--submission", type=Path, default=ASSIGNMENT / "solution")
    parser.add_argument("--baseline", type=Path, help="another copy of the grader's source to compare with")
    args = parser.parse_args()

    grader = [sys.executable, "-m", "grader"]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sub, tests = work / "submission", work / "tests"
        shutil.copytree(args.submission, sub)
        shutil.copytree(ASSIGNMENT / "tests", tests)
        for p in (work, sub, tests):
            os.chmod(p, 0o755)
        bare_docker = bare_docker_command(sub, tests, args.image)
        host_pytest = [sys.executable, "-m", "pytest", str(tests), "-q", "-p", "no:cacheprovider",
                       f"--junitxml={work / 'host.xml'}"]
        grader_run = [*grader, "run", str(sub), "--config", str(ASSIGNMENT / "grading.yml"),
                               "--tests", str(tests), "--image", args.image, "--json", str(work / "r.json"),
                               "--quiet"]
        # Plugins installed in the environment (hypothesis, ...) would slow the host run unfairly.
        env = dict(os.environ, PYTHONPATH=str(sub), PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
        grader_env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        commands: dict[str, Callable[[], object]] = {
            "pytest on the host": lambda: run(host_pytest, env=env),
            "bare hardened docker run": lambda: run(bare_docker),
            "grader run": lambda: run(grader_run, env=grader_env, cwd=ROOT),
        }
        if args.baseline:
            # `python -m grader` imports the grader of its working folder first
            commands["grader run (baseline)"] = lambda: run(grader_run, env=grader_env, cwd=args.baseline.resolve())
        before = load()
        results = timed(commands, args.runs)
    base = statistics.median(results["bare hardened docker run"])
    print(f"machine: {machine()}")
    print(f"{before} before, {load()} after")
    print(f"assignment: examples/assignment ({args.submission.name}), {args.runs} runs each, median\n")
    print(f"| {'command':<26} | {'median s':>8} | {'min s':>6} | {'vs docker run':>13} |")
    print(f"|{'-' * 28}|{'-' * 10}|{'-' * 8}|{'-' * 15}|")
    for name, times in results.items():
        med = statistics.median(times)
        print(f"| {name:<26} | {med:8.3f} | {min(times):6.3f} | {med / base:12.2f}x |")
    ratio = statistics.median(results["grader run"]) / base
    print(f"\ngrader run / bare docker run = {ratio:.2f}x (target <= 1.30x): {'met' if ratio <= 1.3 else 'NOT met'}")
    if args.baseline:
        print(f"baseline ({args.baseline}) / bare docker run = "
              f"{statistics.median(results['grader run (baseline)']) / base:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
