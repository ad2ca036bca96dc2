"""JUnit XML (pytest's xunit1 flavour) written by the supervisor from the records it accepted.

Why not pytest's own LogXML: importing it loads most of pytest, which costs the supervisor a
noticeable share of a 1-CPU sandbox's start-up on every run. This writer produces the same elements
and attributes as `_pytest.junitxml.LogXML` with `junit_family=xunit1` for the events the supervisor
sees (see tests/unit/test_inside_junitxml.py, which compares both on the same reports).
Standard library only: it runs in the runner image.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

# XML 1.0 forbids most control characters; pytest writes them as #xNN (bin_xml_escape). This is
# pytest's own pattern, character for character: its "\u10000" reads as U+1000 followed by "0", so
# pytest also escapes everything above U+FFFF, and so do we, to write the same XML.
_ILLEGAL = re.compile("[^\u0009\u000a\u000d\u0020-\u007e\u0080-\ud7ff\ue000-\ufffd\u10000-\u10ffff]")


def xml_text(value: object) -> str:
    def repl(match: re.Match[str]) -> str:
        code = ord(match.group())
        return f"#x{code:02X}" if code <= 0xFF else f"#x{code:04X}"

    return _ILLEGAL.sub(repl, str(value))


def mangle_test_address(nodeid: str) -> list[str]:
    """pytest's classname/name split of a node id (same rules as _pytest.junitxml)."""
    path, possible_open_bracket, params = nodeid.partition("[")
    names = path.split("::")
    names[0] = names[0].replace("/", ".")
    names[0] = re.sub(r"\.py$", "", names[0])
    names[-1] += possible_open_bracket + params
    return names


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
