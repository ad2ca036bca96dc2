"""The trusted in-container code as it is mounted at /opt/grader: a cached copy of `inside/` with its bytecode.

The mount is read-only and the sandbox runs Python with -B, so without bytecode beside the sources every
run compiled the supervisor's and the plugin's modules again (about 14 ms of the container's one CPU, issue
15). The host compiles them once into a private folder of its cache, next to a copy of the sources, and
mounts that folder instead. The bytecode is *checked-hash* (PEP 552): the interpreter in the container
compares it with the hash of the source beside it on every import and compiles the source when they differ,
so stale bytecode never runs. The hash is no signature, so the folder must be the grader's alone: it is
made by the grader, used only when no one else could have written it (`_private`), and mounted read-only
(the student never writes it and never supplies bytecode).

The bytecode is the host interpreter's (`sys.implementation.cache_tag`, e.g. cpython-311): the container
uses it when the runner image has the same Python minor version (the default image and a 3.11 host) and
ignores it otherwise, compiling as before. Any failure (a read-only home...) mounts `inside/` itself.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from grader.paths import private_folder, trusted_folder

FORMAT = "1"  # bump when the folder's layout changes
SUFFIXES = (".py", ".ini")  # what the container needs: the modules and pytest.ini
KEEP = 20  # versions kept in the cache (about 300 kB each)


def code_folder(inside: Path, cache: Path | None) -> Path:
    """The folder to mount at /opt/grader: the cached compiled copy of `inside`, made now if missing, or
    `inside` itself when there is no cache, it cannot be written, or someone else could have written it."""
    if cache is None:
        return inside
    try:
        cache.mkdir(parents=True, exist_ok=True)
        # Resolved once: the path checked below is the path mounted (no link can be swapped in between).
        cache = cache.resolve(strict=True)
        if not trusted_folder(cache):
            return inside
        files = {p.name: p.read_bytes() for p in sorted(inside.iterdir()) if p.suffix in SUFFIXES and p.is_file()}
        digest = hashlib.sha256(f"{FORMAT}\0{sys.version}\0".encode())
        for name, data in files.items():
            digest.update(name.encode() + b"\0" + data + b"\0")
        folder = cache / "sandbox-code"
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=0o755)
        # Bytecode is code: a hash-checked pyc proves nothing about who wrote it. Build in, and use, only a
        # folder no one else could have written or replaced (a shared GRADER_CACHE_DIR, a link planted
        # there, another user's files): else the plain sources.
        if not private_folder(folder):
            return inside
        target = folder / f"{digest.hexdigest()[:32]}-{sys.implementation.cache_tag}"
        if not _complete(target, files):
            _build(target, files)
        return target if private_folder(target) and _complete(target, files) else inside
    except OSError:
        return inside


def _complete(target: Path, files: dict[str, bytes]) -> bool:
    """Every source is there with its bytes (a version half-deleted by a crash or a concurrent prune is
    rebuilt, not mounted)."""
    try:
        return target.is_dir() and (target / "__pycache__").is_dir() and all(
            (target / name).read_bytes() == data for name, data in files.items()
        )
    except OSError:
        return False


def _build(target: Path, files: dict[str, bytes]) -> None:
    """Write the copy and its bytecode under a temporary name, then rename it into place: a folder under
    its final name is always complete (another grader process may be building the same one)."""
    import py_compile  # once per version of the code: not on every run's path

    if target.exists():  # incomplete (see _complete): out of the way first, atomically
        _discard(target)
    tmp = Path(tempfile.mkdtemp(prefix=".building-", dir=target.parent))
    try:
        for name, data in files.items():
            (tmp / name).write_bytes(data)
            if not name.endswith(".py"):
                continue
            try:
                py_compile.compile(
                    str(tmp / name),
                    cfile=str(tmp / "__pycache__" / f"{name[:-3]}.{sys.implementation.cache_tag}.pyc"),
                    dfile=f"/opt/grader/{name}",
                    doraise=True,
                    invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH,
                )
            except py_compile.PyCompileError as exc:  # e.g. a mutant of the tests: the container reports it
                raise OSError(str(exc)) from None
        # The sandbox user (uid 1000) reads it whatever the host user's umask.
        for path in (tmp, tmp / "__pycache__"):
            path.chmod(0o755)
        for path in [*tmp.glob("*"), *tmp.glob("__pycache__/*")]:
            if path.is_file():
                path.chmod(0o644)
        try:
            tmp.rename(target)
        except OSError:
            if not target.is_dir():  # not a concurrent build that won the race
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    with contextlib.suppress(OSError):  # another grader pruning at the same time
        _prune(target.parent)


def _discard(path: Path) -> None:
    """Rename, then delete: a version is never seen half-deleted under its own name."""
    gone = path.with_name(f".old-{path.name}-{os.getpid()}-{os.urandom(4).hex()}")
    path.rename(gone)
    shutil.rmtree(gone, ignore_errors=True)


def _prune(folder: Path) -> None:
    """Keep the KEEP newest versions (each edit of the code, each test mutant makes one); remove what a
    crashed build or removal left behind (`.building-*`, `.old-*`) after an hour."""
    entries = list(folder.iterdir())
    versions = sorted((p for p in entries if not p.name.startswith(".")), key=lambda p: p.stat().st_mtime)
    for old in versions[:-KEEP]:
        _discard(old)
    for left in (p for p in entries if p.name.startswith((".building-", ".old-"))):
        if time.time() - left.stat().st_mtime > 3600:
            shutil.rmtree(left, ignore_errors=True)
