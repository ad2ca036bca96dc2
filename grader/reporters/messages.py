"""The grader's own messages, recognised in a report and shown in the student's language.

Reports (and the JSON written from them) keep these messages in English: the sandbox writes them
(supervisor, plugin, JUnit writer) and instructors' tools read them. The reporters translate them
at the last moment by matching the exact English forms below; anything else (pytest's assertion
text, a student's exception message) is shown as it is.

A submission can raise an exception whose message imitates one of these forms; it then reads
translated, which says nothing the English did not. Every value taken from a match is still
untrusted text: it goes through the same cleaning and escaping as the message it came from.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from grader.i18n import DEFAULT_LANGUAGE, N_, Translator

_NUMBER = r"(?P<seconds>\d+(?:\.\d+)?)"

# (English form, message id). The form's named groups are the message id's placeholders; `seconds`
# is shown as a localised number, `why` is itself translated when it is one of these forms.
_FORMS: tuple[tuple[str, str], ...] = (
    (
        rf"timed out after {_NUMBER} s \(test-timeout\); the test was killed",
        N_("timed out after {seconds} s (test-timeout); the test was killed"),
    ),
    (rf"timed out after {_NUMBER} s \(test-timeout\)", N_("timed out after {seconds} s (test-timeout)")),
    (
        rf"timed out after {_NUMBER} s \(the whole run's timeout\)",
        N_("timed out after {seconds} s (the whole run's timeout)"),
    ),
    (rf"timed out after {_NUMBER} s", N_("timed out after {seconds} s")),
    (
        r"out of memory \(limit (?P<limit>[^()]*)\): the grader itself was killed",
        N_("out of memory (limit {limit}): the grader itself was killed"),
    ),
    (r"out of memory \(limit (?P<limit>[^()]*)\)", N_("out of memory (limit {limit})")),
    (
        r"the test process exited with code (?P<code>-?\d+) before the test finished",
        N_("the test process exited with code {code} before the test finished"),
    ),
    (r"the test process was killed by signal (?P<signal>\d+)", N_("the test process was killed by signal {signal}")),
    (
        r"the test session ended before collecting any test: (?P<why>.*)",
        N_("the test session ended before collecting any test: {why}"),
    ),
    (r"the test stopped the test session \((?P<why>.*)\)", N_("the test stopped the test session ({why})")),
    (
        r"the sandbox produced no results \(exit code (?P<code>-?\d+|None)\)",
        N_("the sandbox produced no results (exit code {code})"),
    ),
    (r"pytest collected no tests", N_("pytest collected no tests")),
    (r"no tests found in the tests folder", N_("no tests found in the tests folder")),
    (r"could not read the test results: (?P<why>.*)", N_("could not read the test results: {why}")),
    (r"not run: the test run timed out", N_("not run: the test run timed out")),
    (r"not run: the test run ran out of memory", N_("not run: the test run ran out of memory")),
    (r"not run", N_("not run")),
    (
        r"conflicting results were reported for this test \(the results channel was tampered with\)",
        N_("conflicting results were reported for this test (the results channel was tampered with)"),
    ),
    (
        r"the submission modified the test framework \((?P<what>.*)\): this result cannot be trusted",
        N_("the submission modified the test framework ({what}): this result cannot be trusted"),
    ),
    (r"collection failure", N_("the test file could not be loaded")),
    (r'failed on setup with "(?P<why>.*)"', N_('failed while preparing the test: "{why}"')),
    (r'failed on teardown with "(?P<why>.*)"', N_('failed while cleaning up after the test: "{why}"')),
    (r"xfail-marked test passes unexpectedly", N_("a test marked as expected to fail passed")),
    (
        rf"group cap: (?P<group>.*) \(at most {_NUMBER.replace('seconds', 'points')} points\)",
        N_("group cap: {group} (at most {points} points)"),
    ),
    (r"(?P<failed>\d+) of (?P<total>\d+) subtests? failed", N_("subtests failed: {failed} of {total}")),
    # The verdict rules (grader.scoring._verdict, grader.collect_plugin._grading_marks); `reason` is
    # the instructor's or pytest's own text, shown as it is.
    (
        r"not graded: (?P<why>.*) \(while running: (?P<reason>.*)\)",
        N_("not graded: {why} (while running: {reason})"),
    ),
    (r"not graded: (?P<why>.*)", N_("not graded: {why}")),
    # the reason collect_plugin gives a skip mark without one (a group: the text is written in two parts)
    (
        r"skipped by the instructor: (?P<default>unconditional skip)",
        N_("skipped by the instructor: unconditional skip"),
    ),
    (r"skipped by the instructor: (?P<reason>.*)", N_("skipped by the instructor: {reason}")),
    (
        r"marked xfail by the instructor \(does not run\): (?P<reason>.*)",
        N_("marked xfail by the instructor (does not run): {reason}"),
    ),
    (r"marked xfail by the instructor \(does not run\)", N_("marked xfail by the instructor (does not run)")),
    (
        r"marked xfail by the instructor \(not strict\): (?P<reason>.*)",
        N_("marked xfail by the instructor (not strict): {reason}"),
    ),
    (r"marked xfail by the instructor \(not strict\)", N_("marked xfail by the instructor (not strict)")),
    (r"skipped while running: no points \((?P<why>.*)\)", N_("skipped while running: no points ({why})")),
    (r"skipped while running: no points", N_("skipped while running: no points")),
    (r"xfail while running: no points \((?P<why>.*)\)", N_("xfail while running: no points ({why})")),
    (r"xfail while running: no points", N_("xfail while running: no points")),
    (r"failed as expected \(xfail\): (?P<reason>.*)", N_("failed as expected (xfail): {reason}")),
    (r"failed as expected \(xfail\)", N_("failed as expected (xfail)")),
    (r"could not load the tests: (?P<why>.*)", N_("could not load the tests: {why}")),
    # the late policy's notes (grader.late), shown in the gradebook
    (r"1 day late", N_("1 day late")),
    (r"(?P<days>\d+) days late", N_("{days} days late")),
    (r"no trusted submission time", N_("no trusted submission time")),
    (
        r"the submission has more than (?P<count>\d+) files",
        N_("the submission has more than {count} files"),
    ),
    (
        r"the submission is larger than (?P<size>\d+) MB \((?P<path>.*) brings it past the limit\)",
        N_("the submission is larger than {size} MB ({path} brings it past the limit)"),
    ),
)
_COMPILED = tuple((re.compile(form, re.DOTALL), msgid) for form, msgid in _FORMS)

# Lines the grader writes into a test's details around pytest's text: the list of failed subtests
# (grader/sandbox/inside/junitxml.py, fail_for_subtests). Each is a whole line of its own.
_DETAIL_LINES = tuple(
    (re.compile(form), msgid)
    for form, msgid in (
        (r"(?P<failed>\d+) of (?P<total>\d+) subtests? failed:", N_("subtests failed: {failed} of {total}:")),
        (r"- … and (?P<count>\d+) more failed subtests", N_("- … and {count} more failed subtests")),
        (r"First failed subtest:", N_("First failed subtest:")),
        (r"The test itself:", N_("The test itself:")),
    )
)


def translate_details(text: str, t: Translator) -> str:
    """A test's details with the grader's own lines in the translator's language; pytest's text as is."""
    if t.language == DEFAULT_LANGUAGE or not text:
        return text
    lines = text.split("\n")
    for i, line in enumerate(lines):
        for pattern, msgid in _DETAIL_LINES:
            match = pattern.fullmatch(line)
            if match:
                lines[i] = t._(msgid, **match.groupdict())
                break
    return "\n".join(lines)


def translate_message(text: str, t: Translator, *, depth: int = 0) -> str:
    """`text` in the translator's language when it is one of the grader's own forms, else as is."""
    if t.language == DEFAULT_LANGUAGE or depth > 2:
        return text
    stripped = text.strip()
    for pattern, msgid in _COMPILED:
        match = pattern.fullmatch(stripped)
        if match:
            values = {k: _value(k, v, t, depth) for k, v in match.groupdict().items()}
            return t._(msgid, **values)
    return text


def _value(key: str, value: str, t: Translator, depth: int) -> str:
    convert: dict[str, Callable[[str], str]] = {
        "seconds": lambda v: t.number(float(v)),
        "points": lambda v: t.number(float(v)),
        "why": lambda v: translate_message(v, t, depth=depth + 1),
    }
    return convert[key](value) if key in convert else value
