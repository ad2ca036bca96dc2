"""JUnit XML (pytest's xunit1 flavour) written by the supervisor from the records it accepted.

Why not pytest's own LogXML: importing it loads most of pytest, which costs the supervisor a
noticeable share of a 1-CPU sandbox's start-up on every run. This writer produces the same elements
and attributes as `_pytest.junitxml.LogXML` with `junit_family=xunit1` for the events the supervisor
sees (see tests/unit/test_inside_junitxml.py, which compares both on the same reports).
Two deliberate differences (README, "Verdict rules"): a test with failed subtests is one `<failure>`
that counts and lists them, with `grader.subtests.*` properties (pytest writes one more `<failure>`
per failed subtest and leaves a unittest test passed); a `pytest.xfail()` called while the test ran
is written as a plain skip.
Standard library only: it runs in the runner image.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

if __package__:  # on the host, as grader.sandbox.inside.junitxml (tests, conformance)
    from .protocol import mangle_test_address, xml_text
else:  # in the container: the supervisor put /opt/grader on sys.path
    from protocol import mangle_test_address, xml_text  # type: ignore[no-redef]

SUBTESTS_PASSED = "grader.subtests.passed"
SUBTESTS_FAILED = "grader.subtests.failed"
_COUNT_LIMIT = 1_000_000
_LISTED = 20
_FIELD_LIMIT = 500
_TRACEBACK_LIMIT = 4000


@dataclass(frozen=True)
class Subtests:
    """A test's subtests as the plugin counted them (see subtests.py): checked, bounded."""

    passed: int
    failed: int
    failures: tuple[tuple[str, str, str], ...]  # (label, params, message) of the first failed ones
    traceback: str  # of the first failed subtest


def subtest_summary(raw: Any) -> Subtests | None:
    """The record's `subtests` field, or None when it is absent or malformed (it comes from the child)."""
    if not isinstance(raw, dict):
        return None
    counts = [raw.get("passed"), raw.get("failed")]
    if not all(isinstance(c, int) and not isinstance(c, bool) for c in counts):
        return None
    passed, failed = (min(max(int(c), 0), _COUNT_LIMIT) for c in counts if isinstance(c, int))
    failures, traceback = [], ""
    items = raw.get("failures")
    for item in items[:_LISTED] if isinstance(items, list) else []:
        if isinstance(item, dict):
            failures.append(tuple(str(item.get(k, ""))[:_FIELD_LIMIT] for k in ("label", "params", "message")))
            traceback = traceback or str(item.get("traceback", ""))[:_TRACEBACK_LIMIT]
    failed = max(failed, len(failures))
    return Subtests(passed, failed, tuple(failures), traceback)  # type: ignore[arg-type]


def fail_for_subtests(rec: dict[str, Any], subtests: Subtests) -> dict[str, Any]:
    """The phase record of a test with failed subtests: failed, whatever pytest reported (pytest leaves
    a unittest test whose subTests failed passed). Its message counts them; its text lists each."""
    total = subtests.passed + subtests.failed
    summary = f"{subtests.failed} of {total} subtest{'s' if total != 1 else ''} failed"
    lines = [f"{summary}:"]
    for label, params, message in subtests.failures:
        head = " ".join(x for x in (f"[{label}]" if label else "", f"({params})" if params else "") if x)
        message = message.strip().replace("\n", "\n    ")
        lines.append(f"- {head or '(subtest)'}: {message}")
    if subtests.failed > len(subtests.failures):
        lines.append(f"- … and {subtests.failed - len(subtests.failures)} more failed subtests")
    text = "\n".join(lines)
    if subtests.traceback:
        text += "\n\nFirst failed subtest:\n" + subtests.traceback
    own = str(rec.get("text", ""))
    if rec["outcome"] == "failed" and own and not own.startswith("contains "):  # pytest's "contains N failed subtests"
        text = f"{text}\n\nThe test itself:\n{own}"
    out = {k: v for k, v in rec.items() if k not in ("skip", "wasxfail")}
    out.update(outcome="failed", crash=summary, text=text)
    return out


@dataclass
class _Case:
    nodeid: str
    attrs: dict[str, str]
    children: list[ET.Element] = field(default_factory=list)
    properties: list[tuple[str, str]] = field(default_factory=list)
    duration: float = 0.0


@dataclass
class JUnitWriter:
    """Feed it phase records (the supervisor's dicts), then call `xml()`."""

    suite_name: str = "grader"
    cases: list[_Case] = field(default_factory=list)
    open_cases: dict[str, _Case] = field(default_factory=dict)
    failed_call: set[str] = field(default_factory=set)
    stats: dict[str, int] = field(default_factory=lambda: dict.fromkeys(["error", "passed", "failure", "skipped"], 0))
    double_failures: int = 0
    started: datetime = field(default_factory=lambda: datetime.now(timezone.utc))  # noqa: UP017 (3.10 images)

    def _case(self, nodeid: str, location: list[Any] | None) -> _Case:
        case = self.open_cases.get(nodeid)
        if case is None:
            names = mangle_test_address(nodeid)
            attrs = {"classname": ".".join(names[:-1]), "name": xml_text(names[-1])}
            if location:
                attrs["file"] = str(location[0])
                if isinstance(location[1], int):
                    attrs["line"] = str(location[1])
            case = _Case(nodeid, attrs)
            self.open_cases[nodeid] = case
            self.cases.append(case)
        return case

    def _close(self, nodeid: str) -> None:
        self.open_cases.pop(nodeid, None)

    def _add(self, case: _Case, tag: str, message: str, text: str | None, **extra: str) -> None:
        node = ET.Element(tag, {"message": xml_text(message), **extra})
        if text is not None:
            node.text = xml_text(text)
        case.children.append(node)

    def phase(self, rec: dict[str, Any], properties: list[tuple[str, str]] | None = None) -> None:
        """One setup/call/teardown record: nodeid, when, outcome, duration, location, text, crash, skip..."""
        subtests = subtest_summary(rec.get("subtests")) if rec["when"] != "setup" else None
        if subtests is not None and rec["when"] == "call" and rec["outcome"] == "failed" and not str(
            rec.get("crash", "")
        ).startswith("contains "):  # the test's own code failed too: one more failed case
            own = ("outside the subtests", "", str(rec.get("crash", ""))[:_FIELD_LIMIT])
            subtests = Subtests(subtests.passed, subtests.failed + 1, (*subtests.failures, own)[:_LISTED],
                                subtests.traceback)
        if subtests is not None:
            self._count_subtests(rec, subtests)
            if subtests.failed:
                rec = fail_for_subtests(rec, subtests)
        if rec.get("xfail_run_time") and rec["outcome"] == "skipped" and "wasxfail" in rec:
            # pytest.xfail() called while the test ran: a skip (the grader scores it 0), not a mark's xfail
            location = rec.get("location") or ["", None, ""]
            reason = f"xfail at run time: {rec['wasxfail']}"
            rec = {k: v for k, v in rec.items() if k != "wasxfail"} | {"skip": [location[0], location[1], reason]}
        nodeid, when, outcome = rec["nodeid"], rec["when"], rec["outcome"]
        location = rec.get("location")
        if outcome == "failed" and when == "teardown" and nodeid in self.failed_call:
            # A failure in call and an error in teardown: pytest opens a second testcase element.
            self._close(nodeid)
            self.double_failures += 1
        if outcome == "passed" and when == "call":
            self._case(nodeid, location)
            self.stats["passed"] += 1
        elif outcome == "failed":
            case = self._case(nodeid, location)
            text, crash = str(rec.get("text", "")), str(rec.get("crash", ""))
            if when == "call":
                if "wasxfail" in rec:
                    self._add(case, "skipped", "xfail-marked test passes unexpectedly", None)
                    self.stats["skipped"] += 1
                else:
                    self._add(case, "failure", crash or text, text)
                    self.stats["failure"] += 1
                self.failed_call.add(nodeid)
            else:
                reason = crash or text
                prefix = "failed on teardown with" if when == "teardown" else "failed on setup with"
                self._add(case, "error", f'{prefix} "{reason}"', text)
                self.stats["error"] += 1
            # pytest (junit_logging=out-err, log_passing_tests=False) writes the output of a failed call,
            # a failed teardown and a plain skip, from that phase's report; never for a setup error.
            if when in ("call", "teardown"):
                self._captured(case, rec.get("sections") or [])
        elif outcome == "skipped":
            case = self._case(nodeid, location)
            if "wasxfail" in rec:
                reason = str(rec["wasxfail"]).removeprefix("reason: ")
                self._add(case, "skipped", reason, None, type="pytest.xfail")
            else:
                path, line, reason = rec.get("skip") or ["", None, ""]
                reason = str(reason).removeprefix("Skipped: ")
                self._add(case, "skipped", reason, f"{path}:{line}: {reason}", type="pytest.skip")
                self._captured(case, rec.get("sections") or [])
            self.stats["skipped"] += 1
        if nodeid in self.open_cases or when == "teardown":
            case = self._case(nodeid, location)
            case.duration += float(rec.get("duration", 0.0))
        if when == "teardown":
            case = self._case(nodeid, location)
            case.properties.extend(properties or [])
            self._close(nodeid)
            self.failed_call.discard(nodeid)

    def _count_subtests(self, rec: dict[str, Any], subtests: Subtests) -> None:
        """grader.subtests.passed / .failed properties, added up over the test's phases."""
        case = self._case(rec["nodeid"], rec.get("location"))
        counts = dict(case.properties)
        passed = int(counts.get(SUBTESTS_PASSED, "0")) + subtests.passed
        failed = int(counts.get(SUBTESTS_FAILED, "0")) + subtests.failed
        case.properties = [p for p in case.properties if p[0] not in (SUBTESTS_PASSED, SUBTESTS_FAILED)]
        case.properties += [(SUBTESTS_PASSED, str(passed)), (SUBTESTS_FAILED, str(failed))]

    def _captured(self, case: _Case, sections: list[list[str]]) -> None:
        for tag, kind in (("system-out", "stdout"), ("system-err", "stderr")):
            content = "".join(c for t, c in sections if t.startswith(f"Captured {kind}"))
            header = f" Captured {'Out' if kind == 'stdout' else 'Err'} ".center(80, "-")
            node = ET.Element(tag)  # written even when empty, as pytest does
            node.text = xml_text("\n".join([header, content, ""]))
            case.children.append(node)

    def collect_error(self, nodeid: str, text: str) -> None:
        case = self._case(nodeid, None)
        case.attrs = {
            "classname": ".".join(mangle_test_address(nodeid)[:-1]),
            "name": xml_text(mangle_test_address(nodeid)[-1]),
        }
        self._add(case, "error", "collection failure", text)
        self.stats["error"] += 1
        self._close(nodeid)

    def xml(self, duration: float) -> str:
        tests = sum(self.stats.values()) - self.double_failures
        suite = ET.Element(
            "testsuite",
            name=self.suite_name,
            errors=str(self.stats["error"]),
            failures=str(self.stats["failure"]),
            skipped=str(self.stats["skipped"]),
            tests=str(tests),
            time=f"{duration:.3f}",
            timestamp=self.started.isoformat(),
            hostname="sandbox",
        )
        for case in self.cases:
            node = ET.SubElement(suite, "testcase", case.attrs, time=f"{case.duration:.3f}")
            if case.properties:
                props = ET.SubElement(node, "properties")
                for name, value in case.properties:
                    ET.SubElement(props, "property", name=name, value=xml_text(value))
            node.extend(case.children)
        root = ET.Element("testsuites", name="pytest tests")
        root.append(suite)
        return '<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(root, encoding="unicode")
