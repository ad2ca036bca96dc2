# Attack: write a byte without a newline into every pipe while a failing test runs. On the
# grader's results channel that byte joins the next record (the failed call's report), which then
# fails its signature check and is dropped: without the phase-order check the test would pass on
# its setup and teardown alone. Only `import os`.
import contextlib
import os


def garble():
    for fd in range(3, 256):
        with contextlib.suppress(OSError):
            os.write(fd, b"x")


def add(a, b):
    return a + b


def sub(a, b):
    garble()
    return a + b


def mul(a, b):
    garble()
    return a + b
