"""Verdict rules (README, "Verdict rules"): subtests, skips, xfail, from the sandbox's XML to the score."""

from __future__ import annotations

from pathlib import Path

from grader.collection.manifest import collect_expected
from grader.config import GradingConfig
from grader.models import ExpectedTest, JUnitCase, JUnitReport, RunStatus, Status, SubtestCounts
from grader.results.junit import parse_junit
from grader.results.scoring import junit_key, score_report
from grader.sandbox.inside.junitxml import JUnitWriter


def config(**kwargs: object) -> GradingConfig:
    return GradingConfig(tests=Path("/tests"), **kwargs)  # type: ignore[arg-type]


def record(nodeid: str, when: str, outcome: str = "passed", **extra: object) -> dict[str, object]:
    return {"nodeid": nodeid, "when": when, "outcome": outcome, "duration": 0.01,
            "location": [nodeid.split("::")[0], 3, nodeid.split("::")[-1]], **extra}


def run_writer(*records: dict[str, object]) -> JUnitReport:
    writer = JUnitWriter()
    for rec in records:
        writer.phase(rec)
    return parse_junit(writer.xml(0.1).encode())


SUBTESTS = {
    "passed": 5, "failed": 3,
    "failures": [{"label": "odd", "params": "n=1", "message": "AssertionError: 1 != 2", "traceback": "tb\nx.py:3: E"},
                 {"label": "", "params": "n=3", "message": "ValueError: bad\nsecond line"},
                 {"label": "", "params": "n=5", "message": "skipped: not ready"}],
}


def test_a_passed_test_with_failed_subtests_fails_and_lists_them() -> None:
    nodeid = "test_u.py::T::test_cases"
    report = run_writer(record(nodeid, "setup"), record(nodeid, "call", subtests=SUBTESTS), record(nodeid, "teardown"))
    (case,) = report.cases
    assert case.status is Status.FAILED
    assert case.message == "3 of 8 subtests failed"
    assert case.subtests == SubtestCounts(passed=5, failed=3)
    assert "- [odd] (n=1): AssertionError: 1 != 2" in case.details
    assert "- (n=3): ValueError: bad\n    second line" in case.details
    assert "- (n=5): skipped: not ready" in case.details
    assert "First failed subtest:\ntb" in case.details


def test_subtests_that_all_passed_leave_the_test_passed_with_its_counts() -> None:
    nodeid = "test_u.py::test_ok"
    subtests = {"passed": 4, "failed": 0, "failures": []}
    (case,) = run_writer(record(nodeid, "setup"), record(nodeid, "call", subtests=subtests),
                         record(nodeid, "teardown")).cases
    assert (case.status, case.subtests) == (Status.PASSED, SubtestCounts(passed=4, failed=0))


def test_the_tests_own_failure_counts_as_one_more_failed_case() -> None:
    nodeid = "test_u.py::test_both"
    subtests = {"passed": 2, "failed": 0, "failures": []}
    (case,) = run_writer(record(nodeid, "setup"),
                         record(nodeid, "call", "failed", subtests=subtests, crash="assert 1 == 2", text="long tb"),
                         record(nodeid, "teardown")).cases
    assert case.status is Status.FAILED
    assert case.subtests == SubtestCounts(passed=2, failed=1)
    assert "[outside the subtests]: assert 1 == 2" in case.details and "long tb" in case.details


def test_malformed_subtest_records_are_ignored_not_trusted() -> None:
    nodeid = "test_u.py::test_x"
    for bad in ({"passed": "9", "failed": 0}, {"passed": True, "failed": 0}, ["x"], {"failed": 1}):
        (case,) = run_writer(record(nodeid, "setup"), record(nodeid, "call", subtests=bad),
                             record(nodeid, "teardown")).cases
        assert (case.status, case.subtests) == (Status.PASSED, None)
    huge = {"passed": 10**12, "failed": -5, "failures": [{"label": "x" * 10_000}] * 500}
    (case,) = run_writer(record(nodeid, "setup"), record(nodeid, "call", subtests=huge),
                         record(nodeid, "teardown")).cases
    assert case.status is Status.FAILED and case.subtests == SubtestCounts(passed=1_000_000, failed=20)
    assert len(case.details) < 20 * 600


def test_a_run_time_xfail_is_written_as_a_skip() -> None:
    nodeid = "test_x.py::test_student_xfails"
    (case,) = run_writer(record(nodeid, "setup"),
                         record(nodeid, "call", "skipped", wasxfail="student says so", xfail_run_time=True),
                         record(nodeid, "teardown")).cases
    assert (case.status, case.xfail) == (Status.SKIPPED, False)
    assert "xfail at run time: student says so" in case.message


def expected(nodeid: str, **kwargs: object) -> tuple[ExpectedTest, ...]:
    return (ExpectedTest(nodeid=nodeid, file=nodeid.split("::")[0], line=1, **kwargs),)  # type: ignore[arg-type]


def one(nodeid: str, status: Status, **kwargs: object) -> JUnitReport:
    classname, name = junit_key(nodeid)
    return JUnitReport(cases=(JUnitCase(classname=classname, name=name, status=status, **kwargs),))  # type: ignore[arg-type]


def test_a_run_time_skip_scores_zero_and_counts_in_the_maximum() -> None:
    report = score_report(expected("t.py::test_a"), one("t.py::test_a", Status.SKIPPED, message="no module"), config())
    (test,) = report.tests
    assert (test.score, test.max_score, test.graded, report.max_score) == (0.0, 1.0, True, 1.0)
    assert test.message == "skipped while running: no points (no module)"
    assert report.status is RunStatus.FAIL


def test_the_instructors_unconditional_skip_is_not_graded() -> None:
    tests = expected("t.py::test_a", ungraded="skipped by the instructor: later") + expected("t.py::test_b")
    junit = JUnitReport(cases=one("t.py::test_a", Status.SKIPPED, message="later").cases
                        + one("t.py::test_b", Status.PASSED).cases)
    report = score_report(tests, junit, config(max_score=10))
    skipped, passed = report.tests
    assert (skipped.score, skipped.max_score, skipped.graded) == (0.0, 0.0, False)
    assert (passed.score, passed.max_score) == (10.0, 10.0)  # max-score rescales the graded tests only
    assert skipped.message == "not graded: skipped by the instructor: later"
    assert (report.score, report.max_score, report.status) == (10.0, 10.0, RunStatus.PASS)


def test_strict_xfail_passes_only_by_failing_as_marked() -> None:
    tests = expected("t.py::test_x", xfail_strict=True)
    xfailed = score_report(tests, one("t.py::test_x", Status.SKIPPED, xfail=True, message="xfail"), config())
    assert (xfailed.tests[0].status, xfailed.score) == (Status.PASSED, 1.0)
    xpassed = score_report(tests, one("t.py::test_x", Status.FAILED, message="[XPASS(strict)]"), config())
    assert (xpassed.tests[0].status, xpassed.score) == (Status.FAILED, 0.0)
    plain_skip = score_report(tests, one("t.py::test_x", Status.SKIPPED, message="xfail at run time: x"), config())
    assert plain_skip.score == 0.0  # pytest.xfail() while running is a skip, even here
    unmarked = score_report(expected("t.py::test_x"), one("t.py::test_x", Status.SKIPPED, xfail=True), config())
    assert (unmarked.score, unmarked.max_score) == (0.0, 1.0)  # an xfail the collection did not see: 0


def test_the_trusted_collection_reads_skip_and_xfail_marks(tmp_path: Path) -> None:
    (tmp_path / "test_marks.py").write_text(
        "import sys, unittest, pytest\n"
        "import student_module\n"
        "@pytest.mark.skip(reason='later')\ndef test_skip(): pass\n"
        "@pytest.mark.skipif(True, reason='always')\ndef test_skipif_true(): pass\n"
        "@pytest.mark.skipif(sys.version_info < (3,), reason='never')\ndef test_skipif_false(): pass\n"
        "@pytest.mark.skipif('student_module.VERSION < 2', reason='needs the submission')\n"
        "def test_skipif_student(): pass\n"
        "@pytest.mark.xfail(reason='known')\ndef test_xfail(): pass\n"
        "@pytest.mark.xfail(strict=True, raises=ValueError)\ndef test_strict(): pass\n"
        "@pytest.mark.xfail(strict=True, run=False)\ndef test_strict_not_run(): pass\n"
        "@unittest.skip('old')\nclass TestOld(unittest.TestCase):\n    def test_a(self): pass\n"
        "class TestNew(unittest.TestCase):\n"
        "    @unittest.expectedFailure\n    def test_expected(self): pass\n"
        "    @unittest.skip('not yet')\n    def test_skipped(self): pass\n"
        "@pytest.mark.parametrize('v', student_module.VALUES)\ndef test_student_values(v): pass\n"
    )
    marks = {t.nodeid.split("::", 1)[1]: (t.ungraded, t.xfail_strict) for t in collect_expected(tmp_path)}
    assert marks == {
        "test_skip": ("skipped by the instructor: later", False),
        "test_skipif_true": ("skipped by the instructor: always", False),
        "test_skipif_false": (None, False),
        "test_skipif_student": (None, False),  # cannot be decided without the submission: graded
        "test_xfail": ("marked xfail by the instructor (not strict): known", False),
        "test_strict": (None, True),
        "test_strict_not_run": ("marked xfail by the instructor (does not run)", False),
        "TestOld::test_a": ("skipped by the instructor: old", False),
        "TestNew::test_expected": (None, True),
        "TestNew::test_skipped": ("skipped by the instructor: not yet", False),
        # pytest's placeholder for cases only the submission defines: not the instructor's skip
        "test_student_values[NOTSET]": (None, False),
    }


def test_an_empty_parameter_list_of_the_instructor_is_not_graded(tmp_path: Path) -> None:
    """Plain pytest skips `parametrize("x", [])` whatever the submission: the instructor's
    unconditional skip, not graded (it used to cost every student its point)."""
    (tmp_path / "test_empty.py").write_text(
        "import pytest\nimport student_module\n"
        "@pytest.mark.parametrize('x', [])\ndef test_none(x): pass\n"
        "@pytest.mark.parametrize('x', student_module.VALUES)\ndef test_student(x): pass\n"
        "@pytest.mark.parametrize(argnames='x', argvalues=student_module.MORE)\ndef test_student_kw(x): pass\n"
    )
    marks = {t.nodeid.split("::", 1)[1]: t.ungraded for t in collect_expected(tmp_path)}
    assert marks == {
        "test_none[NOTSET]": "skipped by the instructor: got empty parameter set for (x)",
        "test_student[NOTSET]": None,
        "test_student_kw[NOTSET]": None,
    }


def test_an_empty_list_built_from_the_submission_stays_a_graded_placeholder(tmp_path: Path) -> None:
    """`[c for c in calc.CASES]` is a real (empty) list here only because the submission is stubbed:
    in doubt the placeholder stays graded."""
    (tmp_path / "test_built.py").write_text(
        "import pytest\nimport student_module\n"
        "CASES = [(a, b) for a, b in student_module.CASES]\n"
        "@pytest.mark.parametrize(('a', 'b'), CASES)\ndef test_cases(a, b): pass\n"
    )
    assert [(t.nodeid.split("::", 1)[1], t.ungraded) for t in collect_expected(tmp_path)] == [
        ("test_cases[NOTSET]", None)
    ]


def test_the_subtests_key_is_validated(tmp_path: Path) -> None:
    import pytest

    from grader.config import ConfigError, parse_config

    assert parse_config("tests: .\nsubtests: partial\n", base_dir=tmp_path).subtests == "partial"
    assert parse_config("tests: .\n", base_dir=tmp_path).subtests == "all-or-nothing"
    with pytest.raises(ConfigError, match=r"line 2: `subtests` must be one of all-or-nothing, partial, not 'half'"):
        parse_config("tests: .\nsubtests: half\n", base_dir=tmp_path)
