"""The conformance suite: the grader's verdicts against plain pytest's, on real projects' test suites.

corpus/<project>/ holds vendored tests and solutions: other people's code, never collected here.
The whole corpus runs once per session (session fixture `corpus_run`); the table goes to pytest's
terminal summary and the disagreements to /tmp/conformance-status.md.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from tests.conftest import RUNNER_IMAGE

collect_ignore = ["corpus"]
RUN_KEY = pytest.StashKey[object]()


@pytest.fixture(scope="session")
def corpus_run(request: pytest.FixtureRequest, docker_client):  # type: ignore[no-untyped-def]
    from tests.conformance.corpus import SUITES
    from tests.conformance.harness import run_corpus, write_status

    # CONFORMANCE_SUITES=a,b runs only those (while working on one; CI runs all).
    only = {s for s in os.environ.get("CONFORMANCE_SUITES", "").split(",") if s}
    suites = [s for s in SUITES if not only or s.name in only]
    # Kept after the run (the status file points at the variants, XML, logs and reports in it), and one
    # per run: several engineers run this suite at the same time.
    work = Path(tempfile.mkdtemp(prefix="conformance-"))
    work.chmod(0o755)  # variants and tests are mounted into containers that run as uid 1000
    run = run_corpus(suites, docker_client, RUNNER_IMAGE, work)
    write_status(run, work)
    request.config.stash[RUN_KEY] = run
    return run


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    run = config.stash.get(RUN_KEY, None)
    if run is None:
        return
    from tests.conformance.harness import STATUS_FILE, table

    terminalreporter.section("conformance: grader vs plain pytest, per test")
    for line in table(run):  # type: ignore[arg-type]
        terminalreporter.write_line(line)
    terminalreporter.write_line(f"disagreements in detail: {STATUS_FILE}")
