"""The child's records (grader/sandbox/inside/protocol.py): what the plugin sends decodes to the same
record, and the supervisor's decoder fails closed on anything else (docs/threat-model.md)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from grader.sandbox.inside import protocol
from grader.sandbox.inside.protocol import RecordError, decode_record, sign

KEY = b"k" * 32


def line(kind: str, data: Any, *, key: bytes = KEY, seq: Any = 1, **envelope: Any) -> bytes:
    """A channel line as plugin._send writes it (compact JSON, hex HMAC, space)."""
    body = json.dumps({"k": kind, "n": seq, "d": data, **envelope}, separators=(",", ":")).encode()
    return sign(key, body) + b" " + body


REPORT = {"nodeid": "test_a.py::test_x", "when": "call", "outcome": "failed", "duration": 0.25,
          "location": ["test_a.py", 3, "test_x"]}

RECORDS = [
    protocol.Collected(("test_a.py::test_x", "test_a.py::test_y[1]")),
    protocol.CollectError("test_b.py", "ImportError: no module named calc"),
    protocol.Start("test_a.py::test_x"),
    protocol.PhaseReport("test_a.py::test_x", "setup", "passed", 0.0, ("test_a.py", None, "test_x")),
    protocol.PhaseReport(
        "test_a.py::test_x", "call", "skipped", 1.5, ("test_a.py", 3, "test_x"), text="long", crash="short",
        wasxfail="reason: bug", xfail_run_time=True, skip=("test_a.py", 4, "Skipped: later"),
        sections=(("Captured stdout call", "hi\n"),),
        subtests={"passed": 2, "failed": 1, "failures": [{"label": "a", "params": "i=1", "message": "m",
                                                           "traceback": "tb"}]},
    ),
    protocol.Finish(1),
    protocol.Interrupted("KeyboardInterrupt"),
    protocol.Finding("refused-operation", "test_a.py::test_x: ctypes"),
]


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: type(r).__name__)
def test_what_the_plugin_sends_decodes_to_the_same_record(record: protocol.Record) -> None:
    assert decode_record(line(record.KIND, record.wire()), KEY) == record


def test_the_decoded_report_is_the_junit_writers_phase_record() -> None:
    record = decode_record(line("report", REPORT), KEY)
    assert isinstance(record, protocol.PhaseReport)
    assert record.wire() == REPORT


def test_an_unsigned_record_is_a_forgery() -> None:
    with pytest.raises(RecordError) as caught:
        decode_record(line("start", {"nodeid": "t"}, key=b"x" * 32), KEY)
    assert caught.value.signed is False
    with pytest.raises(RecordError) as caught:
        decode_record(b"no signature at all", KEY)
    assert caught.value.signed is False


@pytest.mark.parametrize(
    ("kind", "data", "envelope"),
    [
        ("verdict", {"nodeid": "t", "score": 1}, {}),  # unknown kind
        ("start", {"nodeid": "t"}, {"x": 1}),  # unknown envelope key
        ("start", {"nodeid": "t", "extra": 1}, {}),  # unknown field
        ("report", {k: v for k, v in REPORT.items() if k != "outcome"}, {}),  # missing field
        ("report", {**REPORT, "outcome": "xpassed"}, {}),
        ("report", {**REPORT, "when": "collect"}, {}),
        ("report", {**REPORT, "nodeid": 7}, {}),
        ("report", {**REPORT, "duration": True}, {}),
        ("report", {**REPORT, "duration": "1"}, {}),
        ("report", {**REPORT, "duration": 10**400}, {}),  # isfinite() overflows: refused, not a crash
        ("report", {**REPORT, "location": None}, {}),
        ("report", {**REPORT, "location": ["test_a.py", True, "test_x"]}, {}),
        ("report", {**REPORT, "location": ["test_a.py", 3]}, {}),
        ("report", {**REPORT, "text": None}, {}),
        ("report", {**REPORT, "text": ["a"]}, {}),
        ("report", {**REPORT, "xfail_run_time": 1}, {}),
        ("report", {**REPORT, "skip": "later"}, {}),
        ("report", {**REPORT, "sections": [["title"]]}, {}),
        ("report", {**REPORT, "sections": [["title", 3]]}, {}),
        ("report", {**REPORT, "subtests": {"passed": True, "failed": 0}}, {}),
        ("report", {**REPORT, "subtests": {"passed": 1, "failed": 0, "verdict": "pass"}}, {}),
        ("report", {**REPORT, "subtests": {"passed": 1, "failed": 1, "failures": [{"label": 1}]}}, {}),
        ("collected", {"ids": "test_a.py::test_x"}, {}),
        ("collected", {"ids": ["test_a.py::test_x", None]}, {}),
        ("finish", {"exitstatus": False}, {}),
        ("finish", {"exitstatus": "0"}, {}),
        ("finding", {"kind": "forged-session", "detail": "d"}, {}),  # only the supervisor says that
        ("interrupted", {"message": 1}, {}),
    ],
)
def test_a_signed_record_out_of_the_protocol_is_refused(kind: str, data: Any, envelope: dict[str, Any]) -> None:
    with pytest.raises(RecordError) as caught:
        decode_record(line(kind, data, **envelope), KEY)
    assert caught.value.signed is True


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b'{"k":"finish","n":1,"d":{"exitstatus":NaN}}',
        b'{"k":"report","n":1,"d":' + json.dumps({**REPORT, "duration": "x"}).encode().replace(b'"x"', b"Infinity")
        + b"}",
        b'["k","n","d"]',
        b'{"k":"start","n":true,"d":{"nodeid":"t"}}',
        b'{"k":"start","n":1,"d":["nodeid"]}',
        b"[" * 100_000 + b"]" * 100_000,  # deeper than the parser's recursion limit
    ],
)
def test_a_signed_body_that_is_not_a_record_is_refused(body: bytes) -> None:
    with pytest.raises(RecordError) as caught:
        decode_record(sign(KEY, body) + b" " + body, KEY)
    assert caught.value.signed is True


def test_lengths_are_cut_to_the_supervisors_bounds() -> None:
    data = {**REPORT, "text": "t" * 100_000, "skip": ["p", None, "r" * 10_000],
            "sections": [["s", "c" * 20_000]] * 20}
    record = decode_record(line("report", data), KEY)
    assert isinstance(record, protocol.PhaseReport) and record.skip and record.sections and record.text
    assert len(record.text) == protocol.TEXT_LIMIT
    assert len(record.skip[2]) == protocol.SKIP_REASON_LIMIT
    assert len(record.sections) == protocol.SECTIONS_LIMIT
    assert {len(content) for _, content in record.sections} == {protocol.SECTION_LIMIT}
    finding = decode_record(line("finding", {"kind": "test-tampering", "detail": "d" * 1000}), KEY)
    assert finding == protocol.Finding("test-tampering", "d" * protocol.DETAIL_LIMIT)


def test_xml_text_escapes_as_pytest_does_with_or_without_the_ascii_shortcut() -> None:
    from _pytest.junitxml import bin_xml_escape

    every_ascii = "".join(map(chr, range(0x80)))
    samples = [every_ascii, every_ascii + "é", "naïve\x00\x1b[31m", "\ud800 \ufffe \U0001f600 \u1000", "plain"]
    for text in samples:
        assert protocol.xml_text(text) == str(bin_xml_escape(text))
    assert protocol.xml_text("a\x00b\x7f\tc\n") == "a#x00b\x7f\tc\n"
