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

if __package__:  # on the host, as grader.sandbox.inside.child_io (tests, type checks)
    from .processes import kill_everything_else, live_processes, raise_oom_score
else:  # in the container: supervisor.py put /opt/grader on sys.path
    from processes import kill_everything_else, live_processes, raise_oom_score  # type: ignore[no-redef]

OUTPUT_LIMIT = 64 * 1024  # bytes of the session's stdout/stderr kept for the report
# Bytes of one record from the child. The plugin's largest (a teardown with 12 sections of 8K
# characters, escaped to ASCII JSON: up to 12 bytes per character) stays under 1.5 MB.
RECORD_LIMIT = 2 * 1024 * 1024
CHANNEL_LIMIT = 64 * 1024 * 1024  # bytes read from the child's channel in all
HERE = os.path.dirname(os.path.abspath(__file__))


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

    def __init__(self, skip: set[str], sink: OutputSink, *, workspace: str, rootdir: str, test_timeout: float) -> None:
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
            cwd=workspace,
            env=env,
            start_new_session=True,
            preexec_fn=raise_oom_score,
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
                "test_timeout": test_timeout,
                "workspace": workspace,
                "rootdir": rootdir,
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
