# Attack: end the test process with exit code 0 in the middle of a failing test.
import os


def add(a, b):
    return a + b


def sub(a, b):
    os._exit(0)


def mul(a, b):
    return a + b
