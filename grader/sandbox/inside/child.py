"""Entry point of the child process that runs pytest on the student's code (started by supervisor.py).

Started as `python -I -B child.py` (or forked from the supervisor and made the same, see
child_io.fork_child): isolated mode ignores PYTHON* variables, the user site and the current
directory, so a `sitecustomize.py`, `usercustomize.py` or `*.pth` in the submission is never
imported at start-up. The configuration arrives as one JSON line on stdin, read before any student
code runs; stdin is at end-of-file afterwards.
"""

from __future__ import annotations

import builtins
import contextlib
import importlib.util
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main() -> int:
    raise_oom_score()
    streams = (sys.stdout, sys.stderr)  # the real ones: flushed before the process exits
    # The plugin (and with it pytest, most of this process's start-up) is loaded before the configuration
    # is read: the supervisor starts this process before it has the run's settings (child_io.fork_child),
    # and nothing here touches the workspace or the submission.
    spec = importlib.util.spec_from_file_location("_grader_plugin", os.path.join(HERE, "plugin.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # A private copy of the builtins: the plugin's functions keep the originals even if submission
    # code later replaces `builtins.len`, `builtins.memoryview`... (see plugin.py).
    module.__dict__["__builtins__"] = dict(vars(builtins))
    spec.loader.exec_module(module)
    config = json.loads(sys.stdin.readline())
    plugin = module.GraderPlugin(
        channel_fd=config["fd"],
        key=bytes.fromhex(config["key"]),
        skip=set(config["skip"]),
        test_timeout=config["test_timeout"],
        rootdir=config["rootdir"],
        ack_fd=config.get("ack_fd"),
    )
    make_undumpable()
    # The audit hook (audit.py), before any submission code is imported; it cannot be removed.
    audit_spec = importlib.util.spec_from_file_location("_grader_audit", os.path.join(HERE, "audit.py"))
    assert audit_spec is not None and audit_spec.loader is not None
    audit = importlib.util.module_from_spec(audit_spec)
    audit.__dict__["__builtins__"] = module.__dict__["__builtins__"]
    audit_spec.loader.exec_module(audit)
    audit.install(plugin.refused, HERE, config["rootdir"])
    for name in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS"):
        os.environ.pop(name, None)
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    # protocol.FRAMEWORK_LAZY_IMPORTS (shared with the host's scan), from the plugin's copy of protocol.py
    preload_shadowed_stdlib(config["workspace"], module._protocol.FRAMEWORK_LAZY_IMPORTS)
    # Student modules import from the workspace; pytest puts the tests folder in front of it.
    sys.path.insert(0, config["workspace"])

    import pytest

    rootdir = config["rootdir"]
    args = [
        rootdir,
        "-c", os.path.join(HERE, "pytest.ini"),  # no ini file from the submission is ever read
        f"--rootdir={rootdir}",
        f"--confcutdir={rootdir}",  # only the instructor's conftest.py files count
        "-p", "no:cacheprovider",
        "-p", "no:stepwise",
        "-p", "no:pastebin",
        "-p", "no:junitxml",  # the supervisor writes the JUnit XML, out of the student's reach
        "--import-mode=prepend",
        "--tb=long",
        "-q",
        "--no-header",
        "-o", "console_output_style=classic",
    ]
    code = int(pytest.main(args, plugins=[plugin]))
    # The session ends when this process ends: the end record goes last, then the process exits at
    # once (no atexit handler or thread of the submission runs after the record; see supervisor.py).
    plugin.finish(code)
    for stream in streams:
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


def raise_oom_score() -> None:
    """Make this process, not the supervisor, the OOM killer's first choice (raising needs no privilege).
    First thing: once it is non-dumpable (make_undumpable), /proc/self/oom_score_adj is root's. Both ways
    it starts, it is dumpable here: a new interpreter is (exec resets the flag), and the first test process
    is forked before the supervisor makes itself non-dumpable."""
    with contextlib.suppress(OSError), open("/proc/self/oom_score_adj", "w") as fh:
        fh.write("1000")


def make_undumpable() -> None:
    """PR_SET_DUMPABLE 0, as the supervisor does: a process the submission starts (a fresh Python,
    without the audit hook) cannot read this one's memory, fds or environment through /proc, nor
    ptrace it. ctypes is then forgotten, so that the submission's `import ctypes` reaches the hook."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)
    for name in [n for n in sys.modules if n.split(".")[0] in ("ctypes", "_ctypes")]:
        del sys.modules[name]


def preload_shadowed_stdlib(workspace: str, names: frozenset[str]) -> None:
    """Import the standard modules pytest loads lazily that a submission file shadows (`cmd.py`,
    `code.py`...) before the workspace is on the path: pytest's own imports (pdb imports cmd and
    code) then get the standard module, so an honest helper named like one costs nothing. Other
    names (`queue.py`...) are left alone: an assignment may ask for them. The host's scan tells the
    student which file shadows which module (a `shadowed-module` finding)."""
    try:
        entries = os.listdir(workspace)
    except OSError:
        return
    for entry in entries:
        name = entry[:-3] if entry.endswith(".py") else entry
        if name in names and name not in sys.modules:
            # not importable here (a missing C library...): nothing to protect
            with contextlib.suppress(Exception):
                importlib.import_module(name)


if __name__ == "__main__":
    sys.exit(main())
