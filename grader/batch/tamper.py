"""Tamper evidence: which protected files of a student's repository differ from the assignment's template.

In a GitHub Classroom repository the tests, `grading.yml` and the workflow are the student's to edit, and
the score Classroom records comes from running them there. A regrade from the instructor's side runs the
instructor's own tests and config whatever the student changed (staging leaves the student's copies out),
so a change never earns points; what this module adds is the *evidence*: every protected file that was
changed, added or deleted at the graded commit, with a short diff stat, as an integrity finding of kind
`protected-file` in the student's report (so it travels with the report through sharded regrades).

Protected: the tests folder (as `grading.yml` names it), `grading.yml`, `.github/workflows/`, and the globs
of `protected:` in `grading.yml` (`*` also crosses `/`; a pattern ending in `/` is a whole folder).
"""

from __future__ import annotations

import contextlib
import difflib
import fnmatch
import hashlib
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.config import GradingConfig
from grader.github.repos import RepoError, RepoSpec, fetch_files, github_repo
from grader.models import Finding

PROTECTED_KIND = "protected-file"
ALWAYS_PROTECTED = ("grading.yml", ".github/workflows/")
_SKIPPED = frozenset({".git", "__pycache__"})


@dataclass(frozen=True)
class ProtectedChange:
    path: str  # relative, with /
    change: str  # changed | added | deleted
    added: int = 0  # lines
    removed: int = 0

    def summary(self) -> str:
        """One line: `tests/test_calc.py changed (+1 -12)`."""
        return f"{self.path} {self.change} (+{self.added} -{self.removed})"


def protected_patterns(config: GradingConfig) -> tuple[str, ...]:
    """The tests folder (relative to grading.yml's folder, i.e. the repository root), the fixed ones, the
    config's own globs."""
    tests = config.tests.name
    if config.source is not None:
        # tests outside the course folder (--tests): their folder's name is the best guess of the repo's
        with contextlib.suppress(ValueError):
            tests = config.tests.relative_to(config.source.resolve().parent).as_posix()
    return (f"{tests.rstrip('/')}/", *ALWAYS_PROTECTED, *config.protected)


def is_protected(path: str, patterns: Iterable[str]) -> bool:
    for pattern in patterns:
        if pattern.endswith("/"):
            if path.startswith(pattern):
                return True
        elif fnmatch.fnmatchcase(path, pattern):
            return True
    return False


def _files(root: Path, patterns: Sequence[str]) -> dict[str, Path]:
    """Protected regular files and links under root, by relative path (links never followed)."""
    found: dict[str, Path] = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIPPED)
        base = Path(dirpath)
        links = [d for d in dirnames if (base / d).is_symlink()]
        for name in sorted(filenames + links):
            path = base / name
            rel = path.relative_to(root).as_posix()
            if is_protected(rel, patterns):
                found[rel] = path
    return found


def _content(path: Path) -> bytes:
    if path.is_symlink():
        return b"symlink -> " + os.fsencode(os.readlink(path))
    try:
        return path.read_bytes()
    except OSError as exc:
        return f"unreadable: {exc.strerror}".encode()


def _lines(data: bytes) -> list[str]:
    return data.decode("utf-8", errors="replace").splitlines()


def compare(template: Path, submission: Path, patterns: Sequence[str]) -> tuple[ProtectedChange, ...]:
    """Every protected file that differs between the template and the submission, sorted by path."""
    before, after = _files(template, patterns), _files(submission, patterns)
    changes = []
    for rel in sorted(set(before) | set(after)):
        if rel not in after:
            changes.append(ProtectedChange(rel, "deleted", 0, len(_lines(_content(before[rel])))))
        elif rel not in before:
            changes.append(ProtectedChange(rel, "added", len(_lines(_content(after[rel]))), 0))
        else:
            old, new = _content(before[rel]), _content(after[rel])
            if old == new:
                continue
            added = removed = 0
            for line in difflib.unified_diff(_lines(old), _lines(new), lineterm="", n=0):
                if line.startswith("+") and not line.startswith("+++"):
                    added += 1
                elif line.startswith("-") and not line.startswith("---"):
                    removed += 1
            changes.append(ProtectedChange(rel, "changed", added, removed))
    return tuple(changes)


def digest(template: Path, patterns: Sequence[str]) -> str:
    """A hash of the template's protected files and the patterns: a report inspected against another
    template (or other patterns) must never be reused."""
    h = hashlib.sha256(b"template\0" + "\0".join(patterns).encode())
    for rel, path in sorted(_files(template, patterns).items()):
        h.update(b"\0" + rel.encode() + b"\0" + hashlib.sha256(_content(path)).digest())
    return h.hexdigest()


def as_findings(changes: Sequence[ProtectedChange]) -> tuple[Finding, ...]:
    return tuple(
        Finding(
            kind=PROTECTED_KIND,
            detail=f"{c.summary()} compared with the template: the instructor's copy was used",
            path=c.path,
        )
        for c in changes
    )


def protected_changes(findings: Iterable[Finding]) -> tuple[str, ...]:
    """The one-line summaries of a report's protected-file findings (for the gradebook)."""
    return tuple(f.detail.split(" compared with", 1)[0] for f in findings if f.kind == PROTECTED_KIND)


def load_template(spec: str, dest: Path, *, token: str | None = None) -> Path:
    """The template's files: a local folder as it is, or `OWNER/REPO[@REF]` on GitHub (or a git URL)
    fetched into `dest` the way student repositories are (nothing from it runs)."""
    local = Path(spec).expanduser()
    if local.is_dir():
        return local.resolve()
    if _OWNER_REPO.match(spec):
        name, _, ref = spec.partition("@")
        source = f"https://github.com/{name}"
    elif "://" in spec:
        source, ref = spec, ""
    else:
        raise RepoError(f"--template {spec}: neither a folder, nor OWNER/REPO[@REF], nor a git URL")
    repo = RepoSpec(source=source, name="template", github=github_repo(source))
    return fetch_files(repo, dest, ref=ref or None, token=token).path


_OWNER_REPO = re.compile(r"^[A-Za-z0-9-]+/[A-Za-z0-9._-]+(@[^\s@]+)?$")
