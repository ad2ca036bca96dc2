"""The supervisor's rules on reports (grader/sandbox/inside/session.py), without a container: what the
adversarial suite proves end to end, here one rule at a time."""

from __future__ import annotations

import pytest

from grader.models import Status
from grader.results.junit import parse_junit
from grader.sandbox.inside.junitxml import JUnitWriter
from grader.sandbox.inside.session import RunState, accept_phase, close_test, fail_conflicting

TEST = "test_a.py::test_x"


def state_with(*nodeids: str) -> RunState:
    state = RunState()
    for nodeid in nodeids:
        state.collected.append(nodeid)
        state.collected_set.add(nodeid)
    return state


@pytest.mark.parametrize(
    "phases",
    [
        [("setup", "passed"), ("call", "failed"), ("teardown", "passed")],
        [("setup", "failed"), ("teardown", "passed")],  # no call after a failed setup
        [("setup", "skipped"), ("teardown", "passed")],
    ],
)
def test_what_pytest_reports_is_accepted(phases: list[tuple[str, str]]) -> None:
    state = state_with(TEST)
    assert [accept_phase(TEST, when, outcome, state) for when, outcome in phases] == [True] * len(phases)
    assert state.conflicting == [] and state.findings == []


@pytest.mark.parametrize(
    "phases",
    [
        [("setup", "passed"), ("setup", "passed")],  # a duplicate
        [("setup", "passed"), ("teardown", "passed")],  # the failed call's report swallowed
        [("call", "passed")],  # a call without a setup
        [("setup", "failed"), ("call", "passed")],  # a call after a failed setup
        [("setup", "passed"), ("call", "passed"), ("teardown", "passed"), ("call", "passed")],  # after the end
        [("collect", "passed")],  # not a phase
    ],
)
def test_anything_else_makes_the_test_an_error(phases: list[tuple[str, str]]) -> None:
    state = state_with(TEST)
    results = [accept_phase(TEST, when, outcome, state) for when, outcome in phases]
    assert results[-1] is False
    assert state.conflicting == [TEST] and TEST in state.done
    assert [f["kind"] for f in state.findings] == ["unexpected-report"]


def test_a_report_for_a_test_never_collected_is_ignored() -> None:
    state = state_with(TEST)
    assert accept_phase("test_a.py::test_other", "setup", "passed", state) is False
    assert state.conflicting == [] and "did not fit the run" in state.findings[0]["detail"]


def test_a_forged_stream_makes_every_collected_test_an_error() -> None:
    state = state_with(TEST, "test_a.py::test_y")
    state.distrust("a record after the end record")
    writer = JUnitWriter()
    fail_conflicting(state, writer)
    cases = parse_junit(writer.xml(1.0)).cases
    assert [(c.name, c.status) for c in cases] == [("test_x", Status.ERROR), ("test_y", Status.ERROR)]
    assert state.distrusted and state.findings[0]["kind"] == "forged-session"


def test_a_killed_test_is_closed_once_as_an_error() -> None:
    state, writer = state_with(TEST), JUnitWriter()
    close_test(state, writer, TEST, ("test_a.py", 3, "test_x"), "timed out after 5 s")
    close_test(state, writer, TEST, None, "again")
    (case,) = parse_junit(writer.xml(1.0)).cases
    assert (case.status, case.message, case.line) == (Status.ERROR, "timed out after 5 s", 4)
