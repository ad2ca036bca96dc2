"""Turn parsed results into the graded `Report` (pure).

Only the expected tests (learnt on the trusted side) are graded: each is matched to its JUnit case
by the (classname, name) pytest itself derives from the test id, so the submission can neither add
tests nor rename them.  Anything that did not report fails closed: it scores 0.

Test id patterns (points, groups, hidden) are globs where `*` is any text and `?` one character;
brackets are literal so that `test_calc.py::test_fib[3]` names that one parametrized case.  A
pattern matches a test when it matches its full id, the id without the `[params]` part, or either
of those without the leading `file.py::` (so `test_fib*` works as well as `test_calc.py::test_fib*`).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from grader.config import GradingConfig, Group
from grader.models import (
    Adjustment,
    ExpectedTest,
    Finding,
    Frame,
    JUnitCase,
    JUnitReport,
    Report,
    RunStatus,
    SandboxInfo,
    Status,
    SubtestCounts,
    TestScore,
)
from grader.results.junit import clip
from grader.results.param_ids import align
from grader.results.rounding import allocate, from_cents

# The supervisor's copies of pytest's two helpers (tested equal to pytest's): importing
# _pytest.junitxml would load most of pytest on every `grader run`.
from grader.sandbox.inside.protocol import mangle_test_address, xml_text

MESSAGE_LIMIT = 1_000
DETAILS_LIMIT = 16 * 1024
TEST_OUTPUT_LIMIT = 8 * 1024
SESSION_OUTPUT_LIMIT = 64 * 1024
MAX_UNEXPECTED_LISTED = 20
NO_TESTS = "no tests found in the tests folder"
WORKSPACE = "/workspace/"  # where the submission lives inside the sandbox
_UP_TO_WORKSPACE = re.compile(r"^(?:\.\./)+workspace/")
_NO_SANDBOX = SandboxInfo()  # frozen: safe to share as a default


@dataclass(frozen=True)
class _Outcome:
    """What happened to one expected test, before points."""

    status: Status
    message: str = ""
    details: str = ""
    output: str = ""
    frames: tuple[Frame, ...] = ()
    duration_s: float = 0.0
    subtests: SubtestCounts | None = None
    xfail: bool = False


def score_report(
    expected: Sequence[ExpectedTest],
    junit: JUnitReport,
    config: GradingConfig,
    *,
    submission_files: Iterable[str] = frozenset(),
    findings: Iterable[Finding] = (),
    sandbox: SandboxInfo = _NO_SANDBOX,
    run_error: str | None = None,
    output: str = "",
) -> Report:
    """Grade one run: match results to the expected tests, award points, build the Report."""
    files = frozenset(submission_files)
    integrity = list(findings)
    session_output = clip(output, SESSION_OUTPUT_LIMIT, keep_tail=True)
    if not expected:
        return Report(
            score=0.0, max_score=0.0, status=RunStatus.ERROR, tests=(), integrity=tuple(integrity),
            sandbox=sandbox, error=run_error or NO_TESTS, output=session_output,
        )  # fmt: skip
    if run_error is None and junit.error is not None:
        run_error = f"could not read the test results: {junit.error}"  # no results: fail closed

    keys = [junit_key(t.nodeid) for t in expected]
    cases = {(c.classname, c.name): c for c in junit.cases}
    # A parameter that is one of the submission's modules has another id in the run (see param_ids).
    aligned = align(keys, cases)
    for key, result in aligned.items():
        cases[key] = cases.pop(result)
    expected_keys = set(keys)
    integrity += _unexpected(c for key, c in cases.items() if key not in expected_keys)
    collectors = _collection_matcher(junit.collection_errors, keys)
    fallback = _missing_outcome(run_error, sandbox, reported=bool(junit.cases or junit.collection_errors))

    outcomes = []
    for key in keys:
        case = cases.get(key)
        if case is None:
            case = collectors(key)
        outcomes.append(_outcome_of(case) if case is not None else fallback)

    outcomes = [_verdict(t, o) for t, o in zip(expected, outcomes, strict=True)]
    tests, adjustments = _award(expected, outcomes, config, files)
    score = from_cents(sum(round(t.score * 100) for t in tests) + sum(round(a.score * 100) for a in adjustments))
    max_score = from_cents(sum(round(t.max_score * 100) for t in tests) + sum(round(a.max_score * 100)
                                                                              for a in adjustments))
    if run_error is not None:
        status = RunStatus.ERROR
    elif all(t.status is Status.PASSED for t in tests if t.graded):
        status = RunStatus.PASS
    else:
        status = RunStatus.FAIL
    return Report(
        score=score, max_score=max_score, status=status, tests=tuple(tests), integrity=tuple(integrity),
        sandbox=sandbox, error=run_error, output=session_output, adjustments=tuple(adjustments),
    )  # fmt: skip


def junit_key(nodeid: str) -> tuple[str, str]:
    """(classname, name) exactly as pytest's LogXML writes them for this test id."""
    names = mangle_test_address(nodeid)
    return ".".join(names[:-1]), xml_text(names[-1])


def locate_in_submission(frames: Sequence[Frame], submission_files: Iterable[str]) -> tuple[str, int] | None:
    """The deepest traceback entry inside the submission, as (path relative to it, 1-based line)."""
    files = submission_files if isinstance(submission_files, frozenset | set) else set(submission_files)
    for frame in reversed(frames):
        path = _submission_path(frame.path)
        if path is not None and path in files:
            return path, frame.line
    return None


def matches(pattern: str, nodeid: str) -> bool:
    """Whether a points/groups/hidden pattern selects this test id (see the module docstring)."""
    regex = _glob(pattern)
    return any(regex.match(form) for form in _id_forms(nodeid))


def _submission_path(path: str) -> str | None:
    """`/workspace/a/b.py`, `../workspace/a/b.py`, `a/b.py` -> `a/b.py`; anything else -> None."""
    path = path.replace("\\", "/")
    if path.startswith(WORKSPACE):
        path = path[len(WORKSPACE) :]
    elif _UP_TO_WORKSPACE.match(path):
        path = _UP_TO_WORKSPACE.sub("", path)
    elif path.startswith("/") or path.startswith("<"):
        return None  # elsewhere in the container, or <frozen ...>/<string>
    path = posixpath.normpath(path)
    return None if path == ".." or path.startswith("../") else path


@lru_cache(maxsize=4096)
def _glob(pattern: str) -> re.Pattern[str]:
    parts = [".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern]
    return re.compile("".join(parts) + r"\Z", re.DOTALL)


def _id_forms(nodeid: str) -> tuple[str, ...]:
    base = nodeid.partition("[")[0]
    forms = [nodeid, base]
    if "::" in base:  # the same two without `file.py::`
        forms += [nodeid.split("::", 1)[1], base.split("::", 1)[1]]
    return tuple(dict.fromkeys(forms))


def _first_match(patterns: Iterable[str], forms: tuple[str, ...]) -> bool:
    return any(_glob(p).match(f) for p in patterns for f in forms)


def _collection_matcher(
    errors: Sequence[JUnitCase], keys: Sequence[tuple[str, str]]
) -> Callable[[tuple[str, str]], JUnitCase | None]:
    """A function key -> the collection error that stopped that test, if any.

    A collector's dotted address ("test_calc", "pkg.test_x", "test_calc.TestX", "pkg") covers the
    tests below it; one that covers no expected test (conftest, the session, "") covers them all.
    """
    addressed: list[tuple[str, JUnitCase]] = []
    everything: JUnitCase | None = None
    addresses = [_address(*k) for k in keys]
    for error in errors:
        prefix = _address(error.classname, error.name)
        if prefix and any(_below(a, prefix) for a in addresses):
            addressed.append((prefix, error))
        elif everything is None:
            everything = error

    def find(key: tuple[str, str]) -> JUnitCase | None:
        address = _address(*key)
        return next((e for p, e in addressed if _below(address, p)), everything)

    return find


def _address(classname: str, name: str) -> str:
    return f"{classname}.{name}" if classname and name else classname or name


def _below(address: str, prefix: str) -> bool:
    return address == prefix or address.startswith(prefix + ".")


def _outcome_of(case: JUnitCase) -> _Outcome:
    return _Outcome(
        status=case.status,
        message=case.message,
        details=case.details,
        output=case.output,
        frames=case.frames,
        duration_s=case.duration_s,
        subtests=case.subtests,
        xfail=case.xfail,
    )


def _verdict(test: ExpectedTest, outcome: _Outcome) -> _Outcome:
    """What an outcome means for a test (README, "Verdict rules").

    Only the instructor's intent, as the trusted collection saw it, can take a test out of grading
    (`ExpectedTest.ungraded`). A skip or xfail at run time, from anywhere, is a skip: 0 points, in
    max_score. A test marked xfail(strict=True) passes when it fails as marked.
    """
    if test.xfail_strict and outcome.status is Status.SKIPPED and outcome.xfail:
        reason = outcome.message if outcome.message not in ("", "xfail") else ""
        return replace(outcome, status=Status.PASSED, message="failed as expected (xfail)" + (f": {reason}" if reason
                                                                                             else ""))
    if test.ungraded is not None:
        said = outcome.message and outcome.message not in test.ungraded
        extra = f" (while running: {outcome.message})" if said else ""
        return replace(outcome, message=f"not graded: {test.ungraded}{extra}")
    if outcome.status is Status.SKIPPED:
        # the forms spelt out: reporters.messages recognises them to translate them
        why = f" ({outcome.message})" if outcome.message else ""
        if outcome.xfail:
            return replace(outcome, message=f"xfail while running: no points{why}")
        return replace(outcome, message=f"skipped while running: no points{why}")
    return outcome


def _missing_outcome(run_error: str | None, sandbox: SandboxInfo, *, reported: bool) -> _Outcome:
    """A test that never reported: an error when the run broke, otherwise "not run".

    The whole-run timeout is not such a break once tests have reported (issue #11): the supervisor
    closed the test that was running as the timeout's error, and a test it never reached is
    "not run". With no result at all (time ran out while loading the tests, which imports the
    student's code, or the grader's own frame never came) every test is the timeout's error.
    """
    if sandbox.timed_out and reported and (run_error is None or run_error.startswith("timed out after")):
        return _Outcome(Status.NOT_RUN, message="not run: the test run timed out")
    if run_error is not None:
        return _Outcome(Status.ERROR, message=run_error)
    if sandbox.timed_out:
        return _Outcome(Status.NOT_RUN, message="not run: the test run timed out")
    if sandbox.oom_killed:
        return _Outcome(Status.NOT_RUN, message="not run: the test run ran out of memory")
    return _Outcome(Status.NOT_RUN, message="not run")


def _unexpected(cases: Iterable[JUnitCase]) -> list[Finding]:
    """Results for tests the instructor's suite does not define are ignored, and said so."""
    names = [f"{c.classname}::{c.name}" if c.classname else c.name for c in cases]
    found = [
        Finding("unexpected-result", f"result for {n} matches no test in the tests folder; ignored")
        for n in names[:MAX_UNEXPECTED_LISTED]
    ]
    if len(names) > MAX_UNEXPECTED_LISTED:
        more = len(names) - MAX_UNEXPECTED_LISTED
        found.append(Finding("unexpected-result", f"… and {more} more results that match no test; ignored"))
    return found


def _award(
    expected: Sequence[ExpectedTest],
    outcomes: Sequence[_Outcome],
    config: GradingConfig,
    files: frozenset[str],
) -> tuple[list[TestScore], list[Adjustment]]:
    """Points per test in whole cents (see grader/results/rounding.py), group caps as named adjustments.

    The maxima (rescaled by max-score) are allocated by largest remainder so that they sum to the
    rounded maximum; a passed test earns its whole maximum, a test with partial subtest credit a
    share of it, anything else 0; a capped group's excess is one negative adjustment. So the tests
    and adjustments add up exactly, at 2 decimals, to the score and the max_score.
    """
    rows: list[tuple[ExpectedTest, _Outcome, float, Group | None, bool]] = []
    for test, outcome in zip(expected, outcomes, strict=True):
        forms = _id_forms(test.nodeid)
        points = _points(test, forms, config) if test.ungraded is None else 0.0
        group = next((g for g in config.groups if _first_match(g.tests, forms)), None)
        rows.append((test, outcome, points, group, _first_match(config.hidden, forms)))

    possible: dict[str, float] = {}
    for _, _, points, group, _ in rows:
        if group is not None:
            possible[group.name] = possible.get(group.name, 0.0) + points
    caps = [(g, possible[g.name] - g.cap) for g in config.groups if possible.get(g.name, 0.0) > g.cap]
    raw_max = sum(points for _, _, points, _, _ in rows) - sum(excess for _, excess in caps)
    factor = config.max_score / raw_max if config.max_score and raw_max > 0 else 1.0
    values = [points * factor * 100 for _, _, points, _, _ in rows] + [-excess * factor * 100 for _, excess in caps]
    max_cents = allocate(values, round(raw_max * factor * 100))

    tests: list[TestScore] = []
    earned_by_group: dict[str, int] = {}
    for (test, outcome, _, group, hidden), cents in zip(rows, max_cents[: len(rows)], strict=True):
        earned = _earned_cents(outcome, cents, config)
        if group is not None:
            earned_by_group[group.name] = earned_by_group.get(group.name, 0) + earned
        located = locate_in_submission(outcome.frames, files)
        file, line = located if located else (test.file, test.line)
        tests.append(
            TestScore(
                name=test.nodeid,
                status=outcome.status,
                score=from_cents(earned),
                max_score=from_cents(cents),
                title=test.title,
                message=clip(outcome.message, MESSAGE_LIMIT),
                details=clip(outcome.details, DETAILS_LIMIT),
                output=clip(outcome.output, TEST_OUTPUT_LIMIT, keep_tail=True),
                file=file,
                line=line,
                hidden=hidden,
                group=group.name if group else None,
                duration_s=round(outcome.duration_s, 3),
                subtests=outcome.subtests,
                graded=test.ungraded is None,
            )
        )
    adjustments = []
    for (group, _), cut in zip(caps, max_cents[len(rows) :], strict=True):
        group_max = sum(c for (_, _, _, g, _), c in zip(rows, max_cents, strict=False) if g is group) + cut
        over = max(0, earned_by_group.get(group.name, 0) - group_max)
        adjustments.append(
            Adjustment(name=f"group cap: {group.name} (at most {from_cents(group_max):g} points)",
                       score=from_cents(-over), max_score=from_cents(cut))
        )
    return tests, adjustments


def _earned_cents(outcome: _Outcome, max_cents: int, config: GradingConfig) -> int:
    """All of the test's cents when it passed; with `subtests: partial`, the share of its subtests
    that passed when it failed on subtests; otherwise nothing."""
    if outcome.status is Status.PASSED:
        return max_cents
    counts = outcome.subtests
    if config.subtests == "partial" and outcome.status is Status.FAILED and counts is not None and counts.total:
        return max_cents * counts.passed // counts.total  # rounded down: never more than earned
    return 0


def _points(test: ExpectedTest, forms: tuple[str, ...], config: GradingConfig) -> float:
    """grading.yml's first matching pattern, else @pytest.mark.points, else default-points."""
    for pattern, points in config.points:
        if _first_match((pattern,), forms):
            return points
    if test.marker_points is not None:
        return test.marker_points
    return config.default_points


def round2(value: float) -> float:
    """Two decimals, never -0.0 (sums are taken before rounding: no 2.9999999 in reports)."""
    return round(value, 2) + 0.0
