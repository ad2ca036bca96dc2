"""Subtests on the real engine: unittest's subTest and pytest's `subtests` fixture.

The honest base (base/greet) gets 2 of the 4 cases of each of the suite's two tests right.
"""

from __future__ import annotations

from grader.models import RunStatus, Status, SubtestCounts

PARTIAL = "subtests: partial\n"


def test_a_unittest_test_whose_subtests_fail_fails(grade_case) -> None:  # type: ignore[no-untyped-def]
    """pytest leaves a unittest test with failed subTests passed; the grader used to give it full points."""
    graded = grade_case(suite="greet", base="greet")
    assert graded.statuses == {"test_greet_unittest": "failed", "test_greet_fixture": "failed"}
    assert (graded.report.score, graded.report.max_score) == (0.0, 2.0)
    for test in graded.report.tests:
        assert test.subtests == SubtestCounts(passed=2, failed=2)
        assert test.message == "2 of 4 subtests failed"
        assert "(name='Cy'): " in test.details and "(name='Di'): " in test.details
        assert "(name='Ann')" not in test.details
        assert "First failed subtest:" in test.details  # its traceback, for the annotation's line


def test_untouched_stubs_score_nothing(grade_case) -> None:  # type: ignore[no-untyped-def]
    graded = grade_case(suite="greet", base=None, extra={"greet.py": "def greet(name):\n    pass\n"},
                        config=PARTIAL)
    assert (graded.report.score, graded.report.max_score) == (0.0, 2.0)
    assert all(t.subtests == SubtestCounts(passed=0, failed=4) for t in graded.report.tests)
    assert graded.report.status is RunStatus.FAIL


def test_partial_credit_counts_the_passed_share(grade_case) -> None:  # type: ignore[no-untyped-def]
    graded = grade_case(suite="greet", base="greet", config=PARTIAL)
    assert [(t.status, t.score, t.max_score) for t in graded.report.tests] == [(Status.FAILED, 0.5, 1.0)] * 2
    assert (graded.report.score, graded.report.max_score) == (1.0, 2.0)


def test_subtests_opened_by_the_submission_do_not_count(grade_case) -> None:  # type: ignore[no-untyped-def]
    """The submission opens 50 passing subtests per call on the test's own TestCase / fixture, half of
    them from code compiled under the test file's name: partial credit must stay the honest 1.0 / 2."""
    graded = grade_case("inflate_subtests", suite="greet", base="greet", config=PARTIAL)
    assert [t.subtests for t in graded.report.tests] == [SubtestCounts(passed=2, failed=2)] * 2
    assert (graded.report.score, graded.report.max_score) == (1.0, 2.0)
