"""The import direction of the package (docs/ARCHITECTURE.md): the folders are layers, each importing only
its own and lower ones (`LAYERS`), the stages of the pipeline not one another; the command line on top,
nothing imports it; argparse and rich only in it; no import cycle between the grader's modules (lazy
imports inside functions included: a cycle hidden in a function is still a cycle; `if TYPE_CHECKING:`
imports are not imports); the in-container code imports only the standard library, pytest and its own
folder (it runs in the container with nothing else)."""

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


# The layers, lowest first: a module may import its own layer and those below, never one above. A module
# belongs to the layer of the longest prefix naming it (`grader.sandbox.inside` is below `grader.sandbox`).
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("foundation", ("grader", "grader.errors", "grader.models", "grader.sandbox.inside")),  # data, wire protocol
    ("context", ("grader.i18n", "grader.config", "grader.paths")),
    ("stages", ("grader.collection", "grader.submission", "grader.sandbox", "grader.image", "grader.runner_packages",
                "grader.results")),
    ("reporters", ("grader.reporters",)),
    ("pipeline", ("grader.pipeline",)),
    ("github", ("grader.github",)),
    ("batch", ("grader.batch",)),
    ("cli", ("grader.cli", "grader.__main__", "grader.action_env")),  # entry points (action_env: the action's)
)  # fmt: skip
# The stages of one submission, each a function of data: they meet only in the pipeline (the runner image's
# modules beside the sandbox they build it for).
STAGES = {
    "collection": ("grader.collection",),
    "submission": ("grader.submission",),
    "sandbox": ("grader.sandbox", "grader.image", "grader.runner_packages"),
    "results": ("grader.results",),
}


def _owner(name: str, groups: dict[str, tuple[str, ...]]) -> str | None:
    """The group of the longest prefix naming the module (`grader` itself only by its exact name)."""
    found = [
        (len(prefix), group)
        for group, prefixes in groups.items()
        for prefix in prefixes
        if name == prefix or (prefix != "grader" and name.startswith(prefix + "."))
    ]
    return max(found)[1] if found else None


LEVEL = {layer: level for level, (layer, _) in enumerate(LAYERS)}


def layer(name: str) -> str | None:
    return _owner(name, dict(LAYERS))


def upward_imports(graph: dict[str, set[str]]) -> dict[str, list[str]]:
    """Each module's imports of a higher layer than its own."""
    found: dict[str, list[str]] = {}
    for name, deps in graph.items():
        own = LEVEL[layer(name) or "cli"]
        up = sorted(d for d in deps if LEVEL[layer(d) or "cli"] > own)
        if up:
            found[name] = up
    return found


def cross_stage_imports(graph: dict[str, set[str]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, deps in graph.items():
        stage = _owner(name, STAGES)
        if stage is not None and layer(name) == "stages":  # `grader.sandbox.inside` is the foundation's
            other = sorted(d for d in deps if layer(d) == "stages" and _owner(d, STAGES) not in (None, stage))
            if other:
                found[name] = other
    return found


def test_every_module_has_a_layer() -> None:  # a new module is placed deliberately, never by default
    assert sorted(n for n in MODULES if layer(n) is None) == []
    assert sorted(n for n in MODULES if layer(n) == "stages" and _owner(n, STAGES) is None) == []
    assert all(any(layer(n) == name for n in MODULES) for name, _ in LAYERS)  # no layer names a module gone


def test_no_module_imports_a_higher_layer() -> None:
    assert upward_imports(GRAPH) == {}


def test_the_stages_meet_only_in_the_pipeline() -> None:
    assert cross_stage_imports(GRAPH) == {}


def test_the_layer_rules_can_fail() -> None:
    """Not vacuous: the real graph crosses layers downwards, and an upward or cross-stage edge is seen."""
    assert "grader.results.scoring" in GRAPH["grader.pipeline"] and "grader.pipeline" in GRAPH["grader.cli.run"]
    assert "grader.results.late" in GRAPH["grader.github.push_time"]  # github above results
    assert layer("grader.sandbox.inside.protocol") == "foundation" and layer("grader.sandbox.container") == "stages"
    late_reads_github = {**GRAPH, "grader.results.late": GRAPH["grader.results.late"] | {"grader.github.settings"}}
    assert upward_imports(late_reads_github) == {"grader.results.late": ["grader.github.settings"]}
    scoring_stages = {**GRAPH, "grader.results.scoring": {"grader.submission.staging"}}
    assert cross_stage_imports(scoring_stages) == {"grader.results.scoring": ["grader.submission.staging"]}
    lazy = ast.parse("def f():\n    from grader.cli import app\n\nif TYPE_CHECKING:\n    import grader.batch\n")
    seen = {n.module for n in _runtime_nodes(lazy) if isinstance(n, ast.ImportFrom)}
    typing_only = [n for n in _runtime_nodes(lazy) if isinstance(n, ast.Import)]
    assert seen == {"grader.cli"} and typing_only == []  # lazy imports count, TYPE_CHECKING ones do not


def _documented_tree() -> set[str]:
    """The modules docs/ARCHITECTURE.md's tree names (`## The tree`: two spaces of indent per folder)."""
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    block = text.split("## The tree", 1)[1].split("```", 2)[1]
    folders: list[str] = []
    named: set[str] = set()
    for line in block.splitlines():
        if not line.strip():
            continue
        depth = (len(line) - len(line.lstrip(" "))) // 2
        entry = line.split()[0]
        del folders[depth:]
        if entry.endswith("/"):
            folders.append(entry.rstrip("/"))
        else:
            named.add("/".join([*folders, entry]))
    return named


def test_the_architecture_tree_names_every_module() -> None:
    on_disk = {p.relative_to(ROOT).as_posix() for p in MODULES.values()}
    documented = _documented_tree()
    assert {"grader/results/scoring.py", "grader/sandbox/inside/protocol.py"} <= documented  # the parse works
    assert sorted(on_disk - documented) == [] and sorted(documented - on_disk) == []


@pytest.mark.parametrize(
    "host", ["grader.results.scoring", "grader.collection.manifest", "grader.results.junit", "grader.pipeline"]
)
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
SCANNED_FOR = {("grader.submission.integrity", "GITHUB_")}


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
