"""The conformance harness itself (no Docker): mutants, verdicts from both sides, the excuse rules."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.conformance import intended
from tests.conformance.mutate import break_one, make_variants, named_in_tests, stub_all
from tests.conformance.verdicts import FAILED, PASSED, SKIPPED, Outcome, Verdict, compare, reference_verdicts

MODULE = textwrap.dedent(
    '''
    """A module."""
    LIMIT = 3

    def small(n):
        """Is n small?"""
        return n < LIMIT

    class Box:
        def __init__(self, items):
            self.items = list(items)

        def count(self):
            return len(self.items) + 0
    '''
)


def _load(source: str) -> dict[str, object]:
    namespace: dict[str, object] = {}
    exec(compile(source, "<mutant>", "exec"), namespace)
    return namespace


@pytest.mark.parametrize(("kind", "effect"), [("pass", None), ("none", None), ("raise", NotImplementedError)])
def test_stub_all_replaces_every_body(kind: str, effect: type[Exception] | None) -> None:
    ns = _load(stub_all(MODULE, kind))
    small = ns["small"]
    assert small.__doc__ == "Is n small?"  # type: ignore[attr-defined]
    if effect is None:
        assert small(1) is None  # type: ignore[operator]
        assert ns["Box"]([1]).count() is None  # type: ignore[operator]
    else:
        with pytest.raises(effect):
            small(1)  # type: ignore[operator]
    assert ns["LIMIT"] == 3  # module-level code is kept


def test_break_one_changes_only_that_function() -> None:
    source, how = break_one(MODULE, "small")
    ns = _load(source)
    assert how == "first comparison negated"
    assert ns["small"](1) is False and ns["small"](5) is True  # type: ignore[operator]
    assert ns["Box"]([1, 2]).count() == 2  # type: ignore[operator]
    source, how = break_one(MODULE, "Box.count")
    assert how == "first integer constant + 1"
    assert _load(source)["Box"]([1, 2]).count() == 3  # type: ignore[operator]
    with pytest.raises(KeyError):
        break_one(MODULE, "missing")


def test_variants_break_functions_the_tests_name(tmp_path: Path) -> None:
    solution = tmp_path / "solution"
    tests = tmp_path / "tests"
    solution.mkdir()
    tests.mkdir()
    (solution / "mod.py").write_text(MODULE)
    (tests / "test_mod.py").write_text("from mod import small\ndef test_small():\n    assert small(1)\n")
    assert named_in_tests(solution, tests) == [("mod.py", "small")]
    variants = make_variants(solution, tests, tmp_path / "out", broken=5, seed="x")
    assert [v.name for v in variants] == ["honest", "pass", "raise", "none", "break:mod.py:small"]
    assert (variants[0].path / "mod.py").read_text() == MODULE
    assert "n >= LIMIT" in (variants[-1].path / "mod.py").read_text()


def _xml(cases: str) -> str:
    return f'<?xml version="1.0"?><testsuites><testsuite name="pytest">{cases}</testsuite></testsuites>'


def test_reference_verdict_is_failed_when_any_entry_failed() -> None:
    xml = _xml(
        '<testcase classname="test_a.T" name="test_sub"><failure message="x=1: assert 2 == 3"/></testcase>'
        '<testcase classname="test_a.T" name="test_sub"/>'
        '<testcase classname="test_a.T" name="test_ok"/>'
        '<testcase classname="test_a" name="test_x[1]"><skipped type="pytest.xfail" message="known"/></testcase>'
        '<testcase classname="" name="test_b"><error message="collection failure"/></testcase>'
    )
    verdicts, errors = reference_verdicts(xml)
    assert verdicts[("test_a.T", "test_sub")].verdict == FAILED
    assert "1 of 2 entries" in verdicts[("test_a.T", "test_sub")].why
    assert verdicts[("test_a.T", "test_ok")].verdict == PASSED
    assert verdicts[("test_a", "test_x[1]")].verdict == SKIPPED
    assert ("", "test_b") not in verdicts and errors.startswith("test_b: error: collection failure")


def _Test(name: str, status: str, score: float, max_score: float, **more: object) -> dict[str, object]:
    return {"name": name, "status": status, "score": score, "max_score": max_score, "message": "", **more}


def _Report(tests: list[dict[str, object]]) -> dict[str, object]:
    return {"tests": tests}


def test_compare_covers_tests_either_side_knows() -> None:
    xml = _xml(
        '<testcase classname="test_a.T" name="test_sub"><failure message="subtest"/></testcase>'
        '<testcase classname="test_a.T" name="test_sub"/>'
        '<testcase classname="test_a" name="test_skip"><skipped message="no"/></testcase>'
        '<testcase classname="test_a" name="test_p[fish]"/>'
    )
    report = _Report([
        _Test("test_a.py::T::test_sub", "passed", 1, 1),
        _Test("test_a.py::test_skip", "skipped", 0, 1),  # still counts in max_score: not passed
        _Test("test_a.py::test_off", "skipped", 0, 0, graded=False),
        _Test("test_a.py::test_p[NOTSET]", "not-run", 0, 1),
        _Test("test_b.py::test_gone", "failed", 0, 1),
    ])
    outcomes = {o.test: o for o in compare(xml, report)[0]}
    assert not outcomes["test_a.py::T::test_sub"].agrees  # the bug of issue #9, seen
    assert outcomes["test_a.py::test_skip"].grader.verdict == FAILED
    assert outcomes["test_a.py::test_off"].grader.verdict == SKIPPED
    assert outcomes["test_b.py::test_gone"].reference.why.startswith("did not run")
    only_reference = outcomes["test_a::test_p[fish]"]
    assert only_reference.grader_siblings == ("test_a.py::test_p[NOTSET]",)
    assert intended.excuse(only_reference).excused_by == "parameters-from-student-code"
    assert intended.excuse(outcomes["test_a.py::T::test_sub"]).excused_by is None


def test_every_rule_is_narrow() -> None:
    """No rule excuses the plain cases: a passed/failed swap with nothing else to go on."""
    for ref, got in [(PASSED, FAILED), (FAILED, PASSED), (SKIPPED, PASSED), (PASSED, SKIPPED)]:
        outcome = Outcome("test_a.py::test_x", Verdict(ref, ref), Verdict(got, got))
        assert intended.excuse(outcome).excused_by is None
    assert all(rule.reason and rule.name for rule in intended.RULES)


def test_tests_after_a_pytest_crash_are_excused_only_then() -> None:
    crashed = _xml(
        '<testcase classname="test_a" name="test_first"/>'
        '<testcase classname="pytest" name="internal"><error message="internal error">SystemError</error></testcase>'
    )
    report = _Report([_Test("test_a.py::test_first", "passed", 1, 1), _Test("test_a.py::test_later", "passed", 1, 1)])
    later = {o.test: o for o in compare(crashed, report)[0]}["test_a.py::test_later"]
    assert later.reference.verdict == FAILED and not later.agrees
    assert intended.excuse(later).excused_by == "grader-goes-on-after-a-crash"
    # The same missing entry without a crash is a real disagreement.
    missing = {o.test: o for o in compare(_xml('<testcase classname="test_a" name="test_first"/>'), report)[0]}
    assert intended.excuse(missing["test_a.py::test_later"]).excused_by is None


def test_ids_of_real_objects_are_not_taken_for_generated_ones() -> None:
    xml = _xml('<testcase classname="test_a" name="test_p[LRU]"/>')
    stubbed = {o.test: o for o in compare(xml, _Report([_Test("test_a.py::test_p[cls0]", "not-run", 0, 1)]))[0]}
    assert intended.excuse(stubbed["test_a::test_p[LRU]"]).excused_by == "parameters-from-student-code"
    named = {o.test: o for o in compare(xml, _Report([_Test("test_a.py::test_p[LRI]", "failed", 0, 1)]))[0]}
    assert intended.excuse(named["test_a::test_p[LRU]"]).excused_by is None


@pytest.mark.parametrize(
    ("reference", "grader", "excused"),
    [
        ("test_a::test_e[markupsafe._native--]", "test_a.py::test_e[_mod0--]", True),
        ("test_a::test_e[markupsafe._native-a-b]", "test_a.py::test_e[_mod0-a-b]", True),
        ("test_a::test_e[markupsafe._native-a-b]", "test_a.py::test_e[_mod0-a-c]", False),  # another case
        ("test_a::test_e[fish]", "test_a.py::test_e[NOTSET]", True),
    ],
)
def test_generated_id_rule_matches_one_stubbed_parameter(reference: str, grader: str, excused: bool) -> None:
    absent = Verdict(FAILED, "not in the grader's report")
    outcome = Outcome(reference, Verdict(PASSED), absent, grader_siblings=(grader,))
    assert (intended.excuse(outcome).excused_by == "parameters-from-student-code") is excused


def test_a_skip_while_running_is_excused_only_as_a_graded_zero() -> None:
    skip = Verdict(SKIPPED, "skipped (pytest.skip): no speedups")
    counted = Outcome("test_a.py::test_x", skip, Verdict(FAILED, "skipped 0/1: skipped while running: no points"))
    assert intended.excuse(counted).excused_by == "skipped-while-running"
    failed = Outcome("test_a.py::test_x", skip, Verdict(FAILED, "failed 0/1: AssertionError"))
    assert intended.excuse(failed).excused_by is None
