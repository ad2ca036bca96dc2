"""Process hygiene of the sandbox's supervisor: what it does to itself and to the processes of the
sandbox user (uid 1000) that a test leaves behind, and the cgroup's out-of-memory count.

Standard library only: it runs in the runner image (see supervisor.py).
"""

from __future__ import annotations

import contextlib
import os
import signal
import time


def make_undumpable() -> None:
    """PR_SET_DUMPABLE 0: /proc/<pid>/{mem,fd,environ} become root-only and ptrace is refused."""
    # Imported here, not with the module: the forked test process can reach this module's globals from its
    # frames (child_io.fork_child), and must not find ctypes there.
    import ctypes

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
