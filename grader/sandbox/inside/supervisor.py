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

Its parts: `processes.py` (what it does to processes), `child_io.py` (one test process and its
pipes), `protocol.py` (the records it accepts, the frame it writes), `session.py` (the state across
child runs and the rules on reports), `junitxml.py` (the XML); this module is the record loop and main.
Standard library and pytest only: these files run in the runner image, mounted at /opt/grader.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
if __package__:  # on the host, as grader.sandbox.inside.supervisor (tests, type checks)
    from . import protocol
    from .child_io import Child, OutputSink
    from .processes import kill_everything_else, kill_leftovers, make_undumpable, oom_kill_count
    from .session import RunState, accept_phase, close_test, fail_conflicting
else:  # in the container, run as a script with -I: our folder is not on the path until we put it there
    sys.path.insert(0, HERE)
    import protocol  # type: ignore[no-redef]
    from child_io import Child, OutputSink  # type: ignore[no-redef]
    from processes import kill_everything_else, kill_leftovers, make_undumpable, oom_kill_count  # type: ignore[no-redef]
    from session import RunState, accept_phase, close_test, fail_conflicting  # type: ignore[no-redef]

MAX_RESTARTS = 200
# The child exits as soon as it has sent its end-of-session record (child.py): still running this
# long after one means the record was forged (the real session goes on, its channel redirected).
FINISH_GRACE = 2.0
# A test deaf to the in-process alarm (stuck in C code) is killed this long after its test-timeout.
TEST_KILL_GRACE = 1.0


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


# -- main loop ---------------------------------------------------------------------------------------


def run_child(
    settings: Settings, state: RunState, xml: Any, sink: OutputSink, deadline: float, child: Child | None = None
) -> str:
    """Run pytest once over the tests not yet done, in `child` (started early, see main) or a new one.

    Returns why it ended: finished|crashed|interrupted|timeout|timeout-test|stalled.
    """
    child = child or Child(sink, workspace=settings.workspace)
    child.configure(state.done, rootdir=settings.rootdir, test_timeout=settings.test_timeout)
    current: str | None = None
    current_loc: protocol.Location | None = None
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
                try:
                    record = protocol.decode_record(raw, child.key)  # strict: see protocol.decode_record
                except protocol.RecordError as exc:
                    if not exc.signed:
                        state.finding("forged-record", str(exc))
                    # Only code in the child writing into the channel makes a bad record; it may have
                    # swallowed the running test's report (bytes without a newline join the next
                    # record), so that test cannot be trusted.
                    if current is not None:
                        state.conflict(current)
                    continue
                if finished:
                    state.distrust("the child wrote to the results channel after its end-of-session record")
                    continue
                if isinstance(record, protocol.Collected):
                    if state.paused_at:  # a restart: its start-up is the grader's time, not the run's
                        state.overhead += time.monotonic() - state.paused_at
                        state.paused_at = 0.0
                    for nodeid in record.ids:
                        if nodeid not in state.collected_set:
                            state.collected_set.add(nodeid)
                            state.collected.append(nodeid)
                elif isinstance(record, protocol.CollectError):
                    state.collection_failed = True
                    xml.collect_error(record.nodeid, record.text)
                elif isinstance(record, protocol.Start):
                    leftovers = kill_leftovers(child.proc.pid)
                    if leftovers:
                        state.finding("leaked-processes", f"{previous}: left {leftovers} process(es) running "
                                      "after it ended; they were killed before the next test")
                    child.release()
                    current = record.nodeid
                    current_loc = None
                    started = time.monotonic()
                elif isinstance(record, protocol.PhaseReport):
                    nodeid, when = record.nodeid, record.when
                    if not accept_phase(nodeid, when, record.outcome, state):
                        continue
                    current_loc = record.location
                    xml.phase(record.wire())
                    if when == "setup":
                        started = time.monotonic()  # the test-timeout applies to the call
                    if when == "teardown":
                        state.done.add(nodeid)
                        progress = True
                        current = None
                        previous = nodeid
                elif isinstance(record, protocol.Finish):
                    finished = True
                    finished_at = time.monotonic()
                    finish_status = record.exitstatus
                    ended = "finished"
                elif isinstance(record, protocol.Interrupted):  # KeyboardInterrupt or pytest.exit() stopped the session
                    interrupted = record.message or "interrupted"
                elif isinstance(record, protocol.Finding):
                    # The plugin saw the framework or the test code modified (plugin._Guard, fingerprint.py),
                    # or its audit hook refused an operation (audit.py); it failed the test itself.
                    state.finding(record.kind, record.detail)
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


def write_frame(key: bytes, payload: dict[str, Any]) -> None:
    out = sys.__stdout__
    assert out is not None
    out.write(protocol.frame_line(key, payload))
    out.flush()


def main() -> int:
    # The first test process starts now, forked (child_io.fork_child): it loads pytest while the host
    # stages and sends the settings and the submission is copied. Before the key is read: it never
    # exists in that process. Before this process is non-dumpable: the child must raise its own OOM
    # score first (child.raise_oom_score); nothing secret exists yet, and no submission code. Later
    # ones (restarts) are new interpreters.
    sink = OutputSink()
    first: Child | None = Child(sink, workspace=Settings.workspace, fork=True)
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

    if __package__:
        from .junitxml import JUnitWriter
    else:
        from junitxml import JUnitWriter  # type: ignore[no-redef]

    xml = JUnitWriter()
    ended = ""
    while True:
        ended = run_child(settings, state, xml, sink, deadline, first)
        first = None
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
    status = main()
    # The frame is written and flushed (write_frame): leave without the interpreter's teardown (module
    # cleanup, the drainer thread), which only delayed the container's exit.
    sys.stderr.flush()
    os._exit(status)
