"""grader.results.scoring: matching results to expected tests, points, groups, scaling, locations, bounds."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader import models
from grader.config import GradingConfig, Group
from grader.models import (
    ExpectedTest,
    Finding,
    Frame,
    JUnitCase,
    JUnitReport,
    RunStatus,
    SandboxInfo,
    Status,
)
from grader.results.junit import parse_junit
from grader.results.scoring import (
    DETAILS_LIMIT,
    MESSAGE_LIMIT,
    NO_TESTS,
    TEST_OUTPUT_LIMIT,
    junit_key,
    locate_in_submission,
    matches,
    score_report,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "junit"


def config(**kwargs: object) -> GradingConfig:
    return GradingConfig(tests=Path("/tests"), **kwargs)  # type: ignore[arg-type]


def expect(*nodeids: str, **kwargs: object) -> tuple[ExpectedTest, ...]:
    return tuple(
        ExpectedTest(nodeid=n, file=n.split("::")[0], line=i + 1, **kwargs) for i, n in enumerate(nodeids)
    )  # type: ignore[arg-type]


def case(nodeid: str, status: Status = Status.PASSED, **kwargs: object) -> JUnitCase:
    classname, name = junit_key(nodeid)
    return JUnitCase(classname=classname, name=name, status=status, **kwargs)  # type: ignore[arg-type]


def junit(*cases: JUnitCase, collection: tuple[JUnitCase, ...] = ()) -> JUnitReport:
    return JUnitReport(cases=cases, collection_errors=collection)


def scores_by_name(report_tests: tuple[models.TestScore, ...]) -> dict[str, models.TestScore]:
    return {t.name: t for t in report_tests}


# -- real pytest output -------------------------------------------------------------------------------

RESULT_IDS = {
    "test_calc.py::test_add": Status.PASSED,
    "test_calc.py::test_inventory": Status.FAILED,
    "test_calc.py::test_divide_by_zero_in_student_code": Status.FAILED,
    "test_calc.py::test_odd_ids[a b]": Status.PASSED,
    "test_calc.py::test_odd_ids[x::y]": Status.PASSED,
    "test_calc.py::test_odd_ids[\\xe9]": Status.PASSED,
    "test_calc.py::test_odd_ids[[1]]": Status.FAILED,
    "test_calc.py::test_odd_ids[tab\\there]": Status.PASSED,
    'test_calc.py::test_odd_ids[quote"s]': Status.PASSED,
    "test_calc.py::test_odd_ids[<&>]": Status.PASSED,
    "test_calc.py::TestCalc::test_in_class": Status.PASSED,
    "test_skips.py::test_xfail": Status.SKIPPED,
    "test_skips.py::test_xpass_strict": Status.FAILED,
    "test_teardown.py::test_fails_then_teardown_error": Status.ERROR,
    "test_unit.py::AddTest::test_ok": Status.PASSED,
    "test_unit.py::AddTest::test_fail": Status.FAILED,
    "test_missing.py::test_never_ran": Status.NOT_RUN,
}


@pytest.mark.parametrize("family", ["xunit1", "xunit2"])
def test_real_report_matches_expected_ids_exactly(family: str) -> None:
    parsed = parse_junit(FIXTURES / f"results_{family}.xml")
    report = score_report(expect(*RESULT_IDS), parsed, config(), submission_files={"calc.py"})
    assert {t.name: t.status for t in report.tests} == RESULT_IDS
    assert report.status is RunStatus.FAIL
    assert (report.score, report.max_score) == (9.0, 17.0)
    tests = scores_by_name(report.tests)
    # the failure inside the student's code points at the student's line, the rest at the test
    divide = tests["test_calc.py::test_divide_by_zero_in_student_code"]
    assert (divide.file, divide.line) == ("calc.py", 10)
    inventory = tests["test_calc.py::test_inventory"]
    assert (inventory.file, inventory.line) == ("test_calc.py", 2)
    assert "Differing items:" in inventory.details
    assert tests["test_missing.py::test_never_ran"].message == "not run"
    # results of tests outside the expected set are reported as findings, not scored
    kinds = {f.kind for f in report.integrity}
    assert kinds == {"unexpected-result"}
    assert any("test_skips::test_skip " in f.detail for f in report.integrity)


@pytest.mark.parametrize("family", ["xunit1", "xunit2"])
def test_syntax_error_in_student_module_errors_that_test_file_only(family: str) -> None:
    parsed = parse_junit(FIXTURES / f"collect_syntax_{family}.xml")
    expected = expect("test_calc.py::test_add", "test_calc.py::test_sub", "test_other.py::test_other")
    report = score_report(expected, parsed, config(), submission_files={"calc.py"})
    add, sub, other = report.tests
    assert (add.status, sub.status, other.status) == (Status.ERROR, Status.ERROR, Status.PASSED)
    assert add.message == "could not load the tests: SyntaxError: expected ':'"
    assert "SyntaxError: expected ':'" in add.details
    assert (add.file, add.line) == ("calc.py", 1)
    assert (report.score, report.status) == (1.0, RunStatus.FAIL)


@pytest.mark.parametrize("family", ["xunit1", "xunit2"])
def test_import_error_in_package_test_module(family: str) -> None:
    parsed = parse_junit(FIXTURES / f"collect_import_{family}.xml")
    report = score_report(expect("pkg/test_x.py::test_add"), parsed, config(), submission_files={"calc.py"})
    (test,) = report.tests
    assert test.status is Status.ERROR
    assert "No module named 'numpy_that_does_not_exist'" in test.details
    assert (test.file, test.line) == ("calc.py", 1)


# -- collection errors ------------------------------------------------------------------------------------


def collect_error(classname: str, name: str, message: str = "collection failure") -> JUnitCase:
    return JUnitCase(classname=classname, name=name, status=Status.ERROR, message=message, details="tb")


def test_collection_error_covers_its_module_class_or_folder_only() -> None:
    expected = expect(
        "test_a.py::test_1",
        "test_a2.py::test_1",  # `test_a` must not swallow `test_a2`
        "test_b.py::TestX::test_1",
        "test_b.py::TestY::test_1",
        "pkg/test_c.py::test_1",
    )
    errors = (collect_error("", "test_a"), collect_error("test_b", "TestX"), collect_error("", "pkg"))
    report = score_report(expected, junit(collection=errors), config())
    assert [t.status for t in report.tests] == [
        Status.ERROR,
        Status.NOT_RUN,
        Status.ERROR,
        Status.NOT_RUN,
        Status.ERROR,
    ]


@pytest.mark.parametrize("name", ["", "conftest", "internal"])
def test_collection_error_matching_no_file_errors_every_test_without_a_result(name: str) -> None:
    expected = expect("test_a.py::test_1", "test_b.py::test_2")
    parsed = junit(case("test_a.py::test_1"), collection=(collect_error("", name, "boom"),))
    report = score_report(expected, parsed, config())
    assert [(t.status, t.message) for t in report.tests] == [(Status.PASSED, ""), (Status.ERROR, "boom")]


def test_module_level_skip_shows_tests_as_skipped() -> None:
    skipped = JUnitCase(classname="", name="test_np", status=Status.SKIPPED, message="collection skipped")
    report = score_report(expect("test_np.py::test_1"), junit(collection=(skipped,)), config())
    assert [(t.status, t.score) for t in report.tests] == [(Status.SKIPPED, 0.0)]


# -- missing results, run errors, report status ----------------------------------------------------------


def test_no_expected_tests_is_an_error() -> None:
    report = score_report((), junit(), config())
    assert (report.status, report.error, report.tests, report.max_score) == (RunStatus.ERROR, NO_TESTS, (), 0)


def test_run_error_fails_closed() -> None:
    expected = expect("test_a.py::test_1", "test_a.py::test_2")
    report = score_report(
        expected, junit(case("test_a.py::test_1")), config(), run_error="the container crashed"
    )
    assert report.status is RunStatus.ERROR
    assert report.error == "the container crashed"
    assert [(t.status, t.message) for t in report.tests] == [
        (Status.PASSED, ""),
        (Status.ERROR, "the container crashed"),
    ]


def test_unreadable_junit_is_a_run_error() -> None:
    report = score_report(
        expect("test_a.py::test_1"), JUnitReport(cases=(), error="invalid JUnit XML: x"), config()
    )
    assert report.status is RunStatus.ERROR
    assert report.error == "could not read the test results: invalid JUnit XML: x"
    assert report.tests[0].status is Status.ERROR


@pytest.mark.parametrize(
    ("sandbox", "message"),
    [
        (SandboxInfo(), "not run"),
        (SandboxInfo(timed_out=True), "not run: the test run timed out"),
        (SandboxInfo(oom_killed=True), "not run: the test run ran out of memory"),
    ],
)
def test_missing_result_is_not_run(sandbox: SandboxInfo, message: str) -> None:
    report = score_report(expect("test_a.py::test_1"), junit(), config(), sandbox=sandbox)
    assert [(t.status, t.message, t.score) for t in report.tests] == [(Status.NOT_RUN, message, 0.0)]
    assert report.status is RunStatus.FAIL
    assert report.sandbox == sandbox


def test_whole_run_timeout_errors_only_the_running_test_the_rest_is_not_run() -> None:
    """Issue #11 item 4: the supervisor closes the test that was running as the timeout's error;
    a test it never reached is not-run (0 points, in max_score), not one more "timed out"."""
    running = case("test_a.py::test_2", Status.ERROR, message="timed out after 5 s (the whole run's timeout)")
    report = score_report(
        expect("test_a.py::test_1", "test_a.py::test_2", "test_a.py::test_3"),
        junit(case("test_a.py::test_1"), running), config(),
        sandbox=SandboxInfo(timed_out=True), run_error="timed out after 5 s",
    )  # fmt: skip
    assert [(t.status, t.message) for t in report.tests] == [
        (Status.PASSED, ""),
        (Status.ERROR, "timed out after 5 s (the whole run's timeout)"),
        (Status.NOT_RUN, "not run: the test run timed out"),
    ]
    assert (report.score, report.max_score, report.status, report.error) == (
        1.0, 3.0, RunStatus.ERROR, "timed out after 5 s"
    )


def test_whole_run_timeout_before_any_result_errors_every_test() -> None:
    """Time ran out while loading the tests (a loop at import in the student's module) or the
    sandbox never sent its results: nothing ran, and every test carries the timeout's error."""
    report = score_report(
        expect("test_a.py::test_1", "test_a.py::test_2"), junit(), config(),
        sandbox=SandboxInfo(timed_out=True), run_error="timed out after 5 s",
    )  # fmt: skip
    assert [(t.status, t.message) for t in report.tests] == [(Status.ERROR, "timed out after 5 s")] * 2


def test_all_passed_is_pass_and_skipped_is_not() -> None:
    expected = expect("test_a.py::test_1", "test_a.py::test_2")
    passed = score_report(expected, junit(case("test_a.py::test_1"), case("test_a.py::test_2")), config())
    assert (passed.status, passed.score, passed.max_score, passed.passed) == (RunStatus.PASS, 2.0, 2.0, 2)
    skipped = junit(case("test_a.py::test_1"), case("test_a.py::test_2", Status.SKIPPED, message="no"))
    report = score_report(expected, skipped, config())
    assert (report.status, report.score) == (RunStatus.FAIL, 1.0)
    assert report.tests[1].status is Status.SKIPPED


def test_unexpected_results_are_listed_up_to_twenty() -> None:
    extra = [case(f"test_z.py::test_{i}") for i in range(25)]
    report = score_report(expect("test_a.py::test_1"), junit(case("test_a.py::test_1"), *extra), config(),
                          findings=(Finding("symlink", "dropped", "x.py"),))  # fmt: skip
    assert report.integrity[0] == Finding("symlink", "dropped", "x.py")
    unexpected = report.integrity[1:]
    assert len(unexpected) == 21
    assert unexpected[0].detail == "result for test_z::test_0 matches no test in the tests folder; ignored"
    assert unexpected[-1].detail == "… and 5 more results that match no test; ignored"
    assert (report.score, report.max_score, report.status) == (1.0, 1.0, RunStatus.PASS)


# -- points, groups, scaling, hidden ----------------------------------------------------------------------


def test_points_config_beats_marker_beats_default() -> None:
    expected = (
        ExpectedTest("test_a.py::test_cfg", "test_a.py", 1, marker_points=5),
        ExpectedTest("test_a.py::test_marker", "test_a.py", 2, marker_points=3),
        ExpectedTest("test_a.py::test_default", "test_a.py", 3),
    )
    cfg = config(points=(("test_a.py::test_cfg", 7.0),), default_points=2.0)
    report = score_report(expected, junit(), cfg)
    assert [t.max_score for t in report.tests] == [7.0, 3.0, 2.0]
    assert report.max_score == 12.0


@pytest.mark.parametrize(
    ("pattern", "nodeid", "expected"),
    [
        ("test_calc.py::test_fib[3]", "test_calc.py::test_fib[3]", True),  # brackets are literal
        ("test_calc.py::test_fib[3]", "test_calc.py::test_fib3", False),
        ("test_calc.py::test_fib[3]", "test_calc.py::test_fib[4]", False),
        ("test_calc.py::test_fib", "test_calc.py::test_fib[3]", True),  # all its parametrized cases
        ("test_calc.py::test_fib", "test_calc.py::test_fibonacci", False),
        ("test_calc.py::test_fib*", "test_calc.py::test_fib[3]", True),
        ("test_fib*", "test_calc.py::test_fib[3]", True),  # without the file part
        ("TestX::*", "test_calc.py::TestX::test_y", True),
        ("test_calc.py::*", "test_calc.py::TestX::test_y", True),
        ("test_calc.py", "test_calc.py::test_fib", False),
        ("*::test_?", "test_calc.py::test_a", True),
        ("*::test_?", "test_calc.py::test_ab", False),
        ("pkg/*", "pkg/test_x.py::test_1", True),
    ],
)
def test_matches(pattern: str, nodeid: str, expected: bool) -> None:
    assert matches(pattern, nodeid) is expected


def test_first_matching_points_pattern_wins() -> None:
    cfg = config(points=(("test_a.py::test_fib[0]", 5.0), ("test_a.py::test_fib", 2.0)))
    report = score_report(expect("test_a.py::test_fib[0]", "test_a.py::test_fib[1]"), junit(), cfg)
    assert [t.max_score for t in report.tests] == [5.0, 2.0]


def test_groups_cap_earned_and_possible_points() -> None:
    expected = expect(*(f"test_a.py::test_{i}" for i in range(4)), "test_b.py::test_x")
    cfg = config(
        groups=(
            Group("basics", ("test_a.py::test_[01]*", "test_a.py::*"), cap=2.5),
            Group("never", ("*",), 1),
        ),
        default_points=1.0,
    )
    results = junit(*(case(f"test_a.py::test_{i}") for i in range(3)), case("test_b.py::test_x"))
    report = score_report(expected, results, cfg)
    assert [t.group for t in report.tests] == ["basics"] * 4 + ["never"]
    # basics: 3 of 4 passed -> min(3, 2.5); never: 1 -> min(1, 1)
    assert (report.score, report.max_score) == (3.5, 3.5)
    assert [t.score for t in report.tests] == [1.0, 1.0, 1.0, 0.0, 1.0]
    assert report.status is RunStatus.FAIL  # test_3 did not pass, capped or not


def test_group_cap_above_the_sum_changes_nothing() -> None:
    cfg = config(groups=(Group("g", ("*",), cap=100),))
    report = score_report(
        expect("test_a.py::test_1", "test_a.py::test_2"), junit(case("test_a.py::test_1")), cfg
    )
    assert (report.score, report.max_score) == (1.0, 2.0)


def test_max_score_rescales_totals_and_tests() -> None:
    expected = expect("test_a.py::test_1", "test_a.py::test_2", "test_a.py::test_3")
    report = score_report(expected, junit(case("test_a.py::test_1")), config(max_score=10))
    # the maxima are allocated by largest remainder (ties to the first test), so they add up to 10
    assert (report.score, report.max_score) == (3.34, 10.0)
    assert [(t.score, t.max_score) for t in report.tests] == [(3.34, 3.34), (0.0, 3.33), (0.0, 3.33)]
    all_passed = junit(*(case(t.nodeid) for t in expected))
    full = score_report(expected, all_passed, config(max_score=10))
    assert (full.score, full.max_score) == (10.0, 10.0)  # not 9.99: summed before rounding


def test_scores_are_rounded_after_summing() -> None:
    expected = expect("test_a.py::test_1", "test_a.py::test_2", "test_a.py::test_3")
    cfg = config(points=(("*_1", 0.1), ("*_2", 0.2), ("*_3", 0.7)))
    report = score_report(expected, junit(case("test_a.py::test_1"), case("test_a.py::test_2")), cfg)
    assert repr(report.score) == "0.3"  # 0.1 + 0.2 == 0.30000000000000004 before rounding
    assert repr(report.max_score) == "1.0"


def test_zero_points_everywhere_with_max_score_does_not_divide_by_zero() -> None:
    report = score_report(expect("test_a.py::test_1"), junit(case("test_a.py::test_1")), config(
        default_points=0.0, max_score=10))  # fmt: skip
    assert (report.score, report.max_score, report.status) == (0.0, 0.0, RunStatus.PASS)


def test_hidden_tests_are_marked_and_kept_whole() -> None:
    failure = case("test_secret.py::test_1", Status.FAILED, message="nope", details="secret traceback")
    cfg = config(hidden=("test_secret.py::*",))
    report = score_report(expect("test_secret.py::test_1", "test_a.py::test_1"), junit(failure), cfg)
    secret, visible = report.tests
    assert (secret.hidden, secret.details, visible.hidden) == (True, "secret traceback", False)


def test_title_duration_and_session_output() -> None:
    expected = (ExpectedTest("test_a.py::test_1", "test_a.py", 4, title="Adds numbers"),)
    results = junit(case("test_a.py::test_1", duration_s=0.12345, output="hi"))
    report = score_report(expected, results, config(), output="session")
    (test,) = report.tests
    assert (test.title, test.duration_s, test.output, test.file, test.line) == (
        "Adds numbers", 0.123, "hi", "test_a.py", 4,
    )  # fmt: skip
    assert report.output == "session"


def test_messages_details_and_output_are_bounded() -> None:
    big = case(
        "test_a.py::test_1", Status.FAILED, message="m" * 5000, details="d" * 50_000, output="o" * 50_000
    )
    (test,) = score_report(expect("test_a.py::test_1"), junit(big), config()).tests
    assert test.message == "m" * MESSAGE_LIMIT + "… (4000 more characters)"
    assert test.details.startswith("d" * DETAILS_LIMIT) and test.details.endswith(
        f"({50_000 - DETAILS_LIMIT} more characters)"
    )
    assert len(test.output) < TEST_OUTPUT_LIMIT + 100
    assert f"({50_000 - TEST_OUTPUT_LIMIT} characters cut)" in test.output


# -- locations -----------------------------------------------------------------------------------------

FILES = frozenset({"calc.py", "pkg/util.py"})


@pytest.mark.parametrize(
    ("frames", "expected"),
    [
        ([Frame("/workspace/calc.py", 3)], ("calc.py", 3)),
        ([Frame("calc.py", 3)], ("calc.py", 3)),
        ([Frame("./pkg/util.py", 8)], ("pkg/util.py", 8)),
        ([Frame("../workspace/pkg/util.py", 8)], ("pkg/util.py", 8)),
        ([Frame("../../workspace/calc.py", 2)], ("calc.py", 2)),
        (
            [Frame("/workspace/calc.py", 3), Frame("/workspace/pkg/util.py", 9), Frame("/python/x.py", 1)],
            ("pkg/util.py", 9),
        ),  # the deepest submission frame wins
        ([Frame("../mnt/tests/test_calc.py", 3)], None),
        ([Frame("/mnt/tests/calc.py", 3)], None),  # a same-named file elsewhere is not the student's
        ([Frame("<frozen importlib._bootstrap>", 3)], None),
        ([Frame("/workspace/../etc/calc.py", 3)], None),
        ([Frame("/workspace/other.py", 3)], None),  # not a submitted file
        ([], None),
    ],
)
def test_locate_in_submission(frames: list[Frame], expected: tuple[str, int] | None) -> None:
    assert locate_in_submission(frames, FILES) == expected


def test_junit_key_is_pytests_own() -> None:
    assert junit_key("pkg/test_x.py::TestA::test_b[1-a::b/c]") == ("pkg.test_x.TestA", "test_b[1-a::b/c]")
    assert junit_key("test_x.py::test_ctrl[\x07]") == ("test_x", "test_ctrl[#x07]")
