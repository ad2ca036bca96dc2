"""Expected tests whose parameter is a submission module: matched to the run's id (grader.results.param_ids)."""

from __future__ import annotations

from grader.models import Status
from grader.results.param_ids import align
from grader.results.scoring import junit_key, score_report
from tests.unit.test_scoring import case, config, expect, junit


def key(nodeid: str) -> tuple[str, str]:
    return junit_key(nodeid)


def test_a_module_parameter_matches_its_dotted_name() -> None:
    expected = [key("test_escape.py::test_escape[_native--]"), key("test_escape.py::test_escape[_native-a-b]")]
    results = [key("test_escape.py::test_escape[markupsafe._native--]"),
               key("test_escape.py::test_escape[markupsafe._native-a-b]")]
    assert align(expected, results) == dict(zip(expected, results, strict=True))


def test_exact_ids_win_and_other_tests_or_values_never_match() -> None:
    expected = [key("t.py::test_a[add]"), key("t.py::test_b[add]"), key("t.py::test_c[add]")]
    results = [key("t.py::test_a[add]"), key("t.py::test_a[calc.add]"),  # exact wins: nothing to align
               key("t.py::test_b[calc.sub]"),  # another value
               key("t.py::test_x[calc.add]")]  # another test
    assert align(expected, results) == {}


def test_ambiguous_matches_stay_unmatched() -> None:
    # two results for one expected test, and one result two expected tests could claim
    expected = [key("t.py::test_a[add]"), key("t.py::test_b[add-1]"), key("t.py::test_b[x.add-1]")]
    results = [key("t.py::test_a[m.add]"), key("t.py::test_a[n.add]"), key("t.py::test_b[y.x.add-1]")]
    assert align(expected, results) == {}


def test_score_report_grades_the_aligned_result_and_reports_nothing_unexpected() -> None:
    expected = expect("test_m.py::test_escape[_native]", "test_m.py::test_soft[_native]")
    report = score_report(
        expected,
        junit(case("test_m.py::test_escape[markupsafe._native]"),
              case("test_m.py::test_soft[markupsafe._native]", Status.FAILED, message="boom")),
        config(),
    )
    assert [(t.name, t.status) for t in report.tests] == [
        ("test_m.py::test_escape[_native]", Status.PASSED), ("test_m.py::test_soft[_native]", Status.FAILED)]
    assert (report.score, report.max_score) == (1.0, 2.0)
    assert not [f for f in report.integrity if f.kind == "unexpected-result"]
