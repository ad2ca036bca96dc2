"""Prove that the adversarial suite notices when a protection goes missing.

    MUTANT=guard .venv/bin/pytest -p tests.adversarial.mutants tests/adversarial -k self_restoring

runs the suite against a copy of grader/sandbox/inside with one protection removed (the working
tree is not touched); the tests named in `MUTANTS` must then fail. `MUTANT=host_hmac` disables the
host's signature check instead. Without MUTANT this plugin does nothing.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

# name -> (file in grader/sandbox/inside, [(text, replacement)], tests that must fail (-k)); an edit
# (file, text, replacement) is made in that other file of the folder instead.
MUTANTS: dict[str, tuple[str, list[tuple[str, str] | tuple[str, str, str]], str]] = {
    "primitives": (
        "plugin.py",
        [
            (
                'body = "".join(_encode({"k": kind, "n": self._seq, "d": payload}, 0)).encode()\n'
                '        data = _hmac_digest(self._key, body, "sha256").hex().encode() + b" " + body + b"\\n"',
                "import hashlib, hmac, json\n"
                '        body = json.dumps({"k": kind, "n": self._seq, "d": payload}, separators=(",", ":")).encode()\n'
                '        data = hmac.new(self._key, body, hashlib.sha256).hexdigest().encode() + b" " + body + b"\\n"',
            ),
            ("written = _write(self._fd, view)", "written = __import__('os').write(self._fd, view)"),
        ],
        "json_and_hmac",
    ),
    "guard": ("plugin.py", [("        changed = self._guard.check()\n", "        changed = []\n")], "self_restoring"),
    "loading": (
        "plugin.py",
        [("        changed = self._guard.check(loading=True) + self._foreign_modules(items)\n",
          "        changed = []\n")],
        "patched_at_import_fails_every_test or os_write_too",  # others fail closed by other means since issue 10
    ),
    "conflicts": (
        "supervisor.py",
        [
            ("session.py", "        state.conflict(nodeid)\n        return False", "        return False"),
            ("                    if current is not None:\n                        state.conflict(current)",
             "                    if False:\n                        pass"),
        ],
        "signed_by_the_plugin or swallow",
    ),
    "interrupted": (
        "supervisor.py",
        [('    if ended == "finished" and current is not None and current not in state.done:', "    if False:")],
        "stopping_the_session",
    ),
    "subtests": (
        "plugin.py",
        [("        if _SubtestReport is not None and isinstance(report, _SubtestReport):", "        if False:")],
        "subtest",
    ),
    "subtest_opener": (  # every passed subtest counts, whoever opened it
        "subtests.py",
        [("            if self.opened_by_instructor() and entry[\"passed\"] < COUNT_LIMIT:",
          "            if entry[\"passed\"] < COUNT_LIMIT:")],
        "opened_by_the_submission",
    ),
    "run_time_xfail": (  # pytest.xfail() from student code passes for a strict xfail mark's outcome
        "plugin.py",
        [('                payload["xfail_run_time"] = True\n', "                pass\n")],
        "skips_and_xfail_from_student_code",
    ),
    "builtins": ("child.py", [('    module.__dict__["__builtins__"] = dict(vars(builtins))\n', "")],
                 "patching_builtins"),
    # issue #11: processes a test leaves spinning are killed at the next test's start
    "boundary_kill": ("supervisor.py", [("                    leftovers = kill_leftovers(child.proc.pid)\n",
                                         "                    leftovers = 0\n")], "left_spinning"),
    # issue #11: a test deaf to the alarm is killed at test-timeout + 1 s, not twice the timeout
    "kill_grace": ("supervisor.py", [("    hard_limit = settings.test_timeout + TEST_KILL_GRACE\n",
                                      "    hard_limit = settings.test_timeout + max(2.0, settings.test_timeout)\n")],
                   "stuck_in_c_code"),
    # issue 10
    "completion": ("plugin.py", [('        if not completed and not getattr(item, "_excinfo", None):',
                                  "        if False:")], "should_stop"),
    "fingerprint": ("plugin.py", [("        problem = self._trusted.check_item(obj, cls)\n",
                                   "        problem = None\n")], "swapped_in_sys_modules"),
    "shadowed_names": ("fingerprint.py", [("        if shadowed:\n", "        if False:\n")], "builtin_shadowed"),
    "module_builtins": ("fingerprint.py", [('        if getattr(func, "__builtins__", None) is not vars(builtins):',
                                            "        if False:")], "run_with_other_builtins"),
    "unittest_guard": ("guard.py", [('GUARDED_PACKAGES = ("pytest", "_pytest", "pluggy", "unittest")',
                                      'GUARDED_PACKAGES = ("pytest", "_pytest", "pluggy")')],
                       "patched_unittest_assert"),
    "audit_hook": ("child.py", [('    audit.install(plugin.refused, HERE, config["rootdir"])\n', "")],
                   "forgery_primitive or proc_self_mem or code_is_refused or import_hook or trace_function "
                   "or key_taken"),
    "dumpable": ("child.py", [("        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)\n",
                               "        pass\n")], "without_the_hook_cannot_read"),
    "after_finish": ("supervisor.py", [('                    state.distrust("the child wrote to the results '
                                        'channel after its end-of-session record")\n', "")],
                     "forged_end and after"),
    "finish_grace": ("supervisor.py", [("            if finished and now > finished_at + FINISH_GRACE:",
                                        "            if False:")], "forged_end and slow"),
    "exit_code": ("supervisor.py", [("        if finished and not state.distrusted and code != finish_status:",
                                     "        if False:")], "forged_end and fast"),
    "kill_leftovers": ("supervisor.py", [("processes.py", "        os.kill(-1, signal.SIGKILL)\n",
                                          "        return False\n"),
                                         # and the same kill at each test boundary (issue #11)
                                         ("                    leftovers = kill_leftovers(child.proc.pid)\n",
                                          "                    leftovers = 0\n")],
                       "daemon or fork_bomb"),
    # issue #11: pytest's lazy imports (pdb -> cmd) must get the standard module, not a submission file
    "preload": ("child.py", [("    preload_shadowed_stdlib(config[\"workspace\"], "
                              "module._protocol.FRAMEWORK_LAZY_IMPORTS)\n", "")], "honest_cmd_py"),
    # the check after the record's fields are built (a patch made while pytest or the plugin builds them)
    "record_check": ("plugin.py", [("        self._check(report.nodeid)\n        tampered = ",
                                    "        tampered = ")], "builds_the_report or builds_the_record"),
    "fork_late": (  # the first test process forked after the run's key was read
        "supervisor.py",
        [("    first: Child | None = Child(sink, workspace=Settings.workspace, fork=True)\n"
          "    make_undumpable()\n"
          "    line = sys.stdin.readline()\n",
          "    make_undumpable()\n"
          "    line = sys.stdin.readline()\n"
          "    first: Child | None = Child(sink, workspace=Settings.workspace, fork=True)\n")],
        "forked_test_process_inherits_no_run_key",
    ),
    "fork_modules": (  # the forked test process keeps the supervisor's modules
        "child_io.py",
        [("        if name == \"__main__\" or path.startswith(HERE + os.sep)"
          " or name.split(\".\")[0] in (\"ctypes\", \"_ctypes\"):",
          "        if False:")],
        "same_modules",
    ),
    "ctypes_events": (  # only `import ctypes` refused, not the use of ctypes classes loaded before the hook
        "audit.py",
        [('        if event not in EVENTS and not event.startswith("ctypes."):', "        if event not in EVENTS:")],
        "ctypes_from_object_subclasses",
    ),
    "oom_score": (  # the test process no longer raises its OOM score (the supervisor may be killed first)
        "child.py",
        [("def main() -> int:\n    raise_oom_score()\n", "def main() -> int:\n")],
        "same_modules",
    ),
    "record_classes": ("plugin.py", [(", *_RECORD_CLASSES))", "))")], "record_class_patched"),
}


def pytest_configure(config: pytest.Config) -> None:
    name = os.environ.get("MUTANT")
    if not name:
        return
    import grader.sandbox.container as container

    if name == "noexec":  # tests: native_code (issue 10): the writable mounts allow executable mappings
        kwargs_of = container._container_kwargs

        def exec_mounts(*args: Any, **kwargs: Any) -> dict[str, Any]:
            made = kwargs_of(*args, **kwargs)
            made["tmpfs"] = {path: opts.replace("noexec,", "exec,") for path, opts in made["tmpfs"].items()}
            return made

        container._container_kwargs = exec_mounts  # type: ignore[assignment]
        return
    if _host_mutant(name):
        return
    if name == "host_hmac":  # tests: printed_frames or exit_handler
        import hmac

        fake: Any = type("AnyMac", (), {"compare_digest": staticmethod(lambda a, b: True), "new": hmac.new})
        container.hmac = fake  # type: ignore[attr-defined]
        return
    file, edits, _ = MUTANTS[name]
    copy = Path(tempfile.mkdtemp(prefix=f"grader-mutant-{name}-")) / "inside"
    shutil.copytree(container.INSIDE, copy)
    for edit in edits:
        target, old, new = edit if len(edit) == 3 else (file, *edit)
        text = (copy / target).read_text()
        assert text.count(old) == 1, f"mutant {name}: the code changed, update tests/adversarial/mutants.py"
        (copy / target).write_text(text.replace(old, new))
    os.chmod(copy.parent, 0o755)
    container.INSIDE = copy


def _host_mutant(name: str) -> bool:
    """Issue #11's host-side protections, removed one at a time in this process.

    host_walk (-k nested_folders): no depth or path-length bound, and os.walk again, which recurses;
    host_token_scan (-k token_scanned): no token-scan fallback, the parser's RecursionError escapes;
    host_frame_reader (-k frame_scanner): the frame reader appends and re-splits a growing buffer.
    """
    if name == "host_walk":  # the bounds and the iterative walk together (either alone stops 1,100 folders)
        import grader.submission.staging as staging

        staging.walk = lambda top: os.walk(top, followlinks=False)  # type: ignore[assignment,misc]
        staging.MAX_DEPTH = staging.MAX_PATH_BYTES = 10**6
        return True
    if name == "host_token_scan":
        import grader.submission.integrity as integrity

        def no_fallback(source: Any, path: str) -> list[Any]:
            raise RecursionError("maximum recursion depth exceeded during ast construction")

        integrity.token_scan = no_fallback  # type: ignore[assignment]
        return True
    if name == "host_frame_reader":
        import grader.sandbox.container as container

        class Quadratic(container.FrameScanner):  # type: ignore[misc,name-defined]
            def feed(self, chunk: bytes) -> None:
                self.line += chunk
                *lines, rest = bytes(self.line).split(b"\n")
                for line in lines:
                    self.line = bytearray(line)
                    self._end_line()
                self.line = bytearray(rest)

        container.FrameScanner = Quadratic  # type: ignore[misc]
        return True
    return False
