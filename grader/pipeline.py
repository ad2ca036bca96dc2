"""Grade one submission: the stages glued together, side effects at the edges.

tests -> staged copy -> expected tests (trusted collection)
submission -> staged copy (+ findings) -> static scan (+ findings)
both -> sandbox -> JUnit XML -> parsed cases -> scored Report
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import docker

from grader.config import GradingConfig
from grader.errors import UsageError
from grader.integrity import scan_submission
from grader.junit import parse_junit
from grader.manifest import collect_expected
from grader.models import ExpectedTest, JUnitReport, Report
from grader.reporters.escape import one_line
from grader.sandbox import DockerUnavailable, SandboxSpec, docker_client, run_sandbox
from grader.scoring import score_report
from grader.staging import stage_submission, stage_tests

DEFAULT_IMAGE = "pytest-grader-runner:latest"


@dataclass(frozen=True)
class PreparedTests:
    """The instructor's tests, staged once and collected once (shared by every submission of a batch)."""

    path: Path
    _collected: Future[tuple[ExpectedTest, ...]]

    @property
    def expected(self) -> tuple[ExpectedTest, ...]:
        """Waits for the collection, which runs in the background while the first sandbox starts."""
        return self._collected.result()


class TestsError(UsageError):
    """The instructor's tests folder cannot be used (one line, for the instructor)."""

    __test__ = False


@contextmanager
def prepared_tests(config: GradingConfig) -> Iterator[PreparedTests]:
    """Stage the tests into a private folder and learn the expected tests from that copy.

    Collection runs on the copy, never in place: next to the original there may be the student's
    own code (a Classroom repository holds both), which must not be importable on the host.
    """
    with tempfile.TemporaryDirectory(prefix="grader-tests-") as tmp:
        staged = stage_tests(config.tests, Path(tmp) / "tests")
        if staged.error:
            raise TestsError(staged.error)
        os.chmod(tmp, 0o755)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="collect") as pool:
            yield PreparedTests(staged.path, pool.submit(collect_expected, staged.path))


def grade(
    submission: Path,
    config: GradingConfig,
    *,
    image: str = DEFAULT_IMAGE,
    tests: PreparedTests | None = None,
    client: docker.DockerClient | None = None,
    on_container: Callable[[Any], None] | None = None,
) -> Report:
    """Grade one submission. Raises DockerUnavailable, TestsError or CollectionError; never for the submission.
    `on_container` is the sandbox's container hook (`run_sandbox(on_created=...)`)."""
    if tests is None:
        with prepared_tests(config) as prepared:
            return grade(submission, config, image=image, tests=prepared, client=client, on_container=on_container)
    client = client or docker_client()
    # The instructor's collection (a background thread, see prepared_tests) is waited for only after the
    # sandbox ran: it overlaps the container's start-up and run instead of delaying them (issue #15).
    # Its errors (CollectionError) are not the submission's: they propagate from `tests.expected`.
    stage = "staging the submission"
    try:
        with tempfile.TemporaryDirectory(prefix="grader-run-") as tmp:
            os.chmod(tmp, 0o755)
            exclude = [config.tests] + ([config.source] if config.source else [])
            staged = stage_submission(submission, Path(tmp) / "submission", exclude=exclude)
            findings = list(staged.findings)
            if staged.error:
                return score_report(tests.expected, JUnitReport(cases=()), config, findings=tuple(findings),
                                    run_error=staged.error)
            # The static scan is independent of the run: overlap it with the container's start-up.
            with ThreadPoolExecutor(max_workers=1) as pool:
                scan = pool.submit(scan_submission, staged.path, staged.files)
                spec = SandboxSpec(
                    image=image,
                    submission=staged.path,
                    tests=tests.path,
                    limits=config.limits,
                    timeout=config.timeout,
                    test_timeout=config.test_timeout,
                )
                stage = "running the sandbox"
                result = run_sandbox(spec, client, on_created=on_container)
                stage = "scanning the submission"
                findings.extend(scan.result())
        findings.extend(result.findings)
        stage = "reading the test results"
        junit = parse_junit(result.junit_xml) if result.junit_xml is not None else JUnitReport(cases=())
    except DockerUnavailable:
        raise  # the engine, not the submission: the caller stops starting sandboxes
    except Exception as exc:  # anything else still ends in a report (issue #11)
        return internal_error_report(tests.expected, config, stage, exc)
    expected = tests.expected
    try:
        report = score_report(
            expected,
            junit,
            config,
            submission_files=staged.files,
            findings=tuple(findings),
            sandbox=result.info,
            run_error=result.error or junit.error,
            output=result.output,
        )
        return relocate_test_files(report, _tests_prefix(config.tests, submission), staged.files)
    except Exception as exc:  # same catch-all for the scoring stage
        return internal_error_report(expected, config, "scoring the results", exc)


def internal_error_report(
    expected: tuple[ExpectedTest, ...], config: GradingConfig, stage: str, exc: BaseException
) -> Report:
    """An `error` report for an exception the grader did not foresee: every test an error, one line why."""
    detail = one_line(f"{type(exc).__name__}: {exc}", 300)
    reason = f"the grader failed while {stage} ({detail}); nothing was graded, please report this"
    return score_report(expected, JUnitReport(cases=()), config, run_error=reason)


_SANDBOX_PATHS = re.compile(r"(?:\.\.(?:/\.\.)*)?(/mnt/tests/|/workspace/)")


def _readable_paths(text: str, tests_prefix: str) -> str:
    """Tracebacks name the sandbox's folders; students know their repository's."""
    return _SANDBOX_PATHS.sub(lambda m: tests_prefix if m.group(1) == "/mnt/tests/" else "", text)


def _tests_prefix(tests: Path, submission: Path) -> str:
    """The tests folder relative to the submission ("tests/"), when it lies inside it (Classroom layout)."""
    try:
        rel = tests.resolve().relative_to(submission.resolve())
    except ValueError:
        return ""
    return "" if rel == Path(".") else rel.as_posix() + "/"


def relocate_test_files(report: Report, tests_prefix: str, submission_files: frozenset[str]) -> Report:
    """Make every path relative to the submission: student files already are; a location that fell
    back to the test file is relative to the tests folder, so it gets that folder's prefix; paths
    inside the sandbox (/workspace/..., /mnt/tests/...) in messages become the repository's."""
    tests = tuple(
        replace(
            t,
            file=tests_prefix + t.file if tests_prefix and t.file and t.file not in submission_files else t.file,
            message=_readable_paths(t.message, tests_prefix),
            details=_readable_paths(t.details, tests_prefix),
        )
        for t in report.tests
    )
    return replace(report, tests=tests)
