"""The in-container modules (grader/sandbox/inside/) loaded as the container runs them: each file on its
own, its folder on the path, not as the `grader.sandbox.inside` package."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

INSIDE = Path(__file__).resolve().parents[1] / "grader" / "sandbox" / "inside"


def load_inside(name: str) -> ModuleType:
    """A fresh copy of inside/<name>.py."""
    spec = importlib.util.spec_from_file_location(f"_inside_{name}", INSIDE / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    sys.path.insert(0, str(INSIDE))  # as the supervisor does: the folder's own modules (protocol.py)
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(INSIDE))
    return module
