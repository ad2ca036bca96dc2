"""Equality tricks the tests cannot see: part of the static scan (integrity.scan_source).

`assert f() == 3` passes when `f` returns an object whose `__eq__` always answers True. That is
what such a test asks, so the score stays what the tests said; the instructor gets a
`suspicious-equality` finding to look at. Reported, for a class in the submission:
- `__eq__` whose every return gives the same true constant, ending with one (also a lambda), or
  `__ne__` that way with a false constant;
- the same written with computed names: `setattr(C, "__e" + "q__", ...)`, `type("C", (), {...})`,
  `locals()["__eq__"] = ...` (the name is folded from string constants: `+`, f-strings, `"".join`);
- a constant `__hash__` beside such an `__eq__` (equal to everything in sets and dicts too).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from grader.models import Finding

_FALSE = object()  # "a false constant" marker for _constant_truth


def equality_findings(tree: ast.AST, path: str) -> list[Finding]:
    out: list[Finding] = []
    for name, value, node, const_hash in _definitions(tree):
        truth = _constant_truth(value)
        if (name == "__eq__" and truth is True) or (name == "__ne__" and truth is False):
            answer = "true" if name == "__eq__" else "false"
            extra = " and a constant __hash__ (equal to everything in sets and dicts too)" if const_hash else ""
            detail = (f"{name} returns {answer} whatever it is compared with{extra}: `==` in a test cannot "
                      f"tell this object from the expected value (line {getattr(node, 'lineno', '?')})")
            out.append(Finding("suspicious-equality", detail, path))
    return out


def _definitions(tree: ast.AST) -> Iterator[tuple[str, ast.AST, ast.AST, bool]]:
    """(dunder name, the function or value bound to it, node for the line, constant __hash__ beside it)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            members: dict[str, ast.AST] = {}
            for stmt in node.body:
                if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                    members[stmt.name] = stmt
                elif isinstance(stmt, ast.Assign):
                    for target in stmt.targets:
                        if isinstance(target, ast.Name):
                            members[target.id] = stmt.value
            const_hash = "__hash__" in members and _constant_result(members["__hash__"]) is not None
            for name in ("__eq__", "__ne__"):
                if name in members:
                    yield name, members[name], node, const_hash
        elif isinstance(node, ast.Call) and _callee(node) == "setattr" and len(node.args) == 3:
            folded = fold(node.args[1])
            if folded in ("__eq__", "__ne__"):
                yield folded, node.args[2], node, False
        elif isinstance(node, ast.Call) and _callee(node) == "type" and len(node.args) == 3:
            if isinstance(node.args[2], ast.Dict):
                entries = {fold(k): v for k, v in zip(node.args[2].keys, node.args[2].values, strict=True) if k}
                const_hash = "__hash__" in entries and _constant_result(entries["__hash__"]) is not None
                for name in ("__eq__", "__ne__"):
                    if name in entries:
                        yield name, entries[name], node, const_hash
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Subscript):
            folded = fold(node.targets[0].slice)  # locals()["__eq__"] = ..., ns["__e" + "q__"] = ...
            if folded in ("__eq__", "__ne__"):
                yield folded, node.value, node, False


def _callee(call: ast.Call) -> str | None:
    return call.func.id if isinstance(call.func, ast.Name) else None


def fold(node: ast.AST | None) -> str | None:
    """The string a constant expression builds ("__e" + "q__", f"__{'eq'}__", "".join([...])), or None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = fold(node.left), fold(node.right)
        return left + right if left is not None and right is not None else None
    if isinstance(node, ast.JoinedStr):
        parts = [fold(v.value if isinstance(v, ast.FormattedValue) else v) for v in node.values]
        return "".join(p for p in parts if p is not None) if all(p is not None for p in parts) else None
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "join"
            and len(node.args) == 1 and isinstance(node.args[0], ast.List | ast.Tuple)):
        sep = fold(node.func.value)
        items = [fold(e) for e in node.args[0].elts]
        if sep is not None and all(i is not None for i in items):
            return sep.join(i for i in items if i is not None)
    return None


def _constant_result(value: ast.AST) -> object | None:
    """The constant a function or lambda always returns (ignoring its arguments), or None."""
    if isinstance(value, ast.Lambda):
        body: ast.AST | None = value.body
    elif isinstance(value, ast.FunctionDef | ast.AsyncFunctionDef):
        # Every return gives the same constant, and the body ends with one (so it cannot fall
        # through to None): whatever else it does, the answer does not depend on the arguments.
        returns = [r.value for r in _returns(value.body)]
        if not returns or not isinstance(value.body[-1], ast.Return):
            return None
        values = {ast.dump(r) if r is not None else "" for r in returns}
        body = returns[0] if len(values) == 1 else None
    else:
        return None
    if isinstance(body, ast.Constant):
        return body.value if body.value is not None else None
    if isinstance(body, ast.UnaryOp) and isinstance(body.op, ast.Not) and isinstance(body.operand, ast.Constant):
        return not body.operand.value or _FALSE
    return None


def _returns(body: list[ast.stmt]) -> Iterator[ast.Return]:
    """The return statements of a function body, not those of functions nested in it."""
    for stmt in body:
        if isinstance(stmt, ast.Return):
            yield stmt
        elif not isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            for child in ast.iter_child_nodes(stmt):
                if isinstance(child, ast.stmt):
                    yield from _returns([child])
                elif isinstance(child, ast.ExceptHandler | ast.match_case):
                    yield from _returns(child.body)


def _constant_truth(value: ast.AST) -> bool | None:
    result = _constant_result(value)
    if result is None:
        return None
    if result is _FALSE:
        return False
    return bool(result)
