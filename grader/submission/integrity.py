"""Static scan of the submission on the trusted side: where an instructor may want to look.

Student code runs in the same process as pytest, so code that reaches into the test framework,
walks the interpreter's objects or leaves the process early is the way in-process tampering would
have to work. The scan reads the source with `ast` (nothing is imported or run) and reports such
code as findings. A finding never changes a score.
"""

from __future__ import annotations

import ast
import io
import sys
import tokenize
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path

from grader.models import Finding
from grader.sandbox.inside.protocol import FRAME_MARK, FRAMEWORK_LAZY_IMPORTS
from grader.submission.equality import equality_findings
from grader.submission.staging import display_path

MAX_SCAN_BYTES = 2 * 1024 * 1024  # per file; larger files are not parsed
# Beyond this size a file is token-scanned instead of parsed: an AST costs ~100x its source in memory.
MAX_AST_BYTES = 256 * 1024
MAX_FINDINGS = 40

# Imports that let code reach the test framework or the interpreter's internals.
SUSPICIOUS_MODULES = {
    "_pytest": "imports pytest's internals",
    "pytest": "imports pytest",
    "pluggy": "imports pytest's plugin system",
    "unittest.mock": "imports unittest.mock (patching)",
    "gc": "imports gc (can reach any live object)",
    "inspect": "imports inspect (can reach callers' frames)",
    "ctypes": "imports ctypes (raw memory access)",
    "atexit": "registers exit handlers",
    "builtins": "imports builtins (can replace built-in functions)",
    "importlib": "imports importlib (dynamic imports)",
    "signal": "imports signal (can disable the test timeout)",
    "faulthandler": "imports faulthandler",
    "sys": None,  # too common to report on its own; specific attributes below
    "os": None,
}
SUSPICIOUS_CALLS = {
    "os._exit": "calls os._exit (ends the test process at once)",
    "os.kill": "calls os.kill",
    "os.fork": "calls os.fork",
    "os.setsid": "calls os.setsid (a daemon process)",
    "sys.exit": "calls sys.exit",
    "sys._getframe": "calls sys._getframe (reads callers' frames)",
    "sys.settrace": "calls sys.settrace",
    "sys.setprofile": "calls sys.setprofile",
    "sys.addaudithook": "calls sys.addaudithook",
    "exec": "calls exec",
    "eval": "calls eval",
    "compile": "calls compile",
    "__import__": "calls __import__ (hidden imports)",
    "globals": None,
    "setattr": None,
}
SUSPICIOUS_NAMES = {
    "sys.modules": "touches sys.modules (can swap modules)",
    "sys.meta_path": "touches sys.meta_path (import hooks)",
    "sys.path_hooks": "touches sys.path_hooks (import hooks)",
    "builtins.__import__": "replaces the import machinery",
    "os.environ": None,
}
# Attributes that walk from an ordinary object to frames, globals or every class of the interpreter:
# the way to reach pytest's objects without importing anything.
INTROSPECTION_ATTRS = {
    "__subclasses__": "walks the class hierarchy (__subclasses__)",
    "__globals__": "reads a function's globals (__globals__)",
    "__closure__": "reads a function's closure (__closure__)",
    "__code__": "reads or replaces a function's code (__code__)",
    "tb_frame": "walks a traceback's frames (tb_frame)",
    "f_back": "walks the callers' frames (f_back)",
    "f_globals": "reads a frame's globals (f_globals)",
    "f_locals": "reads a frame's locals (f_locals)",
    "gi_frame": "reads a generator's frame (gi_frame)",
}
# Modules whose attributes, when assigned, rarely mean anything but monkeypatching a library.
NOT_MONKEYPATCHING = {"sys.stdout", "sys.stderr", "sys.stdin", "sys.argv", "sys.path", "os.environ"}
SUSPICIOUS_STRINGS = ("PYTEST_ADDOPTS", "PYTEST_PLUGINS", "junit", "/proc/", "Points ", "::notice", "::error",
                      "::warning", "::set-output", "::add-mask", "::stop-commands", "GITHUB_", "_pytest",
                      FRAME_MARK[:-2])


def scan_submission(root: Path, files: Iterable[str]) -> tuple[Finding, ...]:
    files = sorted(files)
    findings: list[Finding] = shadowed_modules(files)
    for rel in files:
        if not rel.endswith(".py"):
            continue
        path = root / rel
        try:
            if path.stat().st_size > MAX_SCAN_BYTES:
                findings.append(Finding("unscanned", "file too large to scan", display_path(rel)))
                continue
            source = path.read_bytes()
        except OSError:
            continue
        findings.extend(scan_source(source, display_path(rel)))
        if len(findings) >= MAX_FINDINGS:
            findings = findings[:MAX_FINDINGS]
            findings.append(Finding("suspicious-code", "more findings not listed"))
            break
    return tuple(findings)


def shadowed_modules(files: Iterable[str]) -> list[Finding]:
    """One line per top-level file named like a standard module: which module, and what to do."""
    out = []
    for rel in files:
        if "/" not in rel and rel.endswith(".py"):
            name, shown = rel[:-3], display_path(rel)
        elif rel.count("/") == 1 and rel.endswith("/__init__.py"):  # a package
            name = rel.split("/")[0]
            shown = display_path(name + "/")
        else:
            continue
        if name not in sys.stdlib_module_names:
            continue
        if name in FRAMEWORK_LAZY_IMPORTS:
            detail = (f"{shown} has the name of the standard module `{name}`, which pytest uses: `import {name}` "
                      f"gets the standard module, not this file; rename it (e.g. my_{name}) if your code needs it")
        else:
            detail = (f"{shown} shadows the standard module `{name}`: `import {name}` gets this file, not "
                      f"Python's; rename it (e.g. my_{name}) unless the assignment asks for this name")
        out.append(Finding("shadowed-module", detail, shown))
    return out


def scan_source(source: bytes | str, path: str) -> list[Finding]:
    if len(source) > MAX_AST_BYTES:
        return token_scan(source, path)
    try:
        # Compiling warns (SyntaxWarning, DeprecationWarning) with the file name at the start of a
        # line: printed, a folder named `::notice ...::` would forge a workflow command. Captured.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(source, filename=path)
    except (SyntaxError, ValueError):
        return []  # the test run reports syntax errors to the student with file and line
    except (RecursionError, MemoryError):  # a 6,000-term expression, 1,000 nested brackets...
        return token_scan(source, path)
    seen: set[str] = set()
    out: list[Finding] = []
    # Names bound to the standard library or the test framework by an import anywhere in the file:
    # assigning their attributes (`json.dumps = ...`, `Path.read_bytes = ...`) is monkeypatching a
    # library. (The submission's own modules are not included: `config.debug = True` is ordinary.)
    modules: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                bound = alias.asname or alias.name.split(".")[0]
                modules[bound] = alias.name if alias.asname else bound
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                modules[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    modules = {name: dotted for name, dotted in modules.items() if _library(dotted)}

    def add(kind: str, detail: str, node: ast.AST) -> None:
        if detail in seen:
            return
        seen.add(detail)
        out.append(Finding(kind, f"{detail} (line {getattr(node, 'lineno', '?')})", path))

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                _check_module(alias.name, node, add)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            _check_module(node.module, node, add)
            for alias in node.names:
                _check_dotted(f"{node.module}.{alias.name}", node, add)
        elif isinstance(node, ast.Call):
            name = _dotted(node.func)
            if name:
                _check_dotted(name, node, add)
            if (name in ("setattr", "delattr") and node.args and isinstance(node.args[0], ast.Name)
                    and node.args[0].id in modules):
                add("monkeypatch", f"{name}() on the module {modules[node.args[0].id]} (monkeypatching)", node)
        elif isinstance(node, ast.Attribute):
            name = _dotted(node)
            if name and name in SUSPICIOUS_NAMES and SUSPICIOUS_NAMES[name]:
                add("framework-tampering", SUSPICIOUS_NAMES[name], node)  # type: ignore[arg-type]
            if node.attr in INTROSPECTION_ATTRS:
                add("suspicious-code", INTROSPECTION_ATTRS[node.attr], node)
            if isinstance(node.ctx, ast.Store | ast.Del) and name:
                root, _, rest = name.partition(".")
                target = f"{modules[root]}.{rest}" if root in modules and rest else None
                if target and target not in NOT_MONKEYPATCHING:
                    add("monkeypatch", f"replaces {target} (monkeypatching a library)", node)
        elif isinstance(node, ast.Name) and node.id == "__builtins__":
            add("suspicious-code", "uses __builtins__", node)
        elif isinstance(node, ast.Name) and node.id == "__import__":  # also when aliased, not called
            add("suspicious-call", SUSPICIOUS_CALLS["__import__"], node)  # type: ignore[arg-type]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            for needle in SUSPICIOUS_STRINGS:
                if needle in node.value:
                    add("suspicious-string", f"contains the text {needle!r}", node)
    out.extend(equality_findings(tree, path))  # `__eq__` always true... (see equality.py)
    return out


def _library(dotted: str) -> bool:
    top = dotted.split(".")[0]
    return top in sys.stdlib_module_names or top in ("pytest", "_pytest", "pluggy")


def _check_module(module: str, node: ast.AST | None, add) -> None:  # type: ignore[no-untyped-def]
    top = module.split(".")[0]
    for name in (module, top):
        reason = SUSPICIOUS_MODULES.get(name)
        if reason:
            kind = "framework-import" if top in ("_pytest", "pytest", "pluggy") else "suspicious-import"
            add(kind, reason, node)
            return


def _check_dotted(name: str, node: ast.AST | None, add) -> None:  # type: ignore[no-untyped-def]
    reason = SUSPICIOUS_CALLS.get(name)
    if reason:
        kind = "early-exit" if name in ("os._exit", "sys.exit") else "suspicious-call"
        add(kind, reason, node)


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def token_scan(source: bytes | str, path: str) -> list[Finding]:
    """The scan's fallback for files too large or too deeply nested to parse: tokens, not a tree.

    Iterative and linear, so no input can make it recurse; it sees imports, dotted names and
    strings (the same lists as the AST scan) but not what a name is bound to (no monkeypatch
    findings).
    """
    seen: set[str] = set()
    out: list[Finding] = []

    def add(kind: str, detail: str, line: int) -> None:
        if detail not in seen:
            seen.add(detail)
            out.append(Finding(kind, f"{detail} (line {line})", path))

    tokens = list(_tokens(source))
    for i, (kind, text, line) in enumerate(tokens):
        if kind == tokenize.NAME and text in ("import", "from"):
            module = _dotted_tokens(tokens, i + 1)
            if module:
                _check_module(module, None, lambda k, d, n, line=line: add(k, d, line))
        elif kind == tokenize.NAME and (i == 0 or tokens[i - 1][1] != "."):
            name = _dotted_tokens(tokens, i)
            if name:
                _check_dotted(name, None, lambda k, d, n, line=line: add(k, d, line))
                reason = SUSPICIOUS_NAMES.get(name)
                if reason:
                    add("framework-tampering", reason, line)
        elif kind == tokenize.STRING:
            for needle in SUSPICIOUS_STRINGS:
                if needle in text:
                    add("suspicious-string", f"contains the text {needle!r}", line)
        if kind == tokenize.NAME and text in INTROSPECTION_ATTRS and i and tokens[i - 1][1] == ".":
            add("suspicious-code", INTROSPECTION_ATTRS[text], line)
        elif kind == tokenize.NAME and text == "__builtins__":
            add("suspicious-code", "uses __builtins__", line)
    return out


def _tokens(source: bytes | str) -> Iterator[tuple[int, str, int]]:
    """(type, text, line) of each token; stops quietly where the source stops being Python."""
    data = source.encode("utf-8", "surrogateescape") if isinstance(source, str) else source
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for tok in tokenize.tokenize(io.BytesIO(data).readline):
                yield tok.type, tok.string, tok.start[0]
    except (tokenize.TokenError, SyntaxError, ValueError):
        return


def _dotted_tokens(tokens: list[tuple[int, str, int]], i: int) -> str | None:
    """The dotted name starting at token i (`os.path.join`), if one does."""
    parts: list[str] = []
    while i < len(tokens) and tokens[i][0] == tokenize.NAME:
        parts.append(tokens[i][1])
        if i + 2 < len(tokens) and tokens[i + 1][1] == "." and tokens[i + 2][0] == tokenize.NAME:
            i += 2
        else:
            break
    return ".".join(parts) or None
