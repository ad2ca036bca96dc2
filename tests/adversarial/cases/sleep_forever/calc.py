# Attack: sleep forever in a failing test.
import time


def add(a, b):
    return a + b


def sub(a, b):
    time.sleep(10**9)


def mul(a, b):
    return a + b
