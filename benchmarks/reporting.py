"""Reporting speed: parse, score and render 10 000 test cases (target: under 1 s).

    .venv/bin/python benchmarks/reporting.py [--cases 10000] [--runs 5]

Generates the JUnit XML the sandbox would return for a large suite (xunit1, parametrized tests in ten
files; 80% passed, 15% failed with a traceback into the student's code and pytest's diff, 5% skipped),
then times grader.results.junit.parse_junit, grader.results.scoring.score_report and
grader.reporters.markdown.render_summary (the student's job summary; the instructor's view is timed
separately), median of --runs. Prints the
numbers and the machine; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import print_machine

from grader.config import GradingConfig
from grader.models import ExpectedTest
from grader.reporters.markdown import render_summary
from grader.results.junit import parse_junit
from grader.results.scoring import score_report

FILES = 10


def suite(cases: int) -> tuple[bytes, tuple[ExpectedTest, ...]]:
    """The XML of a run of `cases` tests and the expected tests the trusted side would have collected."""
    per_file = max(1, cases // FILES)
    parts = ['<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests">']
    parts.append(f'<testsuite name="pytest" errors="0" failures="0" skipped="0" tests="{cases}" time="1.0">')
    expected = []
    for i in range(cases):
        module = f"test_part{i // per_file}"
        name = f"test_value[{i}]"
        line = 10 + (i % 50)
        expected.append(
            ExpectedTest(nodeid=f"{module}.py::{name}", file=f"{module}.py", line=line, title=f"value {i} is computed")
        )
        head = (
            f"<testcase classname={quoteattr(module)} name={quoteattr(name)} "
            f'file="{module}.py" line="{line - 1}" time="0.002">'
        )
        kind = i % 20
        if kind < 16:
            parts.append(head + "</testcase>")
        elif kind < 19:
            details = (
                f"def test_value(n):\n>       assert compute(n) == {i}\nE       assert {i + 1} == {i}\n"
                f"E        +  where {i + 1} = compute({i})\n\n../mnt/tests/{module}.py:{line + 1}: \n"
                f"/workspace/calc.py:{12 + i % 7}: in compute\n    return n + 1\n"
                "E   AssertionError"
            )
            message = f"assert {i + 1} == {i}\n +  where {i + 1} = compute({i})"
            parts.append(
                head
                + f"<failure message={quoteattr(message)}>{escape(details)}</failure>"
                + f"<system-out>{escape('computing ' + str(i))}</system-out></testcase>"
            )
        else:
            parts.append(
                head
                + f'<skipped type="pytest.skip" message="not on this platform">{module}.py:{line}: '
                + "not on this platform</skipped></testcase>"
            )
    parts.append("</testsuite></testsuites>")
    return "".join(parts).encode(), tuple(expected)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    xml, expected = suite(args.cases)
    config = GradingConfig(tests=Path("/nonexistent-tests"), hidden=("test_part9.py::*",))
    files = frozenset({"calc.py"})
    timings: dict[str, list[float]] = {"parse": [], "score": [], "render": [], "total": [], "instructor": []}
    report = None
    for _ in range(args.runs + 1):  # the first round warms up imports and caches
        t0 = time.perf_counter()
        junit = parse_junit(xml)
        t1 = time.perf_counter()
        report = score_report(expected, junit, config, submission_files=files)
        t2 = time.perf_counter()
        student = render_summary(report, audience="student")
        t3 = time.perf_counter()
        instructor = render_summary(report, audience="instructor")
        t4 = time.perf_counter()
        for key, value in (
            ("parse", t1 - t0),
            ("score", t2 - t1),
            ("render", t3 - t2),
            ("total", t3 - t0),
            ("instructor", t4 - t3),
        ):
            timings[key].append(value)
    for values in timings.values():
        del values[0]
    assert report is not None
    print_machine()
    print(
        f"Suite: {len(expected)} test cases, {len(xml) / 2**20:.1f} MiB of JUnit XML; "
        f"report: {report.passed} passed, score {report.score:g} / {report.max_score:g}; "
        f"summaries {len(student.encode()) / 1024:.0f} KiB (student), {len(instructor.encode()) / 1024:.0f} KiB "
        "(instructor)"
    )
    print(f"Median of {args.runs} runs:")
    print("| stage | seconds |")
    print("|---|--:|")
    labels = {
        "parse": "parse (`parse_junit`)",
        "score": "score (`score_report`)",
        "render": "render (`render_summary`, student job summary)",
        "total": "**parse + score + render**",
        "instructor": "(extra) render the instructor's summary",
    }
    for key, label in labels.items():
        print(f"| {label} | {statistics.median(timings[key]):.3f} |")
    total = statistics.median(timings["total"])
    print(f"Target: under 1 s for {args.cases} cases -> {'met' if total < 1 else 'NOT met'} ({total:.3f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
