from __future__ import annotations

import os
from pathlib import Path

import pytest

from grader.submission import staging
from grader.submission.staging import stage_submission, stage_tests


def make(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return root


def test_copies_regular_files_and_drops_config_and_test_named_files(tmp_path: Path) -> None:
    src = make(tmp_path / "src", {
        "calc.py": "x = 1\n",
        "pkg/util.py": "y = 2\n",
        "pkg/conftest.py": "boom\n",
        "conftest.py": "boom\n",
        "pytest.ini": "[pytest]\n",
        "pyproject.toml": "",
        "setup.cfg": "",
        "tox.ini": "",
        ".pytest.ini": "",
        "sitecustomize.py": "",
        "usercustomize.py": "",
        "evil.pth": "import os\n",
        "test_calc.py": "def test_x(): pass\n",
        "calc_test.py": "",
        "tests/test_more.py": "",
        ".git/config": "",
        "__pycache__/calc.cpython-311.pyc": "",
        "notes.txt": "hello",
    })
    staged = stage_submission(src, tmp_path / "dst")
    assert staged.error is None
    assert staged.files == {"calc.py", "pkg/util.py", "notes.txt"}
    kinds = {(f.kind, f.path) for f in staged.findings}
    for rel in ("conftest.py", "pkg/conftest.py", "pytest.ini", "pyproject.toml", "setup.cfg", "tox.ini",
                ".pytest.ini", "sitecustomize.py", "usercustomize.py", "evil.pth"):
        assert ("ignored-config", rel) in kinds, rel
    assert ("test-named-file", "test_calc.py") in kinds
    assert ("test-named-file", "calc_test.py") in kinds
    assert ("test-named-file", "tests/") in kinds
    assert (tmp_path / "dst" / "pkg" / "util.py").read_text() == "y = 2\n"
    assert oct(os.stat(tmp_path / "dst" / "calc.py").st_mode & 0o777) == "0o644"


def test_symlinks_are_never_followed(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("host secret")
    src = make(tmp_path / "src", {"a.py": ""})
    os.symlink(secret, src / "link.txt")
    os.symlink(tmp_path, src / "linkdir")
    os.symlink(src / "missing", src / "broken")
    os.symlink(src / "loop2", src / "loop1")
    os.symlink(src / "loop1", src / "loop2")
    staged = stage_submission(src, tmp_path / "dst")
    assert staged.files == {"a.py"}
    assert {f.path for f in staged.findings if f.kind == "symlink"} == {"link.txt", "linkdir", "broken", "loop1",
                                                                         "loop2"}
    assert not (tmp_path / "dst" / "link.txt").exists()


def test_excluded_paths_are_left_out(tmp_path: Path) -> None:
    src = make(tmp_path / "repo", {"calc.py": "", "grading.yml": "tests: spec\n", "spec/check_calc.py": ""})
    staged = stage_submission(src, tmp_path / "dst", exclude=[src / "spec", src / "grading.yml"])
    assert staged.files == {"calc.py"}


def test_size_limit_gives_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(staging, "MAX_SUBMISSION_BYTES", 1000)
    src = make(tmp_path / "src", {"big.bin": "x" * 2000})
    staged = stage_submission(src, tmp_path / "dst")
    assert staged.error is not None and "larger than" in staged.error and "big.bin" in staged.error


def test_file_count_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(staging, "MAX_SUBMISSION_FILES", 5)
    src = make(tmp_path / "src", {f"m{i}.py": "" for i in range(6)})
    staged = stage_submission(src, tmp_path / "dst")
    assert staged.error == "the submission has more than 5 files"


@pytest.mark.parametrize("kind", ["missing", "file", "link"])
def test_submission_that_is_not_a_folder(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "sub"
    if kind == "file":
        target.write_text("x")
    elif kind == "link":
        (tmp_path / "real").mkdir()
        os.symlink(tmp_path / "real", target)
    staged = stage_submission(target, tmp_path / "dst")
    assert staged.error is not None and str(target) in staged.error


def test_odd_file_names_survive(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "with space.py").write_text("")
    os.mkdir(os.fsencode(src) + b"/caf\xe9")  # not UTF-8
    (Path(os.fsdecode(os.fsencode(src) + b"/caf\xe9")) / "m.py").write_text("")
    staged = stage_submission(src, tmp_path / "dst")
    assert staged.error is None
    assert "with space.py" in staged.files and len(staged.files) == 2


def test_stage_tests_keeps_conftest(tmp_path: Path) -> None:
    src = make(tmp_path / "tests", {"conftest.py": "", "test_a.py": "", "data/input.txt": "1"})
    staged = stage_tests(src, tmp_path / "dst")
    assert staged.files == {"conftest.py", "test_a.py", "data/input.txt"}
