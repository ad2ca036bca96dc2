# Attack: raise SystemExit(0) from a failing test (pytest counts it as a failure).
def add(a, b):
    return a + b


def sub(a, b):
    raise SystemExit(0)


def mul(a, b):
    return a + b
