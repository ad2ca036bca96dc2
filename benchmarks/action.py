"""The action as students see it: the real example workflow (examples/classroom.yml) run by nektos/act,
cold and then warm, with the seconds each part of the action took.

    .venv/bin/python benchmarks/action.py [--runs 1] [--base-image local/python:3.11-slim]

act runs in host mode and offline, exactly as the end-to-end tests run it (tests/e2e/act_harness.py:
this action from a copy of the working tree, local stand-ins for actions/checkout and actions/cache, a
fake GitHub API that the Post step writes its check run to). The student's repository holds the
example assignment's solution, its tests and grading.yml.

* cold: what a student's first push meets (Actions caches are per repository): empty action caches,
  empty uv and pip caches, the runner image not on the machine. The base image is: a GitHub-hosted
  runner would pull it first, which this machine cannot (no Docker Hub), so that pull is not counted.
* warm: the next push: both caches hit, the runner image deleted from Docker (a new hosted runner).

Per step: setup (checkout + Prepare), install (restore, install, compile and save the grader), image
(restore, start, and wait for the load or build of the runner image, which runs in the background
during the install: only the wait beyond it counts here), grade, post, and the image's cache written
after Post (export and save: the student already has the feedback then); then the action's total and
its overhead beyond the Grade step, and the same until the feedback is posted, the numbers the targets
are about (cold <= 6 s, warm <= 1.5 s). Times come from act's own step timings. The machine's load
average is printed beside them: other work on the machine inflates them.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))

from _machine import print_machine  # noqa: E402

from tests.e2e.act_harness import ActHarness, ActRun, ScratchRepo, copy_action  # noqa: E402
from tests.e2e.fake_github import FakeGitHubAPI, FakeGitHubServer  # noqa: E402

EXAMPLES = ROOT / "examples"
ASSIGNMENT = EXAMPLES / "assignment"
TOKEN = "ghs_benchmarkFakeInstallationToken"
ACTION_STEP = "Grade with pytest"  # the step of examples/classroom.yml that uses this action

# The action's own steps (action.yml names) by the part of the table they belong to.
PARTS: dict[str, tuple[str, ...]] = {
    "setup": ("Checkout code", "Prepare"),
    "install": (
        "Restore the grader from the cache",
        "Install the grader",
        "Compile the grader for the cache",
        "Save the grader to the cache",
    ),
    # The image is loaded or built in the background during the install: these count only its start
    # and the wait for what the install did not cover.
    "image": (
        "Restore the runner image from the cache",
        "Start loading the runner image",
        "Load, build or pull the runner image",
    ),
    "grade": ("Grade",),
    "post": ("Post the result",),
    # After the result is posted: the student already has the feedback when these run.
    "caches (after Post)": (
        "Export the runner image for the cache",
        "Save the runner image to the cache",
    ),
}
AFTER_FEEDBACK = "caches (after Post)"
# Skipped when nothing was installed or built.
OPTIONAL = {"Compile the grader for the cache", "Save the grader to the cache", *PARTS[AFTER_FEEDBACK]}
TOTALS = ("action total", "overhead beyond Grade", "until the feedback is posted", "feedback overhead beyond Grade")
_RESULT = re.compile(r"(?:Success|Failure) - Main (?P<name>.+?) \[(?P<duration>[^\]]+)\]\s*$")
_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "µs": 1e-6, "us": 1e-6, "ns": 1e-9}


def go_duration(text: str) -> float:
    """Seconds in a Go duration as act prints it: `13.359391119s`, `1m2.5s`, `894.769µs`."""
    parts = re.findall(r"([0-9.]+)(h|ms|µs|us|ns|m|s)", text)
    if not parts or "".join(n + u for n, u in parts) != text.strip():
        raise ValueError(f"not a duration: {text!r}")
    return sum(float(number) * _UNITS[unit] for number, unit in parts)


def step_seconds(events: Iterable[dict[str, Any]]) -> dict[str, float]:
    """Main-stage step durations by step name, from act's JSON log (the last result of each name)."""
    seconds: dict[str, float] = {}
    for event in events:
        if "stepResult" not in event:
            continue
        match = _RESULT.search(str(event.get("msg", "")))
        if match:
            seconds[match["name"]] = go_duration(match["duration"])
    return seconds


def parts_of(steps: dict[str, float]) -> dict[str, float]:
    """The table's rows: the parts, the action's total and its overhead beyond the Grade step."""
    missing = [name for names in PARTS.values() for name in names if name not in steps]
    # The steps after Post are skipped when nothing was installed or built: absent is zero seconds, not an error.
    missing = [name for name in missing if name not in OPTIONAL]
    if missing or ACTION_STEP not in steps:
        raise SystemExit(f"act's log lacks steps {missing or [ACTION_STEP]}: did the workflow run?")
    rows = {part: sum(steps.get(name, 0.0) for name in names) for part, names in PARTS.items()}
    rows["action total"] = steps[ACTION_STEP]
    rows["overhead beyond Grade"] = steps[ACTION_STEP] - steps["Grade"]
    rows["until the feedback is posted"] = steps[ACTION_STEP] - rows[AFTER_FEEDBACK]
    rows["feedback overhead beyond Grade"] = rows["until the feedback is posted"] - steps["Grade"]
    return rows


def image_tag(base_image: str, runner: Path) -> str:
    """The runner image's tag as action.yml computes it: the base image and `sha256sum` of runner/'s files."""
    lines = [f"base-image {base_image}\n"]
    files = sorted((f"./{p.relative_to(runner).as_posix()}", p) for p in runner.rglob("*") if p.is_file())
    for name, path in sorted(files, key=lambda item: item[0].encode()):
        lines.append(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {name}\n")
    return "pytest-grader-runner:" + hashlib.sha256("".join(lines).encode()).hexdigest()[:16]


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def student_repo(root: Path) -> ScratchRepo:
    repo = ScratchRepo.create(root / "calc-bench", "classroom-org/calc-bench")
    repo.commit(
        {
            ".github/workflows/classroom.yml": EXAMPLES / "classroom.yml",
            "calc.py": ASSIGNMENT / "solution" / "calc.py",
            "tests/test_calc.py": ASSIGNMENT / "tests" / "test_calc.py",
            "grading.yml": ASSIGNMENT / "grading.yml",
        },
        "The solution",
    )
    return repo


def remove_image(tag: str) -> None:
    subprocess.run(["docker", "image", "rm", "--force", tag], capture_output=True, check=False)


def run_once(harness: ActHarness, repo: ScratchRepo, base_image: str, caches: Path) -> ActRun:
    """One push event through act, against a fresh fake GitHub API."""
    sha = subprocess.run(["git", "-C", str(repo.path), "rev-parse", "HEAD"], capture_output=True, text=True).stdout
    owner, name = repo.full_name.split("/")
    event = {
        "ref": "refs/heads/main",
        "after": sha.strip(),
        "head_commit": {"id": sha.strip()},
        "repository": {"full_name": repo.full_name, "name": name, "owner": {"login": owner}},
    }
    with FakeGitHubServer(FakeGitHubAPI(token=TOKEN)) as server:
        run = harness.run(
            repo,
            workflow=repo.path / ".github/workflows/classroom.yml",
            event_name="push",
            event=event,
            env={
                "GITHUB_API_URL": server.url,
                "GRADER_BASE_IMAGE": base_image,
                # a hosted runner's are empty in every job; these are per benchmark run
                "UV_CACHE_DIR": str(caches / "uv"),
                "PIP_CACHE_DIR": str(caches / "pip"),
            },
            secrets={"GITHUB_TOKEN": TOKEN},
        )
    if run.job_result != "success":
        raise SystemExit(f"the workflow failed ({run.job_result}); act's log: {harness.workdir}\n{run.log[-3000:]}")
    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="cold+warm pairs (median of each); default 1")
    parser.add_argument("--base-image", default=os.environ.get("GRADER_BASE_IMAGE") or "python:3.11-slim")
    parser.add_argument(
        "--action-root", type=Path, default=ROOT,
        help="the action to measure: a checkout of it (default this working tree), e.g. an older release "
        "from `git archive` to compare under the same load",
    )  # fmt: skip
    parser.add_argument("--steps", action="store_true", help="also print every step of the action")
    parser.add_argument(
        "--image-from", metavar="IMAGE",
        help="tag IMAGE as the runner image before each run instead of deleting it: the image step then "
        "finds it on the machine (for comparing the other steps where the build cannot run)",
    )  # fmt: skip
    args = parser.parse_args()

    image = image_tag(args.base_image, args.action_root / "runner")
    cold: list[dict[str, float]] = []
    warm: list[dict[str, float]] = []
    steps: dict[str, list[dict[str, float]]] = {"cold": [], "warm": []}
    loads = [load()]
    for index in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="bench-action-") as tmp:
            root = Path(tmp)
            repo = student_repo(root)
            harness = ActHarness.for_workflow(
                root / "harness", repo.path / ".github/workflows/classroom.yml", repo.path
            )
            if args.action_root.resolve() != ROOT:
                shutil.rmtree(harness.action_dir)
                copy_action(harness.action_dir, args.action_root)
            for label, runs in (("cold", cold), ("warm", warm)):
                remove_image(image)  # cold: not on the machine; warm: a new hosted runner, only the cache has it
                if args.image_from:
                    subprocess.run(["docker", "tag", args.image_from, image], check=True)
                seconds = step_seconds(run_once(harness, repo, args.base_image, root / f"caches-{label}").events)
                steps[label].append(seconds)
                runs.append(parts_of(seconds))
            loads.append(load())
            print(f"pair {index + 1}: cold {cold[-1]['action total']:.1f} s, warm {warm[-1]['action total']:.1f} s",
                  file=sys.stderr)  # fmt: skip

    print_machine()
    print(f"examples/classroom.yml under act (host mode), example solution, {args.runs} cold+warm pair(s), median")
    print(f"load average (1, 5, 15 min) before and after each pair: {' | '.join(loads)}\n")
    print(f"| {'part of the action':<30} | {'cold s':>7} | {'warm s':>7} |")
    print(f"|{'-' * 32}|{'-' * 9}|{'-' * 9}|")
    for row in [*PARTS, *TOTALS]:
        c = statistics.median(r[row] for r in cold)
        w = statistics.median(r[row] for r in warm)
        print(f"| {row:<30} | {c:7.2f} | {w:7.2f} |")
    if args.steps:
        names = [name for name in steps["cold"][0] if name in {n for ns in PARTS.values() for n in ns}]
        print(f"\n| {'step':<40} | {'cold s':>7} | {'warm s':>7} |")
        print(f"|{'-' * 42}|{'-' * 9}|{'-' * 9}|")
        for name in names:
            c = statistics.median(s.get(name, 0.0) for s in steps["cold"])
            w = statistics.median(s.get(name, 0.0) for s in steps["warm"])
            print(f"| {name:<40} | {c:7.2f} | {w:7.2f} |")
    print()
    for row in ("overhead beyond Grade", "feedback overhead beyond Grade"):
        for label, runs, target in (("cold", cold, 6.0), ("warm", warm, 1.5)):
            value = statistics.median(r[row] for r in runs)
            print(f"{label} {row} {value:.2f} s (target <= {target:g} s): {'met' if value <= target else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
