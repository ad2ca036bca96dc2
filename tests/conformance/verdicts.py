"""Per-test verdicts from both sides, and their comparison.

A verdict is `passed`, `failed` or `skipped` (not graded), from what the test is worth to a student:
- reference (plain pytest's JUnit XML): a test may have several entries (one per failed subtest,
  the call, a teardown error): `failed` if any entry failed or errored, else `skipped` if any was
  skipped (pytest writes xfail as a skip), else `passed`. A test with no entry did not run:
  `failed` (its module or a conftest failed to import, or pytest stopped);
- grader (its Report): `passed`; `skipped` when the test is not graded (outside `max_score`);
  anything else (failed, error, not-run, or a skip that still counts in the maximum) is `failed`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from _pytest.junitxml import mangle_test_address  # pytest's own nodeid -> (classname, name) mapping
from junitparser import Error, Failure, JUnitXml, Skipped

from grader.results.param_ids import align

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"


@dataclass(frozen=True)
class Verdict:
    verdict: str  # PASSED, FAILED or SKIPPED
    why: str = ""  # one line: the status and message behind it


@dataclass(frozen=True)
class Outcome:
    """One test compared."""

    test: str  # nodeid relative to the tests folder
    reference: Verdict
    grader: Verdict
    excused_by: str | None = None  # name of the intended-difference rule, when one applies
    # For a test only the reference ran: the grader's ids of the same test function that the reference
    # did not run (the same function, other parameters).
    grader_siblings: tuple[str, ...] = ()

    @property
    def agrees(self) -> bool:
        return self.reference.verdict == self.grader.verdict


def junit_key(nodeid: str) -> tuple[str, str]:
    names = mangle_test_address(nodeid)
    return ".".join(names[:-1]), names[-1]


def reference_verdicts(xml: str | None) -> tuple[dict[tuple[str, str], Verdict], str]:
    """(verdict per JUnit (classname, name), one line about errors outside any test)."""
    if xml is None:
        return {}, "no JUnit XML: pytest did not finish"
    entries: dict[tuple[str, str], list[Verdict]] = {}
    module_errors = []
    suites = JUnitXml.fromstring(xml)
    for suite in suites if isinstance(suites, JUnitXml) else [suites]:
        for case in suite:
            key = (case.classname or "", case.name or "")
            if not key[1]:
                continue  # pytest's placeholder next to an internal error: no test
            verdict = _entry(case.result)
            if key == ("pytest", "internal") or (not key[0] and verdict.verdict == FAILED):
                # A module's or conftest's collection error, or pytest's INTERNALERROR (which ends the session).
                module_errors.append(f"{key[1]}: {verdict.why}")
                continue
            entries.setdefault(key, []).append(verdict)
    merged = {key: _merge(found) for key, found in entries.items()}
    return merged, "; ".join(module_errors)[:300]


STOPPED = "did not run: pytest's session stopped early"
NO_ENTRY = "did not run: no entry in the JUnit XML"


def _missing(module_errors: str) -> Verdict:
    """The reference verdict of a test the reference did not report."""
    if "internal error" in module_errors:  # pytest's INTERNALERROR ends the session: later tests never ran
        return Verdict(FAILED, f"{STOPPED} ({module_errors[:200]})")
    return Verdict(FAILED, f"{NO_ENTRY}{' (' + module_errors + ')' if module_errors else ''}")


def _entry(results: list[Any]) -> Verdict:
    for result in results:
        if isinstance(result, Failure | Error):
            kind = "failure" if isinstance(result, Failure) else "error"
            return Verdict(FAILED, f"{kind}: {_line(result.message)}")
    for result in results:
        if isinstance(result, Skipped):
            return Verdict(SKIPPED, f"skipped ({result.type or 'skip'}): {_line(result.message)}")
    return Verdict(PASSED, "passed")


def _merge(found: list[Verdict]) -> Verdict:
    for wanted in (FAILED, SKIPPED):
        hits = [v for v in found if v.verdict == wanted]
        if hits:
            extra = f" ({len(hits)} of {len(found)} entries)" if len(found) > 1 else ""
            return Verdict(wanted, hits[0].why + extra)
    return Verdict(PASSED, "passed" + (f" ({len(found)} entries)" if len(found) > 1 else ""))


def grader_verdicts(tests: list[dict[str, Any]]) -> dict[str, Verdict]:
    """Verdict per test id, from the `tests` of the grader's JSON report."""
    found = {}
    for test in tests:
        status, max_score = test["status"], test["max_score"]
        why = f"{status} {test['score']:g}/{max_score:g}: {_line(test.get('message'))}"
        if status == "passed":
            verdict = PASSED
        elif not test.get("graded", status != "skipped" or max_score > 0):
            verdict = SKIPPED  # outside max_score: the instructor's skip (`graded`, report version 2)
        else:
            verdict = FAILED
        found[test["name"]] = Verdict(verdict, why)
    return found


def compare(
    reference_xml: str | None, report: dict[str, Any] | None, grader_failure: str = ""
) -> tuple[list[Outcome], str]:
    """Every test either side knows, with both verdicts; plus the reference's errors outside tests.

    `report` is the grader's JSON report, None when it wrote none (`grader_failure` says why).
    """
    reference, module_errors = reference_verdicts(reference_xml)
    grader = grader_verdicts(report["tests"]) if report is not None else {}
    outcomes = []
    seen = set()
    # The grader's own pairing of ids that differ by a module parameter's dotted name (grader.results.param_ids):
    # a wrong pairing would show up as a disagreement of verdicts.
    aligned = align([junit_key(test) for test in grader], reference)
    for test, verdict in grader.items():
        key = aligned.get(junit_key(test), junit_key(test))
        seen.add(key)
        ref = reference.get(key) or _missing(module_errors)
        outcomes.append(Outcome(test, ref, verdict))
    by_function: dict[tuple[str, str], list[str]] = {}
    for test in grader:
        classname, name = junit_key(test)
        # ids only the grader knows, next to ids only pytest ran
        if (classname, name) not in reference and (classname, name) not in aligned:
            by_function.setdefault((classname, name.partition("[")[0]), []).append(test)
    for key, ref in reference.items():
        if key not in seen:  # the reference ran a test the grader does not know: it cannot score
            name = f"{key[0]}::{key[1]}"
            absent = f"not in the grader's report{': ' + grader_failure if grader_failure else ''}"
            siblings = tuple(by_function.get((key[0], key[1].partition("[")[0]), ()))
            outcomes.append(Outcome(name, ref, Verdict(FAILED, absent[:300]), grader_siblings=siblings))
    return outcomes, module_errors


def _line(text: str | None) -> str:
    first = (text or "").strip().splitlines()
    return first[0][:160] if first else ""
