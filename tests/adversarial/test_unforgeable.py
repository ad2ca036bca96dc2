"""Issue 10: verdicts only on positive evidence, test code that cannot be swapped, an audit hook.

Each case is an attack that scored more than the honest code before (noted per test), graded on
the real engine; each asserts the exact score and the finding. `mutants.py` removes each protection
in turn and these tests notice.
"""

from __future__ import annotations

import pytest

from tests.adversarial.conftest import assert_honest_calc

pytestmark = pytest.mark.docker

ALL_ERRORS = {"test_add": "error", "test_sub": "error", "test_mul": "error"}


def finding(graded, kind: str, text: str):  # type: ignore[no-untyped-def]
    found = [f for f in graded.report.integrity if f.kind == kind and text in f.detail]
    assert found, [(f.kind, f.detail) for f in graded.report.integrity]
    return found[0]


def test_unittest_should_stop_does_not_pass_a_test(grade_case) -> None:  # type: ignore[no-untyped-def]
    """Scored 3/3: unittest swallows `_ShouldStop`. No completion record, so the test fails."""
    graded = grade_case("should_stop", suite="calc_unittest")
    assert_honest_calc(graded)
    for test in ("test_sub", "test_mul"):
        finding(graded, "test-tampering", f"TestCalc::{test}: the submission modified the test's control flow")


def test_patched_unittest_assert_method_fails_the_test(grade_case) -> None:  # type: ignore[no-untyped-def]
    """Scored 3/3: `setattr(unittest.TestCase, "assert" + "Equal", ...)` raises no audit event; the
    snapshot of unittest's classes sees it before the report, fails the test and restores it."""
    graded = grade_case("testcase_assert_patch", suite="calc_unittest")
    assert_honest_calc(graded)
    sub = next(t for t in graded.report.tests if t.name.endswith("test_sub"))
    assert "unittest.case.TestCase" in sub.message
    finding(graded, "framework-tampering", "unittest.case.TestCase")


def test_test_module_swapped_in_sys_modules_fails_every_test(grade_case) -> None:  # type: ignore[no-untyped-def]
    """Scored 3/3 (the stand-in copied __file__/__spec__/__loader__, passing the loader check): its
    test functions are not the instructor's compiled code."""
    graded = grade_case("module_swap")
    assert graded.statuses == {"test_add": "failed", "test_sub": "failed", "test_mul": "failed"}
    assert graded.report.score == 0
    finding(graded, "test-tampering", "the test function does not come from the tests folder")


def test_replacing_a_test_functions_code_is_refused(grade_case) -> None:  # type: ignore[no-untyped-def]
    """Scored 3/3: add() gave test_sub and test_mul the code of a passing function. The audit hook
    refuses the assignment: the tests run the instructor's code."""
    graded = grade_case("code_swap")
    assert_honest_calc(graded)
    finding(graded, "refused-operation", "test_calc.py::test_add: the grader refuses setting a function's __code__")
    assert "test-tampering" not in graded.kinds()  # the code never changed


def test_key_read_from_proc_self_mem_is_refused(grade_case) -> None:  # type: ignore[no-untyped-def]
    """The attack of the issue (signed forged session from /proc/self/mem, real channel to
    /dev/null). The hook refuses the open; the submission, left with its own code, earns 1/3."""
    graded = grade_case("proc_mem_forge")
    assert_honest_calc(graded)
    finding(graded, "refused-operation", "opening /proc/self/")
    assert "forged-session" not in graded.kinds()


@pytest.mark.parametrize(
    ("mode", "why"),
    [
        ("after", "wrote to the results channel after its end-of-session record"),
        ("slow", "was still running 2 s after its end-of-session record"),
        ("fast", "exited with code 1, its end-of-session record said 0"),
    ],
    ids=["after", "slow", "fast"],
)
def test_forged_end_of_session_fails_closed(grade_case, mode: str, why: str) -> None:  # type: ignore[no-untyped-def]
    """The plugin's own signing method, reached through pytest's objects (nothing refused), sends
    3/3 and the end record while the submission is imported. The session ends when the child
    process ends, not at that record: every test is an error, with a `forged-session` finding."""
    graded = grade_case("forged_end", extra={"mode.py": f'MODE = "{mode}"\n'})
    assert graded.statuses == ALL_ERRORS
    assert graded.report.score == 0
    finding(graded, "forged-session", why)


def test_reports_signed_by_the_plugin_itself_collide_and_fail_closed(grade_case) -> None:  # type: ignore[no-untyped-def]
    graded = grade_case("oracle_collide")
    assert graded.statuses == ALL_ERRORS
    assert graded.report.score == 0
    finding(graded, "unexpected-report", "conflicting reports")


def test_every_forgery_primitive_is_refused_and_reported(grade_case) -> None:  # type: ignore[no-untyped-def]
    graded = grade_case("refused_introspection")
    assert_honest_calc(graded)
    for what in ("importing ctypes", "calling sys._getframe for a test or framework frame",
                 "reading tb_frame of a test or framework frame", "calling gc.get_referrers",
                 "calling sys._current_frames", "calling code.__new__", "calling function.__new__",
                 "compiling code under a test file's name", "opening /proc/self/fd",
                 "opening another process's /proc entry", "opening /proc/self/mem", "opening /proc/self/maps"):
        finding(graded, "refused-operation", what)
    # inspect.currentframe/stack and traceback.walk_stack are looked through: the caller is calc.py
    details = [f.detail for f in graded.report.integrity if f.kind == "refused-operation"]
    assert all("/workspace/calc.py" in d for d in details), details
    # inspect.currentframe() gives the submission's own frame (allowed): f_back raises no audit event,
    # so that attempt is not refused (the threat model says so)
    assert len([d for d in details if "sys._getframe" in d]) == 1, details


def test_honest_standard_library_use_is_not_flagged(grade_case) -> None:  # type: ignore[no-untyped-def]
    """namedtuple, enum, typing, logging, warnings, dataclasses, inspect.signature, traceback call
    sys._getframe, read frames or compile code inside the standard library, and the submission
    looks at its own frames (as boltons does): no finding."""
    graded = grade_case("honest_stdlib")
    assert_honest_calc(graded)
    assert not {"refused-operation", "test-tampering", "framework-tampering", "forged-session"} & graded.kinds()


def test_native_code_written_to_writable_mounts_cannot_be_loaded(grade_case) -> None:  # type: ignore[no-untyped-def]
    """/tmp and /workspace are mounted noexec: a compiled extension copied there does not load
    (with exec mounts, `MUTANT=noexec`, this submission earns 3/3)."""
    graded = grade_case("native_from_tmp")
    assert_honest_calc(graded)


def test_always_equal_results_keep_their_score_and_are_reported(grade_case) -> None:  # type: ignore[no-untyped-def]
    graded = grade_case("always_equal")
    assert graded.statuses == {"test_add": "passed", "test_sub": "passed", "test_mul": "passed"}
    assert graded.report.score == 3
    details = [f.detail for f in graded.findings("suspicious-equality")]
    assert len(details) == 2 and any("constant __hash__" in d for d in details), details


def test_a_process_without_the_hook_cannot_read_the_test_process(grade_case) -> None:  # type: ignore[no-untyped-def]
    """A fresh Python started by the submission has no audit hook; with the test process dumpable it
    read the key from /proc/<pid>/mem and the forged session (ended by os._exit with the announced
    code) scored 3/3. The test process is non-dumpable (`MUTANT=dumpable` removes that)."""
    graded = grade_case("subprocess_mem")
    assert_honest_calc(graded)
    assert "forged-session" not in graded.kinds()


def test_a_builtin_shadowed_in_the_test_module_fails_every_test(grade_case) -> None:  # type: ignore[no-untyped-def]
    """Scored 3/3: a global `abs` put into the half-imported test module. The test module's names
    that shadow builtins must be names its own code binds."""
    graded = grade_case("shadow_builtin", suite="calc_abs")
    assert graded.statuses == {"test_add": "failed", "test_sub": "failed", "test_mul": "failed"}
    assert graded.report.score == 0
    finding(graded, "test-tampering", "abs in the namespace of /mnt/tests/test_calc.py")


def test_a_test_module_run_with_other_builtins_fails_every_test(grade_case) -> None:  # type: ignore[no-untyped-def]
    """Scored 3/3: the real test file run by a SourceFileLoader (its code matches, its loader and
    origin pass the loader check) in a module whose builtins hold a fake `abs`."""
    graded = grade_case("builtins_standin", suite="calc_abs")
    assert graded.statuses == {"test_add": "failed", "test_sub": "failed", "test_mul": "failed"}
    assert graded.report.score == 0
    finding(graded, "test-tampering", "the builtins of test_")
