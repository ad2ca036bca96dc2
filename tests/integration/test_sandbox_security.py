"""Each protection of the sandbox, proven against the real Docker engine.

Pattern: the submission tries to break a protection and the instructor's test passes only when the
protection held (or the test's status shows the sandbox stopped it). Removing the protection from
grader/sandbox makes the corresponding test fail.
"""

from __future__ import annotations

import os
import time

import pytest

from grader.models import RunStatus, Status

pytestmark = pytest.mark.docker


def by_name(report):  # type: ignore[no-untyped-def]
    return {t.name.split("::")[-1]: t for t in report.tests}


def test_no_network_interface_but_loopback(grade_files) -> None:  # type: ignore[no-untyped-def]
    report = grade_files(
        submission={
            "probe.py": """
                import errno, os, socket

                def interfaces():
                    return sorted(os.listdir("/sys/class/net"))

                def route_to_outside():
                    # UDP connect sends no packet; it only asks the kernel for a route.
                    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    try:
                        s.connect(("192.0.2.1", 53))
                        return "routed"
                    except OSError as exc:
                        return errno.errorcode.get(exc.errno, str(exc.errno))
                    finally:
                        s.close()
            """
        },
        tests={
            "test_net.py": """
                from probe import interfaces, route_to_outside

                def test_only_loopback():
                    assert interfaces() == ["lo"]

                def test_no_route():
                    assert route_to_outside() == "ENETUNREACH"
            """
        },
    )
    assert [t.status for t in report.tests] == [Status.PASSED, Status.PASSED], report


def test_memory_limit_kills_only_the_hungry_test(grade_files) -> None:  # type: ignore[no-untyped-def]
    report = grade_files(
        submission={
            "hog.py": """
                def hog():
                    blocks = [bytearray(10 * 2**20) for _ in range(30)]  # 300 MB, touched
                    return len(blocks)
            """
        },
        tests={
            "test_hog.py": """
                from hog import hog

                def test_a_before():
                    assert True

                def test_hog():
                    assert hog() == 30

                def test_z_after():
                    assert True
            """
        },
    )
    tests = by_name(report)
    assert tests["test_hog"].status is Status.ERROR, tests["test_hog"]
    assert "out of memory" in tests["test_hog"].message
    assert tests["test_a_before"].status is Status.PASSED
    assert tests["test_z_after"].status is Status.PASSED, "the run must go on after the OOM kill"
    assert report.sandbox.oom_killed


def test_fork_bomb_is_contained(grade_files) -> None:  # type: ignore[no-untyped-def]
    report = grade_files(
        submission={
            "bomb.py": """
                import os, time

                def bomb():
                    started = 0
                    for _ in range(500):
                        try:
                            pid = os.fork()
                        except OSError:
                            break
                        if pid == 0:
                            time.sleep(30)
                            os._exit(0)
                        started += 1
                    return started
            """
        },
        tests={
            "test_bomb.py": """
                from bomb import bomb

                def test_bomb_limited():
                    assert bomb() < 100

                def test_after_bomb():
                    assert 1 + 1 == 2
            """
        },
        config="timeout: 30\n",
    )
    tests = by_name(report)
    assert tests["test_bomb_limited"].status is Status.PASSED, tests["test_bomb_limited"]
    assert tests["test_after_bomb"].status is Status.PASSED


def test_filesystem_is_read_only_outside_workspace_and_tmp(grade_files) -> None:  # type: ignore[no-untyped-def]
    report = grade_files(
        submission={
            "fs.py": """
                import os

                def try_write(path):
                    try:
                        with open(path, "w") as fh:
                            fh.write("x")
                        return True
                    except OSError:
                        return False

                def fill(path, mb):
                    written = 0
                    try:
                        with open(path, "wb") as fh:
                            for _ in range(mb):
                                fh.write(b"\\0" * 2**20)
                                written += 1
                    except OSError:
                        pass
                    return written
            """
        },
        tests={
            "test_fs.py": """
                import os, subprocess
                import pytest
                from fs import fill, try_write

                @pytest.mark.parametrize("path", ["/etc/evil", "/usr/lib/evil", "/opt/grader/plugin.py",
                                                  "/mnt/tests/test_fs.py", "/mnt/submission/fs.py", "/evil",
                                                  "/var/tmp/evil"])
                def test_cannot_write(path):
                    assert not try_write(path)

                def test_workspace_and_tmp_writable():
                    assert try_write("/workspace/out.txt") and try_write("/tmp/out.txt")

                def test_workspace_is_capped():
                    assert fill("/workspace/big.bin", 200) < 130

                def test_tmp_is_noexec():
                    with open("/tmp/run.sh", "w") as fh:
                        fh.write("#!/bin/sh\\necho hi\\n")
                    os.chmod("/tmp/run.sh", 0o755)
                    with pytest.raises(PermissionError):
                        subprocess.run(["/tmp/run.sh"], check=True)
            """
        },
    )
    failed = [t for t in report.tests if t.status is not Status.PASSED]
    assert not failed, failed
    assert len(report.tests) == 10


def test_runs_as_uid_1000_without_capabilities(grade_files) -> None:  # type: ignore[no-untyped-def]
    report = grade_files(
        submission={"who.py": "import os\n\ndef ids():\n    return os.getuid(), os.geteuid(), os.getgid()\n"},
        tests={
            "test_who.py": """
                from who import ids

                def status(field):
                    with open("/proc/self/status") as fh:
                        for line in fh:
                            if line.startswith(field + ":"):
                                return line.split()[1]

                def test_uid():
                    assert ids() == (1000, 1000, 1000)

                def test_no_capabilities():
                    assert int(status("CapEff"), 16) == 0 and int(status("CapBnd"), 16) == 0

                def test_no_new_privileges():
                    assert status("NoNewPrivs") == "1"
            """
        },
    )
    assert [t.status for t in report.tests] == [Status.PASSED] * 3, report.tests


def test_host_environment_and_secrets_do_not_reach_the_container(grade_files, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_supersecret_value_123")
    monkeypatch.setenv("GRADER_TEST_SECRET", "host-only-secret-456")
    report = grade_files(
        submission={
            "leak.py": """
                import os

                def everything():
                    seen = dict(os.environ)
                    for pid in os.listdir("/proc"):
                        if pid.isdigit():
                            try:
                                with open(f"/proc/{pid}/environ", "rb") as fh:
                                    seen[pid] = fh.read().decode(errors="replace")
                            except OSError:
                                pass
                    return repr(seen)
            """
        },
        tests={
            "test_leak.py": """
                from leak import everything

                def test_no_secret():
                    text = everything()
                    print(text)
                    assert "supersecret" not in text and "host-only-secret" not in text
                    assert "GITHUB_" not in text
            """
        },
    )
    assert report.tests[0].status is Status.PASSED, report.tests[0]
    from grader.reporters.report_json import to_json

    assert "supersecret" not in repr(to_json(report))


def test_symlink_to_host_file_leaks_nothing(grade_files, tmp_path) -> None:  # type: ignore[no-untyped-def]
    secret = tmp_path / "host-secret.txt"
    secret.write_text("the host's secret 789")
    report = grade_files(
        submission={"reader.py": "def read():\n    return open('data.txt').read()\n"},
        tests={
            "test_read.py": """
                from reader import read

                def test_read():
                    try:
                        text = read()
                    except OSError:
                        text = ""
                    assert "789" not in text
            """
        },
    )
    # Add the link after write_tree: grade_files copied nothing yet, so re-run with the link in place.
    sub = tmp_path / "linked"
    sub.mkdir()
    (sub / "reader.py").write_text("def read():\n    return open('data.txt').read()\n")
    os.symlink(secret, sub / "data.txt")
    os.symlink("/etc/shadow", sub / "shadow.txt")
    from grader.config import parse_config
    from grader.pipeline import grade

    tests_dir = tmp_path / "tests0"
    cfg = parse_config("tests: tests0\n", base_dir=tmp_path)
    linked = grade(sub, cfg, image=os.environ.get("GRADER_IMAGE", "pytest-grader-runner:latest"))
    assert report.tests[0].status is Status.PASSED
    assert linked.tests[0].status is Status.PASSED, linked.tests[0]
    assert {f.path for f in linked.integrity if f.kind == "symlink"} >= {"data.txt", "shadow.txt"}
    assert "789" not in repr(linked)
    assert tests_dir.exists()


def test_test_timeout_kills_a_sigterm_and_alarm_ignoring_loop(grade_files) -> None:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    report = grade_files(
        submission={
            "stuck.py": """
                import signal

                def stuck():
                    signal.signal(signal.SIGTERM, signal.SIG_IGN)
                    signal.signal(signal.SIGALRM, signal.SIG_IGN)
                    while True:
                        pass

                def ok():
                    return 42
            """
        },
        tests={
            "test_stuck.py": """
                from stuck import ok, stuck

                def test_a_ok():
                    assert ok() == 42

                def test_b_stuck():
                    stuck()

                def test_c_ok_after():
                    assert ok() == 42
            """
        },
        config="timeout: 30\ntest-timeout: 2\n",
    )
    elapsed = time.monotonic() - started
    tests = by_name(report)
    assert tests["test_b_stuck"].status is Status.ERROR
    assert "timed out after 2 s" in tests["test_b_stuck"].message
    assert tests["test_a_ok"].status is Status.PASSED
    assert tests["test_c_ok_after"].status is Status.PASSED, "the tests after the killed one still score"
    assert elapsed < 15, f"took {elapsed:.1f} s"


def test_whole_run_timeout_kills_a_loop_at_import(grade_files) -> None:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    report = grade_files(
        submission={
            "forever.py": """
                import signal
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
                signal.signal(signal.SIGALRM, signal.SIG_IGN)
                while True:
                    pass
            """
        },
        tests={"test_forever.py": "import forever\n\ndef test_one():\n    assert True\n"},
        config="timeout: 5\ntest-timeout: 2\n",
    )
    elapsed = time.monotonic() - started
    assert report.status is RunStatus.ERROR
    assert report.error is not None and "timed out after 5 s" in report.error
    assert report.sandbox.timed_out
    assert report.score == 0
    assert [t.status for t in report.tests] == [Status.ERROR]
    assert elapsed < 5 + 6, f"took {elapsed:.1f} s"
