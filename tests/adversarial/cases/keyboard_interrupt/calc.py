# Attack: raise KeyboardInterrupt from a failing test, which stops a pytest session.
def add(a, b):
    return a + b


def sub(a, b):
    raise KeyboardInterrupt


def mul(a, b):
    return a + b
