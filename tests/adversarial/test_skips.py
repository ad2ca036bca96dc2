"""Skips and xfail on the real engine: student code never removes a test from the maximum."""

from __future__ import annotations

from grader.models import RunStatus

GRADED = {"test_add", "test_divide_by_zero_raises", "test_optional_module", "test_mul"}
NOT_GRADED = {"test_skipped_by_the_instructor", "test_skipif_true", "test_xfail_not_strict"}

SKIPPING_CALC = """\
import unittest
import pytest


def add(a, b):
    pytest.skip("skipped by the student")


def div(a, b):
    pytest.xfail("expected by the student")


def mul(a, b):
    raise unittest.SkipTest("skipped by the student")
"""


def test_the_instructors_marks_decide_what_is_graded(grade_case) -> None:  # type: ignore[no-untyped-def]
    graded = grade_case(suite="marks", base="marks")
    by_name = {t.name.split("::")[-1]: t for t in graded.report.tests}
    assert {n for n, t in by_name.items() if t.graded} == GRADED
    assert all((by_name[n].score, by_name[n].max_score) == (0.0, 0.0) for n in NOT_GRADED)
    assert by_name["test_divide_by_zero_raises"].status.value == "passed"  # failed as marked (strict)
    assert (graded.report.score, graded.report.max_score) == (4.0, 4.0)
    assert graded.report.status is RunStatus.PASS
    from grader.reporters.markdown import render_summary

    summary = render_summary(graded.report)
    assert "## Autograding: 4 / 4" in summary and "4 of 4 tests passed" in summary  # the 3 not graded: listed
    assert summary.count("| 0 / 0 |") == 3


def test_skips_and_xfail_from_student_code_score_zero_in_the_maximum(grade_case) -> None:  # type: ignore[no-untyped-def]
    """pytest.skip(), pytest.xfail() (even in a strict-xfail test), unittest.SkipTest and a missing
    module for importorskip, all from the submission: every graded test 0, the maximum unchanged."""
    graded = grade_case(suite="marks", base=None, extra={"calc.py": SKIPPING_CALC})
    by_name = {t.name.split("::")[-1]: t for t in graded.report.tests}
    assert {n: by_name[n].status.value for n in GRADED} == dict.fromkeys(GRADED, "skipped")
    assert (graded.report.score, graded.report.max_score) == (0.0, 4.0)
    assert "xfail at run time: expected by the student" in by_name["test_divide_by_zero_raises"].message
