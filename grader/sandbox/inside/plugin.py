"""Trusted pytest plugin, loaded in the child pytest process next to the student's code.

It streams one compact, size-bounded record per event to the supervisor over a private pipe: the
collected test ids, the start of each test, each phase report, and the end of the session. It also
arms a per-test alarm so that an ordinary infinite loop costs only the test that runs it.

Student code shares this process, so nothing here is out of its reach; what keeps scores honest is
the supervisor (a separate, non-dumpable process that checks every record: signature, order,
duplicates) and the trusted side (expected test ids known before any student code runs).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
from typing import Any

import pytest

TEXT_LIMIT = 16 * 1024  # characters of traceback text per report
MESSAGE_LIMIT = 2 * 1024
SECTION_LIMIT = 8 * 1024  # characters of captured output per section


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n... ({len(text) - limit} more characters cut by the grader)"


class _TestTimeout(pytest.fail.Exception):  # type: ignore[misc,name-defined]
    """Raised in the test's own frame by SIGALRM; a BaseException, so `except Exception` cannot hide it."""


class GraderPlugin:
    def __init__(self, channel_fd: int, key: bytes, skip: set[str], test_timeout: float) -> None:
        self._fd = channel_fd
        self._key = key
        self._skip = skip
        self._test_timeout = test_timeout
        self._seq = 0

    # -- channel ----------------------------------------------------------------------------------

    def _send(self, kind: str, payload: dict[str, Any]) -> None:
        self._seq += 1
        body = json.dumps({"k": kind, "n": self._seq, "d": payload}, separators=(",", ":"))
        mac = hmac.new(self._key, body.encode(), hashlib.sha256).hexdigest()
        data = (mac + " " + body + "\n").encode()
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]

    # -- hooks ------------------------------------------------------------------------------------

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        items[:] = [item for item in items if item.nodeid not in self._skip]
        self._send("collected", {"ids": [item.nodeid for item in items]})

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self._send(
                "collect-error",
                {"nodeid": report.nodeid, "text": _clip(str(report.longrepr), TEXT_LIMIT)},
            )

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        self._send("start", {"nodeid": nodeid})

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item):  # type: ignore[no-untyped-def]
        timeout = self._test_timeout

        def on_alarm(signum: int, frame: object) -> None:
            # pytrace=True: the traceback shows where the student's code was stuck.
            raise _TestTimeout(f"timed out after {timeout:g} s (test-timeout)", pytrace=True)

        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            return (yield)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        payload: dict[str, Any] = {
            "nodeid": report.nodeid,
            "when": report.when,
            "outcome": report.outcome,
            "duration": report.duration,
            "location": [report.location[0], report.location[1], report.location[2]],
        }
        if hasattr(report, "wasxfail"):
            payload["wasxfail"] = _clip(str(report.wasxfail), MESSAGE_LIMIT)
        longrepr = report.longrepr
        if report.skipped and isinstance(longrepr, tuple):
            payload["skip"] = [str(longrepr[0]), longrepr[1], _clip(str(longrepr[2]), MESSAGE_LIMIT)]
        elif longrepr is not None:
            crash = getattr(longrepr, "reprcrash", None)
            message = crash.message if crash is not None else str(longrepr)
            # Our own timeout reads better without the exception's module path in front of it.
            message = message.removeprefix(f"{__name__}.{_TestTimeout.__name__}: ")
            payload["text"] = _clip(str(longrepr), TEXT_LIMIT)
            payload["crash"] = _clip(message, MESSAGE_LIMIT)
        if report.when == "teardown":
            payload["sections"] = [
                [title, _clip(content, SECTION_LIMIT)] for title, content in report.sections[:12]
            ]
        self._send("report", payload)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, exitstatus: int) -> None:
        self._send("finish", {"exitstatus": int(exitstatus)})
