"""The expected tests: learnt on the trusted side, before and without running any submission code.

The instructor's tests are collected on the host by pytest itself (so parametrized ids, classes and
markers come out exactly as pytest sees them), with every module the tests import but cannot find
replaced by a stub. The result fixes which test ids can score and how many points each is worth;
results for anything else are ignored.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Any

from grader.errors import UsageError
from grader.models import ExpectedTest
from grader.paths import private_folder, trusted_folder

INI = Path(__file__).parent.parent / "sandbox" / "inside" / "pytest.ini"
PLUGIN = Path(__file__).parent / "collect_plugin.py"
CACHE_FORMAT = "1"  # bump when the cached data's meaning changes
CACHE_ENTRIES = 200  # collections kept (a few kB each)


class CollectionError(UsageError):
    """The instructor's tests could not be collected (one line, for the instructor)."""


def collect_expected(
    tests_dir: Path, *, timeout: float = 120.0, cache: Path | None = None
) -> tuple[ExpectedTest, ...]:
    """Collect the tests in `tests_dir` (ids relative to it). Raises CollectionError.

    With `cache` (a folder, see `default_cache_dir`) a successful collection is kept under the hash of
    everything it depends on, and the same tests are not collected again (a pytest run of a quarter
    of a second that competes for the CPU with the sandbox, issue #15)."""
    tests_dir = tests_dir.resolve()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PYTHON"))}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    cached = _cache_file(cache, tests_dir, env)
    data = _read_cache(cached)
    if data is not None:
        try:
            return _expected(data)
        except (KeyError, TypeError, ValueError, AttributeError):
            pass  # a damaged entry is a miss
    data = _collect(tests_dir, env, timeout)
    if not data.get("errors"):
        _write_cache(cached, data)
    return _expected(data)


def _collect(tests_dir: Path, env: dict[str, str], timeout: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="grader-collect-") as tmp:
        out = Path(tmp) / "manifest.json"
        cmd = [
            sys.executable, "-I", "-B", "-m", "pytest", str(tests_dir),
            "--collect-only", "-q", "--no-header",
            "-c", str(INI), f"--rootdir={tests_dir}", f"--confcutdir={tests_dir}",
            "-p", "grader.collection.collect_plugin", f"--grader-manifest={out}",
            "-p", "no:cacheprovider", "-p", "no:randomly", "-p", "no:xdist",
            "--import-mode=prepend",
        ]
        try:
            proc = subprocess.run(
                cmd, cwd=tmp, env=env, capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            raise CollectionError(f"collecting the tests in {tests_dir} took longer than {timeout:g} s") from None
        if not out.exists():
            tail = (proc.stdout + proc.stderr).strip().splitlines()[-5:]
            raise CollectionError(
                f"could not collect the tests in {tests_dir} (pytest exit {proc.returncode}): " + " | ".join(tail)
            )
        data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return data


def _expected(data: dict[str, Any]) -> tuple[ExpectedTest, ...]:
    if data.get("errors"):
        first = data["errors"][0]
        text = first["text"].strip().splitlines()
        raise CollectionError(
            f"the instructor's tests do not collect: {first['nodeid'] or 'conftest'}: "
            + (text[-1] if text else "error")
        )
    return tuple(
        ExpectedTest(
            nodeid=t["nodeid"],
            file=t["file"],
            line=int(t["line"]),
            title=t.get("title"),
            marker_points=t.get("marker_points"),
            ungraded=t.get("ungraded"),
            xfail_strict=bool(t.get("xfail_strict", False)),
        )
        for t in data["tests"]
    )


def _cache_file(cache: Path | None, tests_dir: Path, env: dict[str, str]) -> Path | None:
    """The cache entry of this collection: a hash of all it depends on. The tests' files (names and
    bytes), the collection plugin, the ini file, the interpreter, the installed distributions (their
    folder names carry their versions: a plugin or library installed or upgraded changes the key)
    and the environment the collection sees."""
    if cache is None:
        return None
    try:
        cache.mkdir(parents=True, exist_ok=True)
        cache = cache.resolve(strict=True)
        with contextlib.suppress(FileExistsError):
            (cache / "collect").mkdir(mode=0o700)
        # What the cache says decides which tests are graded: only a folder no one else could write.
        if not (trusted_folder(cache) and private_folder(cache / "collect")):
            return None
    except OSError:
        return None
    digest = hashlib.sha256(f"{CACHE_FORMAT}\0{sys.version}\0{sys.executable}\0".encode())
    try:
        for path in (PLUGIN, INI, Path(__file__)):
            digest.update(path.read_bytes() + b"\0")
        for site in sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}):
            digest.update("\0".join(sorted(os.listdir(site)) if os.path.isdir(site) else []).encode() + b"\0")
        digest.update(json.dumps(sorted(env.items())).encode() + b"\0")
        for root, dirs, files in os.walk(tests_dir):
            dirs.sort()
            for name in sorted(files):
                path = Path(root, name)
                digest.update(path.relative_to(tests_dir).as_posix().encode() + b"\0")
                digest.update(path.read_bytes() + b"\0")
    except OSError:
        return None  # unreadable: collect without the cache
    return cache / "collect" / f"{digest.hexdigest()}.json"


def _read_cache(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("tests"), list) else None


def _write_cache(path: Path | None, data: dict[str, Any]) -> None:
    """Written whole or not at all (a concurrent run reads either nothing or the entire entry)."""
    if path is None:
        return
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    except OSError:
        return  # a read-only home: no cache, same results
    try:
        with open(fd, "w", encoding="utf-8") as f:
            json.dump(data, f)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    _prune(path.parent)


def _prune(folder: Path) -> None:
    """At most CACHE_ENTRIES entries, the least recently written go first (the environment is part of the
    key: a machine whose variables change from run to run makes a new entry each time)."""
    with contextlib.suppress(OSError):
        entries = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime)
        for old in entries[:-CACHE_ENTRIES]:
            with contextlib.suppress(OSError):
                old.unlink()
