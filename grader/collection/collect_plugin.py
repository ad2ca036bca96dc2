"""pytest plugin for the trusted collection run on the host (see grader.collection.manifest).

Loaded with `-p grader.collection.collect_plugin`. Before any test module is imported it installs a last-resort
import hook that answers every module nobody else can find with a permissive stub, so the instructor's
tests can be collected without the submission (no student code runs on the host, ever).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import inspect
import json
import os
import sys
import types
from typing import Any

import pytest


class _Anything:
    """Stands in for any attribute of a missing module: callable, iterable (empty), subscriptable.

    An attribute's stand-in carries its name as `__name__`, as the student's function or class will:
    pytest names a parameter after it (`parametrize("f", [calc.add])` -> `[add]`), so the ids learnt
    here match the ids of the run.
    """

    def __init__(self, name: str = "") -> None:
        if name:
            self.__name__ = name

    def __getattr__(self, name: str) -> _Anything:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return _Anything(name)

    def __call__(self, *args: Any, **kwargs: Any) -> _Anything:
        return _Anything()

    def __iter__(self) -> Any:
        _STUBS_ITERATED_IN.add(sys._getframe(1).f_code.co_filename)  # see _from_the_submission
        return iter(())

    def __getitem__(self, key: Any) -> _Anything:
        return _Anything()

    def __mro_entries__(self, bases: tuple[Any, ...]) -> tuple[type, ...]:
        return (object,)


# Files whose code iterated a stand-in (`[c for c in calc.CASES]`, `list(calc.WORDS)`): an empty
# parameter set built there may hold the submission's data.
_STUBS_ITERATED_IN: set[str] = set()


class _StubModule(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        if name in ("__path__", "__file__", "__all__") or (name.startswith("__") and name.endswith("__")):
            raise AttributeError(name)
        return _Anything(name)


class _StubFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Last on sys.meta_path: stubs a module only when code in the tests folder asked for it."""

    def __init__(self, root: str) -> None:
        self.root = os.path.join(os.path.realpath(root), "")

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if not self._asked_by_tests():
            return None  # pytest's and libraries' own optional imports keep failing normally
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def _asked_by_tests(self) -> bool:
        frame = sys._getframe(2)
        while frame is not None:
            filename = frame.f_code.co_filename
            if not filename.startswith("<frozen") and filename != __file__:
                return os.path.realpath(filename).startswith(self.root)
            frame = frame.f_back  # type: ignore[assignment]
        return False

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = _StubModule(spec.name)
        module.__path__ = []  # a package, so `import a.b` works too
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        pass


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--grader-manifest", help="write the collected tests to this JSON file")


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    # the conftest.py files at the root are imported right after this, before pytest_configure: they
    # may import the submission too (`from markupsafe import _native`)
    _install_stubs(early_config)


def pytest_configure(config: pytest.Config) -> None:
    _install_stubs(config)
    config.addinivalue_line("markers", "points(n): how many points the test is worth")


def _install_stubs(config: pytest.Config) -> None:
    if not any(isinstance(finder, _StubFinder) for finder in sys.meta_path):
        sys.meta_path.append(_StubFinder(str(config.rootpath)))


def pytest_collection_finish(session: pytest.Session) -> None:
    out = session.config.getoption("--grader-manifest")
    if not out:
        return
    tests = []
    for item in session.items:
        path, line, _ = item.location
        marker = item.get_closest_marker("points")
        points = None
        if marker is not None:
            value = marker.args[0] if marker.args else marker.kwargs.get("n", marker.kwargs.get("points"))
            if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
                points = float(value)
        tests.append(
            {
                "nodeid": item.nodeid,
                "file": path,
                "line": (line or 0) + 1,
                "title": _title(getattr(item, "obj", None)),
                "marker_points": points,
                **_grading_marks(item),
            }
        )
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    errors = [
        {"nodeid": report.nodeid, "text": str(report.longrepr)[:4000]}
        for report in (reporter.stats.get("error", []) if reporter is not None else [])
        if hasattr(report, "longrepr")
    ]
    with open(out, "w", encoding="utf-8") as fh:
        json.dump({"tests": tests, "errors": errors}, fh)


# pytest's skip of a parametrize with no values (its `empty_parameter_set_mark`, skip by default).
EMPTY_PARAMETER_SET = "got empty parameter set"
_PYTEST_DIR = os.path.dirname(os.path.dirname(pytest.__file__))


def _from_the_submission(item: pytest.Item) -> bool:
    """Whether an empty parameter set may be the stubbed submission's data rather than the instructor's.

    `parametrize("w", calc.WORDS)` is empty here only because the submission is stubbed: pytest's
    placeholder case stands for the student's cases and stays graded (it scores nothing: README).
    An empty list the tests folder wrote itself (`parametrize("x", [])`) is what plain pytest skips
    whatever the submission: the instructor's unconditional skip, not graded. In doubt (code of the
    tests folder iterated a stand-in anywhere) the placeholder stays graded: a point nobody earns is
    visible to the instructor, a point silently dropped is not.
    """
    for mark in item.iter_markers("parametrize"):
        values = mark.kwargs.get("argvalues", mark.args[1] if len(mark.args) > 1 else None)
        if isinstance(values, _Anything):
            return True
    return any(not f.startswith(_PYTEST_DIR) and f != __file__ for f in _STUBS_ITERATED_IN)


def _grading_marks(item: pytest.Item) -> dict[str, Any]:
    """What the instructor's skip and xfail marks mean for grading, decided here, before any student code.

    - `@pytest.mark.skip`, a `skipif` whose condition holds here (the submission stubbed), `@unittest.skip`
      on the method or its class: not graded ("ungraded": why), shown, outside max_score;
    - `xfail` (condition holding here) that is not strict, or that does not run: not graded either,
      since pytest counts neither of its outcomes as a failure;
    - `xfail(strict=True)` and unittest's `@expectedFailure`: graded; failing as marked is its pass
      ("xfail_strict"), passing is a failure.
    Anything skipped or xfailed only at run time scores 0 (grader.results.scoring._verdict).
    """
    from _pytest.skipping import evaluate_skip_marks, evaluate_xfail_marks

    obj, cls = getattr(item, "obj", None), getattr(getattr(item, "parent", None), "obj", None)
    for target in (obj, cls):
        if getattr(target, "__unittest_skip__", False):
            why = getattr(target, "__unittest_skip_why__", "") or "unconditional skip"
            return {"ungraded": f"skipped by the instructor: {why}"}
    try:
        skip = evaluate_skip_marks(item)
        xfail = evaluate_xfail_marks(item)
    except BaseException:  # a condition that needs the submission: graded, the run decides (a skip scores 0)
        return {}
    if skip is not None and not (skip.reason.startswith(EMPTY_PARAMETER_SET) and _from_the_submission(item)):
        return {"ungraded": f"skipped by the instructor: {skip.reason or 'unconditional skip'}"}
    if getattr(obj, "__unittest_expecting_failure__", False):
        return {"xfail_strict": True}
    if xfail is not None:
        if xfail.strict and xfail.run:
            return {"xfail_strict": True}
        why = "does not run" if not xfail.run else "not strict"
        return {"ungraded": f"marked xfail by the instructor ({why})" + (f": {xfail.reason}" if xfail.reason else "")}
    return {}


def _title(obj: Any) -> str | None:
    doc = inspect.getdoc(obj) if obj is not None else None
    if not doc:
        return None
    first = doc.strip().split("\n\n", 1)[0]
    return " ".join(first.split())[:200] or None
