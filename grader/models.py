"""Data that flows between the grading stages.

submission + trusted tests -> sandbox run (SandboxResult, JUnit XML) -> parsed cases (JUnitCase)
-> scored report (Report) -> reporters.  Everything here is plain immutable data; the stages that
produce and consume it are functions in their own modules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

# 2: tests[].subtests and .graded, adjustments; 3: raw_score, late, adjustments[].kind, and `score` is always
# the final score (a late penalty is an adjustment, not a rescaling of the tests)
REPORT_VERSION = 3


class Status(StrEnum):
    """Outcome of one test, as the report shows it."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"
    NOT_RUN = "not-run"


class RunStatus(StrEnum):
    """Outcome of a whole grading run."""

    PASS = "pass"  # every graded test passed (the instructor's skips do not count)
    FAIL = "fail"  # grading completed, something did not pass
    ERROR = "error"  # the run itself broke (crash, timeout, bad submission, no results)


@dataclass(frozen=True)
class ExpectedTest:
    """A test the instructor's suite defines, learnt on the trusted side without submission code."""

    nodeid: str  # relative to the tests folder, e.g. "test_calc.py::test_fib[3]"
    file: str  # test file relative to the tests folder
    line: int  # 1-based line of the test function
    title: str | None = None  # first paragraph of the docstring, if any
    marker_points: float | None = None  # from @pytest.mark.points(n)
    # Why the instructor took the test out of grading (an unconditional skip, a skipif true without
    # the submission, a non-strict xfail mark), or None: graded. See grader/collection/collect_plugin.py.
    ungraded: str | None = None
    xfail_strict: bool = False  # xfail(strict=True) whose condition holds: failing as marked is a pass


@dataclass(frozen=True)
class SubtestCounts:
    """A test's subtests (unittest `subTest`, pytest's `subtests` fixture), as the sandbox counted them.

    `failed` includes errored and skipped subtests; a passed subtest counts only when the
    instructor's code opened it (see grader/sandbox/inside/subtests.py).
    """

    passed: int
    failed: int

    @property
    def total(self) -> int:
        return self.passed + self.failed


class AdjustmentKind(StrEnum):
    GROUP_CAP = "group-cap"  # a group's points above its cap (score and max_score <= 0)
    LATE_PENALTY = "late-penalty"  # points the late policy takes (score < 0, max_score 0)


@dataclass(frozen=True)
class Adjustment:
    """A line of the score that is not a test (negative points), named for what it is.

    The tests' scores plus the adjustments' add up to the report's score, and their maxima to its
    max_score, exactly at 2 decimals.
    """

    name: str
    score: float
    max_score: float
    kind: AdjustmentKind = AdjustmentKind.GROUP_CAP


@dataclass(frozen=True)
class Late:
    """What grading.yml's deadline and late-penalty did to a report (grader.results.late.apply_late_policy).

    `penalty` is the points the late line of `Report.adjustments` takes: raw_score - score.
    """

    deadline: datetime
    submitted_at: datetime | None  # the trusted submission time; None: unknown, nothing deducted
    days_late: int  # started days after the deadline (0: on time or unknown)
    per_day: float | None  # the policy: percent lost per started day, None: the deadline only reports lateness
    max_percent: float | None  # the policy's cap, percent
    penalty_percent: float  # percent of raw_score lost
    penalty: float  # points lost, whole cents


@dataclass(frozen=True)
class Frame:
    """One traceback entry found in a failure's text."""

    path: str
    line: int  # 1-based


@dataclass(frozen=True)
class JUnitCase:
    """One <testcase> of a JUnit report, already merged (worst outcome wins for duplicates)."""

    classname: str
    name: str
    status: Status  # PASSED, FAILED, ERROR or SKIPPED
    message: str = ""  # one line: the failure/error/skip message attribute
    details: str = ""  # full text: traceback with pytest's assertion diff
    output: str = ""  # captured stdout/stderr of the test
    file: str | None = None  # from xunit1's file attribute
    line: int | None = None  # 1-based (xunit1 writes it 0-based; the parser converts)
    duration_s: float = 0.0
    frames: tuple[Frame, ...] = ()  # traceback entries parsed from details, outermost first
    subtests: SubtestCounts | None = None  # from the grader.subtests.* properties
    xfail: bool = False  # skipped as an expected failure (<skipped type="pytest.xfail">)


@dataclass(frozen=True)
class JUnitReport:
    cases: tuple[JUnitCase, ...]
    # Collection errors: (module path relative to the tests folder or dotted name, message, details)
    collection_errors: tuple[JUnitCase, ...] = ()
    error: str | None = None  # set when the XML itself could not be read


@dataclass(frozen=True)
class Finding:
    """Something the grader noticed and neutralised. Never lowers a score on its own."""

    kind: str  # e.g. "ignored-config", "test-named-file", "symlink", "framework-import", "early-exit"
    detail: str
    path: str | None = None


@dataclass(frozen=True)
class SandboxInfo:
    exit_code: int | None = None
    timed_out: bool = False
    oom_killed: bool = False
    duration_s: float = 0.0


@dataclass(frozen=True)
class TestScore:
    """One expected test in the final report."""

    __test__ = False  # not a pytest test class, despite the name

    name: str  # the test id (nodeid relative to the tests folder)
    status: Status
    score: float
    max_score: float
    title: str | None = None  # human title (docstring)
    message: str = ""  # short, one or a few lines
    details: str = ""  # traceback / diff; empty for hidden tests in student-facing views
    output: str = ""  # captured output (bounded)
    file: str | None = None  # student's file (relative to the submission) or the test file
    line: int | None = None  # 1-based
    hidden: bool = False
    group: str | None = None
    duration_s: float = 0.0
    subtests: SubtestCounts | None = None  # None: the test opened no subtest
    graded: bool = True  # False: skipped or xfail-marked by the instructor, outside max_score


@dataclass(frozen=True)
class Report:
    """One graded submission. `score` is always the final score: the tests' scores plus every adjustment
    (group caps, then the late penalty); `raw_score` is the score before the late penalty."""

    score: float
    max_score: float
    status: RunStatus
    tests: tuple[TestScore, ...]
    integrity: tuple[Finding, ...] = ()
    sandbox: SandboxInfo = field(default_factory=SandboxInfo)
    error: str | None = None  # one line saying why the run itself broke, when it did
    output: str = ""  # the session's captured stdout/stderr (bounded), for instructors
    version: int = REPORT_VERSION
    adjustments: tuple[Adjustment, ...] = ()  # group caps, after the tests; then the late penalty, if any
    late: Late | None = None  # None: no deadline in grading.yml

    @property
    def raw_score(self) -> float:
        """The tests' scores after group caps, before the late penalty (what it scores on time)."""
        if self.late is None:
            return self.score
        return round(self.score + self.late.penalty, 2) + 0.0

    @property
    def passed(self) -> int:
        """Graded tests that passed (the "N of M tests passed" lines count graded tests only)."""
        return sum(t.status is Status.PASSED for t in self.tests if t.graded)

    @property
    def graded(self) -> int:
        """Tests that count (the instructor's skips and non-strict xfail marks do not)."""
        return sum(t.graded for t in self.tests)
