"""Run the whole corpus: variants, both sides, comparison, the table and the status file."""

from __future__ import annotations

import datetime
import time
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker

from tests.conformance import intended, runner
from tests.conformance.corpus import Suite
from tests.conformance.mutate import Variant, make_variants
from tests.conformance.verdicts import Outcome, compare

STATUS_FILE = Path("/tmp/conformance-status.md")
WORKERS = 2  # the machine's cores
WORK_NOTE = "<suite>/{variants,reference,grader}/"


@dataclass(frozen=True)
class VariantResult:
    suite: str
    variant: str
    outcomes: tuple[Outcome, ...]
    reference_errors: str = ""  # the reference's errors outside any test (collection, conftest)
    grader_error: str | None = None  # the grader report's run error, if any
    seconds: float = 0.0  # wall time of the grader run
    command: str = ""  # the grader run, to repeat by hand

    @property
    def agreements(self) -> int:
        return sum(o.agrees for o in self.outcomes)

    @property
    def excused(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.agrees and o.excused_by]

    @property
    def unexplained(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.agrees and not o.excused_by]


@dataclass
class CorpusRun:
    results: list[VariantResult] = field(default_factory=list)
    seconds: float = 0.0


def run_corpus(suites: Iterable[Suite], client: docker.DockerClient, image: str, work: Path) -> CorpusRun:
    """Grade every variant of every suite on both sides, `WORKERS` containers at a time."""
    started = time.monotonic()
    jobs: list[tuple[Suite, Variant, Future[tuple[dict[str, Any] | None, str, float]], Future[dict[str, str | None]]]]
    jobs = []
    with ThreadPoolExecutor(WORKERS) as pool:
        for suite in suites:
            base = work / suite.name
            variants = make_variants(suite.solution, suite.tests, base / "variants", broken=suite.broken,
                                     seed=suite.name, avoid=suite.avoid)
            config_file, config = runner.grader_config(base, suite.tests)
            # The reference runs all variants of a suite in one container, beside the grader's runs.
            reference = pool.submit(runner.run_reference, client, image, suite.tests, variants, base / "reference",
                                    config.limits)
            for variant in variants:
                graded = pool.submit(_timed_grade, image, config_file, variant, base / "grader")
                jobs.append((suite, variant, graded, reference))
        run = CorpusRun()
        for suite, variant, graded, reference in jobs:
            report, failure, seconds = graded.result()
            outcomes, module_errors = compare(reference.result()[variant.name], report, failure)
            run.results.append(
                VariantResult(
                    suite=suite.name,
                    variant=variant.name,
                    outcomes=tuple(intended.excuse(o) for o in outcomes),
                    reference_errors=module_errors,
                    grader_error=failure or (report or {}).get("error"),
                    seconds=seconds,
                    command=runner.command_line(variant),
                )
            )
    run.seconds = time.monotonic() - started
    return run


def _timed_grade(image: str, config_file: Path, variant: Variant, out: Path) -> tuple[
    dict[str, Any] | None, str, float
]:
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    report, failure = runner.run_grader(image, config_file, variant, out)
    return report, failure, time.monotonic() - started


def table(run: CorpusRun) -> list[str]:
    """The table for pytest's terminal summary."""
    head = f"{'suite':<16} {'variant':<48} {'tests':>6} {'agree':>6} {'excused':>7} {'disagree':>8} {'grader s':>8}"
    lines = [head, "-" * len(head)]
    for r in run.results:
        lines.append(
            f"{r.suite:<16} {r.variant[:48]:<48} {len(r.outcomes):>6} {r.agreements:>6} {len(r.excused):>7}"
            f" {len(r.unexplained):>8} {r.seconds:>8.1f}"
        )
    total = sum(len(r.outcomes) for r in run.results)
    bad = sum(len(r.unexplained) for r in run.results)
    excused = sum(len(r.excused) for r in run.results)
    lines.append(f"{len(run.results)} variants, {total} test verdicts compared, {excused} excused by a rule in"
                 f" tests/conformance/intended.py, {bad} unexplained disagreements, {run.seconds:.0f} s")
    return lines


def write_status(run: CorpusRun, work: Path, path: Path = STATUS_FILE) -> None:
    """The disagreement list for the engineers fixing the grader (refreshed on every run)."""
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"# Conformance status ({now})",
        "",
        "Written by tests/conformance (`.venv/bin/python -m pytest tests/conformance`). Verdicts: passed,",
        "failed (incl. error, not run, and a skip that still counts in max_score), skipped (not graded).",
        "",
        "```",
        *table(run),
        "```",
        "",
        "## Unexplained disagreements by cause",
        "",
        *[f"- {n} x {suite}: {why or 'cause unknown: see the table below'}"
          for (suite, why), n in Counter(
              (r.suite, _kind(cause(o))) for r in run.results for o in r.unexplained).most_common()],
        "",
        "## Unexplained disagreements",
        "",
        "| suite | variant | test | reference | grader | cause (if known) |",
        "|---|---|---|---|---|---|",
    ]
    for r in run.results:
        for o in r.unexplained:
            lines.append(
                f"| {r.suite} | {r.variant} | `{o.test}` | {o.reference.verdict}: {_cell(o.reference.why)}"
                f" | {o.grader.verdict}: {_cell(o.grader.why)} | {_cell(cause(o))} |"
            )
    lines += ["", "## Excused (rules in tests/conformance/intended.py)", ""]
    for r in run.results:
        for o in r.excused:
            lines.append(f"- {r.suite} / {r.variant} / `{o.test}`: {o.excused_by}")
    lines += ["", "## Reproduce", "",
              f"Variants, reference JUnit XML and logs, and the grader's JSON reports: {work}/{WORK_NOTE}."
              " Grader side:", ""]
    lines += sorted({f"    {r.command}" for r in run.results if r.unexplained})[:10]
    lines += ["", "Reference side (variant folder V, the suite's tests folder T):", "",
              "    docker run --rm --network none -v T:/mnt/tests:ro -v V:/mnt/v:ro -e PYTHONPATH=/mnt/v -w /tmp"
              " pytest-grader-runner:latest python -B -m pytest /mnt/tests --rootdir=/mnt/tests -p no:cacheprovider"
              " --continue-on-collection-errors -q"]
    lines += ["", "## Run errors", ""]
    for r in run.results:
        if r.grader_error or r.reference_errors:
            lines.append(f"- {r.suite} / {r.variant}: grader: {r.grader_error or '-'}; reference: "
                         f"{_cell(r.reference_errors) or '-'}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def cause(o: Outcome) -> str:
    """A one-line guess at the cause, from the two verdicts (for the status file only)."""
    ref, got = o.reference, o.grader
    known = [
        ("is not the instructor's", "test-tampering false positive on honest code: the test's fingerprint differs"
         " (grader/sandbox/inside/fingerprint.py)"),
        ("the grader refuses", "the audit hook refuses what honest library code does (sys._getframe, setting a"
         " function's __defaults__...) (grader/sandbox/inside/audit.py)"),
        ("ImportError while loading conftest", "trusted collection cannot load a conftest.py that imports the"
         " student's module: the stub finder comes in pytest_configure, after the initial conftests are loaded"
         " (grader/collection/collect_plugin.py)"),
        ("AST constructor recursion depth mismatch", "CPython 3.11 gh-106905: ast state shared between threads"
         " (the static scan in grader batch's threads)"),
    ]
    for needle, text in known:
        if needle in got.why:
            return text
    if ref.verdict == "failed" and got.verdict == "passed" and "entries" in ref.why:
        return "failed subtest(s) in pytest's XML, test passed by the grader (issue #9 item 1)"
    if got.why.startswith("not in the grader's report"):
        closest = max(o.grader_siblings, key=lambda g: _common_suffix(g, o.test), default="")
        near = f": it has {closest}" if closest else ""
        return f"test id unknown to the grader's trusted collection{near}"
    if ref.verdict == "skipped" and got.verdict == "failed":
        return "skip counted in max_score by the grader (issue #9 item 2: decide/document)"
    return ""


def _kind(text: str) -> str:
    """A cause without the one test it names (for counting)."""
    return text.split(": it has ")[0]


def _common_suffix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[-1 - n] == b[-1 - n]:
        n += 1
    return n


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")[:200]
