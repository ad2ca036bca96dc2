# The honest part of every calc submission: add is right, sub and mul are wrong -> 1/3.


def add(a, b):
    return a + b


def sub(a, b):
    return a + b


def mul(a, b):
    return a + b
