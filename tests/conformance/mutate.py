"""Variants of an honest solution, made with `ast`: the submissions the conformance suite grades.

- `pass`, `raise`, `none`: every function body (methods and nested functions included) replaced by
  `pass`, `raise NotImplementedError` or `return None`: what untouched starter stubs look like;
- `break:<module>:<qualname>`: one function broken, the rest honest (first comparison negated, else
  first number changed, else `return None`): a student who got one thing wrong, so that some cases
  of a test pass and others fail (what subtests and parametrized tests are about).

A docstring is kept in front of a replaced body so that `__doc__`-reading code keeps working.
"""

from __future__ import annotations

import ast
import random
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

FuncDef = ast.FunctionDef | ast.AsyncFunctionDef
WHOLE: dict[str, Callable[[], list[ast.stmt]]] = {
    "pass": lambda: [ast.Pass()],
    "raise": lambda: [ast.Raise(exc=ast.Name(id="NotImplementedError", ctx=ast.Load()))],
    "none": lambda: [ast.Return(value=ast.Constant(value=None))],
}
NEGATED: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Lt: ast.GtE, ast.GtE: ast.Lt, ast.Gt: ast.LtE, ast.LtE: ast.Gt,
    ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn, ast.NotIn: ast.In,
}


@dataclass(frozen=True)
class Variant:
    name: str  # "honest", "pass", "raise", "none" or "break:<module>:<qualname>"
    path: Path  # the submission folder


def _docstring(func: FuncDef) -> list[ast.stmt]:
    first = func.body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        return [first]
    return []


def stub_all(source: str, kind: str) -> str:
    """Every function body in `source` replaced by the `kind` stub ("pass", "raise", "none")."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, FuncDef):
            node.body = _docstring(node) + WHOLE[kind]()
    return ast.unparse(ast.fix_missing_locations(tree))


def functions(tree: ast.Module) -> Iterator[tuple[str, FuncDef]]:
    """(qualname, node) of every function and method of `tree` (nested functions are left out)."""

    def walk(body: list[ast.stmt], prefix: str) -> Iterator[tuple[str, FuncDef]]:
        for node in body:
            if isinstance(node, FuncDef):
                yield prefix + node.name, node
            elif isinstance(node, ast.ClassDef):
                yield from walk(node.body, prefix + node.name + ".")
            elif isinstance(node, ast.If | ast.Try):  # `if sys.version_info...:` / `try: ... except ImportError:`
                yield from walk(node.body, prefix)

    yield from walk(tree.body, "")


def _break(func: FuncDef) -> str:
    """Break `func` in place; says how."""
    for node in ast.walk(func):
        if isinstance(node, ast.Compare) and type(node.ops[0]) in NEGATED:
            node.ops[0] = NEGATED[type(node.ops[0])]()
            return "first comparison negated"
    for node in ast.walk(func):
        if isinstance(node, ast.Constant) and type(node.value) is int:
            node.value += 1
            return "first integer constant + 1"
    func.body = _docstring(func) + WHOLE["none"]()
    return "body replaced by return None"


def break_one(source: str, qualname: str) -> tuple[str, str]:
    """`source` with the function `qualname` broken (the first of that name); (new source, how)."""
    tree = ast.parse(source)
    node = next((node for name, node in functions(tree) if name == qualname), None)
    if node is None:
        raise KeyError(qualname)
    how = _break(node)
    return ast.unparse(ast.fix_missing_locations(tree)), how


def named_in_tests(solution: Path, tests: Path) -> list[tuple[str, str]]:
    """(module path, qualname) of solution functions whose name the tests mention: breaking them matters."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(tests.rglob("*.py")))
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text))
    found = []
    for module in sorted(solution.rglob("*.py")):
        rel = module.relative_to(solution).as_posix()
        for qualname, _ in functions(ast.parse(module.read_text(encoding="utf-8"))):
            name = qualname.rsplit(".", 1)[-1]
            if name in words and not name.startswith("__"):
                found.append((rel, qualname))
    return list(dict.fromkeys(found))  # a function defined in both branches of an `if` counts once


def make_variants(
    solution: Path, tests: Path, dest: Path, *, broken: int, seed: str, avoid: tuple[str, ...] = ()
) -> list[Variant]:
    """Write the honest solution, the three whole-module stubs and `broken` one-function mutants under `dest`."""
    variants = [Variant("honest", _copy(solution, dest / "honest", lambda rel, src: src))]
    for kind in WHOLE:

        def stub(rel: str, src: str, kind: str = kind) -> str:
            return stub_all(src, kind)

        variants.append(Variant(kind, _copy(solution, dest / kind, stub)))
    candidates = [c for c in named_in_tests(solution, tests) if c[1] not in avoid]
    for i, (module, qualname) in enumerate(random.Random(seed).sample(candidates, min(broken, len(candidates)))):

        def edit(rel: str, src: str, module: str = module, qualname: str = qualname) -> str:
            return break_one(src, qualname)[0] if rel == module else src

        variants.append(Variant(f"break:{module}:{qualname}", _copy(solution, dest / f"break{i}", edit)))
    return variants


def _copy(solution: Path, dest: Path, edit: Callable[[str, str], str]) -> Path:
    shutil.copytree(solution, dest)
    for module in dest.rglob("*.py"):
        rel = module.relative_to(dest).as_posix()
        module.write_text(edit(rel, module.read_text(encoding="utf-8")), encoding="utf-8")
    return dest
