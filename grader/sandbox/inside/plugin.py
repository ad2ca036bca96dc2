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
- `_Guard` snapshots the identity of every function and class attribute of pytest and pluggy, and
  of what loads test modules (import hooks, ast, pathlib, importlib...), before any submission code
  runs. When collection ends it checks all of it (plus `sys.gettrace`/`sys.getprofile`) and that
  every test module came from pytest's loader in the tests folder: a change there fails every test
  of the session (the tests themselves may have been rewritten). Before each report is built it
  checks pytest's code again: a test whose result went through modified code fails. The originals
  are put back each time and the supervisor records a `framework-tampering` finding. Code that
  first finds this plugin in memory (gc, frames, ctypes) can still defeat it; the static scan on
  the host reports such code.
- pytest 9's subtest reports are folded into their test's own call report (the supervisor accepts
  one call report per test).
"""

from __future__ import annotations

# _hashlib, _json, posix: C implementations, bound below; patching json/hmac/os later changes nothing.
import _hashlib
import _json
import builtins
import importlib
import os
import posix
import signal
import sys
from itertools import repeat as _repeat
from operator import is_ as _is
from typing import Any

import _pytest
import pluggy
import pytest

try:
    from _pytest.subtests import SubtestReport as _SubtestReport
except ImportError:  # pytest < 9
    _SubtestReport = None  # type: ignore[assignment,misc]

_hmac_digest = _hashlib.hmac_digest
_write = posix.write
_gettrace = sys.gettrace
_getprofile = sys.getprofile
_settrace = sys.settrace
_setprofile = sys.setprofile


def _not_json(obj: object) -> object:
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


# Same output as json.dumps(obj, separators=(",", ":")), without any Python-level json code.
_encode = _json.make_encoder(None, _not_json, _json.encode_basestring_ascii, None, ":", ",", False, False, True)
_MISSING = object()
GUARDED_PACKAGES = ("pytest", "_pytest", "pluggy")
_FRAMEWORK_DIRS = tuple(
    os.path.join(os.path.dirname(os.path.abspath(m.__file__)), "") for m in (pytest, _pytest, pluggy) if m.__file__
)
# Builtins that pytest's own outcome logic calls (instructors' tests often patch input/print/open:
# those are not guarded while tests run).
GUARDED_BUILTINS = ("isinstance", "issubclass", "getattr", "hasattr", "setattr", "type", "len", "bool",
                    "str", "repr", "super", "object", "BaseException", "Exception", "KeyboardInterrupt",
                    "SystemExit", "AssertionError", "StopIteration", "callable", "iter", "next")
# What loads the instructor's test modules: checked once, when collection ends (no fixture has run
# yet, so nothing of the instructor's patches them then). Changing any of these while the tests
# are imported (an import hook, `ast.parse` or `Path.read_bytes` replaced...) can rewrite the tests.
LOADING_MODULES = ("ast", "pathlib", "importlib", "importlib._bootstrap", "importlib._bootstrap_external",
                   "importlib.util", "importlib.machinery", "importlib.abc", "marshal", "io", "tokenize",
                   "types", "os", "posixpath", "codecs", "zipimport")
LOADING_BUILTINS = ("compile", "exec", "eval", "open", "__import__", "__build_class__")
LOADING_LISTS = ("meta_path", "path_hooks")


class _Watch:
    """One namespace (a module's globals, a class's attributes) and the values it must keep."""

    __slots__ = ("cls", "label", "names", "ns", "size", "snap", "values")

    def __init__(self, label: str, ns: Any, snap: dict[str, Any], cls: type | None = None) -> None:
        self.label, self.ns, self.snap, self.cls = label, ns, snap, cls
        self.freeze()

    def freeze(self) -> None:
        self.names, self.values, self.size = tuple(self.snap), tuple(self.snap.values()), len(self.ns)

    def intact(self) -> bool:
        """The fast path: identity of every value, compared in C (map, operator.is_)."""
        if self.cls is not None and len(self.ns) != self.size:  # an attribute added to a class
            return False
        return all(map(_is, map(self.ns.get, self.names, _repeat(_MISSING)), self.values))


class _Guard:
    """Identity snapshot of the test framework's code, taken before any submission code is imported.

    A change is accepted when the new value is pytest's own (code from pytest's or pluggy's files,
    an instance of their classes, a `_pytest*` flag: pytest adds a few such attributes as it starts)
    or the instructor's (code from the tests folder). Anything else is the submission's.
    """

    def __init__(self, rootdir: str, extra: list[tuple[str, dict[str, Any]]], extra_classes: tuple[type, ...]) -> None:
        from _pytest.config import default_plugins

        for name in default_plugins:  # pytest imports these while it starts: snapshot them now
            try:  # noqa: SIM105 (no contextlib: fewer Python-level helpers in this path)
                importlib.import_module(f"_pytest.{name}")
            except ImportError:
                pass
        self.rootdir = os.path.join(os.path.abspath(rootdir), "")
        framework = [(n, vars(m)) for n, m in sorted(sys.modules.items()) if _guarded(n)] + extra
        self.watches = _watches(framework, _guarded) + [
            _Watch(f"{c.__module__}.{c.__qualname__}", c.__dict__, dict(vars(c)), c) for c in extra_classes
        ]
        b, sysdict = vars(builtins), vars(sys)
        self.watches.append(_Watch("builtins", b, {n: b[n] for n in GUARDED_BUILTINS if n in b}))
        self.watches.append(_Watch("sys", sysdict, {n: sysdict[n] for n in ("exc_info", "exception") if n in sysdict}))
        loading = [(n, vars(sys.modules[n])) for n in LOADING_MODULES if n in sys.modules]
        self.loading = _watches(loading, LOADING_MODULES.__contains__)
        self.loading.append(_Watch("builtins", b, {n: b[n] for n in LOADING_BUILTINS if n in b}))
        self.lists = [(n, getattr(sys, n), list(getattr(sys, n))) for n in LOADING_LISTS]

    def check(self, *, loading: bool = False) -> list[str]:
        """What the submission changed since the snapshot (empty: nothing); puts the originals back.

        `loading`: also what loads test modules (once, when collection ends).
        """
        changed: list[str] = []
        for watch in self.watches + self.loading if loading else self.watches:
            if not watch.intact():
                changed += self._repair(watch)
                watch.freeze()
        if loading:
            for name, current_list, snap_list in self.lists:
                for finder in [f for f in current_list if not any(f is g for g in snap_list)]:
                    if self._accepted(name, finder):  # pytest's assertion rewriting hook
                        snap_list.append(finder)
                    else:
                        changed.append(f"sys.{name}")
                        current_list.remove(finder)
        if _gettrace() is not None:
            changed.append("sys.settrace")
            _settrace(None)
        if _getprofile() is not None:
            changed.append("sys.setprofile")
            _setprofile(None)
        return changed

    def _repair(self, watch: _Watch) -> list[str]:
        """Accept pytest's and the instructor's changes into the snapshot, undo the others."""
        ns, snap, cls = watch.ns, watch.snap, watch.cls
        bad: list[str] = []
        if cls is not None:
            for key in [k for k in ns if k not in snap]:
                if self._accepted(key, ns[key]):
                    snap[key] = ns[key]
                    continue
                bad.append(key)
                try:  # noqa: SIM105 (no contextlib: fewer Python-level helpers in this path)
                    delattr(cls, key)
                except (AttributeError, TypeError):
                    pass
        for key, value in list(snap.items()):
            now = ns.get(key, _MISSING)
            if now is value:
                continue
            if now is not _MISSING and self._accepted(key, now):
                snap[key] = now
                continue
            bad.append(key)
            try:
                if cls is not None:
                    setattr(cls, key, value)
                else:
                    ns[key] = value
            except (AttributeError, TypeError):
                pass
        if not bad:
            return []
        return [watch.label] if cls is not None else [f"{watch.label}.{key}" for key in bad]

    def _accepted(self, name: str, value: Any) -> bool:
        return _pytest_own(name, value) or _code_file(value).startswith(self.rootdir)


def _watches(namespaces: list[tuple[str, dict[str, Any]]], own: Any) -> list[_Watch]:
    """A watch over the functions and classes of each namespace, and one over the attributes of
    every class defined in a module for which `own(module_name)` holds."""
    watches: list[_Watch] = []
    classes: dict[int, type] = {}
    for label, ns in namespaces:
        snap = {}
        for name, value in list(ns.items()):
            if isinstance(value, type):
                if own(getattr(value, "__module__", None) or ""):
                    classes[id(value)] = value
                snap[name] = value
            elif callable(value):
                snap[name] = value
        watches.append(_Watch(label, ns, snap))
    watches += [_Watch(f"{c.__module__}.{c.__qualname__}", c.__dict__, dict(vars(c)), c) for c in classes.values()]
    return watches


def _code_file(value: Any) -> str:
    """The file a function (or method, property, static/class method) was defined in; "" if none."""
    if isinstance(value, staticmethod | classmethod):
        value = value.__func__
    elif isinstance(value, property):
        value = value.fget
    code = getattr(value, "__code__", None)
    filename = getattr(code, "co_filename", None) if code is not None else None
    return filename if isinstance(filename, str) else ""


def _pytest_own(name: str, value: Any) -> bool:
    """Whether `value` is something pytest itself would set: its code, its objects, its flags."""
    if value is None or isinstance(value, bool):
        return name.startswith("_pytest")
    filename = _code_file(value)
    if filename:
        return filename.startswith(_FRAMEWORK_DIRS)
    module = sys.modules.get(getattr(type(value), "__module__", "") or "")
    return module is not None and _guarded(module.__name__)  # e.g. the Config that pdb's hooks keep


def _guarded(module: str) -> bool:
    return module.split(".")[0] in GUARDED_PACKAGES


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
    def __init__(
        self, channel_fd: int, key: bytes, skip: set[str], test_timeout: float, rootdir: str = "/mnt/tests"
    ) -> None:
        self._fd = channel_fd
        self._key = key
        self._skip = skip
        self._test_timeout = test_timeout
        self._seq = 0
        self._tampered: dict[str, str] = {}  # nodeid -> what was found modified while it ran
        self._subtests: dict[str, list[str]] = {}  # nodeid -> failed subtests' texts
        self._forced: set[str] = set()  # tests whose report this plugin turned into a failure
        self._loading_tampered = ""  # what was modified while the test modules were imported
        # Last: the snapshot includes this class and this module's globals.
        self._guard = _Guard(rootdir, [("plugin", globals())], (GraderPlugin, _TestTimeout))

    # -- channel ----------------------------------------------------------------------------------

    def _send(self, kind: str, payload: dict[str, Any]) -> None:
        self._seq += 1
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

    def _tamper(self, nodeid: str, what: str) -> None:
        """Fail this test closed and tell the supervisor (a `framework-tampering` finding)."""
        self._tampered.setdefault(nodeid, what)
        detail = _clip(f"{nodeid}: the submission modified {what}; the test fails", 500)
        self._send("finding", {"kind": "framework-tampering", "detail": detail})

    # -- hooks ------------------------------------------------------------------------------------

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        items[:] = [item for item in items if item.nodeid not in self._skip]
        self._send("collected", {"ids": [item.nodeid for item in items]})
        # Submission code imported with the tests could have changed how the test modules were
        # loaded (an import hook serving a rewritten module...): then no test of this session can be
        # trusted, whatever happens afterwards.
        changed = self._guard.check(loading=True) + self._foreign_modules(items)
        if changed:
            self._loading_tampered = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5
                                                               else "")
            detail = f"while the tests were loaded, the submission modified {self._loading_tampered}; every test fails"
            self._send("finding", {"kind": "framework-tampering", "detail": _clip(detail, 500)})

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

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
        self._check(item.nodeid)  # before the report is built from the phase's outcome
        report = yield
        if call.excinfo is not None and report.outcome == "passed":
            # pytest never turns an exception into a pass: something rewrote the report.
            self._tamper(item.nodeid, "the report of a phase that raised (reported as passed)")
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # (No guard check here: only pytest's code ran since the one before this report was made.)
        if _SubtestReport is not None and isinstance(report, _SubtestReport):
            # pytest 9's `subtests` fixture: one extra "call" report per subtest, before the test's
            # own call report (which fails when any subtest failed). Only the test's own reports go
            # to the supervisor (it accepts one call per test); failed subtests add to its text.
            if report.failed:
                head = getattr(report, "head_line", "") or "subtest"
                self._subtests.setdefault(report.nodeid, []).append(f"{head}\n{report.longrepr}")
            return
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
        failed_subtests = self._subtests.pop(report.nodeid, None) if report.when == "call" else None
        if failed_subtests:
            text = "\n\n".join([payload.get("text", ""), *failed_subtests]).strip()
            payload["text"] = _clip(text, TEXT_LIMIT)
        if report.when == "teardown" or not report.passed:  # the JUnit writer shows output of these
            payload["sections"] = [
                [title, _clip(content, SECTION_LIMIT)] for title, content in report.sections[:12]
            ]
        tampered = self._tampered.get(report.nodeid) or self._loading_tampered or None
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
        self._send("report", payload)

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        # KeyboardInterrupt or pytest.exit() ends the session mid-test; the supervisor restarts it.
        self._send("interrupted", {"message": _clip(excinfo.exconly(), MESSAGE_LIMIT)})

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, exitstatus: int) -> None:
        self._send("finish", {"exitstatus": int(exitstatus)})
