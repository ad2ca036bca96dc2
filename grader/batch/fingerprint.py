"""Content hashes: a submission is regraded only when its files or what grades it (tests, scoring config,
runner image, in-container code) changed."""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import replace
from pathlib import Path
from typing import Any

from grader.config import GradingConfig
from grader.submission.staging import SKIPPED_DIRS

HASH_SCHEME = b"grader-batch-hash-v1"


# -- content hash -------------------------------------------------------------------------------------------


def hash_tree(root: Path, digest: Any) -> None:
    """Feed every entry under root (names, types, contents, link targets; links never followed).

    What staging never copies into the sandbox (`__pycache__`, `.git`, ... and compiled files) is left
    out, so that merely importing or committing does not force a regrade.
    """
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        base = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS)
        links = [d for d in dirnames if (base / d).is_symlink()]
        dirnames[:] = [d for d in dirnames if d not in links]
        for d in dirnames:
            digest.update(b"D\0" + os.fsencode((base / d).relative_to(root)) + b"\0")
        for name in sorted(filenames + links):
            if name.endswith((".pyc", ".pyo")):
                continue
            path = base / name
            rel = os.fsencode(path.relative_to(root))
            st = path.lstat()
            if stat.S_ISLNK(st.st_mode):
                digest.update(b"L\0" + rel + b"\0" + os.fsencode(os.readlink(path)) + b"\0")
            elif stat.S_ISREG(st.st_mode):
                digest.update(b"F\0" + rel + b"\0" + str(st.st_size).encode() + b"\0")
                try:
                    with path.open("rb") as fh:
                        for chunk in iter(lambda: fh.read(1 << 20), b""):
                            digest.update(chunk)
                except OSError as exc:  # unreadable file: hash the fact, grading will report it
                    digest.update(f"unreadable:{exc.errno}".encode())
            else:
                digest.update(b"O\0" + rel + b"\0" + str(stat.S_IFMT(st.st_mode)).encode() + b"\0")


def grading_fingerprint(config: GradingConfig, *, image_id: str) -> str:
    """Everything besides the submission that decides a report: the tests, the scoring config, the runner
    image, the grader's version and the code it runs inside the container.

    The deadline and late penalty are left out: they are applied after grading, so changing them never
    forces a regrade. Neither is the rest of the grader's source: after editing it, use --force.
    """
    digest = hashlib.sha256(HASH_SCHEME)
    hash_tree(config.tests, digest)
    scoring = replace(config, tests=Path("."), source=None, deadline=None, late_penalty=None)
    digest.update(b"\0config\0" + repr(scoring).encode())
    digest.update(b"\0image\0" + image_id.encode())
    digest.update(b"\0grader\0" + _grader_version().encode())
    hash_tree(Path(__file__).parent.parent / "sandbox" / "inside", digest)
    return digest.hexdigest()


def _grader_version() -> str:
    import importlib.metadata

    try:
        return importlib.metadata.version("pytest-sandbox-grader")
    except importlib.metadata.PackageNotFoundError:  # running from a source tree
        return "source"


def content_hash(submission: Path, fingerprint: str) -> str:
    digest = hashlib.sha256(fingerprint.encode())
    hash_tree(submission, digest)
    return digest.hexdigest()
