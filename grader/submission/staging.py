"""Copy a submission (or the instructor's tests) into a private folder the sandbox mounts read-only.

Nothing is ever followed through a symbolic link, so a link in a submission cannot make a host file
readable. Files that could change how pytest runs (conftest.py, ini files, sitecustomize, *.pth) and
files named like tests are left out of the submission and reported as integrity findings.
"""

from __future__ import annotations

import fnmatch
import os
import shutil
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from grader.models import Finding

MAX_SUBMISSION_BYTES = 50 * 1024 * 1024
MAX_SUBMISSION_FILES = 20_000
MAX_FINDINGS_PER_KIND = 20
# Bounds that keep every later stage (the copy inside the sandbox, tracebacks, reports) within the
# system's limits wherever the submission is staged: PATH_MAX is 4096 bytes, and the staged copy's
# prefix (/tmp/grader-run-xxxxxxxx/submission/, /workspace/) is longer than the student's.
MAX_DEPTH = 64  # folders below the submission's root
MAX_PATH_BYTES = 1024  # of a path relative to the submission's root

SKIPPED_DIRS = frozenset({".git", ".github", ".hg", ".svn", "__pycache__", ".pytest_cache", ".mypy_cache",
                          ".ruff_cache", ".venv", "venv", ".tox", "node_modules"})
# Files pytest or Python would read at start-up if they were on the path: never copied.
CONFIG_FILES = frozenset({"conftest.py", "pytest.ini", ".pytest.ini", "pyproject.toml", "setup.cfg", "tox.ini",
                          "sitecustomize.py", "usercustomize.py"})
CONFIG_GLOBS = ("*.pth",)
TEST_FILE_GLOBS = ("test_*.py", "*_test.py")
TEST_DIRS = frozenset({"tests", "test"})


@dataclass(frozen=True)
class StagedTree:
    path: Path  # the private copy
    files: frozenset[str]  # posix paths relative to `path`
    size: int  # bytes copied
    findings: tuple[Finding, ...] = ()
    error: str | None = None  # set when the tree could not be staged (too large, not a folder...)


class _Limits(Exception):
    pass


def stage_submission(source: Path, dest: Path, *, exclude: Iterable[Path] = ()) -> StagedTree:
    """Copy a student's submission into `dest`, leaving out links, config and test-named files."""
    return _stage(source, dest, exclude=exclude, submission=True)


def stage_tests(source: Path, dest: Path) -> StagedTree:
    """Copy the instructor's tests into `dest` (links are left out here too)."""
    return _stage(source, dest, exclude=(), submission=False)


def _stage(source: Path, dest: Path, *, exclude: Iterable[Path], submission: bool) -> StagedTree:
    findings: list[Finding] = []
    counts: dict[str, int] = {}

    def note(kind: str, path: str, detail: str) -> None:
        counts[kind] = counts.get(kind, 0) + 1
        if counts[kind] <= MAX_FINDINGS_PER_KIND:
            findings.append(Finding(kind=kind, path=display_path(path), detail=detail))

    what = "submission" if submission else "tests folder"
    try:
        st = source.lstat()
    except OSError:
        return StagedTree(dest, frozenset(), 0, (), f"the {what} {source} does not exist")
    if stat.S_ISLNK(st.st_mode):
        return StagedTree(dest, frozenset(), 0, (), f"the {what} {source} is a symbolic link; pass the real folder")
    if not stat.S_ISDIR(st.st_mode):
        return StagedTree(dest, frozenset(), 0, (), f"the {what} {source} is a file, not a folder")

    excluded = {os.path.realpath(p) for p in exclude}
    too_many = _count_exceeds(source, MAX_SUBMISSION_FILES)
    if too_many:  # refuse before copying anything: copying 20,000 files only to reject them takes seconds
        return StagedTree(dest, frozenset(), 0, (), f"the {what} has more than {MAX_SUBMISSION_FILES} files")
    dest.mkdir(parents=True, exist_ok=True)
    os.chmod(dest, 0o755)  # the sandbox user (uid 1000) must be able to read the copy
    files: set[str] = set()
    size = 0
    try:
        for dirpath, dirnames, filenames in walk(source):
            rel_dir = os.path.relpath(dirpath, source)
            keep_dirs = []
            for name in sorted(dirnames):
                full = os.path.join(dirpath, name)
                rel = _posix(os.path.join(rel_dir, name))
                if _too_long(rel):
                    note("path-too-long", _short(rel), f"path longer than {MAX_PATH_BYTES} bytes left out")
                elif rel.count("/") + 1 > MAX_DEPTH:
                    note("too-deep", _short(rel), f"folder nested more than {MAX_DEPTH} deep left out")
                elif os.path.islink(full):
                    note("symlink", rel, "symbolic link left out (links are never followed)")
                elif name in SKIPPED_DIRS or os.path.realpath(full) in excluded:
                    continue
                elif submission and name in TEST_DIRS:
                    note("test-named-file", rel + "/", "a folder named like the tests was left out")
                else:
                    keep_dirs.append(name)
            dirnames[:] = keep_dirs
            target_dir = dest if rel_dir == "." else dest / rel_dir
            target_dir.mkdir(exist_ok=True)
            os.chmod(target_dir, 0o755)
            for name in sorted(filenames):
                full = os.path.join(dirpath, name)
                rel = _posix(os.path.join(rel_dir, name))
                if os.path.realpath(full) in excluded:
                    continue
                if _too_long(rel):
                    note("path-too-long", _short(rel), f"path longer than {MAX_PATH_BYTES} bytes left out")
                    continue
                try:
                    st = os.lstat(full)
                except OSError as exc:  # vanished while we walked
                    note("unreadable", rel, f"could not be read ({exc.strerror}); left out")
                    continue
                if stat.S_ISLNK(st.st_mode):
                    note("symlink", rel, "symbolic link left out (links are never followed)")
                    continue
                if not stat.S_ISREG(st.st_mode):
                    note("special-file", rel, "not a regular file; left out")
                    continue
                if submission and (name in CONFIG_FILES or _matches(name, CONFIG_GLOBS)):
                    note("ignored-config", rel, "configuration file ignored: only the instructor's settings apply")
                    continue
                if submission and _matches(name, TEST_FILE_GLOBS):
                    note("test-named-file", rel, "file named like a test left out: only the instructor's tests run")
                    continue
                if name.endswith((".pyc", ".pyo")):
                    continue
                size += st.st_size
                if len(files) + 1 > MAX_SUBMISSION_FILES:
                    raise _Limits(f"the {what} has more than {MAX_SUBMISSION_FILES} files")
                if size > MAX_SUBMISSION_BYTES:
                    raise _Limits(
                        f"the {what} is larger than {MAX_SUBMISSION_BYTES // 2**20} MB "
                        f"({display_path(rel)} brings it past the limit)"
                    )
                try:
                    _copy_regular(full, str(target_dir / name))
                except OSError as exc:  # no permission, swapped for a link, vanished...
                    (target_dir / name).unlink(missing_ok=True)
                    note("unreadable", rel, f"could not be read ({exc.strerror}); left out")
                    size -= st.st_size
                    continue
                files.add(rel)
    except _Limits as exc:
        return StagedTree(dest, frozenset(files), size, tuple(findings), str(exc))
    for kind, count in counts.items():
        if count > MAX_FINDINGS_PER_KIND:
            findings.append(Finding(kind=kind, detail=f"{count - MAX_FINDINGS_PER_KIND} more not listed"))
    return StagedTree(dest, frozenset(files), size, tuple(findings))


def _count_exceeds(source: Path, limit: int) -> bool:
    """True when the tree holds more than `limit` files (a cheap walk; nothing is opened or followed)."""
    count = 0
    for dirpath, dirnames, filenames in walk(source):
        depth = os.path.relpath(dirpath, source).count(os.sep) + 1
        dirnames[:] = [d for d in dirnames if d not in SKIPPED_DIRS and depth < MAX_DEPTH]
        count += len(filenames)
        if count > limit:
            return True
    return False


def _copy_regular(source: str, target: str) -> None:
    # O_NOFOLLOW: a file swapped for a link between the check and the copy is refused, not followed.
    fd = os.open(source, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as src, open(target, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
    os.chmod(target, 0o644)


def walk(top: Path | str) -> Iterator[tuple[str, list[str], list[str]]]:
    """os.walk(top, followlinks=False) without recursion (Python 3.11's os.walk recurses: 1,000
    nested folders raise RecursionError). Top-down: pruning `dirnames` in place prunes the walk.
    Links are listed (as files or folders, like os.walk) but never entered; unreadable folders
    are skipped."""
    stack = [os.fspath(top)]
    while stack:
        path = stack.pop()
        dirnames: list[str] = []
        filenames: list[str] = []
        try:
            with os.scandir(path) as entries:
                for entry in entries:
                    try:
                        is_dir = entry.is_dir(follow_symlinks=True)
                    except OSError:
                        is_dir = False
                    (dirnames if is_dir else filenames).append(entry.name)
        except OSError:
            continue
        yield path, dirnames, filenames
        for name in reversed(dirnames):
            full = os.path.join(path, name)
            if not os.path.islink(full):
                stack.append(full)


def _short(rel: str) -> str:
    return rel if len(rel) <= 200 else rel[:200] + "…"


def _too_long(rel: str) -> bool:
    return len(rel.encode("utf-8", "surrogateescape")) > MAX_PATH_BYTES


def _matches(name: str, globs: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, g) for g in globs)


def display_path(rel: str) -> str:
    """A path as text that always encodes: bytes of a non-UTF-8 file name become U+FFFD.

    os.walk gives such names with lone surrogates (surrogateescape), which no UTF-8 writer accepts:
    a finding that carried one would crash the JSON report.
    """
    return rel.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _posix(rel: str) -> str:
    rel = rel.replace(os.sep, "/")
    return rel[2:] if rel.startswith("./") else rel
