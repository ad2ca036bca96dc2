"""`grader run --junit` when the run produced no JUnit XML: a valid file with one errored test case
saying why, so that JUnit tools never find the file missing."""

from __future__ import annotations

from pathlib import Path

from grader.cli.run import _write_junit
from grader.config import GradingConfig
from grader.models import JUnitReport
from grader.results.junit import parse_junit
from grader.results.scoring import score_report
from tests.junit_readback import junit_verdicts


def test_a_run_without_xml_writes_its_error_as_one_errored_case(tmp_path: Path) -> None:
    config = GradingConfig(tests=Path("tests"))
    report = score_report((), JUnitReport(cases=()), config, run_error="timed out \x00 after <60> s")
    path = tmp_path / "deep" / "junit.xml"
    _write_junit(path, None, report)
    assert junit_verdicts(path) == {("grader", "run"): "error"}
    (case,) = parse_junit(path).cases
    assert case.message == "timed out #x00 after <60> s"  # escaped as pytest escapes XML text


def test_the_sandbox_xml_is_written_as_it_came(tmp_path: Path) -> None:
    xml = '<testsuites><testsuite name="grader"><testcase classname="t" name="x"/></testsuite></testsuites>'
    report = score_report((), JUnitReport(cases=()), GradingConfig(tests=Path("tests")))
    _write_junit(tmp_path / "junit.xml", xml, report)
    assert (tmp_path / "junit.xml").read_text() == xml
