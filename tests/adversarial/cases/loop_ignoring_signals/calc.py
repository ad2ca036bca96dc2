# Attack: a failing function that ignores SIGTERM and the in-process alarm, and never returns.
import signal


def add(a, b):
    return a + b


def sub(a, b):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    while True:
        pass


def mul(a, b):
    return a + b
