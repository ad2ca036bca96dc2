"""The host never breaks on hostile input (issue #11): always a report, nothing from the submission read
as a workflow command, linear reading of the sandbox's output, fair budgets, honest files named like the
standard library. Each case runs on the real engine and asserts the exact honest score.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.adversarial.conftest import HERE, assert_honest_calc, build_submission
from tests.conftest import RUNNER_IMAGE


def _rm_deep(path: Path) -> None:
    """shutil.rmtree recurses (and pytest's tmp_path clean-up with it): remove a deep tree bottom-up."""
    subprocess.run(["rm", "-rf", str(path)], check=True)


# -- 1. a report, always -----------------------------------------------------------------------------


def test_a_6000_term_expression_is_token_scanned_not_a_crash(grade_case) -> None:  # type: ignore[no-untyped-def]
    big = "import ctypes\nx = " + " + ".join(["1"] * 6000) + "\n"  # ast.parse: RecursionError
    graded = grade_case(extra={"big.py": big})
    assert_honest_calc(graded)
    # the token scan still sees what the AST scan would have
    assert [f.detail for f in graded.findings("suspicious-import")] == ["imports ctypes (raw memory access) (line 1)"]


def test_1100_nested_folders_are_cut_at_the_depth_limit(grade_case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from grader.submission.staging import MAX_DEPTH

    submission = build_submission(tmp_path / "deep", None, "calc", None)
    fd = os.open(submission, os.O_RDONLY)
    for _ in range(1100):  # by file descriptor: the full path passes PATH_MAX long before the end
        os.mkdir("d", dir_fd=fd)
        inner = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = inner
    os.close(os.open("calc.py", os.O_CREAT | os.O_WRONLY, dir_fd=fd))
    os.close(fd)
    try:
        graded = grade_case(submission=submission)
        assert_honest_calc(graded)
        (finding,) = graded.findings("too-deep")
        assert finding.detail == f"folder nested more than {MAX_DEPTH} deep left out"
        assert finding.path == "/".join(["d"] * (MAX_DEPTH + 1))  # the first folder left out
    finally:
        _rm_deep(submission)


def test_a_path_over_path_max_once_staged_is_left_out(grade_case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from grader.submission.staging import MAX_PATH_BYTES

    submission = build_submission(tmp_path / "p", None, "calc", None)
    fd = os.open(submission, os.O_RDONLY)
    length = len(str(submission))
    while length < 4096 - 260:  # fits under PATH_MAX here; the staged copy's prefix is longer
        os.mkdir("a" * 200, dir_fd=fd)
        inner = os.open("a" * 200, os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd, length = inner, length + 201
    os.close(os.open("b" * (4090 - length), os.O_CREAT | os.O_WRONLY, dir_fd=fd))
    os.close(fd)
    try:
        graded = grade_case(submission=submission)
        assert_honest_calc(graded)
        details = {f.detail for f in graded.findings("path-too-long")}
        assert details == {f"path longer than {MAX_PATH_BYTES} bytes left out"}
    finally:
        _rm_deep(submission)


def test_an_unforeseen_exception_in_a_stage_is_an_error_report(grade_case, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import grader.submission.integrity

    def broken(*args: object) -> object:
        raise KeyError("boom")

    monkeypatch.setattr(grader.submission.integrity, "scan_submission", broken)  # the pipeline imports it when it scans
    graded = grade_case()
    assert (graded.score, graded.max_score, graded.status.value) == (0.0, 3.0, "error")
    assert graded.error == (
        "the grader failed while scanning the submission (KeyError: 'boom'); nothing was graded, please report this"
    )
    assert {t.status.value for t in graded.tests} == {"error"}


# -- 2. nothing from the submission is read as a workflow command -------------------------------------


def executed_commands(log: str) -> list[str]:
    """The workflow commands the runner would execute in `log`, as it reads them (stop-commands too)."""
    executed: list[str] = []
    paused: str | None = None
    for line in log.splitlines():
        text = line.lstrip()
        if paused is not None:
            if text == f"::{paused}::":
                paused = None
                executed.append("resume")
            continue
        if not text.startswith("::"):
            continue
        if text.startswith("::stop-commands::"):
            paused = text.removeprefix("::stop-commands::")
            executed.append("stop-commands")
        else:
            executed.append(text)
    return executed


HOSTILE_DIR = "::notice title=Autograding complete::Points 12"


def test_hostile_names_through_every_host_stage_reach_the_log_inert(tmp_path: Path) -> None:
    submission = build_submission(tmp_path / "sub", None, "calc", None)
    nested = submission / HOSTILE_DIR / "::stop-commands::TOKEN"
    nested.mkdir(parents=True)
    # An invalid decimal literal: compiling it prints a SyntaxWarning that starts with the file name.
    (nested / "m.py").write_text("x = 0x1for\n::error::forged\n")
    (submission / HOSTILE_DIR / "n.py").write_text("y = 1if 1 else 2\n")
    (submission / "::error file=calc.py::forged.py").write_text("import os\n")
    summary, outputs = tmp_path / "summary.md", tmp_path / "output.txt"
    env = {
        **os.environ,
        "GITHUB_ACTIONS": "true",
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_WORKSPACE": str(tmp_path),
        "GRADER_IMAGE": RUNNER_IMAGE,
    }
    proc = subprocess.run(
        [sys.executable, "-m", "grader", "run", str(submission), "--tests", str(HERE / "suites" / "calc")],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout
    log = proc.stdout
    assert "SyntaxWarning" not in log
    executed = executed_commands(log)
    assert executed[0] == "stop-commands" and executed[-1] == "resume", executed
    grader_own = [c for c in executed if c not in ("stop-commands", "resume")]
    assert [c.split(" ")[0] for c in grader_own] == ["::error", "::error", "::notice", "::notice"], executed
    assert grader_own[2:] == [
        "::notice title=Autograding complete::Points 1/3",
        '::notice title=Autograding report::{"totalPoints":1,"maxPoints":3}',
    ]
    assert "score=1\n" in outputs.read_text()


# -- 3. linear reading of the sandbox's output --------------------------------------------------------


def test_a_30_mb_line_on_the_containers_stdout_costs_one_pass(grade_case) -> None:  # type: ignore[no-untyped-def]
    # A fresh interpreter (outside the test process's audit hook) writes to init's stdout: the
    # container's log, which the host reads for the frame.
    writer = "import os; fd = os.open('/proc/1/fd/1', os.O_WRONLY); [os.write(fd, b'x' * (1 << 20)) for _ in range(30)]"
    flood = (
        "import subprocess\nimport sys\n\n\n"
        "def add(a, b):\n"
        f"    subprocess.run([sys.executable, '-c', {writer!r}], check=True)\n"
        "    return a + b\n"
        "def sub(a, b):\n    return a + b\n"
        "def mul(a, b):\n    return a + b\n"
    )
    graded = grade_case(extra={"calc.py": flood})
    assert_honest_calc(graded)
    # quadratic reading took 21 s for this on the machine of the issue; the sandbox itself ~1 s
    assert graded.seconds < 10, graded.seconds


def test_the_frame_scanner_is_linear_in_a_line_without_newline() -> None:
    import hashlib
    import hmac

    from grader.sandbox.container import FRAME_MARK, FrameScanner

    key = b"k" * 32
    body = b"eyJqdW5pdCI6ICIifQ=="  # base64 of {"junit": ""}
    good = FRAME_MARK + b" " + hmac.new(key, body, hashlib.sha256).hexdigest().encode() + b" " + body
    scanner = FrameScanner(key)
    started = time.monotonic()
    chunk = b"y" * 16384
    for _ in range(32 * 64):  # 32 MB in docker's 16 KB pieces, no newline
        scanner.feed(chunk)
    scanner.feed(b"\n" + good[:10])
    scanner.feed(good[10:] + b"\n" + FRAME_MARK + b" forged")
    elapsed = time.monotonic() - started
    assert scanner.finish() == ({"junit": ""}, 1)
    assert elapsed < 3, elapsed


# -- 4. fair budgets --------------------------------------------------------------------------------

SPINNERS = """\
import os


def spawn():
    for _ in range(8):
        if os.fork() == 0:
            while True:
                pass
    return 1


def work(n):
    total = 0
    for i in range(n):
        total += i
    return total
"""

LEAK_TESTS = """\
from work import spawn, work

N = 6_000_000


def test_a_spawn():
    assert spawn() == 1


def test_b():
    assert work(N) == N * (N - 1) // 2


def test_c():
    assert work(N) == N * (N - 1) // 2


def test_d():
    assert work(N) == N * (N - 1) // 2
"""


def test_processes_left_spinning_are_killed_at_the_next_test(grade_case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import write_tree

    tests = write_tree(tmp_path / "leak_tests", {"test_leak.py": LEAK_TESTS})
    graded = grade_case(base=None, extra={"work.py": SPINNERS}, tests=tests, config="test-timeout: 4\n")
    assert graded.statuses == {"test_a_spawn": "passed", "test_b": "passed", "test_c": "passed", "test_d": "passed"}
    assert (graded.score, graded.max_score, graded.error) == (4.0, 4.0, None)
    assert [f.detail for f in graded.findings("leaked-processes")] == [
        "test_leak.py::test_a_spawn: left 8 process(es) running after it ended; they were killed before the next test"
    ]


STUCK = [0, 2, 4, 6, 8]


def test_tests_stuck_in_c_code_cost_their_timeout_not_the_run(grade_case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import write_tree

    lines = ["from calc import ok, stuck", ""]
    for i in range(12):
        body = "assert stuck() > 0" if i in STUCK else "assert ok() == 1"
        lines.append(f"def test_{i:02d}():\n    {body}\n")
    tests = write_tree(tmp_path / "stuck_tests", {"test_stuck.py": "\n".join(lines)})
    calc = "def stuck():\n    return sum(range(10**12))  # deaf to the alarm\n\n\ndef ok():\n    return 1\n"
    graded = grade_case(base=None, extra={"calc.py": calc}, tests=tests, config="test-timeout: 3\ntimeout: 23\n")
    assert graded.statuses == {f"test_{i:02d}": "error" if i in STUCK else "passed" for i in range(12)}
    assert (graded.score, graded.max_score, graded.error) == (7.0, 12.0, None)
    assert {t.message for t in graded.tests if t.status.value == "error"} == {
        "timed out after 3 s (test-timeout); the test was killed"
    }
    assert len(graded.findings("killed-test")) == 5
    # Each stuck test costs the run's budget 3 s (killed 1 s after its timeout, a grace the budget does
    # not count, nor the restart): 5 x 3 s + start-up fits in 23 s. At twice the timeout (5 x 5 s) the
    # tests after them were lost.
    assert graded.seconds < 2 * 23 + 4, graded.seconds


def test_tests_the_whole_run_timeout_never_reached_are_not_run(grade_case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Only the test running when the whole-run timeout expires is its error; the tests after it
    never ran: not-run, 0 points, still in max_score (not five "timed out" errors)."""
    from tests.conftest import write_tree

    suite = (
        "import time\n\nfrom calc import ok\n\n\ndef test_0():\n    assert ok() == 1\n\n\n"
        "def test_1():\n    time.sleep(2)\n    assert ok() == 1\n\n\n"
        "def test_2():\n    time.sleep(60)  # the alarm (5 s) comes after the whole run's end (6 s)\n\n\n"
        "def test_3():\n    assert ok() == 1\n\n\ndef test_4():\n    assert ok() == 1\n"
    )
    tests = write_tree(tmp_path / "slow_tests", {"test_slow.py": suite})
    graded = grade_case(base=None, extra={"calc.py": "def ok():\n    return 1\n"}, tests=tests,
                        config="test-timeout: 5\ntimeout: 6\n")
    assert graded.statuses == {"test_0": "passed", "test_1": "passed", "test_2": "error",
                               "test_3": "not-run", "test_4": "not-run"}
    assert [t.message for t in graded.tests[2:]] == [
        "timed out after 6 s (the whole run's timeout)", "not run: the test run timed out",
        "not run: the test run timed out",
    ]
    assert (graded.score, graded.max_score, graded.error) == (2.0, 5.0, "timed out after 6 s")


# -- 5. honest files named like the standard library ----------------------------------------------


def test_an_honest_cmd_py_costs_nothing_and_is_named(grade_case) -> None:  # type: ignore[no-untyped-def]
    graded = grade_case(extra={"cmd.py": "def helper():\n    return 1\n", "code.py": "X = 1\n"})
    assert_honest_calc(graded)
    assert sorted((f.path, f.detail) for f in graded.findings("shadowed-module")) == [
        ("cmd.py", "cmd.py has the name of the standard module `cmd`, which pytest uses: `import cmd` gets the "
                   "standard module, not this file; rename it (e.g. my_cmd) if your code needs it"),
        ("code.py", "code.py has the name of the standard module `code`, which pytest uses: `import code` gets "
                    "the standard module, not this file; rename it (e.g. my_code) if your code needs it"),
    ]


@pytest.mark.parametrize("name", ["queue"])
def test_a_module_the_assignment_names_like_the_stdlib_still_reaches_the_tests(  # type: ignore[no-untyped-def]
    grade_case, tmp_path: Path, name: str
) -> None:
    from tests.conftest import write_tree

    tests = write_tree(tmp_path / "q_tests", {"test_q.py": f"from {name} import Queue\n\n\ndef test_q():\n"
                                              "    assert Queue().mine is True\n"})
    graded = grade_case(base=None, extra={f"{name}.py": "class Queue:\n    mine = True\n"}, tests=tests)
    assert graded.statuses == {"test_q": "passed"} and graded.score == 1.0
    assert [f.path for f in graded.findings("shadowed-module")] == [f"{name}.py"]
