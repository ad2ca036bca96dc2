"""The intended differences between the grader's verdict and plain pytest's: the only excuses.

Each rule names one difference the grader makes on purpose, and why. A disagreement that no rule
here explains fails the conformance suite. Keep each rule narrow: it must recognise the case from
both verdicts, never excuse a whole test or suite.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from tests.conformance.verdicts import FAILED, SKIPPED, STOPPED, Outcome


@dataclass(frozen=True)
class Rule:
    name: str
    reason: str
    applies: Callable[[Outcome], bool]


# A parameter id pytest makes up itself, between "[" or "-" and "-" or "]": NOTSET for an empty parameter
# set, argname + index for an object it cannot name (here: a stub of the trusted collection).
_GENERATED_ID = re.compile(r"(?<=[\[-])(NOTSET|[A-Za-z_]\w*?\d+)(?=[\]-])")


def _same_but_one_generated_id(reference_id: str, grader_id: str) -> bool:
    """grader_id's parameters are reference_id's with one of them replaced by a made-up id."""
    want = "[" + reference_id.partition("[")[2]
    have = "[" + grader_id.partition("[")[2]
    for m in _GENERATED_ID.finditer(have):
        prefix, suffix = have[: m.start()], have[m.end() :]
        if want.startswith(prefix) and want.endswith(suffix) and len(want) >= len(prefix) + len(suffix):
            return True
    return False


def _parameters_from_student_code(o: Outcome) -> bool:
    return o.grader.why.startswith("not in the grader's report") and any(
        _same_but_one_generated_id(o.test, sibling) for sibling in o.grader_siblings
    )


def _skipped_while_running(o: Outcome) -> bool:
    # pytest: skipped; grader: status skipped, but graded (in max_score) with 0 points.
    return o.reference.verdict == SKIPPED and o.grader.verdict == FAILED and o.grader.why.startswith("skipped ")


def _skipped_case_only_the_run_names(o: Outcome) -> bool:
    return o.reference.verdict == SKIPPED and o.grader.why.startswith("not in the grader's report")


def _grader_goes_on_after_a_crash(o: Outcome) -> bool:
    return o.reference.why.startswith(STOPPED)


RULES: tuple[Rule, ...] = (
    Rule(
        "parameters-from-student-code",
        "A test parametrized over data from the student's module (`parametrize('word', inflection.UNCOUNTABLES)`)"
        " has cases only the student's code defines. The grader learns the tests that can score from a trusted"
        " collection with the student's modules stubbed (README, threat model: a test the host does not know"
        " scores nothing), where those values are stubs: pytest names the cases it makes from them"
        " `[NOTSET]` (empty set) or `[argname0]`..., which the student's run never reports; the real ids"
        " (`[fish]`, `[LRU]`, `[markupsafe._native-...]`) exist only on pytest's side.",
        _parameters_from_student_code,
    ),
    Rule(
        "skipped-while-running",
        "A test that skips itself while it runs (`pytest.skip()` in the test or a fixture, `unittest.SkipTest`)"
        " may do so because of the student's code, so the grader counts it in max_score with 0 points"
        " (issue #9: student code must never remove a test from the maximum); pytest reports a skip. Only"
        " skips the trusted collection saw before any student code ran are not graded on both sides.",
        _skipped_while_running,
    ),
    Rule(
        "skipped-case-only-the-run-names",
        "A case whose id only the student's run produces (MarkupSafe's `params=[_native, _speedups]` where the"
        " missing `_speedups` module becomes `None`: pytest names the case `[None]` and skips it) is unknown to"
        " the trusted collection, which named it after the stub (`[_speedups]`, graded: 0 points, as issue #9"
        " asks when the student's module is missing). pytest skips the `[None]` case; the grader ignores it"
        " (`unexpected-result`). Neither side gives it points.",
        _skipped_case_only_the_run_names,
    ),
    Rule(
        "grader-goes-on-after-a-crash",
        "When something ends pytest's session in the middle (here CPython's `SystemError: AST constructor"
        " recursion depth mismatch` while pytest formats a RecursionError: INTERNALERROR), plain pytest runs"
        " no further test. The grader's supervisor closes the test that was running as an error and restarts"
        " pytest with the tests not yet run (README, threat model: a crash costs that test only), so those"
        " tests get a verdict on the grader's side only.",
        _grader_goes_on_after_a_crash,
    ),
)


def excuse(outcome: Outcome) -> Outcome:
    """The outcome with the rule that explains its disagreement, if any."""
    if outcome.agrees:
        return outcome
    for rule in RULES:
        if rule.applies(outcome):
            return Outcome(outcome.test, outcome.reference, outcome.grader, excused_by=rule.name)
    return outcome
