"""The sandbox's wire protocol, shared by the host (`grader.sandbox.container`, `grader.results.scoring`) and the
supervisor in the container. Standard library only: it runs in the container, from /opt/grader.

- The frame: the one line the supervisor writes to stdout at the end of a run,
  `FRAME_MARK <hex HMAC-SHA256 of body> <body>` with body = base64(JSON), signed with the run's key
  (sent on the container's stdin, never in its environment). Anything else on stdout is not trusted.
- The names of results: a test's JUnit `classname`/`name` as pytest's `mangle_test_address` makes them,
  and XML text escaped as pytest's `bin_xml_escape` does, so that the host finds each expected test.
- The child's records (plugin.py -> supervisor.py): one line per event, `<hex HMAC-SHA256 of body> <body>`
  with body = JSON `{"k": kind, "n": sequence number, "d": fields}`, signed with the child's channel
  key. The record classes below are their only definition: the plugin builds them and sends `wire()`
  (encoded and signed with C primitives it bound before any submission code ran: the channel must
  not go through code the submission can reach, so nothing here encodes or signs a record), and the
  supervisor decodes them with `decode_record`, which fails closed (see there).
- `FRAMEWORK_LAZY_IMPORTS`: standard modules pytest imports after the submission is on the path,
  preloaded by child.py and named by the host's static scan when a submission file shadows one.

No `from __future__ import annotations` here: plugin.py loads this file outside sys.modules (out of
the submission's reach by name), where dataclasses cannot resolve string annotations.
"""

import base64
import functools
import hashlib
import hmac
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

FRAME_MARK = "@@grader-frame@@"
FRAME_MARK_BYTES = FRAME_MARK.encode()


def sign(key: bytes, body: bytes) -> bytes:
    """The hex HMAC-SHA256 of body: what a frame (and a child record) carries before its body."""
    return hmac.new(key, body, hashlib.sha256).hexdigest().encode()


def frame_line(key: bytes, payload: dict[str, Any]) -> str:
    """The frame for payload, on a line of its own (the newline before it ends any partial line)."""
    body = base64.b64encode(json.dumps(payload).encode())
    return f"\n{FRAME_MARK} {sign(key, body).decode()} {body.decode()}\n"


def parse_frame_line(line: bytes, key: bytes) -> tuple[dict[str, Any] | None, int]:
    """(payload, 0) for a frame signed with key; (None, 1) for a line that claims to be a frame and is
    not (a forgery); (None, 0) for any other line."""
    if not line.startswith(FRAME_MARK_BYTES):
        return None, 0
    parts = line.split(b" ")
    if len(parts) != 3:
        return None, 1
    _, mac, body = parts
    if not hmac.compare_digest(mac, sign(key, body)):
        return None, 1
    try:
        data = json.loads(base64.b64decode(body, validate=True))
    except ValueError:
        return None, 1
    return (data, 0) if isinstance(data, dict) else (None, 1)


# XML 1.0 forbids most control characters; pytest writes them as #xNN (bin_xml_escape). This is
# pytest's own pattern, character for character: its "\u10000" reads as U+1000 followed by "0", so
# pytest also escapes everything above U+FFFF, and so do we, to write the same XML.
ILLEGAL_XML = "[^\u0009\u000a\u000d\u0020-\u007e\u0080-\ud7ff\ue000-\ufffd\u10000-\u10ffff]"
# The same for ASCII text (most text; U+007F is allowed, in the range "0"-U+10FF above) without the
# pattern: compiling it takes 3-6 ms of the sandbox's CPU in every process that loads this module, and
# the test process never writes XML.
_ASCII_ESCAPES = {code: f"#x{code:02X}" for code in (*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20))}


@functools.cache
def _illegal() -> re.Pattern[str]:
    return re.compile(ILLEGAL_XML)


def xml_text(value: object) -> str:
    text = str(value)
    if text.isascii():
        return text.translate(_ASCII_ESCAPES)

    def repl(match: re.Match[str]) -> str:
        code = ord(match.group())
        return f"#x{code:02X}" if code <= 0xFF else f"#x{code:04X}"

    return _illegal().sub(repl, text)


def mangle_test_address(nodeid: str) -> list[str]:
    """pytest's classname/name split of a node id (same rules as _pytest.junitxml)."""
    path, possible_open_bracket, params = nodeid.partition("[")
    names = path.split("::")
    names[0] = names[0].replace("/", ".")
    names[0] = re.sub(r"\.py$", "", names[0])
    names[-1] += possible_open_bracket + params
    return names


# Standard modules pytest (9) and pdb import lazily, after the workspace is on the path (measured:
# sys.modules before and after a session with failures, skips, fixtures and warnings), plus their
# relatives. A submission file with one of these names would be imported by pytest instead.
FRAMEWORK_LAZY_IMPORTS = frozenset({"bdb", "cmd", "code", "codeop", "difflib", "doctest", "faulthandler",
                                    "getpass", "glob", "pdb", "pprint", "pwd", "readline", "rlcompleter",
                                    "shlex", "termios", "tty", "unittest"})


# -- the child's records ------------------------------------------------------------------------------

PHASES = ("setup", "call", "teardown")
OUTCOMES = ("passed", "failed", "skipped")
PLUGIN_FINDINGS = ("framework-tampering", "test-tampering", "refused-operation")  # what the plugin may report
IDS_LIMIT = 100_000  # collected ids kept from one record
TEXT_LIMIT = 65536  # characters of a report's text, crash or wasxfail kept
SKIP_REASON_LIMIT = 4096
SECTIONS_LIMIT = 12  # captured-output sections kept, of SECTION_LIMIT characters each
SECTION_LIMIT = 16384
DETAIL_LIMIT = 500  # characters of a finding's detail or an interruption's message

# (path, line or None, name): pytest's report.location, and the (path, line, reason) of a skip
Location = tuple[str, int | None, str]


class RecordError(ValueError):
    """A line of the channel the supervisor must not use. `signed`: it carried a valid signature
    (so code holding the channel key wrote it, or the plugin is broken); else it is a forgery or
    bytes written into the channel."""

    def __init__(self, why: str, signed: bool) -> None:
        super().__init__(why)
        self.signed = signed


@dataclass(frozen=True)
class Collected:
    """The test ids of the session, in collection order (after the supervisor's skip list)."""

    KIND: ClassVar[str] = "collected"
    ids: tuple[str, ...]

    def wire(self) -> dict[str, Any]:
        return {"ids": list(self.ids)}


@dataclass(frozen=True)
class CollectError:
    """A file or node that failed to collect (pytest's collect report)."""

    KIND: ClassVar[str] = "collect-error"
    nodeid: str
    text: str

    def wire(self) -> dict[str, Any]:
        return {"nodeid": self.nodeid, "text": self.text}


@dataclass(frozen=True)
class Start:
    """A test is about to run (the child waits for the supervisor's go-ahead, see child_io.Child.release)."""

    KIND: ClassVar[str] = "start"
    nodeid: str

    def wire(self) -> dict[str, Any]:
        return {"nodeid": self.nodeid}


@dataclass(frozen=True)
class PhaseReport:
    """One setup/call/teardown report. Its `wire()` is also the phase record of the JUnit writer."""

    KIND: ClassVar[str] = "report"
    nodeid: str
    when: str  # PHASES
    outcome: str  # OUTCOMES
    duration: float
    location: Location | None
    text: str | None = None  # the long representation of a failure
    crash: str | None = None  # its one-line message
    wasxfail: str | None = None  # xfail reason (pytest's report.wasxfail)
    xfail_run_time: bool = False  # pytest.xfail() called while the test ran, not a mark
    skip: Location | None = None  # (path, line, reason) of a skip
    sections: tuple[tuple[str, str], ...] | None = None  # captured output (title, content)
    subtests: dict[str, Any] | None = None  # subtests.SubtestLog's counts (bounded by junitxml.subtest_summary)

    def wire(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "nodeid": self.nodeid,
            "when": self.when,
            "outcome": self.outcome,
            "duration": self.duration,
            "location": None if self.location is None else list(self.location),
        }
        for name, value in (("text", self.text), ("crash", self.crash), ("wasxfail", self.wasxfail)):
            if value is not None:
                out[name] = value
        if self.xfail_run_time:
            out["xfail_run_time"] = True
        if self.skip is not None:
            out["skip"] = list(self.skip)
        if self.sections is not None:
            out["sections"] = [list(section) for section in self.sections]
        if self.subtests is not None:
            out["subtests"] = self.subtests
        return out


@dataclass(frozen=True)
class Finish:
    """The end of the session, with pytest's exit status (child.py exits with it at once)."""

    KIND: ClassVar[str] = "finish"
    exitstatus: int

    def wire(self) -> dict[str, Any]:
        return {"exitstatus": self.exitstatus}


@dataclass(frozen=True)
class Interrupted:
    """KeyboardInterrupt or pytest.exit() stopped the session (the supervisor restarts it)."""

    KIND: ClassVar[str] = "interrupted"
    message: str

    def wire(self) -> dict[str, Any]:
        return {"message": self.message}


@dataclass(frozen=True)
class Finding:
    """The plugin saw tampering (guard.py, fingerprint.py) or its audit hook refused an operation."""

    KIND: ClassVar[str] = "finding"
    kind: str  # PLUGIN_FINDINGS
    detail: str

    def wire(self) -> dict[str, Any]:
        return {"kind": self.kind, "detail": self.detail}


Record = Collected | CollectError | Start | PhaseReport | Finish | Interrupted | Finding
_REQUIRED: dict[str, frozenset[str]] = {
    "collected": frozenset({"ids"}),
    "collect-error": frozenset({"nodeid", "text"}),
    "start": frozenset({"nodeid"}),
    "report": frozenset({"nodeid", "when", "outcome", "duration", "location"}),
    "finish": frozenset({"exitstatus"}),
    "interrupted": frozenset({"message"}),
    "finding": frozenset({"kind", "detail"}),
}
_OPTIONAL: dict[str, frozenset[str]] = {
    "report": frozenset({"text", "crash", "wasxfail", "xfail_run_time", "skip", "sections", "subtests"}),
}
_SUBTEST_COUNTS = frozenset({"passed", "failed", "failures"})
_SUBTEST_FAILURE = frozenset({"label", "params", "message", "traceback"})


def decode_record(line: bytes, key: bytes) -> Record:
    """The record on one line of the channel, or RecordError.

    Fails closed: the signature must match, and the body must be one JSON object of a known kind
    with exactly the fields of that kind (no unknown, none missing), each of its type (an int is
    never a bool, a number never NaN); only lengths are bounded by cutting, as the plugin's own
    limits are smaller. The record comes from the test process, where the submission runs.
    """
    mac, _, body = line.partition(b" ")
    if not hmac.compare_digest(mac, sign(key, body)):
        raise RecordError("the results channel carried a record the grader did not sign", signed=False)
    try:
        record = json.loads(body, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        raise RecordError(f"not a JSON record: {exc}", signed=True) from None
    if not (isinstance(record, dict) and set(record) == {"k", "n", "d"}):
        raise RecordError("not a record envelope", signed=True)
    kind, seq, data = record["k"], record["n"], record["d"]
    if not (isinstance(kind, str) and kind in _REQUIRED and _is_int(seq) and isinstance(data, dict)):
        raise RecordError(f"unknown record kind or malformed envelope ({str(kind)[:40]!r})", signed=True)
    fields = set(data)
    if not _REQUIRED[kind] <= fields <= _REQUIRED[kind] | _OPTIONAL.get(kind, frozenset()):
        raise RecordError(f"wrong fields for a {kind!r} record: {sorted(fields)[:10]}", signed=True)
    try:
        return _DECODERS[kind](data)
    except (TypeError, ValueError, ArithmeticError) as exc:  # ArithmeticError: isfinite(10**400) overflows
        raise RecordError(f"malformed {kind!r} record: {exc}", signed=True) from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number the plugin sends")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text(value: object, limit: int | None = None) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value if limit is None else value[:limit]


def _location(value: object, limit: int | None = None) -> Location:
    """(str, int or None, str) from a 3-item JSON list; `limit` cuts the third item."""
    if not (isinstance(value, list) and len(value) == 3):
        raise TypeError("expected a [path, line, name] list")
    line = value[1]
    if line is not None and not _is_int(line):
        raise TypeError("a location's line must be an int or null")
    return (_text(value[0]), line, _text(value[2], limit))


def _subtests(value: object) -> dict[str, Any]:
    """The shape subtests.SubtestLog sends; junitxml.subtest_summary bounds the counts and lists."""
    if not (isinstance(value, dict) and set(value) <= _SUBTEST_COUNTS):
        raise TypeError("malformed subtests")
    if not all(_is_int(value.get(name, 0)) for name in ("passed", "failed")):
        raise TypeError("subtest counts must be ints")
    failures = value.get("failures", [])
    if not (isinstance(failures, list) and all(
        isinstance(item, dict) and set(item) <= _SUBTEST_FAILURE and all(isinstance(v, str) for v in item.values())
        for item in failures
    )):
        raise TypeError("malformed subtest failures")
    return value


def _collected(data: dict[str, Any]) -> Collected:
    ids = data["ids"]
    if not isinstance(ids, list):
        raise TypeError("ids must be a list")
    return Collected(tuple(_text(nodeid) for nodeid in ids[:IDS_LIMIT]))


def _report(data: dict[str, Any]) -> PhaseReport:
    when, outcome, duration = data["when"], data["outcome"], data["duration"]
    if when not in PHASES or outcome not in OUTCOMES:
        raise ValueError(f"unknown phase or outcome ({str(when)[:20]!r}, {str(outcome)[:20]!r})")
    if not (isinstance(duration, int | float) and not isinstance(duration, bool) and math.isfinite(duration)):
        raise TypeError("duration must be a finite number")
    location = data["location"]  # always sent (pytest's report.location); only the supervisor's own records lack it
    xfail_run_time = data.get("xfail_run_time", False)
    if not isinstance(xfail_run_time, bool):
        raise TypeError("xfail_run_time must be a bool")
    sections = data.get("sections")
    if "sections" in data:
        if not (isinstance(sections, list) and all(isinstance(s, list) and len(s) == 2 for s in sections)):
            raise TypeError("sections must be [title, content] lists")
        sections = tuple((_text(t), _text(c, SECTION_LIMIT)) for t, c in sections[:SECTIONS_LIMIT])
    optional = {name: _text(data[name], TEXT_LIMIT) if name in data else None for name in ("text", "crash", "wasxfail")}
    return PhaseReport(
        nodeid=_text(data["nodeid"]),
        when=when,
        outcome=outcome,
        duration=float(duration),
        location=_location(location),
        xfail_run_time=xfail_run_time,
        skip=_location(data["skip"], SKIP_REASON_LIMIT) if "skip" in data else None,
        sections=sections,
        subtests=_subtests(data["subtests"]) if "subtests" in data else None,
        **optional,
    )


def _finding(data: dict[str, Any]) -> Finding:
    if data["kind"] not in PLUGIN_FINDINGS:
        raise ValueError(f"not a finding the plugin reports ({str(data['kind'])[:40]!r})")
    return Finding(data["kind"], _text(data["detail"], DETAIL_LIMIT))


def _finish(data: dict[str, Any]) -> Finish:
    if not _is_int(data["exitstatus"]):
        raise TypeError("exitstatus must be an int")
    return Finish(data["exitstatus"])


_DECODERS: dict[str, Callable[[dict[str, Any]], Record]] = {
    "collected": _collected,
    "collect-error": lambda d: CollectError(_text(d["nodeid"]), _text(d["text"])),
    "start": lambda d: Start(_text(d["nodeid"])),
    "report": _report,
    "finish": _finish,
    "interrupted": lambda d: Interrupted(_text(d["message"], DETAIL_LIMIT)),
    "finding": _finding,
}
