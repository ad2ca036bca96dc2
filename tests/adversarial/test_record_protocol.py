"""Red team of the record protocol (plugin.py -> protocol.py -> supervisor.py), from submission code.

Each case is an attack graded on the real engine, asserting what a grader that holds must give.
An attack that still scores more than the honest code is marked `xfail(strict=True)` with why: the
day a fix lands the test passes, strict xfail turns that into a failure, and the mark must go.
"""

from __future__ import annotations

import pytest

from tests.adversarial.conftest import assert_honest_calc

pytestmark = pytest.mark.docker

ALL_FAILED = {"test_add": "failed", "test_sub": "failed", "test_mul": "failed"}


def tampering(graded, text: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [f.detail for f in graded.report.integrity if f.kind == "framework-tampering" and text in f.detail]


def test_the_grader_record_class_patched_at_import_fails_every_test(grade_case) -> None:  # type: ignore[no-untyped-def]
    """`object.__subclasses__()` reaches the grader's record classes without any import or audit
    event; a patched `PhaseReport.wire` would flip every failed record. The guard's snapshot holds
    the record classes: when collection ends it sees the change, restores it, and every test fails."""
    graded = grade_case("patch_record_class")
    assert graded.statuses == ALL_FAILED and graded.report.score == 0, graded.report
    assert tampering(graded, "while the tests were loaded, the submission modified _grader_protocol.PhaseReport")


@pytest.mark.xfail(strict=True, reason="scores 3/3: Guard.check is looked up on its class, which the submission "
                   "reaches with object.__subclasses__() and patches (no import, no audit event)")
def test_the_guard_disabled_through_object_subclasses(grade_case) -> None:  # type: ignore[no-untyped-def]
    """At import the submission lists the grader's own classes with `object.__subclasses__()` (the
    name computed, so the static scan sees nothing), replaces `Guard.check` with one that reports no
    change, and patches `PhaseReport.wire` to turn every failed record into a pass. A guard that
    cannot be switched off by its own class sees both patches when collection ends: every test fails."""
    graded = grade_case("disable_guard")
    assert graded.statuses == ALL_FAILED and graded.report.score == 0, graded.report
    assert tampering(graded, "while the tests were loaded"), graded.report.integrity


def test_a_self_restoring_patch_made_while_pytest_builds_the_report(grade_case) -> None:  # type: ignore[no-untyped-def]
    """The failing code raises an exception whose `__str__` (called by pytest inside
    pytest_runtest_makereport, after the plugin's check) patches `PhaseReport.wire` so that the next
    record encoded, this failed call, says "passed", and puts the original back as it does. A check
    after the report's last brush with the submission's code sees the patch: the call stays failed."""
    graded = grade_case("patch_after_check")
    assert_honest_calc(graded)
    for test in ("test_sub", "test_mul"):
        assert tampering(graded, f"test_calc.py::{test}: the submission modified _grader_protocol.PhaseReport")


def test_a_self_restoring_patch_made_while_the_plugin_builds_the_record(grade_case) -> None:  # type: ignore[no-untyped-def]
    """`pytest.xfail(reason)` with a str subclass whose `__str__` patches `PhaseReport.wire`: the
    plugin's own `str(report.wasxfail)` runs it inside pytest_runtest_logreport. A check at the top
    of logreport would miss it; one after the record's fields are built sees it."""
    graded = grade_case("patch_in_logreport")
    assert_honest_calc(graded)  # the patched records fail, as a modified framework's results do
    for test in ("test_sub", "test_mul"):
        assert tampering(graded, f"test_calc.py::{test}: the submission modified _grader_protocol.PhaseReport")
