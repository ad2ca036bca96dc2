"""The sandbox's wire protocol, shared by the host (`grader.sandbox.container`, `grader.scoring`) and the
supervisor in the container. Standard library only: it runs in the container, from /opt/grader.

- The frame: the one line the supervisor writes to stdout at the end of a run,
  `FRAME_MARK <hex HMAC-SHA256 of body> <body>` with body = base64(JSON), signed with the run's key
  (sent on the container's stdin, never in its environment). Anything else on stdout is not trusted.
- The names of results: a test's JUnit `classname`/`name` as pytest's `mangle_test_address` makes them,
  and XML text escaped as pytest's `bin_xml_escape` does, so that the host finds each expected test.
(The child's records to the supervisor are signed in plugin.py with a digest captured before any
submission code runs: that one must not go through a module the submission can reach.)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from typing import Any

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
