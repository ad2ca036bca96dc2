"""The first test process is forked from the supervisor (child_io.fork_child) instead of started as
`python -I -B child.py`: what it inherits must give a submission nothing a fresh interpreter would not,
and honest code must see the same interpreter. Restarted test processes are still fresh interpreters,
which `FRESH` cases use as the reference.

Each was a hole or a difference when the fork landed, found by a red-team pass and fixed (the tests
were strict xfails until then). The attacks assert the honest outcome first, then that the attack ran
(its evidence is printed by the failing `sub`, so the report shows it).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from grader.reporters.report_json import to_json
from tests.adversarial.conftest import assert_honest_calc

pytestmark = pytest.mark.docker


def _text(graded: Any) -> str:
    return json.dumps(to_json(graded.report))


def test_ctypes_from_the_supervisors_frames_gets_nothing(grade_case) -> None:  # type: ignore[no-untyped-def]
    """The supervisor's frames above pytest (f_back) reach child_io's and processes.py's globals: ctypes is no
    longer one of them (imported inside make_undumpable), and ctypes' own audit events are refused."""
    graded = grade_case("forked_ctypes", extra={"mode.py": 'ROAD = "frames"\n'})
    assert_honest_calc(graded)
    assert "forged-session" not in graded.kinds()
    assert "ctypes.CDLL through frames" in _text(graded), "the attack did not run: it proves nothing"


def test_ctypes_from_object_subclasses_gets_nothing(grade_case) -> None:  # type: ignore[no-untyped-def]
    """ctypes.CDLL stays listed in object.__subclasses__() after the grader's own use: calling it raises
    ctypes' audit events, which the hook refuses from any caller (it used to refuse only the import: 3/3)."""
    graded = grade_case("forked_ctypes", extra={"mode.py": 'ROAD = "subclasses"\n'})
    assert_honest_calc(graded)
    assert "forged-session" not in graded.kinds()
    assert "ctypes.CDLL through subclasses" in _text(graded), "the attack did not run: it proves nothing"
    assert "refused-operation" in graded.kinds()


def test_ctypes_from_object_subclasses_in_a_fresh_process_gets_nothing(grade_case) -> None:  # type: ignore[no-untyped-def]
    graded = grade_case("forked_ctypes", extra={"mode.py": 'ROAD = "subclasses"\nFRESH = True\n'})
    # test_add ends the first (forked) process: its own error; the restart runs the honest sub and mul
    assert graded.statuses == {"test_add": "error", "test_sub": "failed", "test_mul": "failed"}, graded.report
    assert graded.report.score == 0
    assert "forged-session" not in graded.kinds()
    assert "ctypes.CDLL through subclasses" in _text(graded), "the attack did not run: it proves nothing"


def test_ctypes_from_the_supervisors_frames_in_a_fresh_process_finds_none(grade_case) -> None:  # type: ignore[no-untyped-def]
    """The reference for the first test: a fresh interpreter has no supervisor frames above pytest."""
    graded = grade_case("forked_ctypes", extra={"mode.py": 'ROAD = "frames"\nFRESH = True\n'})
    assert graded.statuses == {"test_add": "error", "test_sub": "failed", "test_mul": "failed"}, graded.report
    assert graded.report.score == 0
    assert "ctypes.CDLL through frames: None" in _text(graded), "the attack did not run: it proves nothing"


def test_the_channel_key_in_the_supervisors_frames_gets_nothing(grade_case) -> None:  # type: ignore[no-untyped-def]
    """The Child object's copy in the forked process has no key: it is made after the fork. (The channel key
    still reaches the child in its configuration: the documented in-process class, docs/threat-model.md.)"""
    graded = grade_case("forked_ctypes", extra={"mode.py": 'ROAD = "child_frame"\n'})
    assert_honest_calc(graded)
    assert "forged-session" not in graded.kinds()
    assert "the supervisor's Child frame" in _text(graded), "the attack did not run: it proves nothing"


def test_a_system_exit_escaping_pytest_never_runs_the_supervisors_code(grade_case) -> None:  # type: ignore[no-untyped-def]
    """SystemExit(2**70) escaping pytest: the exit code is taken modulo 256 as the interpreter does, and the
    forked process never unwinds into the supervisor's frames."""
    graded = grade_case("forked_exit_code")
    assert_honest_calc(graded)
    assert "exited with code" in _text(graded), "the attack did not run: it proves nothing"
    assert "supervisor.py" not in _text(graded)


def test_the_forked_process_looks_like_a_fresh_one(grade_case) -> None:  # type: ignore[no-untyped-def]
    """builtins (exit, quit, help...), argv, cwd, sys.path, site, the user, the environment, signals, process
    group, no grader module or ctypes in sys.modules, pickle and a fork pool: as in `python -I -B child.py`."""
    graded = grade_case("forked_interpreter", extra={"mode.py": 'CHECK = "same"\n'})
    assert_honest_calc(graded)


def test_site_is_as_in_a_fresh_process(grade_case) -> None:  # type: ignore[no-untyped-def]
    """The supervisor runs without -S (as `python -I -B`): the forked process has sys.flags.no_site 0, the
    image's site-packages and exit/quit/help, and passes the same flags to multiprocessing's Pythons."""
    graded = grade_case("forked_interpreter", extra={"mode.py": 'CHECK = "site"\n'})
    assert_honest_calc(graded)


def test_main_module_and_orig_argv_are_as_in_a_fresh_process(grade_case) -> None:  # type: ignore[no-untyped-def]
    """__main__.__spec__ is None as for a script, sys.orig_argv is the child's command line."""
    graded = grade_case("forked_interpreter", extra={"mode.py": 'CHECK = "main_module"\n'})
    assert_honest_calc(graded)


def test_helpers_named_like_the_graders_files_are_the_submissions(grade_case) -> None:  # type: ignore[no-untyped-def]
    """protocol.py, session.py, processes.py, child_io.py, junitxml.py, supervisor.py, child.py, plugin.py
    in the submission: its own modules are imported, though the supervisor had imported most of them."""
    graded = grade_case("grader_module_names")
    assert_honest_calc(graded)
    assert "not the submission's own modules" not in _text(graded)
