"""The supervisor's side of one test process (child.py): starting it, reading its signed records
from the channel pipe (bounded), draining its output, releasing each test, killing and reaping it.

Standard library only: it runs in the runner image (see supervisor.py).
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import threading
import time

if __package__:  # on the host, as grader.sandbox.inside.child_io (tests, type checks)
    from .processes import kill_everything_else, live_processes
else:  # in the container: supervisor.py put /opt/grader on sys.path
    from processes import kill_everything_else, live_processes  # type: ignore[no-redef]

OUTPUT_LIMIT = 64 * 1024  # bytes of the session's stdout/stderr kept for the report
# Bytes of one record from the child. The plugin's largest (a teardown with 12 sections of 8K
# characters, escaped to ASCII JSON: up to 12 bytes per character) stays under 1.5 MB.
RECORD_LIMIT = 2 * 1024 * 1024
CHANNEL_LIMIT = 64 * 1024 * 1024  # bytes read from the child's channel in all
HERE = os.path.dirname(os.path.abspath(__file__))
CHILD = os.path.join(HERE, "child.py")


class ForkedProcess:
    """A test process forked by `fork_child`, with the part of Popen's interface run_child uses: `pid`,
    `poll()`, `wait(timeout)` (subprocess.TimeoutExpired), exit codes as Popen's (-N: killed by signal N)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        return self._reap(os.WNOHANG)

    def wait(self, timeout: float | None = None) -> int:
        if timeout is None:
            code = self._reap(0)
            assert code is not None
            return code
        deadline = time.monotonic() + timeout
        delay = 0.0005
        while (code := self._reap(os.WNOHANG)) is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise subprocess.TimeoutExpired([CHILD], timeout)
            delay = min(delay * 2, remaining, 0.05)
            time.sleep(delay)
        return code

    def _reap(self, flags: int) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, flags)
            except ChildProcessError:  # reaped elsewhere (kill_everything_else): its status is lost, as Popen's
                self.returncode = 0
                return 0
            if pid == self.pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode


def fork_child(stdin: int, output: int, keep: tuple[int, ...], *, workspace: str, env: dict[str, str]) -> ForkedProcess:
    """The first test process, forked from the supervisor instead of started as a new interpreter: it
    shares the modules the supervisor already imported (about 30 ms of CPU less in a 1-CPU sandbox, issue
    #15). Called once, before the supervisor reads anything from the host (so before the run's key exists
    in this process), before it makes itself non-dumpable (child.py raises its own OOM score first, which
    a non-dumpable process cannot: /proc/self/oom_score_adj is then root's) and before it starts any
    thread. In the child, before anything else: stdin becomes its configuration pipe (never the host's
    settings), stdout and stderr its output pipe (never the container's stdout, where the host reads the
    signed frame), every other descriptor but `keep` closed; then it becomes what `python -I -B child.py`
    would be (a new session, the same environment, none of the supervisor's modules importable by name;
    the supervisor runs as `python -I -B` too, so the flags, the site-packages and the `exit` builtins
    are the same) and runs child.py."""
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    # Bound before the fork, in this frame: the submission can reach this module's globals (os included)
    # through f_back and replace os._exit; the child must never return into the supervisor's code.
    exit_now = os._exit
    pid = os.fork()
    if pid:
        return ForkedProcess(pid)
    code = 70
    try:
        os.dup2(stdin, 0)
        os.dup2(output, 1)
        os.dup2(output, 2)
        for fd in [int(name) for name in os.listdir("/proc/self/fd")]:
            if fd > 2 and fd not in keep:
                with contextlib.suppress(OSError):
                    os.close(fd)
        os.setsid()
        os.chdir(workspace)
        os.environ.clear()
        os.environ.update(env)
        code = become_child()
    except SystemExit as exc:
        code = exit_status(exc.code)
    except BaseException:  # its traceback goes to the output pipe (the report's); the exit status says it failed
        try:
            import traceback

            traceback.print_exc()
        except BaseException:  # a replaced stream may raise anything, SystemExit included
            pass
        code = 70
    finally:
        # try/except, not contextlib.suppress: no name the submission could have replaced is looked up here
        for stream in (sys.stdout, sys.stderr):
            try:  # noqa: SIM105
                stream.flush()
            except BaseException:  # as above: nothing may stop the exit below
                pass
        try:
            exit_now(code if type(code) is int and 0 <= code <= 255 else 70)
        finally:  # `type` is a builtin the submission may have replaced: a literal then
            exit_now(70)


def exit_status(code: object) -> int:
    """The exit status the interpreter gives `sys.exit(code)`: None 0, an int modulo 256 (255 beyond a C
    long), anything else 1. Only an exact int is computed with (a subclass could answer `&` as it likes)."""
    if code is None:
        return 0
    if type(code) is int:
        return code & 0xFF if -(2**63) <= code < 2**63 else 255
    return 1


def become_child() -> int:
    """In a forked child: forget the supervisor, run child.py as `__main__` (it ends with os._exit)."""
    import importlib.util

    # Our modules (protocol, session...) must not stand in for a submission's files of the same names;
    # ctypes must be imported anew to reach the audit hook (child.make_undumpable does the same).
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None) or ""
        if name == "__main__" or path.startswith(HERE + os.sep) or name.split(".")[0] in ("ctypes", "_ctypes"):
            del sys.modules[name]
    sys.path[:] = [p for p in sys.path if p != HERE]
    sys.argv = [CHILD]
    spec = importlib.util.spec_from_file_location("__main__", CHILD)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    module.__spec__ = None  # as for a script `python` runs
    sys.orig_argv = [sys.executable, "-I", "-B", CHILD]
    sys.modules["__main__"] = module
    spec.loader.exec_module(module)
    return 0


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
    """One pytest process plus its pipes: started with `fork` (see `fork_child`) or as a new interpreter,
    then told what to run with `configure`."""

    def __init__(self, sink: OutputSink, *, workspace: str, fork: bool = False) -> None:
        self.workspace = workspace
        chan_r, chan_w = os.pipe()
        out_r, out_w = os.pipe()
        # The child waits on this pipe at each test's start until leftovers of the test before it are
        # killed (see kill_leftovers): a process the next test starts is never mistaken for one.
        ack_r, self.ack = os.pipe()
        conf_r, self.conf = os.pipe()  # the child's stdin: its configuration, then end-of-file
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": "/tmp",
            "LANG": "C.UTF-8",
            "TMPDIR": "/tmp",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        self.proc: subprocess.Popen[bytes] | ForkedProcess
        if fork:
            self.proc = fork_child(conf_r, out_w, (chan_w, ack_r), workspace=workspace, env=env)
        else:
            self.proc = subprocess.Popen(
                [sys.executable, "-I", "-B", CHILD],
                stdin=conf_r,
                stdout=out_w,
                stderr=out_w,
                pass_fds=(chan_w, ack_r),
                cwd=workspace,
                env=env,
                start_new_session=True,
            )
        for fd in (conf_r, chan_w, out_w, ack_r):
            os.close(fd)
        self.key = os.urandom(32)  # the child's channel key (made after a fork: not in the child's copy of this frame)
        self.fds = (chan_w, ack_r)  # the child's numbers of its ends (kept as they are by fork and pass_fds)
        self.channel = chan_r
        self.drainer = threading.Thread(target=sink.drain, args=(out_r,), daemon=True)
        self.drainer.start()
        self.buffer = b""
        self.read_total = 0

    def configure(self, skip: set[str], *, rootdir: str, test_timeout: float) -> None:
        """Tell the waiting child what to run (child.py reads this line, then runs pytest)."""
        chan_w, ack_r = self.fds
        line = json.dumps(
            {
                "fd": chan_w,
                "ack_fd": ack_r,
                "key": self.key.hex(),
                "skip": sorted(skip),
                "test_timeout": test_timeout,
                "workspace": self.workspace,
                "rootdir": rootdir,
            }
        )
        data = memoryview((line + "\n").encode())
        with contextlib.suppress(BrokenPipeError):  # the child is already gone: its exit status says why
            while data:
                data = data[os.write(self.conf, data) :]
        os.close(self.conf)

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
