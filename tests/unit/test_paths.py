"""Sandbox paths -> submission paths -> repository paths (grader.paths)."""

from __future__ import annotations

from pathlib import Path

from grader.paths import RepoLayout, folder_prefix, layout_of, readable_paths


def test_repository_path_prefers_the_students_file_then_the_test_file(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "calc.py").write_text("x = 1\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_calc.py").write_text("def test(): pass\n")
    layout = RepoLayout(tmp_path, "src", "tests")
    assert layout.locate("calc.py") == "src/calc.py"
    assert layout.locate("test_calc.py") == "tests/test_calc.py"
    assert layout.locate("missing.py") == "src/missing.py", "best guess: the submission"
    assert layout.locate("../../etc/passwd") is None, "never outside the repository"
    assert layout.locate("/workspace/calc.py") is None
    assert layout.locate("") is None


def test_a_submission_at_the_root_keeps_its_paths(tmp_path: Path) -> None:
    assert RepoLayout(tmp_path).locate("pkg/calc.py") == "pkg/calc.py"
    assert RepoLayout(tmp_path).locate("pkg/../calc.py") == "calc.py"


def test_layout_of_a_run_relative_to_the_workspace(tmp_path: Path) -> None:
    (tmp_path / "hw1").mkdir()
    (tmp_path / "tests").mkdir()
    elsewhere = tmp_path.parent
    assert layout_of(tmp_path, tmp_path / "hw1", tmp_path / "tests") == RepoLayout(tmp_path, "hw1", "tests")
    assert layout_of(tmp_path, tmp_path, None) == RepoLayout(tmp_path, ".", None)
    assert layout_of(tmp_path / "hw1", elsewhere, elsewhere) == RepoLayout(tmp_path / "hw1", ".", None)


def test_folder_prefix_is_empty_for_the_root_and_outside(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    assert folder_prefix(tmp_path / "a" / "b", tmp_path) == "a/b"
    assert folder_prefix(tmp_path, tmp_path) == ""
    assert folder_prefix(tmp_path.parent, tmp_path) == ""


def test_sandbox_folders_in_text_become_the_submissions() -> None:
    text = "/mnt/tests/test_calc.py:3\n/workspace/calc.py:7\n../../workspace/x.py"
    assert readable_paths(text, "tests/") == "tests/test_calc.py:3\ncalc.py:7\nx.py"
