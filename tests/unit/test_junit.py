"""grader.results.junit: real pytest XML (tests/fixtures/junit, regenerate with make_fixtures.py) and edge cases."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from grader.models import Frame, JUnitCase, JUnitReport, Status
from grader.results.junit import OUTPUT_LIMIT, clip, parse_frames, parse_junit

FIXTURES = Path(__file__).parent.parent / "fixtures" / "junit"
FAMILIES = ("xunit1", "xunit2")


def by_name(report: JUnitReport) -> dict[str, JUnitCase]:
    return {f"{c.classname}::{c.name}": c for c in report.cases}


@pytest.fixture(params=FAMILIES)
def family(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def results(family: str) -> dict[str, JUnitCase]:
    report = parse_junit(FIXTURES / f"results_{family}.xml")
    assert report.error is None
    assert report.collection_errors == ()
    return by_name(report)


# -- real pytest output ----------------------------------------------------------------------------


def test_every_test_is_reported_once_with_its_outcome(results: dict[str, JUnitCase]) -> None:
    statuses = {name: case.status for name, case in results.items()}
    assert statuses == {
        "test_calc::test_add": Status.PASSED,
        "test_calc::test_inventory": Status.FAILED,
        "test_calc::test_evens": Status.FAILED,
        "test_calc::test_divide_by_zero_in_student_code": Status.FAILED,
        "test_calc::test_odd_ids[a b]": Status.PASSED,
        "test_calc::test_odd_ids[x::y]": Status.PASSED,
        "test_calc::test_odd_ids[\\xe9]": Status.PASSED,
        "test_calc::test_odd_ids[[1]]": Status.FAILED,
        "test_calc::test_odd_ids[tab\\there]": Status.PASSED,
        'test_calc::test_odd_ids[quote"s]': Status.PASSED,
        "test_calc::test_odd_ids[<&>]": Status.PASSED,
        "test_calc.TestCalc::test_in_class": Status.PASSED,
        "test_calc.TestCalc::test_in_class_fails": Status.FAILED,
        "test_skips::test_skip": Status.SKIPPED,
        "test_skips::test_skipif": Status.SKIPPED,
        "test_skips::test_xfail": Status.SKIPPED,
        "test_skips::test_xpass_strict": Status.FAILED,
        "test_skips::test_xpass": Status.PASSED,
        "test_skips::test_output": Status.PASSED,
        "test_teardown::test_fails_then_teardown_error": Status.ERROR,
        "test_teardown::test_passes_then_teardown_error": Status.ERROR,
        "test_teardown::test_setup_error": Status.ERROR,
        "test_unit.AddTest::test_fail": Status.FAILED,
        "test_unit.AddTest::test_ok": Status.PASSED,
        "test_unit.AddTest::test_skipped": Status.SKIPPED,
    }


def test_dict_diff_is_kept_whole_in_details(results: dict[str, JUnitCase]) -> None:
    case = results["test_calc::test_inventory"]
    assert case.message.startswith("AssertionError: assert {'apples': 3,")
    assert "Differing items:" in case.message
    details = case.details.splitlines()
    assert '>       assert inventory() == {"apples": 3, "pears": 5, "kiwis": 1}' in details
    assert "E         {'pears': 2} != {'pears': 5}" in details
    assert "E         Right contains 1 more item:" in details
    assert details[-1] == "../mnt/tests/test_calc.py:11: AssertionError"


def test_list_diff(results: dict[str, JUnitCase]) -> None:
    case = results["test_calc::test_evens"]
    assert case.message.splitlines()[0] == "assert [0, 2, 4] == [0, 2, 4, 6]"
    assert "E         Right contains one more item: 6" in case.details


def test_frames_run_from_the_test_into_student_code(results: dict[str, JUnitCase]) -> None:
    case = results["test_calc::test_divide_by_zero_in_student_code"]
    assert case.message == "ZeroDivisionError: division by zero"
    assert case.frames == (
        Frame("../mnt/tests/test_calc.py", 20),
        Frame("calc.py", 6),
        Frame("calc.py", 10),
    )


def test_output_keeps_what_was_printed_and_drops_empty_sections(results: dict[str, JUnitCase]) -> None:
    out = results["test_skips::test_output"].output
    assert "to stdout" in out
    assert "to stderr" in out
    assert "Captured Log" not in out  # nothing was logged: its header is noise
    assert results["test_calc::test_add"].output == ""
    assert "dividing now" in results["test_calc::test_divide_by_zero_in_student_code"].output


def test_skip_xfail_and_xpass(results: dict[str, JUnitCase]) -> None:
    assert results["test_skips::test_skip"].message == "no network"
    assert results["test_skips::test_skipif"].message == "always skipped"
    assert results["test_skips::test_xfail"].message == "known bug"
    strict = results["test_skips::test_xpass_strict"]
    assert strict.message == "[XPASS(strict)] fixed already"
    assert results["test_unit.AddTest::test_skipped"].message == "not today"


def test_teardown_error_after_a_failure_is_one_case_worst_outcome_first(
    results: dict[str, JUnitCase],
) -> None:
    case = results["test_teardown::test_fails_then_teardown_error"]
    assert case.status is Status.ERROR
    assert case.message == 'failed on teardown with "RuntimeError: teardown exploded"'
    # the call's assertion comes first, then the teardown error under its message
    assert case.details.index("E       assert 1 == 2") < case.details.index("teardown exploded")
    assert f"\n\n{case.message}\n" in case.details
    assert case.duration_s == pytest.approx(0.002)  # both elements' times


def test_setup_error(results: dict[str, JUnitCase]) -> None:
    case = results["test_teardown::test_setup_error"]
    assert case.message == 'failed on setup with "RuntimeError: setup exploded"'
    assert "E       RuntimeError: setup exploded" in case.details


def test_xunit1_file_and_line_are_converted_to_1_based(family: str, results: dict[str, JUnitCase]) -> None:
    add = results["test_calc::test_add"]
    in_class = results["test_calc.TestCalc::test_in_class"]
    if family == "xunit1":
        assert (add.file, add.line) == ("test_calc.py", 5)  # `def test_add` is on line 5
        assert (in_class.file, in_class.line) == ("test_calc.py", 29)
    else:
        assert (add.file, add.line) == (None, None)
    assert add.duration_s == pytest.approx(0.001)


def test_collection_error_syntax_error_in_student_module(family: str) -> None:
    report = parse_junit(FIXTURES / f"collect_syntax_{family}.xml")
    assert [(c.classname, c.name, c.status) for c in report.cases] == [
        ("test_other", "test_other", Status.PASSED)
    ]
    (error,) = report.collection_errors
    assert (error.classname, error.name, error.status) == ("", "test_calc", Status.ERROR)
    assert error.message == "could not load the tests: SyntaxError: expected ':'"
    assert "E   SyntaxError: expected ':'" in error.details
    assert error.frames[-1] == Frame("/workspace/calc.py", 1)
    assert Frame("../mnt/tests/test_calc.py", 1) in error.frames


def test_collection_error_import_error_in_package(family: str) -> None:
    report = parse_junit(FIXTURES / f"collect_import_{family}.xml")
    assert report.cases == ()
    (error,) = report.collection_errors
    assert (error.classname, error.name) == ("", "pkg.test_x")
    assert "ModuleNotFoundError: No module named 'numpy_that_does_not_exist'" in error.details
    assert error.frames[-2:] == (Frame("../mnt/tests/pkg/test_x.py", 1), Frame("calc.py", 1))


def test_bytes_str_and_path_give_the_same_report() -> None:
    path = FIXTURES / "results_xunit1.xml"
    data = path.read_bytes()
    assert parse_junit(path) == parse_junit(data) == parse_junit(data.decode("utf-8"))


# -- hand-written documents --------------------------------------------------------------------------


def test_testsuite_root_nested_suites_and_missing_attributes() -> None:
    xml = b"""<testsuite><testcase name="a"/><testsuite><testcase classname="m" name="b" time="x"
        line="nope"><failure>boom</failure></testcase></testsuite><testcase/></testsuite>"""
    report = parse_junit(xml)
    assert report.error is None
    cases = {(c.classname, c.name): c for c in report.cases}
    assert cases[("", "a")].status is Status.PASSED
    b = cases[("m", "b")]
    assert (b.status, b.message, b.details, b.line, b.duration_s) == (Status.FAILED, "", "boom", None, 0.0)
    assert ("", "") in cases


def test_killed_property_forces_error() -> None:
    xml = """<testsuites><testsuite>
      <testcase classname="t" name="slow"><properties><property name="grader.status" value="error"/>
        </properties><error message="timed out after 5 s">Timeout</error></testcase>
      <testcase classname="t" name="looked_passed"><properties>
        <property name="grader.status" value="error"/></properties></testcase>
      <testcase classname="t" name="other_prop"><properties>
        <property name="something" value="error"/></properties></testcase>
    </testsuite></testsuites>"""
    cases = by_name(parse_junit(xml))
    assert (cases["t::slow"].status, cases["t::slow"].message) == (Status.ERROR, "timed out after 5 s")
    looked = cases["t::looked_passed"]
    assert (looked.status, looked.message) == (Status.ERROR, "stopped by the grader")
    assert cases["t::other_prop"].status is Status.PASSED


def test_worst_outcome_wins_whatever_the_order() -> None:
    xml = """<testsuite>
      <testcase classname="t" name="x"><skipped message="s"/></testcase>
      <testcase classname="t" name="x"><error message="e">E-text</error></testcase>
      <testcase classname="t" name="x"><failure message="f">F-text</failure></testcase>
    </testsuite>"""
    (case,) = parse_junit(xml).cases
    assert (case.status, case.message) == (Status.ERROR, "e")
    assert case.details == "E-text\n\nf\nF-text"


def test_huge_output_is_bounded_and_says_so() -> None:
    text = "x" * (OUTPUT_LIMIT * 3)
    xml = (
        f'<testsuite><testcase classname="t" name="o"><system-out>{text}</system-out></testcase></testsuite>'
    )
    (case,) = parse_junit(xml).cases
    assert len(case.output) < OUTPUT_LIMIT + 100
    assert f"({OUTPUT_LIMIT * 2} characters cut)" in case.output


def test_pytest_internal_error_counts_as_a_session_error() -> None:
    xml = '<testsuite><testcase classname="pytest" name="internal"><error message="internal error">' \
        "Traceback</error></testcase></testsuite>"  # fmt: skip
    report = parse_junit(xml)
    assert report.cases == ()
    assert [c.name for c in report.collection_errors] == ["internal"]


def test_collection_skipped_is_a_collection_result() -> None:
    xml = '<testsuite><testcase classname="" name="test_np"><skipped message="collection skipped">' \
        "no numpy</skipped></testcase></testsuite>"  # fmt: skip
    (skipped,) = parse_junit(xml).collection_errors
    assert (skipped.status, skipped.details) == (Status.SKIPPED, "no numpy")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "the JUnit report is empty"),
        ("  \n", "the JUnit report is empty"),
        (b"<testsuite><testcase>", "invalid JUnit XML: no element found (line 1, column 22)"),
        (b"not xml at all", "invalid JUnit XML: syntax error (line 1, column 1)"),
        (
            b"<html><body/></html>",
            "the JUnit report's root element is <html>, not <testsuites> or <testsuite>",
        ),
        (b"<testsuite>&undefined;</testsuite>", "invalid JUnit XML: undefined entity (line 1, column 12)"),
        (b"\xff\xfe\x00garbage", "invalid JUnit XML: syntax error (line 1, column 2)"),
    ],
)
def test_unreadable_input_is_an_error_not_an_exception(data: bytes | str, expected: str) -> None:
    assert parse_junit(data) == JUnitReport(cases=(), error=expected)


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    report = parse_junit(tmp_path / "missing.xml")
    assert report.cases == ()
    assert report.error == "cannot read the JUnit report: No such file or directory"


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<testsuite><testcase classname="t" name="x"><failure message="&lol9;">&lol9;</failure></testcase></testsuite>
"""
DOCTYPE_REFUSED = "the JUnit report has a DOCTYPE or entity declaration; refusing to read it"


@pytest.mark.parametrize(
    "xml",
    [
        BILLION_LAUGHS,
        b'<!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/passwd">]><testsuite><testcase name="&x;"/>'
        b"</testsuite>",
        b'<!DOCTYPE t [<!ENTITY % p SYSTEM "http://example.invalid/x.dtd"> %p;]><testsuite/>',
        b'<!DOCTYPE testsuite SYSTEM "http://example.invalid/junit.dtd"><testsuite/>',
    ],
    ids=["billion-laughs", "external-entity", "parameter-entity", "external-dtd"],
)
def test_doctype_and_entities_are_refused_before_any_expansion(xml: bytes) -> None:
    started = time.perf_counter()
    assert parse_junit(xml) == JUnitReport(cases=(), error=DOCTYPE_REFUSED)
    assert time.perf_counter() - started < 1


def test_ten_thousand_cases() -> None:
    body = "".join(
        f'<testcase classname="test_m" name="test_{i}" file="test_m.py" line="{i}" time="0.01">'
        + (f'<failure message="m{i}">test_m.py:{i}: AssertionError</failure>' if i % 3 == 0 else "")
        + "</testcase>"
        for i in range(10_000)
    )
    started = time.perf_counter()
    report = parse_junit(f"<testsuites><testsuite>{body}</testsuite></testsuites>".encode())
    elapsed = time.perf_counter() - started
    assert len(report.cases) == 10_000
    assert sum(c.status is Status.FAILED for c in report.cases) == 3334
    assert report.cases[3].frames == (Frame("test_m.py", 3),)
    assert elapsed < 10  # a regression guard (quadratic work), not a benchmark


# -- helpers --------------------------------------------------------------------------------------------


def test_parse_frames_both_styles_in_text_order() -> None:
    text = "\n".join(
        [
            "def test_x():",
            '    @pytest.mark.parametrize("v", ["a:1: b"])',  # source, not a location
            '>       check("x:2: y")',
            "../mnt/tests/test_a.py:12: in test_x",
            "<frozen importlib._bootstrap>:1204: in _gcd_import",
            "/workspace/pkg/mod.py:3: ",
            "E   assert 1 == 2:3: ",
            'E     File "/workspace/calc.py", line 7',
            'Traceback (most recent call last):\n  File "/workspace/b.py", line 9, in f',
            "/workspace/pkg/mod.py:30: ZeroDivisionError",
        ]
    )
    assert parse_frames(text) == (
        Frame("../mnt/tests/test_a.py", 12),
        Frame("<frozen importlib._bootstrap>", 1204),
        Frame("/workspace/pkg/mod.py", 3),
        Frame("/workspace/calc.py", 7),
        Frame("/workspace/b.py", 9),
        Frame("/workspace/pkg/mod.py", 30),
    )


def test_parse_frames_keeps_both_ends_of_a_huge_traceback() -> None:
    frames = parse_frames("\n".join(f"/workspace/r.py:{i}: in f" for i in range(1, 5001)))
    assert len(frames) == 256
    assert (frames[0].line, frames[-1].line) == (1, 5000)


def test_clip() -> None:
    assert clip("short", 10) == "short"
    assert clip("abcdefghij", 4) == "abcd… (6 more characters)"
    assert clip("abcdefghij", 4, keep_tail=True) == "ab\n… (6 characters cut) …\nij"
