"""The `result` output GitHub Classroom's reporter reads (autograding-command-grader format, v1).

education/autograding-grading-reporter reads base64 JSON from env `<STEP-ID>_RESULTS`
(`runner.trim().toUpperCase()`, so hyphens are kept), adds up `tests[].score` and `max_score` with
JavaScript numbers, writes `Points X/Y` into the `run-autograding-tests` check run (summary, and an
annotation titled "Autograding complete"), and logs each test's `name` and `message` with
console.log (its table shows passed entries / entries x max_score, not the score). Hence:

* every string here is folded to one line without control characters, and never begins with
  `::` (some reporter versions print `message` at the start of a line), so nothing a submission
  influences can be read as a workflow command such as `::notice title=Autograding report::`;
* one entry per graded test (tests the instructor took out of grading are left out) and one per
  adjustment of the report (a group cap, the late penalty, each named for it): the report's parts add
  up to its score, the final score, in whole cents (grader/results/rounding.py), so no other entry is ever needed;
* the entries are ordered so that the reporter's left-to-right float sum is exactly the score
  (0.1 + 0.2 is 0.30000000000000004 in JavaScript; such totals export as 0, github/gh-classroom#83):
  the report's order when that works, else the first of a fixed series of shuffles that does;
* the JSON is bounded: the workflow passes it to the reporter in an environment variable, and
  Linux refuses to start a process with a single variable over 128 KiB. Past the bound messages
  are dropped first, then the last tests are merged into one entry with their combined score.
"""

from __future__ import annotations

import base64
import json
import math
import random
from typing import Any

from grader.models import Report, RunStatus, Status, TestScore
from grader.reporters.escape import one_line

RESULT_VERSION = 1
RESULT_MAX_BYTES = 64 * 1024  # of JSON; base64 makes it 4/3 larger, still well under 128 KiB
MESSAGE_MAX_CHARS = 1000
NAME_MAX_CHARS = 300
ADJUSTMENT_NAME = "Score adjustment (group caps / late penalty)"

_TEST_STATUS = {
    Status.PASSED: "pass",
    Status.FAILED: "fail",
    Status.SKIPPED: "fail",  # earns nothing; the reporter only knows pass/fail/error
    Status.ERROR: "error",
    Status.NOT_RUN: "error",
}
_RUN_STATUS = {RunStatus.PASS: "pass", RunStatus.FAIL: "fail", RunStatus.ERROR: "error"}
_SEVERITY = {"pass": 0, "fail": 1, "error": 2}

Entry = tuple[dict[str, Any], int]  # (JSON object without score, score in hundredths)


def classroom_result(report: Report, *, max_bytes: int = RESULT_MAX_BYTES) -> dict[str, Any]:
    """The result object, one entry per test with its own score (within `max_bytes` of JSON)."""
    entries = [(_test_entry(t), _cents(t.score)) for t in report.tests if t.graded]
    entries += [(_entry(a.name, "fail", test_code=""), _cents(a.score)) for a in report.adjustments]
    result = _assemble(report, entries)
    if _json_size(result) <= max_bytes:
        return result
    entries = [({**e, "message": None}, c) for e, c in entries]
    result = _assemble(report, entries)
    if _json_size(result) <= max_bytes:
        return result
    return _assemble(report, _merge_tail(report, entries, max_bytes))


def encode_result(report: Report) -> str:
    """Base64 of the compact JSON, as the `result` step output."""
    return base64.b64encode(_dumps(classroom_result(report)).encode("utf-8")).decode("ascii")


def _assemble(report: Report, entries: list[Entry]) -> dict[str, Any]:
    tests = [dict(e) for e, _ in entries]
    cents = [c for _, c in entries]
    target = _cents(report.score)
    if sum(cents) != target:
        tests.append(_entry(ADJUSTMENT_NAME, "pass" if target > sum(cents) else "fail", test_code=""))
        cents.append(target - sum(cents))
    found = _exact_entries(cents, target)
    if found is not None:
        order, cents = found
        tests, scores = [tests[i] for i in order], [cents[i] / 100 for i in order]
    else:  # not seen in practice: nudge one entry by a few ulps
        scores = _js_exact_scores(cents, target)
        if len(scores) > len(tests):
            tests.append(_entry("Rounding correction", "pass", test_code=""))
    for test, score in zip(tests, scores, strict=True):
        test["score"] = _number(score)
    return {
        "version": RESULT_VERSION,
        "status": _RUN_STATUS[report.status],
        "max_score": _number(_cents(report.max_score) / 100),
        "tests": tests,
    }


def _merge_tail(report: Report, entries: list[Entry], max_bytes: int) -> list[Entry]:
    """Keep the first tests that fit and merge the rest into one entry with their total score."""
    budget = max_bytes - _json_size(_assemble(report, [])) - 1000  # room for merged + adjustment
    kept: list[Entry] = []
    for entry in entries:
        cost = len(_dumps({**entry[0], "score": 1234567.89})) + 1
        if cost > budget:
            break
        kept.append(entry)
        budget -= cost
    rest = entries[len(kept) :]
    status = max((e["status"] for e, _ in rest), key=_SEVERITY.__getitem__, default="pass")
    merged = _entry(f"{len(rest)} more tests (combined; see the full report)", status, test_code="")
    return [*kept, (merged, sum(c for _, c in rest))]


def _test_entry(test: TestScore) -> dict[str, Any]:
    name = _log_safe(one_line(test.name, NAME_MAX_CHARS)) or "unnamed test"
    message: str | None = None
    if test.status is not Status.PASSED and not test.hidden:
        message = _log_safe(one_line(test.message, MESSAGE_MAX_CHARS)) or None
    duration = round(test.duration_s * 1000) if math.isfinite(test.duration_s) else 0
    # test_code is printed at the start of a log line by the reporter: it starts with "pytest"
    entry = _entry(name, _TEST_STATUS[test.status], test_code=f"pytest {name}", message=message)
    entry["duration"] = max(0, duration)
    return entry


def _entry(name: str, status: str, *, test_code: str, message: str | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "status": status,
        "message": message,
        "test_code": test_code,
        "filename": "",
        "line_no": 0,
        "duration": 0,
    }


def _log_safe(line: str) -> str:
    # the runner reads a line as a command when it starts with "::" after leading white space
    return f"» {line}" if line.lstrip().startswith("::") else line


def _dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def _json_size(obj: Any) -> int:
    return len(_dumps(obj).encode("utf-8"))


def _cents(value: float) -> int:
    return round(value * 100) if math.isfinite(value) else 0


def _number(value: float) -> int | float:
    """Integers as integers (JSON `3`, not `3.0`)."""
    return int(value) if value == int(value) else value


SHUFFLE_BUDGET = 400_000  # additions tried in all, so that huge reports stay fast


def _exact_entries(cents: list[int], target_cents: int) -> tuple[list[int], list[int]] | None:
    """An order of the entries (and their cents) whose left-to-right double sum is exactly target / 100.

    First the report's order, then that order with two entries swapped, then a fixed series of
    shuffles (the same report always gives the same result); failing that (two entries such as
    0.34 + 0.58 = 0.9199999999999999 in any order), some cents move from one scoring entry to
    another. The reporter shows no entry's score, only names, pass/fail and the total, so the total
    is right and every number a plain 2-decimal one.
    """
    target = target_cents / 100
    order = list(range(len(cents)))
    if _js_sum([c / 100 for c in cents]) == target:
        return order, cents
    tries = SHUFFLE_BUDGET // max(1, len(cents))
    scoring = [i for i, c in enumerate(cents) if c > 0]
    for n, (a, b) in enumerate((a, b) for a in scoring for b in scoring if a < b):  # the report's order, but
        if n >= tries // 2:                                                        # two entries swapped
            break
        order[a], order[b] = b, a
        if _js_sum([cents[i] / 100 for i in order]) == target:
            return order, cents
        order[a], order[b] = a, b
    shuffler = random.Random(0)
    for _ in range(tries // 2):
        shuffler.shuffle(order)
        if _js_sum([cents[i] / 100 for i in order]) == target:
            return order, cents
    if len(scoring) < 2:
        return None
    budget = tries  # first the smallest moves, in the report's order
    for step in range(1, 26):
        for i in scoring[:40]:
            for j in scoring[:40]:
                if i == j or cents[i] <= step or budget <= 0:
                    continue
                budget -= 1
                moved = list(cents)
                moved[i] -= step
                moved[j] += step
                if _js_sum([c / 100 for c in moved]) == target:
                    return list(range(len(cents))), moved
    for _ in range(tries // 40):
        i, j = shuffler.sample(scoring, 2)
        moved = list(cents)
        step = shuffler.randint(1, min(cents[i], 25))
        moved[i] -= step
        moved[j] += step
        for _ in range(20):
            shuffler.shuffle(order)
            if _js_sum([moved[k] / 100 for k in order]) == target:
                return order, moved
    return None


def _js_exact_scores(cents: list[int], target_cents: int) -> list[float]:
    """Scores whose left-to-right double-precision sum is exactly target_cents / 100.

    Python floats are IEEE doubles like JavaScript numbers, so simulating `acc += score` here
    predicts the reporter's total. If 0.1 + 0.2 style error creeps in, the last non-zero entry is
    nudged by a few units in the last place so the running sum lands on the target. Rarely the
    target cannot be reached that way (rounding ties); then one more, tiny, value is returned:
    the remainder, which is exact because the sum is already within a few ulps of the target.
    """
    scores = [c / 100 for c in cents]
    target = target_cents / 100
    if _js_sum(scores) == target:
        return scores
    last = max(i for i, c in enumerate(cents) if c)  # the sum is off, so some entry is non-zero
    prefix = _js_sum(scores[:last])
    candidate = target - prefix
    for _ in range(8):
        total = prefix + candidate  # entries after `last` are all 0
        if total == target:
            scores[last] = candidate
            return scores
        candidate = math.nextafter(candidate, math.inf if total < target else -math.inf)
    return [*scores, target - _js_sum(scores)]


def _js_sum(values: list[float]) -> float:
    # not sum(): since Python 3.12 it compensates rounding errors, JavaScript's `+=` does not
    acc = 0.0
    for v in values:
        acc += v
    return acc
