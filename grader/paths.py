"""Where a file is, seen from the sandbox, the submission and the repository (pure functions).

Inside the sandbox the submission is `/workspace/...` and the tests `/mnt/tests/...`; the report names
files relative to the submission (a test file inside it, as in a Classroom repository, keeps its
folder: `tests/test_calc.py`); annotations need them relative to the repository root (the job's
workspace), where the submission may be a sub-folder (`hw1/`) and the tests another one.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, replace
from pathlib import Path

from grader.models import Report

SANDBOX_SUBMISSION = "/workspace/"
SANDBOX_TESTS = "/mnt/tests/"
_SANDBOX_PATHS = re.compile(r"(?:\.\.(?:/\.\.)*)?(/mnt/tests/|/workspace/)")


# -- the grader's own cache on the host ---------------------------------------------------------------------


def default_cache_dir() -> Path | None:
    """$GRADER_CACHE_DIR (empty or relative: no cache), else $XDG_CACHE_HOME/pytest-grader (when absolute),
    else ~/.cache/pytest-grader:
    one folder for the collection cache (grader.collection.manifest) and the compiled sandbox code
    (grader.sandbox.bytecode)."""
    explicit = os.environ.get("GRADER_CACHE_DIR")
    if explicit is not None:
        # Relative: against the working folder, which under Actions is the student's repository. No cache.
        return Path(explicit) if os.path.isabs(explicit) else None
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = xdg if os.path.isabs(xdg) else os.path.join(os.path.expanduser("~"), ".cache")  # the XDG rule
    return Path(base) / "pytest-grader"


def private_folder(path: Path) -> bool:
    """A real folder (not a link), ours, writable by no one else."""
    st = path.lstat()
    return stat.S_ISDIR(st.st_mode) and st.st_uid == os.geteuid() and not st.st_mode & 0o022


def trusted_folder(path: Path) -> bool:
    """`path` (absolute, resolved) is ours and writable by no one else, and so is every folder above it
    unless it is root's or sticky (/tmp): no one else can rename it away and put their own in its place.
    What the grader caches there (the tests it expects, the bytecode it mounts as trusted code) is only
    as trustworthy as that."""
    if not private_folder(path):
        return False
    me = os.geteuid()
    for parent in path.parents:
        st = parent.lstat()
        if st.st_uid not in (me, 0) or (st.st_mode & 0o022 and not st.st_mode & stat.S_ISVTX):
            return False
    return True


# -- sandbox -> submission ---------------------------------------------------------------------------------


def folder_prefix(folder: Path, root: Path) -> str:
    """`folder` relative to `root` as a POSIX path ("hw1", "tests"); "" when it is `root` or outside it."""
    try:
        rel = folder.resolve().relative_to(root.resolve())
    except ValueError:
        return ""
    return "" if rel == Path(".") else rel.as_posix()


def relative_tests_prefix(tests: Path, submission: Path) -> str:
    """The tests folder relative to the submission ("tests/"), when it lies inside it (Classroom layout)."""
    prefix = folder_prefix(tests, submission)
    return prefix + "/" if prefix else ""


def readable_paths(text: str, tests_prefix: str) -> str:
    """Tracebacks name the sandbox's folders; students know their submission's."""
    return _SANDBOX_PATHS.sub(lambda m: tests_prefix if m.group(1) == SANDBOX_TESTS else "", text)


def relocate_test_files(report: Report, tests_prefix: str, submission_files: frozenset[str]) -> Report:
    """Make every path relative to the submission: student files already are; a location that fell
    back to the test file is relative to the tests folder, so it gets that folder's prefix; paths
    inside the sandbox (/workspace/..., /mnt/tests/...) in messages become the submission's."""
    tests = tuple(
        replace(
            t,
            file=tests_prefix + t.file if tests_prefix and t.file and t.file not in submission_files else t.file,
            message=readable_paths(t.message, tests_prefix),
            details=readable_paths(t.details, tests_prefix),
        )
        for t in report.tests
    )
    return replace(report, tests=tests)


# -- submission -> repository ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RepoLayout:
    """Where the submission (and the tests folder, if in the repository) are in the checkout."""

    workspace: Path
    submission: str = "."  # relative to the workspace
    tests: str | None = None  # relative to the workspace; None when not in it

    def locate(self, file: str) -> str | None:
        """Where `file` (relative to the submission, or for a test file to the tests folder) is in the
        repository, as a repository-relative POSIX path; None when it is outside the repository.
        The candidate that exists wins; else the submission's."""
        if not file or os.path.isabs(file):
            return None
        candidates = [os.path.join(self.submission, file)]
        if self.tests:
            candidates.append(os.path.join(self.tests, file))
        inside = []
        for candidate in candidates:
            absolute = os.path.normpath(os.path.join(self.workspace, candidate))
            relative = os.path.relpath(absolute, self.workspace)
            if relative == os.curdir or relative.startswith(os.pardir):
                continue
            if os.path.isfile(absolute):
                return Path(relative).as_posix()
            inside.append(Path(relative).as_posix())
        return inside[0] if inside else None


def layout_of(workspace: Path, submission: Path, tests: Path | None = None) -> RepoLayout:
    """The layout of a local run: folders given as paths, made relative to the workspace."""
    sub = folder_prefix(submission, workspace) or "."
    tests_rel = folder_prefix(tests, workspace) if tests is not None else ""
    return RepoLayout(workspace, sub, tests_rel or None)
