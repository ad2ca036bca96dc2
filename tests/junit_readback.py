"""What a JUnit tool reads from the XML `grader run --junit` writes (plain junitparser, as a downstream
tool would read it), and the same verdicts taken from the JSON report, to compare the two."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from junitparser import Error, Failure, JUnitXml, Properties, Skipped

from grader.sandbox.inside.protocol import mangle_test_address


def junit_verdicts(path: Path) -> dict[tuple[str, str], str]:
    """(classname, name) -> passed|failed|error|skipped; a test the grader killed is an error."""
    verdicts = {}
    for suite in JUnitXml.fromfile(str(path)):
        for case in suite:
            props = case.child(Properties)
            killed = props is not None and any(p.name == "grader.status" and p.value == "error" for p in props)
            kinds = {type(r) for r in case.result}
            verdict = ("error" if killed or Error in kinds else "failed" if Failure in kinds
                       else "skipped" if Skipped in kinds else "passed")
            verdicts[(case.classname, case.name)] = verdict
    return verdicts


def report_verdicts(report: dict[str, Any]) -> dict[tuple[str, str], str]:
    """The JSON report's tests under the names pytest's JUnit XML gives them."""
    out = {}
    for test in report["tests"]:
        names = mangle_test_address(test["name"])
        out[(".".join(names[:-1]), names[-1])] = test["status"]
    return out
