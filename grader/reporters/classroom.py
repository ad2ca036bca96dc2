"""The `result` output GitHub Classroom's reporter reads (autograding-command-grader format, v1).

classroom-resources/autograding-grading-reporter reads base64 JSON from env `<STEP-ID>_RESULTS`
(`runner.trim().toUpperCase()`, so hyphens are kept), adds up `tests[].score` and `max_score` with
JavaScript numbers, prints `::notice title=Autograding complete::Points X/Y`, and logs each test's
`name`, `message` and `test_code` verbatim with console.log. Hence:

* every string here is folded to one line without control characters, and never begins with
  `::` (some reporter versions print `message` at the start of a line), so nothing a submission
  influences can be read as a workflow command such as `::notice title=Autograding report::`;
* per-test scores are chosen so that the reporter's left-to-right float sum is exactly the
  report's score rounded to 2 decimals (no `3.0000000000000004`, github/gh-classroom#83);
* when group caps or a late penalty make the report's score differ from the sum of test scores,
  one extra entry carries the difference, so Classroom records the same score as our report;
* the JSON is bounded: the workflow passes it to the reporter in an environment variable, and
  Linux refuses to start a process with a single variable over 128 KiB. Past the bound messages
  are dropped first, then the last tests are merged into one entry with their combined score.
"""

from __future__ import annotations

import base64
import json
import math
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
    entries = [(_test_entry(t), _cents(t.score)) for t in report.tests]
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
