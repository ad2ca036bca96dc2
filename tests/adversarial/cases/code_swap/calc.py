# Attack: on the first call, give the other tests the code of a function that passes (setattr
# with a computed name: the static scan cannot read it).
import contextlib
import sys


def _passes():
    pass


_done = []


def _swap():
    if _done:
        return
    _done.append(True)
    module = sys.modules["test_calc"]
    for name in ("test_sub", "test_mul"):
        with contextlib.suppress(Exception):  # the attack goes on whatever happens
            setattr(getattr(module, name), "__co" + "de__", getattr(_passes, "__co" + "de__"))


def add(a, b):
    _swap()
    return a + b


def sub(a, b):
    return a + b


def mul(a, b):
    return a + b
