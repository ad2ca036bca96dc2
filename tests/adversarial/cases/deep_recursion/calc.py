# Attack: recursion deep enough to overflow the C stack (the interpreter dies of SIGSEGV), and
# ordinary unbounded recursion (RecursionError).
import sys


def _down(n):
    return _down(n + 1) + 1


def add(a, b):
    return a + b


def sub(a, b):
    sys.setrecursionlimit(10**8)
    nested = []
    for _ in range(2_000_000):
        nested = [nested]
    return repr(nested)  # repr recurses in C, one C frame per level


def mul(a, b):
    sys.setrecursionlimit(1000)
    return _down(0)
