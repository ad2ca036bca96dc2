"""subtests._realpath: os.path.realpath with each folder resolved once (the subtest log's look at every
loaded module's file, grader/sandbox/inside/subtests.py)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from tests.inside_modules import load_inside


def _subtests() -> Any:
    return load_inside("subtests")


def test_it_resolves_exactly_as_realpath(tmp_path: Path, monkeypatch: Any) -> None:
    (tmp_path / "real" / "sub").mkdir(parents=True)
    (tmp_path / "real" / "f.py").write_text("")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    (tmp_path / "real" / "sub" / "abs.py").symlink_to(tmp_path / "real" / "f.py")
    (tmp_path / "real" / "sub" / "rel.py").symlink_to("../f.py")
    monkeypatch.chdir(tmp_path / "link")
    paths = [f"{tmp_path}/link/{p}" for p in ("f.py", "sub/abs.py", "sub/rel.py", "../real/f.py", "sub/..", "",
                                               "missing/x.py", "sub/missing.py")]
    paths += ["f.py", "sub/rel.py", "./sub/abs.py", "/", "."]
    paths += [m.__file__ for m in list(sys.modules.values()) if isinstance(getattr(m, "__file__", None), str)]
    realpath = _subtests()._realpath
    folders: dict[str, str] = {}
    assert [realpath(p, folders) for p in paths] == [os.path.realpath(p) for p in paths]
    assert f"{tmp_path}/link/sub" in folders  # each folder resolved once and kept
