"""Fingerprints of the instructor's test code, taken before any submission code runs.

The plugin compiles every `.py` file of the (read-only) tests folder itself, plain and with
pytest's assertion rewriting (pytest runs test files and conftest.py rewritten, helper modules
plain), and keeps a structural fingerprint of every code object in them. Before a test runs, the
plugin checks what is about to run against it (`check_item`): the test function (through bound
methods and decorators' `__wrapped__`), every method of the instructor's classes in the test's
class hierarchy, and the namespace the test function will look names up in. A module swapped in
`sys.modules`, a replaced `__code__`, a method replaced on the test class, or a builtin shadowed
in the test module's globals all fail the test closed (`test-tampering`).
"""

from __future__ import annotations

import ast
import builtins
import inspect
import os
import sysconfig
from types import CodeType, FunctionType, MethodType
from typing import Any

from _pytest.assertion import rewrite as _rewrite

# Decorators from here may wrap a test (unittest.mock.patch, functools.wraps...); whatever else
# wraps one runs instead of it.
LIBRARY_DIRS = tuple(os.path.join(os.path.abspath(p), "") for p in {
    sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
MAX_FILES = 2000
MAX_BYTES = 4 * 1024 * 1024


def fingerprint(code: CodeType) -> tuple[Any, ...]:
    """Everything that decides what a code object does (not its line table)."""
    consts = tuple(fingerprint(c) if isinstance(c, CodeType) else (type(c).__name__, repr(c)) for c in code.co_consts)
    return (code.co_filename, code.co_qualname, code.co_firstlineno, code.co_code, code.co_names,
            code.co_varnames, code.co_freevars, code.co_cellvars, consts)


def _walk(code: CodeType, out: set[tuple[Any, ...]]) -> None:
    out.add(fingerprint(code))
    for const in code.co_consts:
        if isinstance(const, CodeType):
            _walk(const, out)


def _bound_names(tree: ast.AST) -> set[str]:
    """Every name the file could bind in its module namespace (an over-approximation)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.Global):
            names.update(node.names)
    return names


class TrustedTests:
    """Per file of the tests folder: the fingerprints of its code and the names it binds."""

    def __init__(self, rootdir: str) -> None:
        self.codes: dict[str, set[tuple[Any, ...]]] = {}
        self.names: dict[str, set[str]] = {}
        count = 0
        for dirpath, dirnames, filenames in os.walk(rootdir):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            for name in sorted(filenames):
                if not name.endswith(".py") or count >= MAX_FILES:
                    continue
                count += 1
                path = os.path.join(dirpath, name)
                self._add(path)

    def _add(self, path: str) -> None:
        try:
            with open(path, "rb") as fh:
                source = fh.read(MAX_BYTES)
            tree = ast.parse(source, path)
        except (OSError, SyntaxError, ValueError):
            return  # pytest reports the file's own error
        codes: set[tuple[Any, ...]] = set()
        _walk(compile(tree, path, "exec", dont_inherit=True), codes)
        _rewrite.rewrite_asserts(tree, source, path, None)
        _walk(compile(tree, path, "exec", dont_inherit=True), codes)
        self.codes[path] = codes
        self.names[path] = _bound_names(tree)

    def check_function(self, func: Any) -> str | None:
        """None if `func` (or what it wraps) is code of the tests folder as compiled here."""
        seen = 0
        while func is not None and seen < 20:
            seen += 1
            if isinstance(func, MethodType):
                func = func.__func__
                continue
            code = getattr(func, "__code__", None) if isinstance(func, FunctionType) else None
            if code is not None and code.co_filename in self.codes:
                if fingerprint(code) not in self.codes[code.co_filename]:
                    return f"the code of {code.co_qualname} is not the instructor's"
                return self._check_namespace(func, code.co_filename)
            if code is not None and not code.co_filename.startswith(LIBRARY_DIRS):
                # A decorator's wrapper runs instead of what it wraps: only library code may wrap.
                return "the test function does not come from the tests folder"
            func = getattr(func, "__wrapped__", None)
        return "the test function does not come from the tests folder"

    def _check_namespace(self, func: FunctionType, filename: str) -> str | None:
        ns = func.__globals__
        if getattr(func, "__builtins__", None) is not vars(builtins):  # a module run with other builtins
            return f"the builtins of {func.__qualname__}"
        bound = self.names.get(filename, set())
        if "*" in bound:  # a star import may bind anything
            return None
        shadowed = sorted(n for n in ns if n in vars(builtins) and n not in bound and not n.startswith("__"))
        if shadowed:
            return f"{', '.join(shadowed[:3])} in the namespace of {filename}"
        return None

    def check_class(self, cls: Any) -> str | None:
        """Every method of the instructor's classes in `cls`'s hierarchy is still the instructor's."""
        for klass in getattr(cls, "__mro__", ())[:50]:
            functions = [v for v in vars(klass).values() if isinstance(v, FunctionType)]
            if not any(f.__code__.co_filename in self.codes for f in functions):
                continue  # not the instructor's class (unittest.TestCase: the plugin's snapshot)
            for func in functions:  # the instructor's, or a library decorator's wrapper around it
                problem = self.check_function(func)
                if problem is not None:
                    return f"{klass.__qualname__}.{func.__name__}: {problem}"
        return None

    def check_item(self, obj: Any, cls: Any) -> str | None:
        return self.check_function(obj) or (self.check_class(cls) if cls is not None else None)


def completion_wrapper(original: Any, completed: list[bool]) -> Any:
    """`original`, recording its normal completion in `completed` (positive evidence that the
    instructor's test body ran to its end: an exception swallowed by unittest, like `_ShouldStop`,
    leaves no record). Called with pytest's arguments; for unittest, unbound (pytest sets it on the
    TestCase instance)."""
    if inspect.iscoroutinefunction(original):

        async def completed_async(*args: Any, **kwargs: Any) -> Any:
            result = await original(*args, **kwargs)
            completed.append(True)
            return result

        return completed_async

    def completed_call(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        completed.append(True)
        return result

    return completed_call
