"""Throughput: `grader batch` vs a sequential loop of `grader run` over a generated class.

    .venv/bin/python benchmarks/throughput.py [--count 100] [--jobs N] [--image pytest-grader-runner:latest]

Generates --count submissions of the bundled example assignment (examples/assignment: 13 tests, a 5 s
per-test timeout): 50% correct, 25% partial (two bugs), 15% broken (a syntax error), 10% slow (naive
recursion: one test hits the per-test timeout). Every file differs (a comment with its number), so
nothing can be reused. Grades them once with a loop of `grader run` and once with `grader batch --force`
(default --jobs: the number of cores), checks both give every submission the same score and that no
sandbox container is left behind; then runs bare hardened `docker run`s of the same tests, --jobs at a
time (benchmarks/overhead.py's baseline), and prints the times, the speed-up, the ratio to the bare runs
and the machine. Targets: at least 1.8x on 2 cores; batch within 1.25x of the bare runs. Asserts nothing
about time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import print_machine
from overhead import bare_docker_command

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = ROOT / "examples" / "assignment"
LABEL = "io.github.pytest-grader"
TARGET = 1.8
BARE_TARGET = 1.25  # issue #15: `grader batch` within 1.25x of bare parallel `docker run`s

PARTIAL = """
def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def is_prime(n):
    for k in range(2, n):
        if n % k == 0:
            return False
    return True
"""
BROKEN = """
def fib(n)
    return n
"""
SLOW = """
def fib(n):
    if n < 0:
        raise ValueError(n)
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def is_prime(n):
    return n > 1 and all(n % k for k in range(2, n))
"""
KINDS = (("correct", 50), ("partial", 25), ("broken", 15), ("slow", 10))


def make_class(root: Path, count: int) -> dict[str, str]:
    """count submissions in root/<name>/calc.py; returns name -> kind."""
    solution = (ASSIGNMENT / "solution" / "calc.py").read_text(encoding="utf-8")
    sources = {"correct": solution, "partial": PARTIAL, "broken": BROKEN, "slow": SLOW}
    plan = [kind for kind, share in KINDS for _ in range(share)]
    kinds = {}
    for i in range(count):
        kind = plan[(i * 37) % len(plan)]  # spread the kinds over the class
        name = f"student{i:03}"
        folder = root / name
        folder.mkdir(parents=True)
        (folder / "calc.py").write_text(f"# submission {i}\n{sources[kind]}", encoding="utf-8")
        kinds[name] = kind
    return kinds


def containers() -> list[str]:
    done = subprocess.run(
        ["docker", "ps", "-aq", "--filter", f"label={LABEL}"], capture_output=True, text=True, check=True
    )
    return done.stdout.split()


def grader(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "grader", *args], capture_output=True, text=True, cwd=ROOT, check=False
    )


def bare_parallel(work: Path, folder: str, names: list[str], jobs: int, image: str) -> float:
    """Seconds for bare hardened `docker run`s of the submissions' tests, `jobs` at a time: what
    parallel grading costs with no grader around it (benchmarks/overhead.py's baseline)."""
    for path in (work, work / folder, work / "tests", *(work / folder / n for n in names)):
        os.chmod(path, 0o755)  # the container's user reads the bind mounts

    def one(name: str) -> None:
        subprocess.run(bare_docker_command(work / folder / name, work / "tests", image), capture_output=True,
                       check=False, timeout=120)  # fmt: skip

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(one, names))
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--image", default=os.environ.get("GRADER_IMAGE", "pytest-grader-runner:latest"))
    args = parser.parse_args()
    if containers():
        raise SystemExit("sandbox containers exist already: this benchmark needs a quiet engine")

    with tempfile.TemporaryDirectory(prefix="grader-throughput-") as tmp:
        work = Path(tmp)
        shutil.copytree(ASSIGNMENT / "tests", work / "tests")
        shutil.copy(ASSIGNMENT / "grading.yml", work / "grading.yml")
        config = str(work / "grading.yml")
        kinds = make_class(work / "class", args.count)

        seq_scores: dict[str, float] = {}
        (work / "seq").mkdir()
        start = time.perf_counter()
        for name in kinds:
            report = work / "seq" / f"{name}.json"
            done = grader(
                *("run", str(work / "class" / name), "--config", config, "--image", args.image),
                *("--json", str(report), "--quiet"),
            )
            if done.returncode != 0:
                raise SystemExit(f"grader run {name} failed ({done.returncode}): {done.stderr[-1000:]}")
            seq_scores[name] = json.loads(report.read_text(encoding="utf-8"))["score"]
        sequential = time.perf_counter() - start
        left_seq = containers()

        start = time.perf_counter()
        done = grader(
            *("batch", str(work / "class"), "--config", config, "--image", args.image),
            *("--out", str(work / "batch"), "--jobs", str(args.jobs), "--force"),
        )
        batched = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"grader batch failed ({done.returncode}): {done.stderr[-2000:]}")
        left = left_seq + containers()
        # Against bare runs, only the submissions that end on their own: a bare pytest has no per-test
        # timeout, so a slow one would run for minutes where the grader stops it after 5 s.
        fast = [name for name, kind in kinds.items() if kind != "slow"]
        for name in fast:
            shutil.copytree(work / "class" / name, work / "fast" / name)
        start = time.perf_counter()
        done = grader(
            *("batch", str(work / "fast"), "--config", config, "--image", args.image),
            *("--out", str(work / "batch-fast"), "--jobs", str(args.jobs), "--force"),
        )
        batched_fast = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"grader batch failed ({done.returncode}): {done.stderr[-2000:]}")
        bare = bare_parallel(work, "fast", fast, args.jobs, args.image)
        left += containers()
        batch_scores = {
            name: json.loads((work / "batch" / "reports" / name / "report.json").read_text(encoding="utf-8"))["score"]
            for name in kinds
        }

    print_machine()
    counts = ", ".join(f"{sum(k == kind for k in kinds.values())} {kind}" for kind, _ in KINDS)
    print(f"Class: {args.count} submissions of examples/assignment ({counts})")
    print("| method | wall time (s) | per submission (s) |")
    print("|---|--:|--:|")
    print(f"| sequential `grader run` loop | {sequential:.1f} | {sequential / args.count:.2f} |")
    print(f"| `grader batch --jobs {args.jobs}` | {batched:.1f} | {batched / args.count:.2f} |")
    speedup = sequential / batched
    verdict = "met" if speedup >= TARGET else "NOT met"
    print(f"Speed-up: {speedup:.2f}x (target: at least {TARGET}x on 2 cores -> {verdict})")
    print(f"\nThe {len(fast)} submissions that end on their own (no slow one: a bare pytest has no per-test timeout):")
    print("| method | wall time (s) | per submission (s) |")
    print("|---|--:|--:|")
    print(f"| `grader batch --jobs {args.jobs}` | {batched_fast:.1f} | {batched_fast / len(fast):.2f} |")
    print(f"| bare hardened `docker run`s, {args.jobs} at a time | {bare:.1f} | {bare / len(fast):.2f} |")
    ratio = batched_fast / bare
    print(f"grader batch / bare parallel docker runs: {ratio:.2f}x (target: at most {BARE_TARGET}x -> "
          f"{'met' if ratio <= BARE_TARGET else 'NOT met'})\n")
    for kind, _ in KINDS:
        scores = sorted({batch_scores[n] for n, k in kinds.items() if k == kind})
        print(f"  {kind}: scores {', '.join(f'{x:g}' for x in scores)}")
    differ = sorted(n for n in kinds if seq_scores[n] != batch_scores[n])
    print(
        f"Same score from both methods: {len(kinds) - len(differ)} / {len(kinds)}"
        + (f" (differ: {differ})" if differ else "")
    )
    print(f"Sandbox containers left behind: {len(left)}")
    return 0 if not left else 1


if __name__ == "__main__":
    raise SystemExit(main())
