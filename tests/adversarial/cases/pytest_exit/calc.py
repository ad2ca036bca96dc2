# Attack: end the pytest session "successfully" from a failing test.
import pytest


def add(a, b):
    return a + b


def sub(a, b):
    pytest.exit("all good", returncode=0)


def mul(a, b):
    return a + b
