"""Issue 3, item 4: in-process tampering fails closed or changes nothing, and is reported.

Student code shares the test process with pytest, so nothing in that process is out of its reach.
What holds:
- the plugin binds its channel's JSON encoder, HMAC and write at load time (C functions) and gets
  a private copy of the builtins: patching json/hmac/os/builtins reaches nothing;
- the plugin snapshots pytest's and pluggy's code (and what imports test modules: import hooks,
  ast, pathlib, importlib...) before any submission code is imported. When collection ends it checks
  all of it and that every test module came from pytest's loader: anything modified while the tests
  were imported fails every test of the session. Before each report it checks pytest's code again:
  a test whose result went through modified code fails. Each time the originals are put back and a
  "framework-tampering" finding says what changed;
- the supervisor accepts setup, call, teardown once each and in order: reports forged with a key
  stolen from memory collide with the real ones and the test becomes an error;
- a test process that exits or is interrupted costs the running test only; a dead or frozen
  supervisor produces no signed frame: score 0 (fail closed).
Since issue 10 the audit hook refuses gc walks, frames, ctypes and /proc/self/mem (see
test_unforgeable.py). What does not hold: code that reaches the plugin through pytest's own objects
and has it sign a whole forged session, then exits at once (see the threat model).
"""

from __future__ import annotations

import pytest

from tests.adversarial.conftest import assert_honest_calc

pytestmark = pytest.mark.docker

ALL_FAILED = {"test_add": "failed", "test_sub": "failed", "test_mul": "failed"}


def assert_tampering_failed_closed(graded, test: str, what: str) -> None:  # type: ignore[no-untyped-def]
    tampered = next(t for t in graded.report.tests if t.name.endswith(f"::{test}"))
    assert tampered.status.value == "failed" and tampered.score == 0, tampered
    assert f"the submission modified the test framework ({what})" in tampered.message
    assert any(f.kind == "framework-tampering" and what in f.detail for f in graded.report.integrity)


def assert_loading_tampered(graded, what: str) -> None:  # type: ignore[no-untyped-def]
    """Tampering while the tests were imported: every test fails (honest would be 1/3)."""
    assert graded.statuses == ALL_FAILED and graded.report.score == 0
    for test in ("test_add", "test_sub", "test_mul"):
        assert_tampering_failed_closed(graded, test, what)
    assert any(f.kind == "framework-tampering" and "while the tests were loaded" in f.detail
               for f in graded.report.integrity)


def assert_refused_at_import(graded, what: str) -> None:  # type: ignore[no-untyped-def]
    """The audit hook refused the attack while the submission was imported (issue 10): the import
    failed, so no test passed (honest would be 1/3), and a `refused-operation` finding says what."""
    assert graded.report.score == 0 and "passed" not in graded.statuses.values(), graded.statuses
    assert any(f.kind == "refused-operation" and what in f.detail for f in graded.report.integrity), graded.kinds()


def test_testreport_patched_at_import_fails_every_test(grade_case) -> None:  # type: ignore[no-untyped-def]
    graded = grade_case("patch_testreport")
    assert_loading_tampered(graded, "_pytest.reports.TestReport")
    assert "framework-import" in graded.kinds()


def test_runner_patched_at_import_fails_every_test(grade_case) -> None:  # type: ignore[no-untyped-def]
    graded = grade_case("patch_runner")
    assert_loading_tampered(graded, "_pytest.runner.call_and_report")
    assert {"framework-import", "monkeypatch"} <= graded.kinds()


def test_import_hook_serving_rewritten_tests_fails_every_test(grade_case) -> None:  # type: ignore[no-untyped-def]
    """Before the check at the end of collection this scored 3/3: test_b.py, imported after calc,
    came from the submission's import hook with its asserts made harmless."""
    graded = grade_case("import_hook", suite="calc_split")
    # Since issue 10 the hook's compile() of source under a test file's name is refused outright.
    assert_refused_at_import(graded, "compiling code under a test file's name")


def test_source_reader_patched_at_import_fails_every_test(grade_case) -> None:  # type: ignore[no-untyped-def]
    graded = grade_case("patch_source_reader", suite="calc_split")
    assert_loading_tampered(graded, "pathlib.Path")
    assert "monkeypatch" in graded.kinds()


def test_self_restoring_patch_during_a_test_fails_that_test(grade_case) -> None:  # type: ignore[no-untyped-def]
    graded = grade_case("patch_during_test")
    assert_honest_calc(graded)  # sub fails either way; the report says why
    assert_tampering_failed_closed(graded, "test_sub", "_pytest.reports.TestReport")


def test_trace_function_skipping_asserts_fails_every_test(grade_case) -> None:  # type: ignore[no-untyped-def]
    graded = grade_case("settrace_skip")
    assert_refused_at_import(graded, "calling sys.settrace")


def test_patching_json_and_hmac_reaches_nothing(grade_case) -> None:  # type: ignore[no-untyped-def]
    """Before the plugin bound its primitives at load time this scored 3/3 with no pytest import."""
    graded = grade_case("patch_json_hmac")
    assert_honest_calc(graded)
    assert graded.paths("monkeypatch") == {"calc.py"}


def test_patching_os_write_too_fails_every_test(grade_case) -> None:  # type: ignore[no-untyped-def]
    # the same plus os.write re-signing the flipped records with the caught key: os is part of
    # what loads the tests, so the change is seen when collection ends
    graded = grade_case("patch_stdlib")
    assert_loading_tampered(graded, "os.write")
    assert graded.paths("monkeypatch") == {"calc.py"}


def test_patching_builtins_reaches_nothing(grade_case) -> None:  # type: ignore[no-untyped-def]
    graded = grade_case("patch_builtins")
    assert_honest_calc(graded)
    assert "suspicious-code" in graded.kinds()


def test_swapping_pytest_modules_in_sys_modules_changes_nothing(grade_case) -> None:  # type: ignore[no-untyped-def]
    graded = grade_case("sys_modules_swap")
    assert_honest_calc(graded)
    assert "framework-tampering" in graded.kinds()  # the static scan: "touches sys.modules"


def test_reports_signed_with_a_key_taken_from_memory_make_every_test_an_error(grade_case) -> None:  # type: ignore[no-untyped-def]
    graded = grade_case("gc_channel_key")
    # Since issue 10 the audit hook refuses gc.get_objects from submission code: the forgery never starts.
    assert_refused_at_import(graded, "calling gc.get_objects")
    assert "suspicious-import" in graded.kinds()


def test_os_exit_at_import_scores_nothing(grade_case) -> None:  # type: ignore[no-untyped-def]
    graded = grade_case("exit_at_import")
    assert graded.report.score == 0 and graded.report.status.value == "error"
    assert "before collecting any test" in (graded.report.error or "")
    assert "early-exit" in graded.kinds()


def test_os_exit_mid_test_costs_that_test_only(grade_case) -> None:  # type: ignore[no-untyped-def]
    graded = grade_case("exit_mid_test")
    assert_honest_calc(graded, {"test_add": "passed", "test_sub": "error", "test_mul": "failed"})
    assert "exited with code 0" in graded.report.tests[1].message


def test_system_exit_in_a_test_is_a_failure(grade_case) -> None:  # type: ignore[no-untyped-def]
    graded = grade_case("system_exit")
    assert_honest_calc(graded)
    assert "SystemExit" in graded.report.tests[1].message


@pytest.mark.parametrize(("case", "why"), [("keyboard_interrupt", "KeyboardInterrupt"), ("pytest_exit", "Exit")])
def test_stopping_the_session_costs_that_test_only(grade_case, case, why) -> None:  # type: ignore[no-untyped-def]
    # Before: the tests after the interrupted one were "not run".
    graded = grade_case(case)
    assert_honest_calc(graded, {"test_add": "passed", "test_sub": "error", "test_mul": "failed"})
    assert why in graded.report.tests[1].message
    assert "early-exit" in graded.kinds()


def test_killing_the_supervisor_fails_closed(grade_case) -> None:  # type: ignore[no-untyped-def]
    graded = grade_case("kill_supervisor")
    assert graded.report.score == 0 and graded.report.status.value == "error"
    assert graded.statuses == {"test_add": "error", "test_sub": "error", "test_mul": "error"}
    assert "produced no results" in (graded.report.error or "")


def test_freezing_the_supervisor_fails_closed_at_the_timeout(grade_case) -> None:  # type: ignore[no-untyped-def]
    graded = grade_case("stop_supervisor", config="timeout: 5\n")
    assert graded.report.score == 0 and graded.report.status.value == "error"
    assert "timed out after 5 s" in (graded.report.error or "")
    from grader.sandbox.container import wall_clock_limit  # 5 s + the restart allowance + the kill grace

    assert graded.seconds < wall_clock_limit(5) + 4, f"took {graded.seconds:.1f} s"


def test_a_daemon_holding_the_channel_open_does_not_stall_the_run(grade_case) -> None:  # type: ignore[no-untyped-def]
    graded = grade_case("daemon_then_exit")  # default timeout: 60 s
    assert graded.report.score == 0 and graded.report.status.value == "error"
    assert "before collecting any test" in (graded.report.error or "")
    assert graded.seconds < 15, f"took {graded.seconds:.1f} s"


def test_a_failed_subtest_fails_its_test(grade_case) -> None:  # type: ignore[no-untyped-def]
    """pytest 9 reports each subtest as an extra "call" report before the test's own. The grader
    took the first one (a passed subtest) and ignored the rest: a test with a failed subtest passed."""
    graded = grade_case(suite="subtests")
    assert graded.statuses == {"test_add_cases": "passed", "test_sub_cases": "failed"}
    assert graded.report.score == 1
    failed = graded.report.tests[1]
    assert failed.message == "2 of 3 subtests failed" and "a=5, b=3" in failed.details
