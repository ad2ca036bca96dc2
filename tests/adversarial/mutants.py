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

# name -> (file in grader/sandbox/inside, [(text, replacement)], tests that must fail (-k))
MUTANTS: dict[str, tuple[str, list[tuple[str, str]], str]] = {
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
        "fails_every_test",
    ),
    "conflicts": (
        "supervisor.py",
        [
            ("        state.conflict(nodeid)\n        return False", "        return False"),
            ("                    if current is not None:\n                        state.conflict(current)",
             "                    if False:\n                        pass"),
        ],
        "key_taken_from_memory or swallow",
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
    "builtins": ("child.py", [('    module.__dict__["__builtins__"] = dict(vars(builtins))\n', "")],
                 "patching_builtins"),
    "kill_leftovers": ("supervisor.py", [("        os.kill(-1, signal.SIGKILL)\n", "        return False\n")],
                       "daemon or fork_bomb"),
}


def pytest_configure(config: pytest.Config) -> None:
    name = os.environ.get("MUTANT")
    if not name:
        return
    import grader.sandbox.container as container

    if name == "host_hmac":  # tests: printed_frames or exit_handler
        import hmac

        fake: Any = type("AnyMac", (), {"compare_digest": staticmethod(lambda a, b: True), "new": hmac.new})
        container.hmac = fake  # type: ignore[attr-defined]
        return
    file, edits, _ = MUTANTS[name]
    copy = Path(tempfile.mkdtemp(prefix=f"grader-mutant-{name}-")) / "inside"
    shutil.copytree(container.INSIDE, copy)
    text = (copy / file).read_text()
    for old, new in edits:
        assert text.count(old) == 1, f"mutant {name}: the code changed, update tests/adversarial/mutants.py"
        text = text.replace(old, new)
    (copy / file).write_text(text)
    os.chmod(copy.parent, 0o755)
    container.INSIDE = copy
