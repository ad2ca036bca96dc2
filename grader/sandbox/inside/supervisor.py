"""The trusted process of the sandbox: runs pytest on the student's code in a child and reports.

Why a separate process: student code runs inside pytest, so anything in that process can be
tampered with. This process never imports student code, makes itself non-dumpable (uid 1000 cannot
read its memory, open its /proc fds or ptrace it), and is the only writer of the signed frames the
host accepts. It:

1. reads the run's secret key and settings from stdin (one JSON line), before any student code runs;
2. copies the submission into the writable workspace;
3. runs pytest in a child (child.py + plugin.py), checking each streamed record (signature, order,
   no duplicates, only collected ids);
4. enforces the per-test timeout with SIGKILL when the in-process alarm did not stop a test, marks
   that test as an error, and restarts pytest with the tests that have not run; likewise when the
   child dies (out of memory, os._exit, a crash);
5. kills every leftover process of the sandbox user after each child;
6. writes the JUnit XML (pytest's xunit1 format) and one HMAC-signed frame to stdout.

Standard library and pytest only: this file runs in the runner image.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import hmac
import json
import os
import select
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

OUTPUT_LIMIT = 64 * 1024  # bytes of the session's stdout/stderr kept for the report
# Bytes of one record from the child. The plugin's largest (a teardown with 12 sections of 8K
# characters, escaped to ASCII JSON: up to 12 bytes per character) stays under 1.5 MB.
RECORD_LIMIT = 2 * 1024 * 1024
CHANNEL_LIMIT = 64 * 1024 * 1024  # bytes read from the child's channel in all
MAX_RESTARTS = 200
# The child exits as soon as it has sent its end-of-session record (child.py): still running this
# long after one means the record was forged (the real session goes on, its channel redirected).
FINISH_GRACE = 2.0
PLUGIN_FINDINGS = ("framework-tampering", "test-tampering", "refused-operation")  # what the plugin may report
# A test deaf to the in-process alarm (stuck in C code) is killed this long after its test-timeout.
TEST_KILL_GRACE = 1.0
HERE = os.path.dirname(os.path.abspath(__file__))


@dataclass
class Settings:
    key: bytes
    timeout: float
    test_timeout: float
    memory_limit: str
    submission: str = "/mnt/submission"
    workspace: str = "/workspace"
    rootdir: str = "/mnt/tests"
    # Seconds the whole-run deadline may move for the grader's own kill and restart time (the host's
    # wall clock allows for it): the student's budget is spent running tests, not restarting pytest.
    overhead_budget: float = 0.0


@dataclass
class RunState:
    """What the supervisor has learnt across all child runs."""

    collected: list[str] = field(default_factory=list)  # in collection order
    collected_set: set[str] = field(default_factory=set)
    done: set[str] = field(default_factory=set)  # teardown reported or killed
    phases: dict[str, set[str]] = field(default_factory=dict)
    findings: list[dict[str, str]] = field(default_factory=list)
    finding_keys: set[tuple[str, str]] = field(default_factory=set)
    exit_codes: list[int] = field(default_factory=list)
    restarts: int = 0
    timed_out: bool = False
    oom: bool = False
    run_error: str | None = None
    collection_failed: bool = False
    conflicting: list[str] = field(default_factory=list)  # collected tests with conflicting reports
    distrusted: bool = False  # see distrust(): every test collected, now or later, is an error
    setup_passed: dict[str, bool] = field(default_factory=dict)
    overhead: float = 0.0  # seconds of kills and restarts, added to the deadline (see Settings)
    paused_at: float = 0.0  # when the last child ended early, until the next one has collected

    def distrust(self, detail: str) -> None:
        """The record stream itself was forged: no result of this run can be trusted, every test is an error."""
        self.finding("forged-session", detail)
        for nodeid in self.collected:
            self.conflict(nodeid)
        self.distrusted = True

    def conflict(self, nodeid: str) -> None:
        """The test's reports cannot be trusted: it ends as an error (see fail_conflicting) and never reruns."""
        if nodeid not in self.conflicting:
            self.conflicting.append(nodeid)
        self.done.add(nodeid)

    def finding(self, kind: str, detail: str, path: str | None = None) -> None:
        if (kind, detail) in self.finding_keys or len(self.findings) >= 50:
            return
        self.finding_keys.add((kind, detail))
        item = {"kind": kind, "detail": detail}
        if path:
            item["path"] = path
        self.findings.append(item)


# -- process hygiene -------------------------------------------------------------------------------


def make_undumpable() -> None:
    """PR_SET_DUMPABLE 0: /proc/<pid>/{mem,fd,environ} become root-only and ptrace is refused."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(4, 0, 0, 0, 0)
    except OSError:
        pass


def kill_everything_else() -> bool:
    """SIGKILL every process this user may signal except ourselves and init. True if any existed."""
    try:
        os.kill(-1, signal.SIGKILL)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False
    # Reap what was ours; others are reaped by init.
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            time.sleep(0.01)
    return True


def kill_leftovers(keep: int) -> int:
    """SIGKILL every process but init, ourselves and `keep` (the test process): how many there were.

    Called at each test boundary, so processes a test left spinning cannot eat the next test's
    CPU time. Repeated until none is left, as a process may fork while the others are killed.
    """
    killed: set[int] = set()
    for _ in range(100):
        pids = [pid for pid in live_processes() if pid != keep]
        if not pids:
            break
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
            killed.add(pid)
        time.sleep(0.002)
    return len(killed)


def live_processes() -> list[int]:
    """Processes other than init and ourselves that are still running (zombies do not count)."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) in (1, os.getpid()):
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                state = fh.read().rpartition(b")")[2].split()[0]
        except (OSError, IndexError):
            continue  # gone meanwhile
        if state not in (b"Z", b"X"):
            found.append(int(name))
    return found


def oom_kill_count() -> int | None:
    """The cgroup's count of OOM kills (cgroup v2 memory.events, or v1 memory.oom_control)."""
    for path in ("/sys/fs/cgroup/memory.events", "/sys/fs/cgroup/memory/memory.oom_control"):
        try:
            with open(path) as fh:
                for line in fh:
                    name, _, value = line.partition(" ")
                    if name == "oom_kill":
                        return int(value)
        except (OSError, ValueError):
            continue
    return None


def copy_submission(src: str, dst: str, state: RunState) -> None:
    """Copy the staged submission into the workspace. Regular files and folders only."""
    for dirpath, dirnames, filenames in os.walk(src, followlinks=False):
        rel = os.path.relpath(dirpath, src)
        target_dir = dst if rel == "." else os.path.join(dst, rel)
        os.makedirs(target_dir, exist_ok=True)
        for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            source = os.path.join(dirpath, name)
            st = os.lstat(source)
            if not stat.S_ISREG(st.st_mode):
                continue  # the host never stages links, but the check costs nothing
            try:
                shutil.copyfile(source, os.path.join(target_dir, name), follow_symlinks=False)
            except OSError as exc:  # e.g. the workspace is full
                state.finding("workspace", f"could not copy {os.path.join(rel, name)}: {exc.strerror}")


# -- the child ---------------------------------------------------------------------------------------


class OutputSink:
    """Drains the child's stdout+stderr without ever holding more than OUTPUT_LIMIT bytes."""

    def __init__(self) -> None:
        self.head = bytearray()
        self.total = 0
        self.lock = threading.Lock()

    def drain(self, fd: int) -> None:
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            with self.lock:
                self.total += len(chunk)
                room = OUTPUT_LIMIT - len(self.head)
                if room > 0:
                    self.head += chunk[:room]
        os.close(fd)

    def text(self) -> str:
        text = self.head.decode("utf-8", "replace")
        if self.total > len(self.head):
            text += f"\n... ({self.total - len(self.head)} more bytes of output cut by the grader)"
        return text


class Child:
    """One pytest process plus its two pipes."""

    def __init__(self, settings: Settings, skip: set[str], sink: OutputSink) -> None:
        self.key = os.urandom(32)  # the child's channel key; never leaves this run
        chan_r, chan_w = os.pipe()
        out_r, out_w = os.pipe()
        # The child waits on this pipe at each test's start until leftovers of the test before it are
        # killed (see kill_leftovers): a process the next test starts is never mistaken for one.
        ack_r, self.ack = os.pipe()
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": "/tmp",
            "LANG": "C.UTF-8",
            "TMPDIR": "/tmp",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-B", os.path.join(HERE, "child.py")],
            stdin=subprocess.PIPE,
            stdout=out_w,
            stderr=out_w,
            pass_fds=(chan_w, ack_r),
            cwd=settings.workspace,
            env=env,
            start_new_session=True,
            preexec_fn=_raise_oom_score,
        )
        os.close(chan_w)
        os.close(out_w)
        os.close(ack_r)
        self.channel = chan_r
        self.drainer = threading.Thread(target=sink.drain, args=(out_r,), daemon=True)
        self.drainer.start()
        line = json.dumps(
            {
                "fd": chan_w,
                "ack_fd": ack_r,
                "key": self.key.hex(),
                "skip": sorted(skip),
                "test_timeout": settings.test_timeout,
                "workspace": settings.workspace,
                "rootdir": settings.rootdir,
            }
        )
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write((line + "\n").encode())
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        self.buffer = b""
        self.read_total = 0

    def records(self, timeout: float) -> tuple[list[bytes], bool]:
        """Lines available within `timeout` seconds, and whether the channel is closed."""
        ready, _, _ = select.select([self.channel], [], [], max(0.0, timeout))
        if not ready:
            return [], False
        try:
            chunk = os.read(self.channel, 1 << 20)
        except OSError:
            chunk = b""
        if not chunk:
            return [], True
        self.read_total += len(chunk)
        self.buffer += chunk
        lines = self.buffer.split(b"\n")
        self.buffer = lines.pop()
        if len(self.buffer) > RECORD_LIMIT:  # a record this long is not ours
            lines.append(self.buffer[:RECORD_LIMIT])
            self.buffer = b""
        return lines, self.read_total > CHANNEL_LIMIT

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)

    def release(self) -> None:
        """Let the child start the test it announced."""
        with contextlib.suppress(OSError):
            os.write(self.ack, b"g")

    def close(self) -> tuple[int, bool]:
        """Wait for the child, kill whatever it left (True if anything was alive), close the pipes."""
        code = self.proc.wait()
        stray = bool(live_processes())
        # Before joining the drainer: a leftover process (a daemon) holds the output pipe open.
        kill_everything_else()
        os.close(self.channel)
        os.close(self.ack)
        self.drainer.join(timeout=2)
        return code, stray


def _raise_oom_score() -> None:
    # Make the child, not the supervisor, the OOM killer's first choice (raising needs no privilege).
    try:
        with open("/proc/self/oom_score_adj", "w") as fh:
            fh.write("1000")
    except OSError:
        pass


# -- reports -----------------------------------------------------------------------------------------


def synthetic_error(nodeid: str, location: list[Any] | None, message: str) -> list[dict[str, Any]]:
    """Records for a test the supervisor had to stop: a failed call, then a teardown that closes it."""
    loc = location or [nodeid.split("::")[0], None, nodeid.split("::")[-1]]
    common = {"nodeid": nodeid, "location": loc, "duration": 0.0}
    return [
        {**common, "when": "call", "outcome": "failed", "text": message, "crash": message},
        {**common, "when": "teardown", "outcome": "passed"},
    ]


# -- main loop ---------------------------------------------------------------------------------------


def run_child(settings: Settings, state: RunState, xml: Any, sink: OutputSink, deadline: float) -> str:
    """Run pytest once over the tests not yet done.

    Returns why it ended: finished|crashed|interrupted|timeout|timeout-test|stalled.
    """
    child = Child(settings, state.done, sink)
    current: str | None = None
    current_loc: list[Any] | None = None
    started = 0.0
    finished = False
    finished_at = 0.0
    finish_status: Any = None
    hard_limit = settings.test_timeout + TEST_KILL_GRACE
    previous = "the test collection (code run when the submission was imported)"
    ended = "crashed"
    progress = False
    interrupted = ""
    oom_before = oom_kill_count()
    try:
        while True:
            now = time.monotonic()
            limit = deadline + min(state.overhead, settings.overhead_budget)
            wait = limit - now
            if current is not None:
                wait = min(wait, started + hard_limit - now)
            lines, closed = child.records(min(wait, 0.5))
            for raw in lines:
                record = verify(raw, child.key, state)
                if record is None:
                    # Only code in the child writing into the channel makes a bad record; it may have
                    # swallowed the running test's report (bytes without a newline join the next
                    # record), so that test cannot be trusted.
                    if current is not None:
                        state.conflict(current)
                    continue
                kind, data = record["k"], record["d"]
                if finished:
                    state.distrust("the child wrote to the results channel after its end-of-session record")
                    continue
                if kind == "collected":
                    if state.paused_at:  # a restart: its start-up is the grader's time, not the run's
                        state.overhead += time.monotonic() - state.paused_at
                        state.paused_at = 0.0
                    ids = [str(i) for i in data.get("ids", [])][:100_000]
                    for nodeid in ids:
                        if nodeid not in state.collected_set:
                            state.collected_set.add(nodeid)
                            state.collected.append(nodeid)
                elif kind == "collect-error":
                    state.collection_failed = True
                    xml.collect_error(str(data.get("nodeid", "")), str(data.get("text", "")))
                elif kind == "start":
                    leftovers = kill_leftovers(child.proc.pid)
                    if leftovers:
                        state.finding("leaked-processes", f"{previous}: left {leftovers} process(es) running "
                                      "after it ended; they were killed before the next test")
                    child.release()
                    current = str(data.get("nodeid"))
                    current_loc = None
                    started = time.monotonic()
                elif kind == "report":
                    nodeid = str(data.get("nodeid"))
                    when = str(data.get("when"))
                    if not accept_phase(nodeid, when, str(data.get("outcome")), state):
                        continue
                    current_loc = data.get("location")
                    xml.phase(clean_record(data))
                    if when == "setup":
                        started = time.monotonic()  # the test-timeout applies to the call
                    if when == "teardown":
                        state.done.add(nodeid)
                        progress = True
                        current = None
                        previous = nodeid
                elif kind == "finish":
                    finished = True
                    finished_at = time.monotonic()
                    finish_status = data.get("exitstatus")
                    ended = "finished"
                elif kind == "interrupted":  # KeyboardInterrupt or pytest.exit() stopped the session
                    interrupted = str(data.get("message", ""))[:500] or "interrupted"
                elif kind == "finding" and data.get("kind") in PLUGIN_FINDINGS:
                    # The plugin saw the framework or the test code modified (plugin._Guard, fingerprint.py),
                    # or its audit hook refused an operation (audit.py); it failed the test itself.
                    state.finding(str(data["kind"]), str(data.get("detail", ""))[:500])
            if closed and finished:  # the channel's end: the child's, or a redirect after a forged end record
                with contextlib.suppress(subprocess.TimeoutExpired):
                    child.proc.wait(timeout=max(0.0, finished_at + FINISH_GRACE - time.monotonic()))
            gone = closed or (not lines and child.proc.poll() is not None)
            if gone and not (finished and child.proc.poll() is None):
                break  # the child is gone (a daemon it left may still hold the channel open)
            now = time.monotonic()
            if finished and now > finished_at + FINISH_GRACE:
                # The session ends when the child process ends, never because of a record: a child
                # still running after its end record is a real session whose records go elsewhere.
                state.distrust(f"the test process was still running {FINISH_GRACE:g} s after its end-of-session "
                               "record (a forged end): it was killed")
                child.kill()
                break
            if current is not None and now >= started + hard_limit:
                child.kill()
                kill_everything_else()
                state.overhead += TEST_KILL_GRACE  # the grace is the grader's, not the student's
                close_test(state, xml, current, current_loc, f"timed out after {settings.test_timeout:g} s "
                           "(test-timeout); the test was killed")
                state.finding("killed-test", f"{current}: ignored the test timeout and was killed")
                return "timeout-test"
            if now >= limit:
                child.kill()
                state.timed_out = True
                if current is not None:
                    close_test(state, xml, current, current_loc, f"timed out after {settings.timeout:g} s "
                               "(the whole run's timeout)")
                ended = "timeout"
                break
    finally:
        if child.proc.poll() is None:
            child.kill()  # the test process and its process group; what escaped it counts as stray
        code, stray = child.close()
        state.exit_codes.append(code)
        if finished and not state.distrusted and code != finish_status:
            state.distrust(f"the test process exited with code {code}, its end-of-session record said "
                           f"{finish_status!r}")
        if stray:
            state.finding("stray-process", "a process started by the submission outlived pytest and was killed")
    if ended == "crashed":
        oom_after = oom_kill_count()
        oom = code == -signal.SIGKILL and oom_before is not None and oom_after is not None and oom_after > oom_before
        state.oom = state.oom or oom
        why = (
            f"out of memory (limit {settings.memory_limit})"
            if oom
            else f"the test process exited with code {code} before the test finished"
            if code >= 0
            else f"the test process was killed by signal {-code}"
        )
        if current is not None:
            close_test(state, xml, current, current_loc, why)
            return "crashed"
        if not progress and not state.collected:
            state.run_error = "the test session ended before collecting any test: " + why
        elif code >= 0:
            state.finding("early-exit", f"pytest exited early ({why})")
        return "crashed" if progress else "stalled"
    if ended == "finished" and current is not None and current not in state.done:
        # The session ended in the middle of a test (KeyboardInterrupt, pytest.exit(), SystemExit from
        # a hook...): that test is an error, and the tests after it still run in a new child.
        why = f"the test stopped the test session ({interrupted or 'ended early'})"
        close_test(state, xml, current, current_loc, why)
        state.finding("early-exit", f"{current}: {why}")
        return "interrupted"
    return ended


def close_test(state: RunState, xml: Any, nodeid: str, loc: list[Any] | None, message: str) -> None:
    if nodeid in state.done:
        return
    call, teardown = synthetic_error(nodeid, loc, message)
    xml.phase(call)
    # The grader.status property marks the test as stopped by the grader (an error, not a failure).
    xml.phase(teardown, properties=[("grader.status", "error")])
    state.done.add(nodeid)


def clean_record(data: dict[str, Any]) -> dict[str, Any]:
    """Only the fields the writer uses, with the types it expects (the record comes from untrusted code)."""
    location = data.get("location")
    if not (isinstance(location, list) and len(location) == 3):
        location = None
    else:
        location = [str(location[0]), location[1] if isinstance(location[1], int) else None, str(location[2])]
    out: dict[str, Any] = {
        "nodeid": str(data.get("nodeid")),
        "when": str(data.get("when")),
        "outcome": data.get("outcome") if data.get("outcome") in ("passed", "failed", "skipped") else "failed",
        "duration": float(data["duration"]) if isinstance(data.get("duration"), int | float) else 0.0,
        "location": location,
    }
    for key in ("text", "crash", "wasxfail"):
        if key in data:
            out[key] = str(data[key])[:65536]
    if isinstance(data.get("subtests"), dict):  # checked and bounded by junitxml.subtest_summary
        out["subtests"] = data["subtests"]
    if data.get("xfail_run_time") is True:
        out["xfail_run_time"] = True
    skip = data.get("skip")
    if isinstance(skip, list) and len(skip) == 3:
        out["skip"] = [str(skip[0]), skip[1] if isinstance(skip[1], int) else None, str(skip[2])[:4096]]
    sections = data.get("sections")
    if isinstance(sections, list):
        out["sections"] = [[str(t), str(c)[:16384]] for t, c in (x for x in sections[:12] if isinstance(x, list)
                                                                  and len(x) == 2)]
    return out


def accept_phase(nodeid: str, when: str, outcome: str, state: RunState) -> bool:
    """setup, call (only after a passed setup) and teardown, once each and in that order.

    That is what pytest reports for every test. Anything else means the record stream was tampered
    with: a second report (someone else holds the channel's key) or a missing one (bytes written
    into the channel swallowed it, e.g. a failed call's report, leaving a passed setup and teardown).
    Neither the first report nor the rest can be trusted then: the test ends as an error.
    """
    if nodeid not in state.collected_set:
        state.finding("unexpected-report", f"a report for {nodeid!r} ({when}) did not fit the run and was ignored")
        return False
    seen = state.phases.setdefault(nodeid, set())
    order = {"setup": 0, "call": 1, "teardown": 2}
    setup_passed = state.setup_passed.get(nodeid)
    missing = (
        (when == "call" and setup_passed is not True)
        or (when == "teardown" and "call" not in seen and setup_passed is not False)
    )
    if (nodeid in state.done or when not in order or when in seen or missing
            or any(order[p] > order[when] for p in seen)):
        state.finding("unexpected-report", f"conflicting reports for {nodeid!r} (a duplicate, missing or "
                      "out-of-order phase): the test counts as an error")
        state.conflict(nodeid)
        return False
    seen.add(when)
    if when == "setup":
        state.setup_passed[nodeid] = outcome == "passed"
    return True


def fail_conflicting(state: RunState, xml: Any) -> None:
    """Add an error for every test with conflicting reports (the parser keeps a test's worst outcome)."""
    message = "conflicting results were reported for this test (the results channel was tampered with)"
    for nodeid in state.conflicting:
        call, teardown = synthetic_error(nodeid, None, message)
        xml.phase(call)
        xml.phase(teardown, properties=[("grader.status", "error")])


def verify(raw: bytes, key: bytes, state: RunState) -> dict[str, Any] | None:
    mac, _, body = raw.partition(b" ")
    expected = hmac.new(key, body, hashlib.sha256).hexdigest().encode()
    if not hmac.compare_digest(mac, expected):
        state.finding("forged-record", "the results channel carried a record the grader did not sign")
        return None
    try:
        record = json.loads(body)
    except ValueError:
        return None
    if not isinstance(record, dict) or not isinstance(record.get("d"), dict):
        return None
    return record


def write_frame(key: bytes, payload: dict[str, Any]) -> None:
    from protocol import frame_line  # main() put our folder on sys.path

    out = sys.__stdout__
    assert out is not None
    out.write(frame_line(key, payload))
    out.flush()


def main() -> int:
    make_undumpable()
    line = sys.stdin.readline()
    config = json.loads(line)
    settings = Settings(
        key=bytes.fromhex(config["key"]),
        timeout=float(config["timeout"]),
        test_timeout=float(config["test_timeout"]),
        memory_limit=str(config.get("memory_limit", "")),
        rootdir=str(config.get("rootdir", "/mnt/tests")),
        overhead_budget=float(config.get("overhead_budget", 0.0)),
    )
    begin = time.monotonic()
    # Leave a margin so the frame is written before the host's own deadline kills the container.
    deadline = begin + max(1.0, settings.timeout - 1.0)
    state = RunState()
    copy_submission(settings.submission, settings.workspace, state)

    sys.path.insert(0, HERE)  # our own modules only: -I left the script's folder off the path
    from junitxml import JUnitWriter

    xml = JUnitWriter()
    sink = OutputSink()
    ended = ""
    while True:
        ended = run_child(settings, state, xml, sink, deadline)
        remaining = [n for n in state.collected if n not in state.done]
        if ended in ("finished", "timeout", "stalled") or not remaining:
            break
        if state.restarts >= MAX_RESTARTS or time.monotonic() >= deadline + min(state.overhead,
                                                                                 settings.overhead_budget):
            break
        state.restarts += 1
        state.paused_at = time.monotonic()
    if ended == "timeout":
        state.run_error = f"timed out after {settings.timeout:g} s"
    elif ended == "finished" and not state.collected and not state.collection_failed:
        state.run_error = state.run_error or "pytest collected no tests"
    fail_conflicting(state, xml)
    junit = xml.xml(time.monotonic() - begin)
    write_frame(
        settings.key,
        {
            "junit": junit,
            "meta": {
                "ended": ended,
                "exit_codes": state.exit_codes[-20:],
                "restarts": state.restarts,
                "timed_out": state.timed_out,
                "oom": state.oom,
                "run_error": state.run_error,
                "findings": state.findings,
                "output": sink.text(),
                "duration_s": round(time.monotonic() - begin, 3),
            },
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
