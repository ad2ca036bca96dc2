"""The grader"s own messages, recognised in a report and shown in the student"s language.

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

_NUMBER = r"\d+(?:\.\d+)?"
# What a placeholder matches in the English text; any other placeholder matches any text.
_VALUES = {"seconds": _NUMBER, "points": _NUMBER, "code": r"-?\d+|None", "limit": r"[^()]*",
           **dict.fromkeys(("signal", "failed", "total", "days", "count", "size"), r"\d+")}


def _english_form(english: str) -> str:
    """The regular expression of an English text: each `{placeholder}` becomes a named group."""
    parts = re.split(r"\{(\w+)\}", english)
    return "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>{_VALUES.get(part, '.*')})"
                   for i, part in enumerate(parts))


# The forms in the order they are tried (the first that matches the whole text wins): a message id
# alone is the grader"s own English text; a pair is pytest"s English text and the message id that
# says it for students. The placeholders of a form are those of its message id.
_MESSAGES: tuple[str | tuple[str, str], ...] = (
    N_("timed out after {seconds} s (test-timeout); the test was killed"),
    N_("timed out after {seconds} s (test-timeout)"),
    N_("timed out after {seconds} s (the whole run's timeout)"),
    N_("timed out after {seconds} s"),
    N_("out of memory (limit {limit}): the grader itself was killed"),
    N_("out of memory (limit {limit})"),
    N_("the test process exited with code {code} before the test finished"),
    N_("the test process was killed by signal {signal}"),
    N_("the test session ended before collecting any test: {why}"),
    N_("the test stopped the test session ({why})"),
    N_("the sandbox produced no results (exit code {code})"),
    N_("pytest collected no tests"),
    N_("no tests found in the tests folder"),
    N_("could not read the test results: {why}"),
    N_("not run: the test run timed out"),
    N_("not run: the test run ran out of memory"),
    N_("not run"),
    N_("conflicting results were reported for this test (the results channel was tampered with)"),
    N_("the submission modified the test framework ({what}): this result cannot be trusted"),
    ("collection failure", N_("the test file could not be loaded")),
    ('failed on setup with "{why}"', N_('failed while preparing the test: "{why}"')),
    ('failed on teardown with "{why}"', N_('failed while cleaning up after the test: "{why}"')),
    ("xfail-marked test passes unexpectedly", N_("a test marked as expected to fail passed")),
    N_("group cap: {group} (at most {points} points)"),
    ("{failed} of {total} subtests failed", N_("subtests failed: {failed} of {total}")),
    ("{failed} of {total} subtest failed", N_("subtests failed: {failed} of {total}")),
    N_("not graded: {why} (while running: {reason})"),
    N_("not graded: {why}"),
    N_("skipped by the instructor: unconditional skip"),
    N_("skipped by the instructor: {reason}"),
    N_("marked xfail by the instructor (does not run): {reason}"),
    N_("marked xfail by the instructor (does not run)"),
    N_("marked xfail by the instructor (not strict): {reason}"),
    N_("marked xfail by the instructor (not strict)"),
    N_("skipped while running: no points ({why})"),
    N_("skipped while running: no points"),
    N_("xfail while running: no points ({why})"),
    N_("xfail while running: no points"),
    N_("failed as expected (xfail): {reason}"),
    N_("failed as expected (xfail)"),
    N_("could not load the tests: {why}"),
    N_("1 day late"),
    N_("{days} days late"),
    N_("late penalty: 1 day late ({percent}%)"),
    N_("late penalty: {days} days late ({percent}%)"),
    N_("no trusted submission time"),
    N_("the submission has more than {count} files"),
    N_("the submission is larger than {size} MB ({path} brings it past the limit)"),
)
_FORMS: tuple[tuple[str, str], ...] = tuple(
    (_english_form(m), m) if isinstance(m, str) else (_english_form(m[0]), m[1]) for m in _MESSAGES
)
_COMPILED = tuple((re.compile(form, re.DOTALL), msgid) for form, msgid in _FORMS)

# Lines the grader writes into a test"s details around pytest"s text: the list of failed subtests
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
    """A test"s details with the grader"s own lines in the translator"s language; pytest"s text as is."""
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
    """`text` in the translator"s language when it is one of the grader"s own forms, else as is."""
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
