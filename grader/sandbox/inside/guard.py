"""The framework snapshot of the test process (loaded by plugin.py, see its docstring).

`Guard` keeps the identity of every function and class attribute of pytest, pluggy and unittest
(their assert methods and outcome classes decide results; plain attribute assignment on a class
raises no audit event, so this is what catches `setattr(unittest.TestCase, "assertEqual", f)`),
and of what loads test modules, taken before any submission code is imported. `check()` says what
changed and puts the originals back.
"""

from __future__ import annotations

import builtins
import importlib
import os
import sys
import unittest  # noqa: F401 (imported before the snapshot: its classes are in it)
from itertools import repeat as _repeat
from operator import getitem as _getitem
from operator import is_ as _is
from typing import Any

import _pytest
import pluggy
import pytest

_gettrace = sys.gettrace
_getprofile = sys.getprofile
_settrace = sys.settrace
_setprofile = sys.setprofile
_MISSING = object()
GUARDED_PACKAGES = ("pytest", "_pytest", "pluggy", "unittest")
FRAMEWORK_DIRS = tuple(
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


class Watch:
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


class _Flat:
    """The watches' (namespace, name, value) triples side by side, and the classes' sizes."""

    __slots__ = ("classes", "names", "namespaces", "sizes", "values")

    def __init__(self, watches: list[Watch]) -> None:
        self.namespaces = tuple(w.ns for w in watches for _ in w.names)
        self.names = tuple(n for w in watches for n in w.names)
        self.values = tuple(v for w in watches for v in w.values)
        self.classes = tuple(w.ns for w in watches if w.cls is not None)
        self.sizes = tuple(w.size for w in watches if w.cls is not None)


class Guard:
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
            Watch(f"{c.__module__}.{c.__qualname__}", c.__dict__, dict(vars(c)), c) for c in extra_classes
        ]
        b, sysdict = vars(builtins), vars(sys)
        self.watches.append(Watch("builtins", b, {n: b[n] for n in GUARDED_BUILTINS if n in b}))
        self.watches.append(Watch("sys", sysdict, {n: sysdict[n] for n in ("exc_info", "exception") if n in sysdict}))
        loading = [(n, vars(sys.modules[n])) for n in LOADING_MODULES if n in sys.modules]
        self.loading = _watches(loading, LOADING_MODULES.__contains__)
        self.loading.append(Watch("builtins", b, {n: b[n] for n in LOADING_BUILTINS if n in b}))
        self.lists = [(n, getattr(sys, n), list(getattr(sys, n))) for n in LOADING_LISTS]
        self._flat: _Flat | None = None

    def _intact(self) -> bool:
        """Every watch's `intact()` at once: one pass in C over all the names (the plugin checks before
        and after each report, so this runs six times per test; a loop over the ~400 watches took twice
        as long). False also when a name is missing: the per-watch pass then says what changed."""
        flat = self._flat
        if flat is None:
            flat = self._flat = _Flat(self.watches)
        try:
            return all(map(_is, map(_getitem, flat.namespaces, flat.names), flat.values)) and (
                tuple(map(len, flat.classes)) == flat.sizes  # an attribute added to a class
            )
        except KeyError:
            return False

    def check(self, *, loading: bool = False) -> list[str]:
        """What the submission changed since the snapshot (empty: nothing); puts the originals back.

        `loading`: also what loads test modules (once, when collection ends).
        """
        changed: list[str] = []
        if loading or not self._intact():
            for watch in self.watches + self.loading if loading else self.watches:
                if not watch.intact():
                    changed += self._repair(watch)
                    watch.freeze()
                    self._flat = None  # what was accepted or put back is the new snapshot
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

    def _repair(self, watch: Watch) -> list[str]:
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
            if now is not _MISSING and (self._accepted(key, now) or _unittest_setting(watch.label, now)):
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


def _watches(namespaces: list[tuple[str, dict[str, Any]]], own: Any) -> list[Watch]:
    """A watch over the functions and classes of each namespace, and one over the attributes of
    every class defined in a module for which `own(module_name)` holds."""
    watches: list[Watch] = []
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
        watches.append(Watch(label, ns, snap))
    watches += [Watch(f"{c.__module__}.{c.__qualname__}", c.__dict__, dict(vars(c)), c) for c in classes.values()]
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
        return filename.startswith(FRAMEWORK_DIRS)
    module = sys.modules.get(getattr(type(value), "__module__", "") or "")
    return module is not None and _guarded(module.__name__)  # e.g. the Config that pdb's hooks keep


def _unittest_setting(label: str, value: Any) -> bool:
    """A data attribute of a unittest class (`TestCase.maxDiff = None`): instructors' settings, not code."""
    return label.startswith("unittest.") and not callable(value)


def _guarded(module: str) -> bool:
    return module.split(".")[0] in GUARDED_PACKAGES
