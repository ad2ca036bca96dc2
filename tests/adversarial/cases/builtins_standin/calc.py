# Attack: replace the test module with one that pytest's own kind of loader runs from the real
# test file (same code, same __spec__ origin, a SourceFileLoader), but with builtins in which
# `abs` turns the wrong answers into the expected ones.
import builtins
import importlib.machinery
import importlib.util
import sys


def add(a, b):
    return a + b


def sub(a, b):
    return a + b


def mul(a, b):
    return a + b


_real = sys.modules["test_calc"]
_loader = importlib.machinery.SourceFileLoader("test_calc", _real.__file__)
_spec = importlib.util.spec_from_file_location("test_calc", _real.__file__, loader=_loader)
_fake = importlib.util.module_from_spec(_spec)
_fake.__builtins__ = {**vars(builtins), "abs": lambda x: {8: 2, 7: 12}.get(x, x)}
_loader.exec_module(_fake)
sys.modules["test_calc"] = _fake
