"""The in-container code's compiled copy (grader/sandbox/bytecode.py)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

from grader.sandbox import bytecode
from grader.sandbox.bytecode import code_folder
from grader.sandbox.container import INSIDE

TAG = sys.implementation.cache_tag


def _pyc_flags(path: Path) -> int:
    return int.from_bytes(path.read_bytes()[4:8], "little")


def test_the_copy_holds_every_source_and_checked_hash_bytecode(tmp_path: Path) -> None:
    folder = code_folder(INSIDE, tmp_path)
    assert folder != INSIDE and folder.is_relative_to(tmp_path)
    sources = sorted(p.name for p in INSIDE.iterdir() if p.suffix in (".py", ".ini"))
    assert sorted(p.name for p in folder.iterdir() if p.is_file()) == sources
    for name in sources:
        assert (folder / name).read_bytes() == (INSIDE / name).read_bytes()
    pycs = sorted((folder / "__pycache__").iterdir())
    assert [p.name for p in pycs] == sorted(f"{n[:-3]}.{TAG}.pyc" for n in sources if n.endswith(".py"))
    # PEP 552 flags 0b11: hash-based and checked against the source on every import
    assert {_pyc_flags(p) for p in pycs} == {0b11}
    assert all(os.stat(p).st_mode & 0o777 == 0o644 for p in [*pycs, *folder.glob("*.py")])


def test_the_copy_is_made_once_and_follows_the_sources(tmp_path: Path) -> None:
    first = code_folder(INSIDE, tmp_path)
    built = first.stat().st_mtime_ns
    assert code_folder(INSIDE, tmp_path) == first and first.stat().st_mtime_ns == built
    edited = tmp_path / "edited"
    edited.mkdir()
    for p in INSIDE.iterdir():
        if p.is_file():
            (edited / p.name).write_bytes(p.read_bytes())
    (edited / "session.py").write_text((INSIDE / "session.py").read_text() + "\n# edited\n")
    other = code_folder(edited, tmp_path)
    assert other != first and (other / "session.py").read_text().endswith("# edited\n")


def test_no_cache_or_an_unwritable_one_mounts_the_sources_themselves(tmp_path: Path) -> None:
    assert code_folder(INSIDE, None) == INSIDE
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    assert code_folder(INSIDE, blocked) == INSIDE


def test_python_uses_the_bytecode_and_ignores_it_for_a_changed_source(tmp_path: Path) -> None:
    """What the container's interpreter does with the copy (same rules on the host)."""
    folder = code_folder(INSIDE, tmp_path)
    probe = "import sys; sys.path.insert(0, sys.argv[1]); import processes; print(processes.__cached__)"
    done = subprocess.run([sys.executable, "-I", "-B", "-v", "-c", probe, str(folder)], capture_output=True,
                          text=True, check=True)
    assert f"code object from '{folder}/__pycache__/processes.{TAG}.pyc'" in done.stderr
    # A source changed after the compile (it never is; checked-hash makes sure): compiled afresh
    os.chmod(folder, 0o755)
    source = folder / "processes.py"
    source.chmod(0o644)
    source.write_text(source.read_text() + "\nCHANGED = True\n")
    done = subprocess.run([sys.executable, "-I", "-B", "-v", "-c", probe + "; print(processes.CHANGED)",
                           str(folder)], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines()[-1] == "True"


def test_a_copy_someone_else_could_have_written_is_not_used(tmp_path: Path) -> None:
    folder = code_folder(INSIDE, tmp_path)
    assert folder != INSIDE
    folder.parent.chmod(0o777)  # anyone could have put (or swapped) a folder in there
    try:
        assert code_folder(INSIDE, tmp_path) == INSIDE
    finally:
        folder.parent.chmod(0o755)
    assert code_folder(INSIDE, tmp_path) == folder
    folder.chmod(0o775)  # its files could have been replaced
    assert code_folder(INSIDE, tmp_path) == INSIDE
    folder.chmod(0o755)
    tmp_path.chmod(0o777)  # a world-writable cache (e.g. GRADER_CACHE_DIR=/tmp/...)
    try:
        assert code_folder(INSIDE, tmp_path) == INSIDE
    finally:
        tmp_path.chmod(0o700)


def test_old_versions_are_pruned(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(bytecode, "KEEP", 2)
    made = []
    for n in range(4):
        edited = tmp_path / f"edit{n}"
        edited.mkdir()
        for p in INSIDE.iterdir():
            if p.is_file():
                (edited / p.name).write_bytes(p.read_bytes())
        (edited / "session.py").write_text((INSIDE / "session.py").read_text() + f"\n# edit {n}\n")
        made.append(code_folder(edited, tmp_path / "cache"))
        os.utime(made[-1], (n, n))  # in the order they were made, whatever the clock's resolution
    assert sorted((tmp_path / "cache" / "sandbox-code").iterdir()) == sorted(made[-2:])


def test_a_planted_link_is_neither_followed_nor_used(tmp_path: Path) -> None:
    """Someone who could create `sandbox-code` in the cache points it at a folder of ours: building must
    not chmod, fill or prune that folder, and the sources themselves are mounted."""
    victim = tmp_path / "victim"
    victim.mkdir(mode=0o700)
    for n in range(25):
        (victim / f"keep{n}").mkdir()
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "sandbox-code").symlink_to(victim)
    assert code_folder(INSIDE, cache) == INSIDE
    assert stat.S_IMODE(victim.stat().st_mode) == 0o700
    assert sorted(p.name for p in victim.iterdir()) == sorted(f"keep{n}" for n in range(25))


def test_a_folder_above_the_cache_that_others_can_write_is_not_trusted(tmp_path: Path) -> None:
    """A group-writable folder above the cache lets its group rename our copy away and put theirs in its
    place between the check and the mount; a sticky one (/tmp) does not."""
    shared = tmp_path / "course"
    shared.mkdir()
    cache = shared / "cache"
    assert code_folder(INSIDE, cache) != INSIDE
    shared.chmod(0o775)
    assert code_folder(INSIDE, cache) == INSIDE
    shared.chmod(0o1777)  # sticky: others cannot rename what is ours
    assert code_folder(INSIDE, cache) != INSIDE
    shared.chmod(0o755)


def test_a_half_deleted_version_is_rebuilt_not_mounted(tmp_path: Path) -> None:
    folder = code_folder(INSIDE, tmp_path)
    (folder / "supervisor.py").unlink()  # a crash in the middle of a removal
    again = code_folder(INSIDE, tmp_path)
    assert again == folder and (again / "supervisor.py").read_bytes() == (INSIDE / "supervisor.py").read_bytes()
