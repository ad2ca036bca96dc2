"""Entry point of the child process that runs pytest on the student's code (started by supervisor.py).

Started as `python -I -B child.py`: isolated mode ignores PYTHON* variables, the user site and the
current directory, so a `sitecustomize.py`, `usercustomize.py` or `*.pth` in the submission is never
imported at start-up. The configuration arrives as one JSON line on stdin, read before any student
code runs; stdin is at end-of-file afterwards.
"""

from __future__ import annotations

import builtins
import importlib.util
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main() -> int:
    config = json.loads(sys.stdin.readline())
    spec = importlib.util.spec_from_file_location("_grader_plugin", os.path.join(HERE, "plugin.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # A private copy of the builtins: the plugin's functions keep the originals even if submission
    # code later replaces `builtins.len`, `builtins.memoryview`... (see plugin.py).
    module.__dict__["__builtins__"] = dict(vars(builtins))
    spec.loader.exec_module(module)
    plugin = module.GraderPlugin(
        channel_fd=config["fd"],
        key=bytes.fromhex(config["key"]),
        skip=set(config["skip"]),
        test_timeout=config["test_timeout"],
        rootdir=config["rootdir"],
    )
    for name in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS"):
        os.environ.pop(name, None)
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
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
    return int(pytest.main(args, plugins=[plugin]))


if __name__ == "__main__":
    sys.exit(main())
