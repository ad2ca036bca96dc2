"""Trusted pytest plugin, loaded in the child pytest process next to the student's code.

It streams one compact, size-bounded record per event to the supervisor over a private pipe: the
collected test ids, the start of each test, each phase report, and the end of the session. It also
arms a per-test alarm so that an ordinary infinite loop costs only the test that runs it.

Student code shares this process, so nothing here is out of its reach; what keeps scores honest is
the supervisor (a separate, non-dumpable process that checks every record: signature, order,
duplicates) and the trusted side (expected test ids known before any student code runs).

Within that limit this module makes tampering fail closed rather than succeed quietly:
- it is loaded before any submission code runs, and binds everything its channel needs at load
  time (a C JSON encoder, C HMAC, the `posix.write` function; child.py gives it a private copy of
  the builtins), so a submission that monkeypatches `json.dumps`, `hmac.new`, `os.write` or a
  builtin cannot rewrite or sign records;
- `guard.Guard` snapshots the identity of every function and class attribute of pytest and pluggy, and
  of what loads test modules (import hooks, ast, pathlib, importlib...), before any submission code
  runs. When collection ends it checks all of it (plus `sys.gettrace`/`sys.getprofile`) and that
  every test module came from pytest's loader in the tests folder: a change there fails every test
  of the session (the tests themselves may have been rewritten). Before each report is built it
  checks pytest's code again: a test whose result went through modified code fails. The originals
  are put back each time and the supervisor records a `framework-tampering` finding. Code that
  first finds this plugin in memory (gc, frames, ctypes) can still defeat it; the static scan on
  the host reports such code.
- subtest reports (unittest's subTest, pytest 9's `subtests` fixture) are counted and described in
  subtests.py and travel with their test's own call report (the supervisor accepts one call report
  per test, and fails a test with any failed subtest).
"""

from __future__ import annotations

# _hashlib, _json, posix: C implementations, bound below; patching json/hmac/os later changes nothing.
import _hashlib
import _json
import importlib
import os
import posix
import select
import signal
from typing import Any

import pytest

try:
    from _pytest.subtests import SubtestReport as _SubtestReport
except ImportError:  # pytest < 9
    _SubtestReport = None  # type: ignore[assignment,misc]


def _load_sibling(name: str) -> Any:
    """A module of this folder, with this module's private builtins and outside sys.modules (out of
    the submission's reach by name; its globals are in the guard's snapshot)."""
    import importlib.util

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"_grader_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    module.__dict__["__builtins__"] = globals()["__builtins__"]
    spec.loader.exec_module(module)
    return module


_subtests = _load_sibling("subtests")  # subtest counts and descriptions (see subtests.py)
_protocol = _load_sibling("protocol")  # the record classes (see protocol.py); encoded and signed below
_fingerprint = _load_sibling("fingerprint")  # the instructor's test code, compiled here (see fingerprint.py)

_hmac_digest = _hashlib.hmac_digest
_write = posix.write
_read = posix.read
_select = select.select


def _not_json(obj: object) -> object:
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


# Same output as json.dumps(obj, separators=(",", ":")), without any Python-level json code.
_encode = _json.make_encoder(None, _not_json, _json.encode_basestring_ascii, None, ":", ",", False, False, True)
_guard = _load_sibling("guard")  # the framework snapshot (see guard.py)
_RECORD_CLASSES = (_protocol.Collected, _protocol.CollectError, _protocol.Start, _protocol.PhaseReport,
                   _protocol.Finish, _protocol.Interrupted, _protocol.Finding)
_FRAMEWORK_DIRS = _guard.FRAMEWORK_DIRS


TEXT_LIMIT = 16 * 1024  # characters of traceback text per report
MESSAGE_LIMIT = 2 * 1024
SECTION_LIMIT = 8 * 1024  # characters of captured output per section


def _clip(text: str, limit: int) -> str:
    # An exact str: a str subclass of the submission's runs its own code in len() or slicing, and the
    # record is built after the last guard check (str.__str__ of a subclass returns a plain copy).
    text = str.__str__(text)
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n... ({len(text) - limit} more characters cut by the grader)"


class _TestTimeout(pytest.fail.Exception):  # type: ignore[misc,name-defined]
    """Raised in the test's own frame by SIGALRM; a BaseException, so `except Exception` cannot hide it."""


class GraderPlugin:
    def __init__(
        self, channel_fd: int, key: bytes, skip: set[str], test_timeout: float, rootdir: str = "/mnt/tests",
        ack_fd: int | None = None,
    ) -> None:
        self._fd = channel_fd
        self._ack = ack_fd
        self._key = key
        self._skip = skip
        self._test_timeout = test_timeout
        self._seq = 0
        self._tampered: dict[str, str] = {}  # nodeid -> what was found modified while it ran
        self._subtests = _subtests.SubtestLog(rootdir, _FRAMEWORK_DIRS)
        self._run_time_xfail: set[str] = set()  # tests that called pytest.xfail() while running
        self._forced: set[str] = set()  # tests whose report this plugin turned into a failure
        self._loading_tampered = ""  # what was modified while the test modules were imported
        self._current: str | None = None  # the test running now (for the audit hook's refusals)
        self._trusted = _fingerprint.TrustedTests(rootdir)  # before any submission code runs
        # Last: the snapshot includes this class and this module's globals.
        self._guard = _guard.Guard(rootdir, [("plugin", globals()), ("plugin.subtests", vars(_subtests)),
                                             ("plugin.guard", vars(_guard)),
                                             ("plugin.fingerprint", vars(_fingerprint)),
                                             ("plugin.protocol", vars(_protocol))],
                                   (GraderPlugin, _TestTimeout, _subtests.SubtestLog, _guard.Guard, _guard.Watch,
                                    _fingerprint.TrustedTests, *_RECORD_CLASSES))

    # -- channel ----------------------------------------------------------------------------------

    def _send(self, record: Any) -> None:
        """One record (a protocol.py record class) on the channel: its fields by `wire()`, then C only."""
        self._seq += 1
        kind, payload = record.KIND, record.wire()
        body = "".join(_encode({"k": kind, "n": self._seq, "d": payload}, 0)).encode()
        data = _hmac_digest(self._key, body, "sha256").hex().encode() + b" " + body + b"\n"
        view = memoryview(data)
        while view:
            written = _write(self._fd, view)
            view = view[written:]

    def _check(self, nodeid: str) -> None:
        changed = self._guard.check()
        if changed:
            what = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
            self._tamper(nodeid, what)

    def _tamper(self, nodeid: str, what: str, kind: str = "framework-tampering") -> None:
        """Fail this test closed and tell the supervisor (a `framework-tampering` finding, or `kind`)."""
        self._tampered.setdefault(nodeid, what)
        detail = _clip(f"{nodeid}: the submission modified {what}; the test fails", 500)
        self._send(_protocol.Finding(kind, detail))

    def refused(self, what: str) -> None:
        """Called by the audit hook (audit.py) when it refuses an operation: a finding naming the test
        that ran then. The refusal itself is the defence (the operation raised and did not happen),
        so the test keeps the verdict its own code earns."""
        where = f"{self._current}: " if self._current else "while the tests were collected: "
        self._send(_protocol.Finding("refused-operation", _clip(where + what, 500)))

    # -- hooks ------------------------------------------------------------------------------------

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        items[:] = [item for item in items if item.nodeid not in self._skip]
        self._subtests.learn_instructor_code()
        self._send(_protocol.Collected(tuple(item.nodeid for item in items)))
        # Submission code imported with the tests could have changed how the test modules were
        # loaded (an import hook serving a rewritten module...): then no test of this session can be
        # trusted, whatever happens afterwards.
        changed = self._guard.check(loading=True) + self._foreign_modules(items)
        if changed:
            self._loading_tampered = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5
                                                               else "")
            detail = f"while the tests were loaded, the submission modified {self._loading_tampered}; every test fails"
            self._send(_protocol.Finding("framework-tampering", _clip(detail, 500)))

    def _foreign_modules(self, items: list[pytest.Item]) -> list[str]:
        """Test modules that pytest's own loader did not load from the tests folder."""
        from _pytest.assertion.rewrite import AssertionRewritingHook

        foreign: list[str] = []
        for module in {id(m): m for m in (getattr(i, "module", None) for i in items) if m is not None}.values():
            spec = getattr(module, "__spec__", None)
            loader = getattr(spec, "loader", None)
            origin = getattr(spec, "origin", None) or ""
            if type(loader) not in (AssertionRewritingHook, importlib.machinery.SourceFileLoader) or not (
                os.path.abspath(origin).startswith(self._guard.rootdir)
            ):
                foreign.append(f"the test module {getattr(module, '__name__', '?')}")
        return foreign

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self._send(_protocol.CollectError(report.nodeid, _clip(str(report.longrepr), TEXT_LIMIT)))

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        self._current = nodeid
        self._send(_protocol.Start(nodeid))
        if self._ack is not None:
            # Wait until the supervisor has killed what the previous test left running (bounded: a
            # submission that steals the byte only delays its own test).
            ready, _, _ = _select([self._ack], [], [], 10.0)
            if ready:
                _read(self._ack, 1)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item):  # type: ignore[no-untyped-def]
        timeout = self._test_timeout

        def on_alarm(signum: int, frame: object) -> None:
            # pytrace=True: the traceback shows where the student's code was stuck.
            raise _TestTimeout(f"timed out after {timeout:g} s (test-timeout)", pytrace=True)

        # The code about to run must be the instructor's (see fingerprint.py), and it must run to its
        # end: the test callable is wrapped so that normal completion is recorded.
        # (Items of other kinds, e.g. an instructor's conftest collecting YAML files, run the
        # instructor's own runtest: there is no test callable to check or wrap.)
        python_test = isinstance(item, pytest.Function)
        original, cls = (item.obj, item.cls) if isinstance(item, pytest.Function) else (None, None)
        if python_test:
            self._verify_code(item.nodeid, original, cls)
        completed: list[bool] = []
        if isinstance(item, pytest.Function):
            item.obj = _fingerprint.completion_wrapper(original, completed)
        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            result = yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
            if isinstance(item, pytest.Function):
                item.obj = original
        if not python_test:
            return result
        self._verify_code(item.nodeid, original, cls)  # what ran is still the instructor's
        # unittest records failures, errors and skips on the item (pytest raises them later); with
        # none of those, the test passes: it must have reached its end.
        if not completed and not getattr(item, "_excinfo", None):
            self._tamper(item.nodeid, "the test's control flow: its body did not run to its end (no completion "
                         "record)", "test-tampering")
        return result

    def _verify_code(self, nodeid: str, obj: Any, cls: Any) -> None:
        problem = self._trusted.check_item(obj, cls)
        if problem is not None:
            self._tamper(nodeid, f"the test code ({problem})", "test-tampering")

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
        self._check(item.nodeid)  # before the report is built from the phase's outcome
        report = yield
        if call.excinfo is not None and hasattr(report, "wasxfail") and _subtests.run_time_xfail(call.excinfo):
            self._run_time_xfail.add(item.nodeid)  # a skip, not the instructor's xfail mark
        if call.excinfo is not None and report.outcome == "passed":
            # pytest never turns an exception into a pass: something rewrote the report.
            self._tamper(item.nodeid, "the report of a phase that raised (reported as passed)")
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if _SubtestReport is not None and isinstance(report, _SubtestReport):
            # unittest's subTest and pytest 9's `subtests` fixture: one extra "call" report per
            # subtest, before the test's own call report. Only the test's own reports go to the
            # supervisor (it accepts one call per test); the subtests travel with it, counted and
            # bounded (subtests.py), and the supervisor fails a test with any failed subtest.
            self._subtests.add(report)
            return
        payload: dict[str, Any] = {
            "nodeid": report.nodeid,
            "when": report.when,
            "outcome": report.outcome,
            "duration": report.duration,
            "location": (report.location[0], report.location[1], report.location[2]),
        }  # the fields of protocol.PhaseReport, built up here, then checked by its constructor
        if hasattr(report, "wasxfail"):
            payload["wasxfail"] = _clip(str(report.wasxfail), MESSAGE_LIMIT)
            if report.nodeid in self._run_time_xfail:
                payload["xfail_run_time"] = True
        longrepr = report.longrepr
        if report.skipped and isinstance(longrepr, tuple):
            payload["skip"] = (str(longrepr[0]), longrepr[1], _clip(str(longrepr[2]), MESSAGE_LIMIT))
        elif longrepr is not None:
            crash = getattr(longrepr, "reprcrash", None)
            message = crash.message if crash is not None else str(longrepr)
            # Our own timeout reads better without the exception's module path in front of it.
            message = message.removeprefix(f"{__name__}.{_TestTimeout.__name__}: ")
            payload["text"] = _clip(str(longrepr), TEXT_LIMIT)
            payload["crash"] = _clip(message, MESSAGE_LIMIT)
        subtests = self._subtests.pop(report.nodeid) if report.when != "setup" else None
        if subtests is not None:  # with the call (or, opened after it, in a fixture: the teardown)
            payload["subtests"] = subtests
        if report.when == "teardown" or not report.passed:  # the JUnit writer shows output of these
            payload["sections"] = tuple(
                (title, _clip(content, SECTION_LIMIT)) for title, content in report.sections[:12]
            )
        # Check again after the last call that can reach the submission's code: pytest calls it while it
        # builds the report (an exception's __str__, the repr of traceback arguments), after the check in
        # pytest_runtest_makereport, and so do the str() calls above (a str subclass's __str__). What
        # follows touches only exact str (see _clip) and the plugin's own code.
        self._check(report.nodeid)
        tampered = self._loading_tampered or self._tampered.get(report.nodeid) or None
        # Fail closed: the call of a test whose result went through code the submission changed fails
        # (its teardown when the call was already sent). Not its setup: pytest, restored, goes on to
        # the call, and the supervisor accepts a call only after a passed setup.
        if tampered is not None and (report.when == "call" or (report.when == "teardown"
                                                               and report.nodeid not in self._forced)):
            self._forced.add(report.nodeid)
            message = f"the submission modified the test framework ({tampered}): this result cannot be trusted"
            payload.update(outcome="failed", text=_clip(message, MESSAGE_LIMIT), crash=_clip(message, MESSAGE_LIMIT))
            payload.pop("skip", None)
            payload.pop("wasxfail", None)
            payload.pop("subtests", None)  # no partial credit for a result that cannot be trusted
        if report.when == "teardown":
            self._current = None
        self._send(_protocol.PhaseReport(**payload))

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        # KeyboardInterrupt or pytest.exit() ends the session mid-test; the supervisor restarts it.
        self._send(_protocol.Interrupted(_clip(excinfo.exconly(), MESSAGE_LIMIT)))

    def finish(self, exitstatus: int) -> None:
        """The end-of-session record: child.py sends it after pytest returns, then exits at once (the
        supervisor treats a child still running after it as a forged end)."""
        self._send(_protocol.Finish(int(exitstatus)))
