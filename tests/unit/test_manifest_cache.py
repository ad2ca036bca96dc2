"""The trusted collection's cache (issue #15): the same tests are collected once; anything the collection
depends on changes the key; failures are never cached; an unusable cache means collecting as before."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from grader.collection import manifest
from grader.collection.manifest import CollectionError, collect_expected
from grader.paths import default_cache_dir

TEST_FILE = (
    "import pytest\nfrom calc import add\n\n"
    "@pytest.mark.parametrize('n', [1, 2])\ndef test_add(n):\n    assert add(n)\n"
)


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The folders pytest really collected (the cache answered for the others)."""
    seen: list[Path] = []
    real = manifest._collect

    def counting(tests_dir: Path, env: dict[str, str], timeout: float) -> dict[str, Any]:
        seen.append(tests_dir)
        return real(tests_dir, env, timeout)

    monkeypatch.setattr(manifest, "_collect", counting)
    return seen


def make_tests(root: Path, text: str = TEST_FILE) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "test_calc.py").write_text(text)
    return root


def test_the_same_tests_are_collected_once(tmp_path: Path, runs: list[Path]) -> None:
    cache = tmp_path / "cache"
    first = collect_expected(make_tests(tmp_path / "a"), cache=cache)
    # Another staged copy (another temporary folder) of the same files: answered from the cache.
    second = collect_expected(make_tests(tmp_path / "b"), cache=cache)
    assert [t.nodeid for t in first] == ["test_calc.py::test_add[1]", "test_calc.py::test_add[2]"]
    assert second == first
    assert len(runs) == 1
    assert len(list((cache / "collect").glob("*.json"))) == 1


def test_a_changed_test_file_is_collected_again(tmp_path: Path, runs: list[Path]) -> None:
    cache = tmp_path / "cache"
    tests = make_tests(tmp_path / "t")
    collect_expected(tests, cache=cache)
    (tests / "test_calc.py").write_text(TEST_FILE.replace("[1, 2]", "[1, 2, 3]"))
    expected = collect_expected(tests, cache=cache)
    assert [t.nodeid for t in expected][-1] == "test_calc.py::test_add[3]"
    (tests / "conftest.py").write_text("")  # a new file too
    collect_expected(tests, cache=cache)
    assert len(runs) == 3


def test_the_environment_is_part_of_the_key(
    tmp_path: Path, runs: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    tests = make_tests(tmp_path / "t")
    collect_expected(tests, cache=cache)
    monkeypatch.setenv("GRADER_TEST_SWITCH", "on")  # a conftest may read the environment
    collect_expected(tests, cache=cache)
    assert len(runs) == 2


def test_a_failed_collection_is_not_cached(tmp_path: Path, runs: list[Path]) -> None:
    cache = tmp_path / "cache"
    tests = make_tests(tmp_path / "t", "def test_x(:\n    pass\n")
    for _ in range(2):
        with pytest.raises(CollectionError, match="do not collect"):
            collect_expected(tests, cache=cache)
    assert len(runs) == 2
    assert not list(cache.rglob("*.json"))


def test_a_damaged_entry_is_collected_again(tmp_path: Path, runs: list[Path]) -> None:
    cache = tmp_path / "cache"
    tests = make_tests(tmp_path / "t")
    collect_expected(tests, cache=cache)
    [entry] = (cache / "collect").glob("*.json")
    entry.write_text('{"tests": [')
    assert len(collect_expected(tests, cache=cache)) == 2
    assert len(runs) == 2


def test_an_unwritable_cache_still_collects(tmp_path: Path, runs: list[Path]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert len(collect_expected(make_tests(tmp_path / "t"), cache=blocker / "cache")) == 2
    assert len(runs) == 1


def test_without_a_cache_folder_every_call_collects(tmp_path: Path, runs: list[Path]) -> None:
    tests = make_tests(tmp_path / "t")
    collect_expected(tests)
    collect_expected(tests)
    assert len(runs) == 2


def test_the_cache_folder_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GRADER_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "pytest-grader"
    monkeypatch.setenv("GRADER_CACHE_DIR", str(tmp_path / "own"))
    assert default_cache_dir() == tmp_path / "own"
    monkeypatch.setenv("GRADER_CACHE_DIR", "")
    assert default_cache_dir() is None


def test_the_cache_keeps_the_newest_entries_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(manifest, "CACHE_ENTRIES", 2)
    cache = tmp_path / "cache"
    for n in range(3):
        monkeypatch.setenv("GRADER_TEST_SWITCH", str(n))  # a new key each time
        collect_expected(make_tests(tmp_path / "t"), cache=cache)
    assert len(list((cache / "collect").glob("*.json"))) == 2


def test_a_relative_cache_folder_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """Relative to the working folder, which under Actions is the student's repository."""
    monkeypatch.setenv("GRADER_CACHE_DIR", "cache")
    assert default_cache_dir() is None
    monkeypatch.delenv("GRADER_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/xdg")  # the XDG rule: ignored
    assert default_cache_dir() == Path.home() / ".cache" / "pytest-grader"


def test_a_cache_others_can_write_is_not_read(tmp_path: Path, runs: list[Path]) -> None:
    """Which tests the grader expects must not come from a file someone else could have put there."""
    tests = make_tests(tmp_path / "t")
    shared = tmp_path / "shared"
    shared.mkdir()
    collect_expected(tests, cache=shared / "cache")
    collect_expected(tests, cache=shared / "cache")
    assert len(runs) == 1
    shared.chmod(0o777)
    try:
        collect_expected(tests, cache=shared / "cache")
    finally:
        shared.chmod(0o755)
    assert len(runs) == 2


def test_a_damaged_entry_is_a_miss(tmp_path: Path, runs: list[Path]) -> None:
    tests = make_tests(tmp_path / "t")
    first = collect_expected(tests, cache=tmp_path / "cache")
    (entry,) = (tmp_path / "cache" / "collect").glob("*.json")
    entry.write_text('{"tests": [{"no": "fields"}], "errors": []}')
    assert collect_expected(tests, cache=tmp_path / "cache") == first
    assert len(runs) == 2
