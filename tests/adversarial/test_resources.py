"""Issue 3, item 6: resource abuse ends in a result, costs the tests it broke, and is bounded in time.

Every case runs with `timeout: 30` and `test-timeout: 2`: a stuck test costs at most 2 s (the
in-process alarm) or 4 s (SIGKILL when the alarm is ignored), the whole run at most its timeout
plus the host's grace period. The JSON report stays small whatever the submission printed.
"""

from __future__ import annotations

import json

import pytest

from grader.reporters.report_json import to_json
from grader.results.scoring import DETAILS_LIMIT, MESSAGE_LIMIT, SESSION_OUTPUT_LIMIT, TEST_OUTPUT_LIMIT
from tests.adversarial.conftest import assert_honest_calc

pytestmark = pytest.mark.docker

LIMITS = "timeout: 30\ntest-timeout: 2\n"
SUB_ERROR = {"test_add": "passed", "test_sub": "error", "test_mul": "failed"}


def assert_small(graded) -> None:  # type: ignore[no-untyped-def]
    """The JSON report's size is bounded by the per-field limits, not by what the submission did."""
    size = len(json.dumps(to_json(graded.report)).encode())
    bound = SESSION_OUTPUT_LIMIT + len(graded.report.tests) * (MESSAGE_LIMIT + DETAILS_LIMIT + TEST_OUTPUT_LIMIT)
    assert size < bound + 64 * 1024, f"{size} bytes"


def test_loop_ignoring_sigterm_and_the_alarm_costs_one_test(grade_case) -> None:  # type: ignore[no-untyped-def]
    graded = grade_case("loop_ignoring_signals", config=LIMITS)
    assert_honest_calc(graded, SUB_ERROR)
    assert "timed out after 2 s" in graded.report.tests[1].message
    assert "killed-test" in graded.kinds()
    assert graded.seconds < 15, f"took {graded.seconds:.1f} s"


def test_sleeping_forever_costs_one_test(grade_case) -> None:  # type: ignore[no-untyped-def]
    graded = grade_case("sleep_forever", config=LIMITS)
    assert_honest_calc(graded)  # the alarm ends the sleep: an ordinary failure
    assert "timed out after 2 s" in graded.report.tests[1].message
    assert graded.seconds < 12, f"took {graded.seconds:.1f} s"


def test_fork_bomb_is_contained_and_cleaned_up(grade_case) -> None:  # type: ignore[no-untyped-def]
    graded = grade_case("fork_bomb", config=LIMITS)
    assert_honest_calc(graded)  # fork fails at the pids limit; sub returns (wrongly)
    # killed at the next test's start (issue #11) or, after the last test, when pytest ends
    assert {"stray-process", "leaked-processes"} & graded.kinds()
    assert graded.seconds < 15, f"took {graded.seconds:.1f} s"


def test_memory_bomb_costs_one_test(grade_case) -> None:  # type: ignore[no-untyped-def]
    graded = grade_case("memory_bomb", config=LIMITS)
    assert_honest_calc(graded, SUB_ERROR)
    assert "out of memory" in graded.report.tests[1].message
    assert graded.report.sandbox.oom_killed


def test_100_mb_of_output_keeps_the_report_small(grade_case) -> None:  # type: ignore[no-untyped-def]
    graded = grade_case("output_flood", config=LIMITS)
    assert_honest_calc(graded)  # the capture file hits the file size limit: sub fails
    assert_small(graded)
    assert graded.seconds < 20, f"took {graded.seconds:.1f} s"


def test_filling_tmp_and_the_workspace_costs_nothing_else(grade_case) -> None:  # type: ignore[no-untyped-def]
    graded = grade_case("fill_tmp_and_workspace", config=LIMITS)
    assert_honest_calc(graded)


def test_c_stack_overflow_and_recursion_error(grade_case) -> None:  # type: ignore[no-untyped-def]
    graded = grade_case("deep_recursion", config=LIMITS)
    assert_honest_calc(graded, SUB_ERROR)
    assert "killed by signal 11" in graded.report.tests[1].message  # SIGSEGV
    assert "RecursionError" in graded.report.tests[2].message
    assert_small(graded)


def test_daemon_that_outlives_pytest_is_killed(grade_case) -> None:  # type: ignore[no-untyped-def]
    graded = grade_case("daemon", config=LIMITS)
    assert_honest_calc(graded)
    # its writes to /proc/1/fd/1 are refused by the audit hook (issue 10), no longer "forged-output"
    assert "refused-operation" in graded.kinds()
    assert [f.detail for f in graded.findings("leaked-processes")] == [  # killed before test_mul (issue #11)
        "test_calc.py::test_sub: left 1 process(es) running after it ended; they were killed before the next test"
    ]
    assert graded.seconds < 15, f"took {graded.seconds:.1f} s"


def test_loop_at_import_ends_at_the_run_timeout(grade_case) -> None:  # type: ignore[no-untyped-def]
    graded = grade_case("loop_at_import", config="timeout: 5\ntest-timeout: 2\n")
    report = graded.report
    assert report.score == 0 and report.status.value == "error"
    assert report.error == "timed out after 5 s" and report.sandbox.timed_out
    assert graded.statuses == {"test_add": "error", "test_sub": "error", "test_mul": "error"}
    assert graded.seconds < 5 + 6, f"took {graded.seconds:.1f} s"
