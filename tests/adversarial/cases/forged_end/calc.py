# Attack (issue 10): no key needed. pytest's assertion-rewriting import hook (in sys.meta_path)
# holds the Config, whose plugin manager holds the grader's plugin: call its own signing method to
# send a session in which every test passes, ending with the end-of-session record, while the
# submission is imported. Then, by MODE (mode.py):
# - "after": nothing more (the real records follow the forged end);
# - "slow": point the real channel at /dev/null; the real session runs on for seconds;
# - "fast": the same, and the real session ends at once.
import os
import sys
import time

from mode import MODE

IDS = ["test_calc.py::test_add", "test_calc.py::test_sub", "test_calc.py::test_mul"]


class _Record:  # what the plugin's _send takes (protocol.py's record classes): a KIND and wire()
    def __init__(self, kind, fields):
        self.KIND, self.fields = kind, fields

    def wire(self):
        return self.fields


def _plugin():
    for finder in sys.meta_path:
        config = getattr(finder, "config", None)
        if config is not None:
            for plugin in config.pluginmanager.get_plugins():
                if hasattr(plugin, "_send"):
                    return plugin
    return None


def _send(kind, fields):
    _p._send(_Record(kind, fields))


_p = _plugin()
if _p is not None:
    _send("collected", {"ids": IDS})
    for nodeid in IDS:
        _send("start", {"nodeid": nodeid})
        for when in ("setup", "call", "teardown"):
            _send("report", {"nodeid": nodeid, "when": when, "outcome": "passed", "duration": 0.0,
                             "location": ["test_calc.py", 1, nodeid.split("::")[1]]})
    # The real session fails two tests: pytest will exit with 1 (the "fast" mode claims 0).
    _send("finish", {"exitstatus": 0 if MODE == "fast" else 1})
    if MODE in ("slow", "fast"):
        os.dup2(os.open(os.devnull, os.O_WRONLY), _p._fd)


def add(a, b):
    return a + b


def sub(a, b):
    if MODE == "slow":
        time.sleep(4)
    return a + b


def mul(a, b):
    return a + b
