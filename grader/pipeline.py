"""Grade one submission: the stages glued together, side effects at the edges.

tests -> staged copy -> expected tests (trusted collection)
submission -> staged copy (+ findings) -> static scan (+ findings)
both -> sandbox -> JUnit XML -> parsed cases -> scored Report
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.collection.manifest import collect_expected
from grader.config import GradingConfig
from grader.errors import UsageError
from grader.models import ExpectedTest, Finding, JUnitReport, Report
from grader.paths import default_cache_dir, relative_tests_prefix, relocate_test_files
from grader.sandbox import DockerUnavailable, SandboxSpec, docker_client, run_sandbox
from grader.submission.staging import stage_submission, stage_tests

if TYPE_CHECKING:
    import docker

# Only what starting the sandbox needs is imported with this module. Scoring, JUnit parsing and the scan
# (junitparser, Babel through the reporters...: about 100 ms) are imported while the container runs (see
# `_prepare_scoring`), off the run's critical path (issue #15).

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
            yield PreparedTests(staged.path, pool.submit(collect_expected, staged.path, cache=default_cache_dir()))


def grade(
    submission: Path,
    config: GradingConfig,
    *,
    image: str = DEFAULT_IMAGE,
    tests: PreparedTests | None = None,
    client: docker.DockerClient | None = None,
    on_container: Callable[[Any], None] | None = None,
    while_running: Callable[[], object] | None = None,
    on_junit: Callable[[str], None] | None = None,
) -> Report:
    """Grade one submission. Raises DockerUnavailable, TestsError or CollectionError; never for the submission.
    `on_container` is the sandbox's container hook (`run_sandbox(on_created=...)`). `while_running` is the
    caller's own preparation (e.g. importing its reporters), run in a thread while the sandbox runs.
    `on_junit` receives the sandbox's JUnit XML when it parsed (`grader run --junit` writes it)."""
    if tests is None:
        with prepared_tests(config) as prepared:
            return grade(submission, config, image=image, tests=prepared, client=client, on_container=on_container,
                         while_running=while_running, on_junit=on_junit)  # fmt: skip
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
                from grader.results.scoring import score_report

                return score_report(tests.expected, JUnitReport(cases=()), config, findings=tuple(findings),
                                    run_error=staged.error)
            # The static scan and the imports that scoring needs are independent of the run: they overlap
            # the container's run, once it started (threads busy before would delay the start requests).
            with ThreadPoolExecutor(max_workers=2, thread_name_prefix="overlap") as pool:
                overlapped: list[Future[tuple[Finding, ...]]] = []

                def started() -> None:
                    overlapped.append(pool.submit(_scan, staged.path, staged.files))
                    pool.submit(_prepare_scoring, while_running)

                spec = SandboxSpec(
                    image=image,
                    submission=staged.path,
                    tests=tests.path,
                    limits=config.limits,
                    timeout=config.timeout,
                    test_timeout=config.test_timeout,
                )
                stage = "running the sandbox"
                result = run_sandbox(spec, client, on_created=on_container, on_started=started)
                stage = "scanning the submission"
                findings.extend(overlapped[0].result() if overlapped else _scan(staged.path, staged.files))
        findings.extend(result.findings)
        stage = "reading the test results"
        from grader.results.junit import parse_junit

        junit = parse_junit(result.junit_xml) if result.junit_xml is not None else JUnitReport(cases=())
        if on_junit is not None and result.junit_xml is not None and junit.error is None:
            on_junit(result.junit_xml)
    except DockerUnavailable:
        raise  # the engine, not the submission: the caller stops starting sandboxes
    except Exception as exc:  # anything else still ends in a report (issue #11)
        return internal_error_report(tests.expected, config, stage, exc)
    expected = tests.expected
    try:
        from grader.results.scoring import score_report

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
        return relocate_test_files(report, relative_tests_prefix(config.tests, submission), staged.files)
    except Exception as exc:  # same catch-all for the scoring stage
        return internal_error_report(expected, config, "scoring the results", exc)


def internal_error_report(
    expected: tuple[ExpectedTest, ...], config: GradingConfig, stage: str, exc: BaseException
) -> Report:
    """An `error` report for an exception the grader did not foresee: every test an error, one line why."""
    from grader.reporters.escape import one_line
    from grader.results.scoring import score_report

    detail = one_line(f"{type(exc).__name__}: {exc}", 300)
    reason = f"the grader failed while {stage} ({detail}); nothing was graded, please report this"
    return score_report(expected, JUnitReport(cases=()), config, run_error=reason)


def _scan(root: Path, files: frozenset[str]) -> tuple[Finding, ...]:
    from grader.submission.integrity import scan_submission

    return scan_submission(root, files)


def _prepare_scoring(then: Callable[[], object] | None) -> None:
    """Import what reading and scoring the results needs, then run the caller's preparation, while the
    sandbox runs. An import that fails here is not reported here: it fails again where it is used."""
    import grader.reporters.escape
    import grader.results.junit
    import grader.results.scoring  # noqa: F401

    if then is not None:
        then()
