"""The supervisor's JUnit writer must write what pytest's own LogXML writes (xunit1, out-err).

Both are fed from the same real pytest session: pytest writes --junitxml, while the grader's plugin
streams its records, which are replayed into the supervisor's writer. Then every test case is compared.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.inside_modules import INSIDE, load_inside

SAMPLE = """
import pytest

def test_pass():
    print("quiet")

def test_fail():
    print("some output")
    assert {"a": 1, "b": 2} == {"a": 1, "b": 3}

@pytest.mark.parametrize("n", [1, "x<&>\\"y"])
def test_param(n):
    assert n == 1

def test_skip():
    pytest.skip("not today")

@pytest.mark.xfail(reason="known bug")
def test_xfail():
    assert False

@pytest.mark.xfail(strict=True)
def test_xpass_strict():
    pass

@pytest.fixture
def broken_setup():
    raise RuntimeError("setup broke")

def test_setup_error(broken_setup):
    pass

@pytest.fixture
def broken_teardown():
    yield
    raise RuntimeError("teardown broke")

def test_fail_and_teardown_error(broken_teardown):
    assert 1 == 2

def test_teardown_error_only(broken_teardown):
    pass

class TestGroup:
    def test_method(self):
        import sys
        sys.stderr.write("to stderr\\n")
        assert 0, "bad \\x00 control"
"""


def cases(xml_text: str) -> list[tuple[object, ...]]:
    root = ET.fromstring(xml_text)
    out = []
    for case in root.iter("testcase"):
        children = tuple(
            # object addresses differ between the two runs
            (
                child.tag,
                child.get("message"),
                child.get("type"),
                re.sub(r"0x[0-9a-f]+", "0x?", (child.text or "")).strip(),
            )
            for child in case
            if child.tag != "properties"
        )
        out.append((case.get("classname"), case.get("name"), case.get("file"), case.get("line"), children))
    return out


def test_writer_matches_pytest_logxml(tmp_path: Path) -> None:
    """child.py (the sandbox's pytest process, with the grader's plugin) vs plain pytest --junitxml."""
    writer_mod = load_inside("junitxml")
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "test_sample.py").write_text(textwrap.dedent(SAMPLE))
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    junit = tmp_path / "pytest.xml"
    subprocess.run(
        [
            sys.executable,
            "-I",
            "-m",
            "pytest",
            str(tests),
            "-c",
            str(INSIDE / "pytest.ini"),
            f"--rootdir={tests}",
            f"--junitxml={junit}",
            "-o",
            "junit_family=xunit1",
            "-o",
            "junit_logging=out-err",
            "-o",
            "junit_log_passing_tests=False",
            "-p",
            "no:cacheprovider",
            "--tb=long",
            "-q",
        ],
        check=False,
        capture_output=True,
        cwd=work,
        env=env,
    )
    read_fd, write_fd = os.pipe()
    key = os.urandom(32)
    config = {
        "fd": write_fd,
        "key": key.hex(),
        "skip": [],
        "test_timeout": 30,
        "workspace": str(work),
        "rootdir": str(tests),
    }
    child = subprocess.Popen(
        [sys.executable, "-I", "-B", str(INSIDE / "child.py")],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        pass_fds=(write_fd,),
        cwd=work,
        env=env,
    )
    os.close(write_fd)
    assert child.stdin is not None
    child.stdin.write((json.dumps(config) + "\n").encode())
    child.stdin.close()
    with os.fdopen(read_fd, "rb") as channel:
        stream = channel.read()
    child.wait(timeout=60)
    writer = writer_mod.JUnitWriter()
    protocol = load_inside("protocol")
    records = [protocol.decode_record(line, key) for line in stream.splitlines()]  # the supervisor's strict decoder
    assert {type(r).__name__ for r in records} >= {"Collected", "Start", "PhaseReport", "Finish"}
    for record in records:  # as the supervisor feeds its writer
        if isinstance(record, protocol.PhaseReport):
            writer.phase(record.wire())
        elif isinstance(record, protocol.CollectError):
            writer.collect_error(record.nodeid, record.text)
    ours = cases(writer.xml(1.0))
    theirs = cases(junit.read_text())
    assert len(theirs) == 12
    assert [c[:4] for c in ours] == [c[:4] for c in theirs]
    for mine, real in zip(ours, theirs, strict=True):
        assert mine == real, (mine, real)


def test_mangle_matches_pytest() -> None:
    from _pytest.junitxml import mangle_test_address

    writer_mod = load_inside("junitxml")
    for nodeid in [
        "test_a.py::test_x",
        "pkg/sub/test_b.py::TestC::test_y[1-a/b]",
        "test_c.py::test_z[x::y]",
        "test_d.py",
    ]:
        assert writer_mod.mangle_test_address(nodeid) == mangle_test_address(nodeid)


def test_illegal_xml_characters_are_escaped_like_pytest() -> None:
    from _pytest.junitxml import bin_xml_escape

    writer_mod = load_inside("junitxml")
    text = "ok \x00 \x07 \x1b[31m \ufffe \U0001f600 é"
    assert writer_mod.xml_text(text) == bin_xml_escape(text)
