"""The import direction of the package (docs/ARCHITECTURE.md): the command line on top, nothing imports
it; argparse and rich only in it; no import cycle between the grader's modules (lazy imports inside
functions included: a cycle hidden in a function is still a cycle; `if TYPE_CHECKING:` imports are
not imports); the in-container code imports only
the standard library, pytest and its own folder (it runs in the container with nothing else)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "grader"
INSIDE = PACKAGE / "sandbox" / "inside"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node but those under `if TYPE_CHECKING:` (annotations only: never imported at run time)."""
    nodes: list[ast.AST] = []
    todo = [tree]
    while todo:
        node = todo.pop()
        nodes.append(node)
        if isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            todo.extend(node.orelse)
            continue
        todo.extend(ast.iter_child_nodes(node))
    return nodes


def imports(path: Path) -> set[str]:
    """Every module the file imports, at any depth (absolute names; relative imports resolved)."""
    found: set[str] = set()
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join([*parts[: len(parts) - node.level + 1], *filter(None, [base])])
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)  # `from pkg import module`
    return found


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
GRAPH = {name: {m for m in imports(path) if m in MODULES and m != name} for name, path in MODULES.items()}


def in_cli(name: str) -> bool:
    return name == "grader.cli" or name.startswith("grader.cli.")


def test_the_layer_rules_see_the_modules() -> None:  # the rules below are not vacuous
    assert {"grader.cli", "grader.cli.app", "grader.batch", "grader.pipeline", "grader.errors"} <= set(MODULES)
    assert "grader.errors" in GRAPH["grader.config"] and "grader.cli.common" in GRAPH["grader.cli.batch"]


def test_nothing_below_the_command_line_imports_it() -> None:
    upward = {n: sorted(filter(in_cli, deps)) for n, deps in GRAPH.items() if not in_cli(n) and n != "grader.__main__"}
    assert {n: d for n, d in upward.items() if d} == {}


@pytest.mark.parametrize("library", ["argparse", "rich"])
def test_argparse_and_rich_only_in_the_command_line(library: str) -> None:
    users = sorted(
        n for n, p in MODULES.items()
        if not in_cli(n) and any(m == library or m.startswith(library + ".") for m in imports(p))
    )  # fmt: skip
    assert users == []


def test_no_import_cycle() -> None:
    # Importing `grader.a.b` runs `grader/a/__init__.py` first: a package's own submodules are not edges back.
    def deps(name: str) -> set[str]:
        return {d for d in GRAPH[name] if not name.startswith(d + ".")}

    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(name: str, stack: list[str]) -> None:
        state[name] = 1
        for dep in sorted(deps(name)):
            if state.get(dep) == 1:
                cycles.append([*stack[stack.index(dep):], dep] if dep in stack else [name, dep])
            elif dep not in state:
                visit(dep, [*stack, dep])
        state[name] = 2

    for name in sorted(MODULES):
        if name not in state:
            visit(name, [name])
    assert cycles == []


@pytest.mark.parametrize("host", ["grader.scoring", "grader.manifest", "grader.junit", "grader.pipeline"])
def test_the_host_shares_only_the_protocol_with_the_container(host: str) -> None:
    """Scoring and collection read results by the protocol (stdlib-only, shared with the supervisor),
    never by importing the in-container code."""
    inside = sorted(m for m in GRAPH[host] if m.startswith("grader.sandbox.inside"))
    assert set(inside) <= {"grader.sandbox.inside", "grader.sandbox.inside.protocol"}


def test_the_in_container_code_needs_only_the_standard_library_pytest_and_its_folder() -> None:
    own = {p.stem for p in INSIDE.glob("*.py")}

    def in_folder(module: str) -> bool:  # `from .protocol import ...`, `from . import protocol` on the host
        if module == "grader.sandbox.inside":
            return True
        return module.startswith("grader.sandbox.inside.") and module.split(".")[3] in own

    allowed = set(sys.stdlib_module_names) | {"pytest", "_pytest", "pluggy", "__future__"} | own
    bad = {
        p.name: sorted(m for m in imports(p) if m.split(".")[0] not in allowed and not in_folder(m))
        for p in INSIDE.glob("*.py")
    }
    assert {k: v for k, v in bad.items() if v} == {}


SETTINGS = "grader.github.settings"
# The static scan looks for the prefix in submissions' code (reading the job's secrets): not a read here.
SCANNED_FOR = {("grader.integrity", "GITHUB_")}


def _github_names(path: Path) -> list[str]:
    """String constants of the module naming a GitHub variable (`GITHUB_*`, `GH_TOKEN`), docstrings excepted."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
        and ("GITHUB_" in node.value or "GH_TOKEN" in node.value)
    ]  # fmt: skip


def test_the_github_variables_are_read_in_one_module() -> None:
    named = {
        (name, value) for name, path in MODULES.items() if name != SETTINGS for value in _github_names(path)
    }
    assert named - SCANNED_FOR == set()
    assert {"GITHUB_ACTIONS", "GITHUB_EVENT_PATH", "GITHUB_TOKEN", "GH_TOKEN"} <= set(
        _github_names(MODULES[SETTINGS])
    )  # the check sees what it looks for
