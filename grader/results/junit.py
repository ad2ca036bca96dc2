"""Read pytest's JUnit XML into `JUnitReport` (pure: bytes in, data out, never raises).

The XML comes out of the sandbox, so it is treated as hostile input:
- it is parsed with expat directly and any `<!DOCTYPE` aborts the parse, so no entity (internal
  or external) can ever be declared: no billion laughs, no file or network reads;
- it is streamed: each `<testcase>` is turned into a `JUnitCase` as soon as it closes and its
  element is emptied, so a 50 MB report does not become a 50 MB element tree;
- every problem (empty, not XML, wrong root, anything unexpected) becomes `JUnitReport.error`.

junitparser's element classes interpret each `<testcase>` (results, system-out/err, properties).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from xml.parsers import expat

from junitparser import Attr, Error, Failure, Properties, Skipped, SystemErr, SystemOut, TestCase

from grader.models import Frame, JUnitCase, JUnitReport, Status, SubtestCounts

OUTPUT_LIMIT = 64 * 1024  # characters of captured output kept per test case
_MAX_FRAMES = 256  # a RecursionError can list thousands of entries; the ends are what matter
_CHUNK = 1 << 20
_ROOTS = frozenset({"testsuites", "testsuite"})
_SEVERITY = {Status.PASSED: 0, Status.SKIPPED: 1, Status.FAILED: 2, Status.ERROR: 3}
_COLLECTION_MESSAGES = frozenset({"collection failure", "collection skipped"})
KILLED_PROPERTY = "grader.status"  # set by our supervisor on tests it had to kill
SUBTESTS_PASSED = "grader.subtests.passed"  # set by our supervisor on tests that opened subtests
SUBTESTS_FAILED = "grader.subtests.failed"
_SUBTESTS_MAX = 1_000_000

# One traceback entry, in text order. pytest's style: `path:12: in func`, `path:12: ValueError`
# or a bare `path:12: ` (long style, first entry); Python's: `File "path", line 12` (native style,
# and the SyntaxError location pytest shows for collection errors, behind an `E   ` prefix).
# pytest's paths stand at column 0; a path with quotes, brackets or spaces (other than `<frozen x>`)
# is source code, not a location.
_FRAME_RE = re.compile(
    r"""^(?:
        (?P<path><[^<>\n]+>|[^\s"'<>:=(){}\[\],]+):(?P<line>\d+):(?:[ ].*)?$
      | [ \t]*(?:E[ \t]+)?File[ ]"(?P<pypath>[^"\n]+)",[ ]line[ ](?P<pyline>\d+)
    )""",
    re.MULTILINE | re.VERBOSE,
)
# pytest's junit_logging wraps each stream in a centred header, also when the stream was empty
_SECTION_RE = re.compile(r"^-{3,} Captured [A-Za-z ]+ -{3,}\n", re.MULTILINE)


class _Case(TestCase):
    """junitparser's TestCase plus the xunit1 attributes pytest writes."""

    file = Attr()
    line = Attr()


class _Rejected(Exception):
    """The document is not something we are willing to read; the text is the one-line reason."""


@dataclass
class _Piece:
    """One `<testcase>` element; pytest writes two for the same test when teardown also fails."""

    status: Status
    message: str
    details: str
    output: str
    file: str | None
    line: int | None
    duration_s: float
    collection: bool  # a collector's outcome rather than a test's
    subtests: SubtestCounts | None = None
    xfail: bool = False


def parse_junit(source: bytes | str | Path) -> JUnitReport:
    """Parse a JUnit report: bytes or text of the XML, or the Path of a file holding it."""
    reader = _Reader()
    try:
        reader.feed(source)
    except _Rejected as exc:
        return JUnitReport(cases=(), error=str(exc))
    except expat.ExpatError as exc:
        if reader.empty:
            return JUnitReport(cases=(), error="the JUnit report is empty")
        reason = expat.ErrorString(exc.code)
        return JUnitReport(
            cases=(), error=f"invalid JUnit XML: {reason} (line {exc.lineno}, column {exc.offset + 1})"
        )
    except OSError as exc:
        return JUnitReport(cases=(), error=f"cannot read the JUnit report: {exc.strerror or exc}")
    except Exception as exc:  # defensive: hostile input must never crash the grader
        return JUnitReport(cases=(), error=f"cannot read the JUnit report: {type(exc).__name__}: {exc}")
    return reader.report()


class _Reader:
    """expat callbacks feeding an ElementTree builder, harvesting each testcase when it closes."""

    def __init__(self) -> None:
        self.builder = ET.TreeBuilder()
        self.parser = expat.ParserCreate()
        self.parser.buffer_text = True  # one data callback per text node, not per line
        self.parser.buffer_size = 1 << 16
        self.parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        self.parser.StartDoctypeDeclHandler = self._reject_doctype
        self.parser.EntityDeclHandler = self._reject_doctype
        self.parser.StartElementHandler = self._start_root
        self.parser.EndElementHandler = self._end
        self.parser.CharacterDataHandler = self.builder.data
        self.pieces: dict[tuple[str, str], list[_Piece]] = {}
        self.empty = True

    def feed(self, source: bytes | str | Path) -> None:
        if isinstance(source, Path):
            with source.open("rb") as fh:
                while chunk := fh.read(_CHUNK):
                    self.empty = self.empty and not chunk.strip()
                    self.parser.Parse(chunk, False)
            self.parser.Parse(b"", True)
        else:
            self.empty = not source.strip()
            self.parser.Parse(source, True)

    def _reject_doctype(self, *_: object) -> None:
        raise _Rejected("the JUnit report has a DOCTYPE or entity declaration; refusing to read it")

    def _start_root(self, tag: str, attrs: dict[str, str]) -> None:
        if tag not in _ROOTS:
            raise _Rejected(f"the JUnit report's root element is <{tag}>, not <testsuites> or <testsuite>")
        self.builder.start(tag, attrs)
        self.parser.StartElementHandler = self.builder.start  # root checked: straight to C from now on

    def _end(self, tag: str) -> None:
        elem = self.builder.end(tag)
        if tag == "testcase":
            case = _Case.fromelem(elem)
            key = (case.classname or "", case.name or "")
            self.pieces.setdefault(key, []).append(_read_case(case))
            elem.clear()  # streamed: nothing of the case stays in the tree

    def report(self) -> JUnitReport:
        cases: list[JUnitCase] = []
        collection: list[JUnitCase] = []
        for (classname, name), pieces in self.pieces.items():
            merged = _merge(classname, name, pieces)
            (collection if any(p.collection for p in pieces) else cases).append(merged)
        return JUnitReport(cases=tuple(cases), collection_errors=tuple(collection))


def _read_case(case: _Case) -> _Piece:
    status, message, details, collection, xfail = Status.PASSED, "", "", False, False
    for result in case.result:
        found = _status_of(result)
        if _SEVERITY[found] > _SEVERITY[status]:
            status, message, details = found, result.message or "", result.text or ""
            collection = message in _COLLECTION_MESSAGES
            if collection:
                message = _collection_message(details) or message
            xfail = found is Status.SKIPPED and result.type == "pytest.xfail"
            if xfail and not message:
                message = "xfail"
    if case.classname == "pytest" and case.name == "internal" and status is Status.ERROR:
        collection = True  # pytest's INTERNALERROR: it breaks the whole session, not one test
    if _killed(case):
        if status in (Status.PASSED, Status.SKIPPED):
            message, details = "", ""  # the kill is the outcome, whatever pytest made of it
        status, message = Status.ERROR, message or "stopped by the grader"
    streams = [s.text or "" for s in case.iterchildren(SystemOut)]
    streams += [s.text or "" for s in case.iterchildren(SystemErr)]
    return _Piece(
        status=status,
        message=message,
        details=details,
        output="".join(_drop_empty_sections(s) for s in streams),
        file=case.file or None,
        line=_line(case.line),
        duration_s=_duration(case),
        collection=collection,
        subtests=_subtests(case),
        xfail=xfail and status is Status.SKIPPED,
    )


def _collection_message(details: str) -> str:
    """pytest writes only "collection failure"; the student needs the error itself (its last `E` line)."""
    errors = [line[1:].strip() for line in details.splitlines() if line.startswith("E ")]
    errors = [line for line in errors if line and not line.startswith(("^", "File "))]
    return f"could not load the tests: {errors[-1]}" if errors else ""


def _status_of(result: object) -> Status:
    if isinstance(result, Error):
        return Status.ERROR
    if isinstance(result, Failure):
        return Status.FAILED
    if isinstance(result, Skipped):
        return Status.SKIPPED
    return Status.PASSED


def _killed(case: _Case) -> bool:
    props = case.child(Properties)
    return props is not None and any(
        p.name == KILLED_PROPERTY and (p.value or "").lower() == "error" for p in props
    )


def _subtests(case: _Case) -> SubtestCounts | None:
    """The grader.subtests.passed/failed properties; None when absent or not counts."""
    props = case.child(Properties)
    values = {p.name: p.value for p in props} if props is not None else {}
    if SUBTESTS_PASSED not in values and SUBTESTS_FAILED not in values:
        return None
    try:
        passed, failed = (int(values.get(name) or "0") for name in (SUBTESTS_PASSED, SUBTESTS_FAILED))
    except ValueError:
        return None
    if not (0 <= passed <= _SUBTESTS_MAX and 0 <= failed <= _SUBTESTS_MAX):
        return None
    return SubtestCounts(passed=passed, failed=failed)


def _line(raw: str | None) -> int | None:
    """xunit1 writes pytest's 0-based location line; reports show 1-based lines."""
    try:
        value = int(raw) if raw is not None else None
    except ValueError:
        return None
    return value + 1 if value is not None and value >= 0 else None


def _duration(case: _Case) -> float:
    try:
        value = case.time
    except ValueError:
        return 0.0
    return value if value is not None and 0 <= value < float("inf") else 0.0


def _drop_empty_sections(text: str) -> str:
    """`---- Captured Out ----` headers with nothing under them are noise; keep the rest verbatim."""
    parts = _SECTION_RE.split(text)
    headers = _SECTION_RE.findall(text)
    kept = [parts[0]] if parts[0].strip() else []
    kept += [h + body for h, body in zip(headers, parts[1:], strict=True) if body.strip()]
    return "".join(kept)


def _merge(classname: str, name: str, pieces: list[_Piece]) -> JUnitCase:
    """One case per (classname, name): the worst outcome wins; later details are appended."""
    worst = max(pieces, key=lambda p: _SEVERITY[p.status])  # max keeps the first of equals
    details = pieces[0].details
    for piece in pieces[1:]:
        if piece.details:
            heading = piece.message or piece.status.value
            details = f"{details}\n\n{heading}\n{piece.details}" if details else piece.details
    output = "\n".join(p.output for p in pieces if p.output)
    return JUnitCase(
        classname=classname,
        name=name,
        status=worst.status,
        message=worst.message,
        details=details,
        output=clip(output, OUTPUT_LIMIT, keep_tail=True),
        file=next((p.file for p in pieces if p.file), None),
        line=next((p.line for p in pieces if p.line is not None), None),
        duration_s=sum(p.duration_s for p in pieces),
        frames=parse_frames(details),
        subtests=next((p.subtests for p in pieces if p.subtests is not None), None),
        xfail=worst.xfail,
    )


def parse_frames(text: str) -> tuple[Frame, ...]:
    """Traceback entries in `text`, outermost first (in the order pytest/Python print them)."""
    frames = []
    for m in _FRAME_RE.finditer(text):
        if m.group("path") is not None:
            frames.append(Frame(path=m.group("path"), line=int(m.group("line"))))
        else:
            frames.append(Frame(path=m.group("pypath"), line=int(m.group("pyline"))))
    if len(frames) > _MAX_FRAMES:
        half = _MAX_FRAMES // 2
        frames = frames[:half] + frames[-half:]
    return tuple(frames)


def clip(text: str, limit: int, *, keep_tail: bool = False) -> str:
    """Keep at most `limit` characters of `text`, saying how many were dropped.

    With keep_tail the middle goes (a crash usually prints last); otherwise the end goes.
    """
    if len(text) <= limit:
        return text
    cut = len(text) - limit
    if keep_tail:
        head = limit // 2
        return f"{text[:head]}\n… ({cut} characters cut) …\n{text[len(text) - (limit - head) :]}"
    return f"{text[:limit]}… ({cut} more characters)"


def run_error_xml(message: str) -> str:
    """A JUnit XML document with one errored test case (`grader` / `run`) that says why the run
    produced no test results: what `grader run --junit` writes then, so that tools reading the file
    always find one (junitparser builds it; the message is escaped as pytest escapes XML text)."""
    from junitparser import JUnitXml, TestSuite

    from grader.sandbox.inside.protocol import xml_text

    case = TestCase("run", classname="grader")
    case.result = [Error(xml_text(message), "grader.run-error")]
    suite = TestSuite("grader")
    suite.add_testcase(case)
    document = JUnitXml("grader")
    document.add_testsuite(suite)
    return document.tostring().decode()  # UTF-8 bytes
