# Honest-behaviour check, not an attack: the first test process is forked from the supervisor, the ones
# after a crash are fresh interpreters. A submission must not be able to tell them apart by what is
# already imported when its module is imported (a file named like a module the fork still held would
# be the standard library's there and the student's own in a fresh process), nor by their OOM score (the
# test process, not the supervisor, is the OOM killer's first choice). Print the loaded modules
# at import (to a file: pytest captures what collection prints), then crash the first process from `add`
# so that the module is imported again in a fresh one, whose failing `sub` prints both lists.
import os
import sys

_CRASHED = "/tmp/fork_vs_fresh_crashed"
_SEEN = "/tmp/fork_vs_fresh_modules"
with open(_SEEN, "a") as _fh, open("/proc/self/oom_score_adj") as _adj:
    _fh.write("modules at import: " + ",".join(sorted(name for name in sys.modules if name != "calc")) + "\n")
    _fh.write("oom_score_adj at import: " + _adj.read().strip() + "\n")


def add(a, b):
    if not os.path.exists(_CRASHED):
        open(_CRASHED, "w").close()
        os._exit(3)
    return a + b


def sub(a, b):
    with open(_SEEN) as fh:
        print(fh.read())
    return a + b


def mul(a, b):
    return a + b
