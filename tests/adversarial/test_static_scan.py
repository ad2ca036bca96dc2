"""The static scan's rules for the tools the adversarial cases use (no Docker: plain ast)."""

from __future__ import annotations

import pytest

from grader.submission.integrity import scan_source


def details(source: str) -> list[tuple[str, str]]:
    return [(f.kind, f.detail.rsplit(" (line", 1)[0]) for f in scan_source(source, "m.py")]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import json\njson.dumps = str\n", ("monkeypatch", "replaces json.dumps (monkeypatching a library)")),
        ("from pathlib import Path\nPath.read_bytes = None\n",
         ("monkeypatch", "replaces pathlib.Path.read_bytes (monkeypatching a library)")),
        ("import os.path\nos.path.join = None\n", ("monkeypatch", "replaces os.path.join (monkeypatching a library)")),
        ("import hmac\nsetattr(hmac, 'new', None)\n", ("monkeypatch", "setattr() on the module hmac (monkeypatching)")),
        ("x = ().__class__.__base__.__subclasses__()\n",
         ("suspicious-code", "walks the class hierarchy (__subclasses__)")),
        ("try:\n    1 / 0\nexcept Exception as e:\n    f = e.__traceback__.tb_frame\n",
         ("suspicious-code", "walks a traceback's frames (tb_frame)")),
        ("__builtins__['len'] = None\n", ("suspicious-code", "uses __builtins__")),
        ("imp = __import__\n", ("suspicious-call", "calls __import__ (hidden imports)")),
        ("print('@@grader-frame@@ 00 e30=')\n", ("suspicious-string", "contains the text '@@grader-frame'")),
        ("print('::add-mask::x')\n", ("suspicious-string", "contains the text '::add-mask'")),
        ("import sys\nsys.meta_path.insert(0, None)\n",
         ("framework-tampering", "touches sys.meta_path (import hooks)")),
    ],
)
def test_tampering_tools_are_reported(source: str, expected: tuple[str, str]) -> None:
    assert expected in details(source)


@pytest.mark.parametrize(
    "source",
    [
        "import config\nconfig.debug = True\n",  # the submission's own module
        "from settings import options\noptions.verbose = 1\n",
        "import sys\nsys.stdout = open('/dev/null', 'w')\n",  # ordinary redirection
        "class A:\n    pass\n\na = A()\na.x = 1\n",
    ],
)
def test_ordinary_code_is_not_reported(source: str) -> None:
    assert details(source) == []
