"""Subtests, both kinds, as the plugin reports them (loaded by plugin.py, never by student code).

unittest's `self.subTest(...)` and pytest 9's `subtests` fixture each produce one `SubtestReport` per
subtest. pytest fails a test whose fixture subtests failed, but leaves a unittest test with failed
`subTest`s passed (its own report says passed; only the XML carries the failures). The grader's
rule is the same for both: a test with any failed, errored or skipped subtest fails. This module
keeps, per test, bounded counts and the failed subtests' label, parameters and message, which the
plugin sends with the test's call report (the supervisor writes them into the JUnit XML).

Counting rule (student code must not inflate the counts, which partial credit turns into points):
a *passed* subtest counts only when the `with ...subTest(...)` / `with subtests.test(...)` that
opened it is in code the instructor's tests folder defined (the code objects of the modules pytest
loaded from the tests folder, learnt when collection ends: identity, not just a file name, so code
compiled with a forged file name does not count). A subtest the submission opens itself (on a
TestCase or a `subtests` fixture it got hold of) is ignored when it passes; a *failed* subtest always
counts (and fails the test), wherever it was opened. (A helper module of the tests folder that a
test imports only while it runs is not known yet: its passed subtests do not count either.)
"""

from __future__ import annotations

import os
import sys
import types
from typing import Any

LIST_LIMIT = 20  # failed subtests listed per test (the counts stay exact)
LABEL_LIMIT = 200
PARAMS_LIMIT = 300
MESSAGE_LIMIT = 500
TRACEBACK_LIMIT = 4000
COUNT_LIMIT = 1_000_000

_getframe = sys._getframe


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _realpath(path: str, folders: dict[str, str]) -> str:
    """os.path.realpath(path), resolving each folder once (in `folders`): realpath walks every component
    of the path in Python, ~25 us for each of the ~280 modules pytest has loaded."""
    head, tail = os.path.split(path)
    if not head or tail in ("", ".", ".."):
        return os.path.realpath(path)
    if head not in folders:
        folders[head] = os.path.realpath(head)
    full = os.path.join(folders[head], tail)
    return os.path.realpath(full) if os.path.islink(full) else full


def _code_objects(value: Any, found: dict[int, types.CodeType], seen: set[int]) -> None:
    """Every code object reachable from a module's function, class or decorator wrapper."""
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, types.CodeType):
        found[id(value)] = value
        for const in value.co_consts:
            if isinstance(const, types.CodeType):
                _code_objects(const, found, seen)
        return
    if isinstance(value, staticmethod | classmethod):
        _code_objects(value.__func__, found, seen)
    elif isinstance(value, property):
        for accessor in (value.fget, value.fset, value.fdel):
            if accessor is not None:
                _code_objects(accessor, found, seen)
    elif isinstance(value, type):
        for member in list(vars(value).values()):
            _code_objects(member, found, seen)
    elif isinstance(value, types.FunctionType):
        _code_objects(value.__code__, found, seen)
        for cell in value.__closure__ or ():
            try:  # noqa: SIM105 (no contextlib: fewer Python-level helpers in this path)
                _code_objects(cell.cell_contents, found, seen)
            except ValueError:  # an empty cell
                pass
    # decorators (functools.wraps, pytest's fixture definitions) keep the original function
    for attr in ("__wrapped__", "_fixture_function", "__func__"):
        inner = getattr(value, attr, None) if not isinstance(value, types.ModuleType) else None
        if inner is not None and not isinstance(inner, type):
            _code_objects(inner, found, seen)


class SubtestLog:
    """Per test: counts of passed and failed subtests, and the failed ones' descriptions."""

    def __init__(self, rootdir: str, framework_dirs: tuple[str, ...]) -> None:
        import contextlib
        import unittest

        self.rootdir = os.path.join(os.path.realpath(rootdir), "")
        here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "")
        unittest_dir = os.path.join(os.path.dirname(os.path.abspath(unittest.__file__)), "")
        # Frames in these files are the machinery between the `with` statement and the report.
        self.machinery = (*framework_dirs, here, unittest_dir, os.path.abspath(contextlib.__file__ or "contextlib"))
        self.instructor_code: dict[int, types.CodeType] = {}
        self.tests: dict[str, dict[str, Any]] = {}

    def learn_instructor_code(self) -> None:
        """The code objects of every module loaded from the tests folder (call when collection ends)."""
        found: dict[int, types.CodeType] = {}
        seen: set[int] = set()
        folders: dict[str, str] = {}
        for module in list(sys.modules.values()):
            path = getattr(module, "__file__", None)
            if not isinstance(path, str) or not _realpath(path, folders).startswith(self.rootdir):
                continue
            for value in list(vars(module).values()):
                if not isinstance(value, types.ModuleType):
                    _code_objects(value, found, seen)
        self.instructor_code = found

    def opened_by_instructor(self) -> bool:
        """Whether the nearest frame outside pytest/unittest/contextlib is the instructor's code."""
        frame = _getframe(1)
        while frame is not None:
            code = frame.f_code
            if not code.co_filename.startswith(self.machinery):
                return self.instructor_code.get(id(code)) is code and code.co_filename.startswith(self.rootdir)
            frame = frame.f_back  # type: ignore[assignment]
        return False

    def add(self, report: Any) -> None:
        """One SubtestReport (called from the plugin's logreport hook, so the opener is on the stack)."""
        entry = self.tests.setdefault(report.nodeid, {"passed": 0, "failed": 0, "failures": []})
        if report.passed and not hasattr(report, "wasxfail"):
            if self.opened_by_instructor() and entry["passed"] < COUNT_LIMIT:
                entry["passed"] += 1
            return
        entry["failed"] = min(entry["failed"] + 1, COUNT_LIMIT)
        if len(entry["failures"]) < LIST_LIMIT:
            described = describe(report)
            if not entry["failures"]:  # the first failure's traceback locates it in the student's code
                described["traceback"] = _clip(str(report.longrepr), TRACEBACK_LIMIT)
            entry["failures"].append(described)

    def pop(self, nodeid: str) -> dict[str, Any] | None:
        return self.tests.pop(nodeid, None)


def describe(report: Any) -> dict[str, str]:
    """Label (the subTest message), parameters and message of one failed, errored or skipped subtest."""
    from _pytest._io.saferepr import saferepr

    context = getattr(report, "context", None)
    msg = getattr(context, "msg", None)
    kwargs = getattr(context, "kwargs", None) or {}
    params = ", ".join(f"{k}={saferepr(v, maxsize=80)}" for k, v in list(kwargs.items())[:20])
    longrepr = report.longrepr
    if report.skipped:
        reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
        kind = "xfail" if hasattr(report, "wasxfail") else "skipped"
        message = f"{kind}: {str(reason).removeprefix('Skipped: ')}"
    else:
        crash = getattr(longrepr, "reprcrash", None)
        message = crash.message if crash is not None else str(longrepr)
    return {
        "label": _clip("" if msg is None else str(msg), LABEL_LIMIT),
        "params": _clip(params, PARAMS_LIMIT),
        "message": _clip(message, MESSAGE_LIMIT),
    }


def run_time_xfail(excinfo: Any) -> bool:
    """Whether a phase ended in `pytest.xfail()` called by test or student code while it ran.

    Only the instructor's xfail marks, known to the trusted collection, may turn a failure into a
    pass (an `xfail(strict=True)` test that fails as marked); a run-time xfail is a skip, scored 0.
    pytest's own unittest support raises the same exception for `@expectedFailure`: that one is a mark.
    """
    import pytest

    if not isinstance(excinfo.value, pytest.xfail.Exception):
        return False
    entries = list(excinfo.traceback)
    caller = entries[-2].path if len(entries) >= 2 else ""
    return not str(caller).endswith(os.path.join("_pytest", "unittest.py"))
