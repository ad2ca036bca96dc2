"""The static scan's `suspicious-equality` finding (issue 10, item 6)."""

from __future__ import annotations

import textwrap

import pytest

from grader.submission.integrity import scan_source


def kinds(source: str) -> list[str]:
    return [f.detail for f in scan_source(textwrap.dedent(source), "calc.py") if f.kind == "suspicious-equality"]


@pytest.mark.parametrize(
    "source",
    [
        "class A:\n    def __eq__(self, other):\n        return True\n",
        "class A:\n    def __eq__(self, other):\n        '''doc'''\n        return 1\n",
        "class A:\n    __eq__ = lambda self, other: True\n",
        "class A:\n    def __ne__(self, other):\n        return False\n",
        "class A:\n    def __ne__(self, other):\n        return not True\n",
        "class A: pass\nsetattr(A, '__e' + 'q__', lambda s, o: True)\n",
        "class A: pass\nsetattr(A, ''.join(['__', 'eq', '__']), lambda s, o: True)\n",
        "class A: pass\nsetattr(A, f\"__{'e'}q__\", lambda s, o: True)\n",
        "A = type('A', (), {'__e' + 'q__': lambda s, o: True})\n",
        "class A:\n    locals()['__eq__'] = lambda s, o: True\n",
        # a nested function's return is its own
        "class A:\n    def __eq__(self, other):\n        def inner():\n            return False\n        return True\n",
        "class A:\n    def __eq__(self, other):\n        print(other)\n        if other:\n            return True\n"
        "        return True\n",
    ],
)
def test_unconditional_equality_is_reported(source: str) -> None:
    assert len(kinds(source)) == 1


def test_a_constant_hash_beside_it_is_named() -> None:
    source = "class A:\n    def __eq__(self, o):\n        return True\n    def __hash__(self):\n        return 0\n"
    (detail,) = kinds(source)
    assert "constant __hash__" in detail and "(line 1)" in detail


@pytest.mark.parametrize(
    "source",
    [
        "class A:\n    def __eq__(self, other):\n        return self.x == other.x\n",
        "class A:\n    def __eq__(self, other):\n        return NotImplemented\n",
        "class A:\n    def __ne__(self, other):\n        return True\n",
        "class A:\n    def __hash__(self):\n        return 0\n",
        "setattr(obj, '__eq__', compare)\n",
        "setattr(A, name, lambda s, o: True)\n",
        "class A:\n    def __eq__(self, other):\n        if other is self:\n            return True\n"
        "        return False\n",
    ],
)
def test_real_comparisons_are_not_reported(source: str) -> None:
    assert kinds(source) == []
