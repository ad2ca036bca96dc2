"""A failure as a student reads it: one plain sentence first, then the few lines that matter.

pytest's long traceback (a test's `details`) lists every entry of the stack: for a naive recursive
`fib` that timed out, dozens of identical `fib (calc.py:7)` entries. Students read the first lines
only, so the reporters lead with:

1. one sentence: what happened (the message, translated when it is one of the grader's own) and
   where in the student's file (the innermost frame in a submission file, else the failing line of
   the test: pytest's `file:line` of the entry, never the decorator line the test starts on);
2. an excerpt: the call chain with consecutive repeats collapsed (`fib, calc.py:7, repeated 45
   times`), then the failing source line (`>`) and pytest's explanation (`E` lines) of the entry
   that has one, the message lines already said in the sentence left out;

and keep the full pytest text one click away (a collapsed block in Markdown, `--verbose` on the
terminal). Everything here is a pure function of the untrusted text: the reporters escape its
output like any other text from a submission.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from grader.i18n import N_, Translator
from grader.models import TestScore
from grader.reporters.escape import clean, one_line
from grader.reporters.messages import translate_details, translate_message

_SEPARATOR_RE = re.compile(r"^(?:_ ){3,}_?\s*$")  # pytest's "_ _ _ _" line between entries
_LOCATION_RE = re.compile(r"^(?P<path>[^\s:>][^:\n]*\.py):(?P<line>\d+):(?: (?P<what>.*))?$")
_DEF_RE = re.compile(r"^\s*(?:async\s+)?def\s+(?P<name>\w+)\s*\(")
_TEST_FILE_RE = re.compile(r"(^|/)(test_[^/]*\.py|[^/]*_test\.py|conftest\.py)$")
CHAIN_MAX = 8  # call-chain lines shown; the middle of a longer chain is elided
EXCERPT_LINES = 25


@dataclass(frozen=True)
class Entry:
    """One traceback entry of pytest's long format."""

    path: str
    line: int
    function: str  # "" when the entry's `def` line is not in the text
    failing: tuple[str, ...]  # the `>` lines: the source line being executed
    errors: tuple[str, ...]  # the `E` lines: pytest's explanation

    @property
    def in_submission(self) -> bool:
        return not self.path.startswith("/") and not _TEST_FILE_RE.search(self.path)


@dataclass(frozen=True)
class Frame:
    """A call-chain step after collapsing consecutive repeats."""

    entry: Entry
    repeated: int


@dataclass(frozen=True)
class FailureView:
    lead: str  # one sentence, in the reader's language, untrusted parts not yet escaped
    excerpt: str  # a few lines for a code block ("" when there is nothing beyond the sentence)
    file: str | None  # where the student should look: the submission's (or test) file...
    line: int | None  # ...and the failing line in it, when known


def parse_entries(details: str) -> tuple[Entry, ...]:
    """The entries of a pytest long traceback, outermost first (unrecognisable text gives none)."""
    entries = []
    chunk: list[str] = []
    for line in [*clean(details).split("\n"), "_ _ _ _"]:
        if not _SEPARATOR_RE.match(line):
            chunk.append(line)
            continue
        entry = _entry(chunk)
        if entry is not None:
            entries.append(entry)
        chunk = []
    return tuple(entries)


def _entry(lines: list[str]) -> Entry | None:
    location = next((m for m in map(_LOCATION_RE.match, reversed(lines)) if m), None)
    if location is None:
        return None
    function = ""
    for line in lines:
        m = _DEF_RE.match(line)
        if m:
            function = m.group("name")
        if line.startswith(">"):
            break
    failing = tuple(line for line in lines if line.startswith(">"))
    errors = tuple(line for line in lines if line == "E" or line.startswith("E "))  # not `Expected = 3`
    return Entry(location.group("path"), int(location.group("line")), function, failing, errors)


def collapse(entries: tuple[Entry, ...]) -> tuple[Frame, ...]:
    """Consecutive entries at the same place (recursion) become one frame with a count."""
    frames: list[Frame] = []
    for entry in entries:
        last = frames[-1] if frames else None
        if last is not None and (last.entry.path, last.entry.line) == (entry.path, entry.line):
            frames[-1] = Frame(last.entry, last.repeated + 1)
        else:
            frames.append(Frame(entry, 1))
    return tuple(frames)


def failure_view(test: TestScore, t: Translator) -> FailureView:
    """The sentence and excerpt of a non-passing test (its message and pytest's details)."""
    message = translate_message(test.message, t).strip()
    entries = parse_entries(test.details)
    student = [e for e in entries if e.in_submission]
    file: str | None
    line: int | None
    if test.file and not _TEST_FILE_RE.search(test.file):  # scoring found the student's frame: it knows best
        file, line = test.file, test.line
        where = next((e for e in reversed(entries) if (e.path, e.line) == (file, line)), None)
    else:  # pytest's failing line, not the test's first (decorator) line
        where = student[-1] if student else (entries[-1] if entries else None)
        file, line = (where.path, where.line) if where else (test.file, test.line)
    place = f"{file}:{line}" if file and line else file
    what = one_line(message.split("\n", 1)[0], 300, note=t.cut_note) if message else t._(_FALLBACK[test.status.value])
    if where is not None and where.function:
        lead = t._("{what}, in {function} ({place})", what=what, function=where.function, place=place)
    elif place:
        lead = t._("{what}, at {place}", what=what, place=place)
    else:
        lead = what
    return FailureView(lead, _excerpt(entries, message, translate_details(test.details, t), t), file, line)


_FALLBACK = {
    "failed": N_("The test failed."),
    "error": N_("The test raised an error."),
    "skipped": N_("The test was skipped."),
    "not-run": N_("The test did not run."),
    "passed": N_("The test passed."),
}


def _excerpt(entries: tuple[Entry, ...], message: str, details: str, t: Translator) -> str:
    said = {line.strip() for line in message.split("\n")[:1]}
    if not entries:  # not pytest's traceback format: the rest of the message and the end of the text
        rest = message.split("\n", 1)[1].strip("\n") if "\n" in message else ""
        tail = [x for x in clean(details).strip("\n").split("\n") if x.strip() and x[1:].strip() not in said]
        return _bound("\n\n".join(x for x in (rest, "\n".join(tail[-(EXCERPT_LINES - 1) :])) if x))
    lines: list[str] = []
    frames = collapse(entries)
    if len(frames) > 1 or frames[0].repeated > 1:
        shown = list(frames)
        if len(shown) > CHAIN_MAX:
            elided = len(shown) - CHAIN_MAX + 1
            first, last = shown[: CHAIN_MAX // 2], shown[len(shown) - (CHAIN_MAX - CHAIN_MAX // 2 - 1) :]
            lines += [_chain_line(f, t) for f in first]
            lines.append(t._("… {count} more calls", count=elided))
            lines += [_chain_line(f, t) for f in last]
        else:
            lines += [_chain_line(f, t) for f in shown]
        lines.append("")
    key = next((e for e in reversed(entries) if e.errors), None)
    student = next((e for e in reversed(entries) if e.in_submission), None)
    if key is None:
        key = student or entries[-1]
    if student is not None and student is not key and student.failing:
        lines += [f"{student.path}:{student.line}", *student.failing, ""]
    errors = [e for e in key.errors if e[1:].strip() not in said]
    if key.failing or errors:  # a bare location says nothing the sentence did not
        lines += [f"{key.path}:{key.line}", *key.failing, *errors]
    return _bound("\n".join(lines).strip("\n"))


def _chain_line(frame: Frame, t: Translator) -> str:
    entry = frame.entry
    name = entry.function or "?"
    if frame.repeated > 1:
        return t._(
            "{function}, {path}:{line}, repeated {count} times",
            function=name, path=entry.path, line=entry.line, count=frame.repeated,
        )  # fmt: skip
    return f"{name}, {entry.path}:{entry.line}"


def _bound(text: str) -> str:
    lines = text.split("\n")
    if len(lines) <= EXCERPT_LINES:
        return text
    return "\n".join([*lines[: EXCERPT_LINES - 1], "…"])


def failing_line(test: TestScore) -> int | None:
    """The line of `test.file` to point at: pytest's failing line in that same file when its text
    names one (a test's own `line` is where it starts: its decorator), else `test.line`."""
    if test.file:
        for entry in reversed(parse_entries(test.details)):
            # pytest names test files relative to the tests folder; test.file may carry its folder
            if entry.path == test.file or test.file.endswith("/" + entry.path):
                return entry.line
    return test.line


def display_title(test: TestScore) -> str:
    """The docstring title plus the case's parameters: four cases of one parametrized test share
    a title, and "primes are recognised [97]" tells them apart. Untrusted: escape where shown."""
    if not test.title:
        return test.name
    params = test.name[test.name.find("[") :] if test.name.endswith("]") and "[" in test.name else ""
    return f"{test.title} {params}" if params else test.title


def next_step_command(tests: tuple[TestScore, ...] | list[TestScore]) -> str | None:
    """`python -m pytest -k "..."` selecting the failing visible tests by function name (works from
    the repository root wherever the tests folder is); None when there is none to name."""
    names: list[str] = []
    for test in tests:
        base = test.name.partition("[")[0].rsplit("::", 1)[-1]
        if not test.hidden and re.fullmatch(r"[A-Za-z_]\w{0,79}", base) and base not in names:
            names.append(base)
    if not names:
        return None
    return f'python -m pytest -k "{" or ".join(names[:5])}"'


def restore_first_indent(details: str) -> str:
    """pytest's text reaches us with its first line's indentation stripped (`@pytest.mark...` at
    column 0, the rest indented): give a source line back the four spaces its neighbours have."""
    lines = details.split("\n")
    if len(lines) < 2 or lines[0][:1].isspace() or not lines[1].startswith("    "):
        return details
    first = lines[0]
    if first.startswith((">", "E ")) or _LOCATION_RE.match(first) or re.match(r"^\w+ = ", first):
        return details
    return "\n".join(["    " + first, *lines[1:]])
