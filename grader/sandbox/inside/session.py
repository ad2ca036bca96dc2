"""What the supervisor knows across the child runs of one session, and its rules on reports: each
collected test gets setup, call (only after a passed setup) and teardown, once each and in order;
anything else makes the test an error; a forged record stream makes every test one.

Standard library only: it runs in the runner image (see supervisor.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

if __package__:  # on the host, as grader.sandbox.inside.session (tests, type checks)
    from . import protocol
else:  # in the container: supervisor.py put /opt/grader on sys.path
    import protocol  # type: ignore[no-redef]


@dataclass
class RunState:
    """What the supervisor has learnt across all child runs."""

    collected: list[str] = field(default_factory=list)  # in collection order
    collected_set: set[str] = field(default_factory=set)
    done: set[str] = field(default_factory=set)  # teardown reported or killed
    phases: dict[str, set[str]] = field(default_factory=dict)
    findings: list[dict[str, str]] = field(default_factory=list)
    finding_keys: set[tuple[str, str]] = field(default_factory=set)
    exit_codes: list[int] = field(default_factory=list)
    restarts: int = 0
    timed_out: bool = False
    oom: bool = False
    run_error: str | None = None
    collection_failed: bool = False
    conflicting: list[str] = field(default_factory=list)  # collected tests with conflicting reports
    distrusted: bool = False  # see distrust(): every test collected, now or later, is an error
    setup_passed: dict[str, bool] = field(default_factory=dict)
    overhead: float = 0.0  # seconds of kills and restarts, added to the deadline (see Settings)
    paused_at: float = 0.0  # when the last child ended early, until the next one has collected

    def distrust(self, detail: str) -> None:
        """The record stream itself was forged: no result of this run can be trusted, every test is an error."""
        self.finding("forged-session", detail)
        for nodeid in self.collected:
            self.conflict(nodeid)
        self.distrusted = True

    def conflict(self, nodeid: str) -> None:
        """The test's reports cannot be trusted: it ends as an error (see fail_conflicting) and never reruns."""
        if nodeid not in self.conflicting:
            self.conflicting.append(nodeid)
        self.done.add(nodeid)

    def finding(self, kind: str, detail: str, path: str | None = None) -> None:
        if (kind, detail) in self.finding_keys or len(self.findings) >= 50:
            return
        self.finding_keys.add((kind, detail))
        item = {"kind": kind, "detail": detail}
        if path:
            item["path"] = path
        self.findings.append(item)


def synthetic_error(nodeid: str, location: protocol.Location | None, message: str) -> list[dict[str, Any]]:
    """Records for a test the supervisor had to stop: a failed call, then a teardown that closes it."""
    loc = location or (nodeid.split("::")[0], None, nodeid.split("::")[-1])
    return [
        protocol.PhaseReport(nodeid, "call", "failed", 0.0, loc, text=message, crash=message).wire(),
        protocol.PhaseReport(nodeid, "teardown", "passed", 0.0, loc).wire(),
    ]


def close_test(state: RunState, xml: Any, nodeid: str, loc: protocol.Location | None, message: str) -> None:
    if nodeid in state.done:
        return
    call, teardown = synthetic_error(nodeid, loc, message)
    xml.phase(call)
    # The grader.status property marks the test as stopped by the grader (an error, not a failure).
    xml.phase(teardown, properties=[("grader.status", "error")])
    state.done.add(nodeid)


def accept_phase(nodeid: str, when: str, outcome: str, state: RunState) -> bool:
    """setup, call (only after a passed setup) and teardown, once each and in that order.

    That is what pytest reports for every test. Anything else means the record stream was tampered
    with: a second report (someone else holds the channel's key) or a missing one (bytes written
    into the channel swallowed it, e.g. a failed call's report, leaving a passed setup and teardown).
    Neither the first report nor the rest can be trusted then: the test ends as an error.
    """
    if nodeid not in state.collected_set:
        state.finding("unexpected-report", f"a report for {nodeid!r} ({when}) did not fit the run and was ignored")
        return False
    seen = state.phases.setdefault(nodeid, set())
    order = {"setup": 0, "call": 1, "teardown": 2}
    setup_passed = state.setup_passed.get(nodeid)
    missing = (
        (when == "call" and setup_passed is not True)
        or (when == "teardown" and "call" not in seen and setup_passed is not False)
    )
    if (nodeid in state.done or when not in order or when in seen or missing
            or any(order[p] > order[when] for p in seen)):
        state.finding("unexpected-report", f"conflicting reports for {nodeid!r} (a duplicate, missing or "
                      "out-of-order phase): the test counts as an error")
        state.conflict(nodeid)
        return False
    seen.add(when)
    if when == "setup":
        state.setup_passed[nodeid] = outcome == "passed"
    return True


def fail_conflicting(state: RunState, xml: Any) -> None:
    """Add an error for every test with conflicting reports (the parser keeps a test's worst outcome)."""
    message = "conflicting results were reported for this test (the results channel was tampered with)"
    for nodeid in state.conflicting:
        call, teardown = synthetic_error(nodeid, None, message)
        xml.phase(call)
        xml.phase(teardown, properties=[("grader.status", "error")])
