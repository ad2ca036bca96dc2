"""PEP 578 audit hook for the test process: refuses what in-process forgery needs.

Installed by child.py before pytest collects anything (so before any submission code is imported);
an audit hook cannot be removed. Each refusal raises in the caller (the operation does not happen),
and calls `report(what)`, which sends a `refused-operation` finding and fails the running test.

Refused from any caller (honest coursework never does these; a submission would go through the
standard library to hide, e.g. `pathlib` or `unittest.mock`):
- importing `ctypes` or `_ctypes` (raw memory access; also what `multiprocessing.sharedctypes`
  needs: not supported in graded code), and ctypes' calls into C (its `ctypes.*` events): the
  grader's `make_undumpable` loaded it before the hook, and `object.__subclasses__()` still lists
  `ctypes.CDLL` with no import (its types too, whose memory access raises no event: see
  docs/threat-model.md, "What is not defended");
- opening or listing `/proc/<pid>/mem`, `/proc/<pid>/fd`, `/proc/<pid>/fdinfo`, `/proc/<pid>/maps`,
  `/proc/<pid>/environ` (also through `/proc/self`, `/dev/fd` or a relative path), and anything
  under another process's `/proc/<pid>`, also through a symbolic link the submission made;
- setting `__code__`, `__defaults__` or `__kwdefaults__` of a function that is not the submission's
  own (the tests', the framework's, the standard library's), unless the responsible frame (the first
  one outside the standard library) is trusted.

Refused when the *immediate* Python caller is untrusted (the standard library calls these on the
student's behalf in honest code: `namedtuple`, `enum`, `typing` and `logging` call `sys._getframe`;
so only a direct call counts, except through the stdlib functions whose purpose is to hand frames
to their caller, `FRAME_WRAPPERS`, which are looked through):
- `gc.get_objects`, `gc.get_referrers`, `gc.get_referents`;
- `sys._current_frames`, `sys.settrace`, `sys.setprofile`;
- `sys._getframe` when the frame it gives is one of the tests folder, pytest/pluggy or the grader
  (libraries a submission vendors look at their own callers' frames: boltons' `make_sentinel`);
  reading `tb_frame`, `gi_frame`, `cr_frame`, `ag_frame` when the frame is pytest's, pluggy's or the
  grader's (a traceback caught in the instructor's test starts at the test's own frame, and honest
  libraries walk it: pyparsing's `explain_exception`). `f_back` raises no event: from a frame of
  its own the submission can still walk up (see docs/threat-model.md);
- creating code objects (`code.__new__`, also raised by `code.replace`) or functions from code
  objects (`function.__new__`), and `compile()` of source under the name of a file of the tests folder.

Trusted: code whose file is in the standard library, the installed packages (pytest, pluggy...),
this folder (the grader) or the tests folder (the instructor), and Python's frozen modules.
Everything else (the workspace, /tmp, `<string>` from exec) is the submission's. Checked on
CPython 3.11; plain attribute assignment on a class raises no event, so patched methods of
pytest, pluggy and unittest are caught by the plugin's snapshot instead.
"""

from __future__ import annotations

import os
import sys
import sysconfig
from _thread import get_ident
from collections.abc import Callable
from types import FunctionType
from typing import Any

_getframe = sys._getframe
_realpath = os.path.realpath
_join = os.path.join
_getcwd = os.getcwd
_fsdecode = os.fsdecode

ANY_CALLER_IMPORTS = frozenset({"ctypes", "_ctypes"})
# Paths that may lead into /proc: /proc, /dev (fd, stdout... are links), and the writable mounts
# where a submission can make links (the rest of the container's file system is read-only).
RESOLVED = ("/proc", "/dev", "/tmp", "/workspace")
PROC_FILES = frozenset({"mem", "fd", "fdinfo", "maps", "environ"})
FRAME_ATTRS = frozenset({"tb_frame", "gi_frame", "cr_frame", "ag_frame"})
DIRECT_EVENTS = frozenset({"gc.get_objects", "gc.get_referrers", "gc.get_referents", "sys._getframe",
                           "sys._current_frames", "sys.settrace", "sys.setprofile", "code.__new__",
                           "function.__new__"})
FUNCTION_ATTRS = frozenset({"__code__", "__defaults__", "__kwdefaults__"})
EVENTS = DIRECT_EVENTS | {"import", "open", "os.listdir", "os.scandir", "object.__getattr__",
                          "object.__setattr__", "compile"}
# (file name, function) of stdlib functions that return frames to their caller: the caller is responsible.
FRAME_WRAPPERS = frozenset({("inspect.py", "currentframe"), ("inspect.py", "stack"), ("inspect.py", "trace"),
                            ("inspect.py", "getinnerframes"), ("inspect.py", "getouterframes"),
                            ("traceback.py", "walk_stack"), ("traceback.py", "walk_tb")})


def trusted_dirs(grader_dir: str, rootdir: str) -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    dirs = {paths["stdlib"], paths["platstdlib"], paths["purelib"], paths["platlib"], grader_dir, rootdir,
            *(p for p in sys.path if p.endswith(("site-packages", "dist-packages")))}
    return tuple(_join(os.path.abspath(d), "") for d in dirs if d)


def _proc_target(path: Any) -> str | None:
    """What a /proc path names, if it is one the hook refuses ("mem", "other process"...)."""
    if isinstance(path, int):
        return None
    try:
        text = _fsdecode(path)
    except (TypeError, ValueError):
        return None
    if not text.startswith("/"):
        text = _join(_getcwd(), text)
    if not text.startswith(RESOLVED):
        # Links into /proc exist under /dev (fd, stdout...) and /proc itself, or are the submission's,
        # in the only writable places: elsewhere (the read-only image) there is nothing to resolve.
        return None
    head, _, tail = text.rstrip("/").rpartition("/")
    # Resolve the folder (/proc/self, /dev/fd, /proc/thread-self ... are links), not the file itself:
    # /proc/self/fd/3 resolves to "pipe:[...]". And the whole path, for a link to a folder (/dev/fd).
    for full in (_join(_realpath(head or "/"), tail), _realpath(text)):
        target = _proc_entry(full)
        if target is not None:
            return target
    return None


def _proc_entry(full: str) -> str | None:
    parts = full.split("/")
    if len(parts) < 3 or parts[1] != "proc" or not parts[2].isdigit():
        return None
    if int(parts[2]) != os.getpid():
        return "another process's /proc entry"
    rest = parts[3:]
    if len(rest) >= 3 and rest[0] == "task":  # /proc/<pid>/task/<tid>/mem
        rest = rest[2:]
    if rest and rest[0] in PROC_FILES:
        return f"/proc/self/{rest[0]}"
    return None


def install(report: Callable[[str], None], grader_dir: str, rootdir: str) -> None:
    """Add the hook. `report(what)` is called once per refusal, before the caller gets the exception."""
    trusted = trusted_dirs(grader_dir, rootdir)
    tests_dir = _join(os.path.abspath(rootdir), "")
    busy: set[int] = set()
    stdlib = _join(os.path.abspath(sysconfig.get_paths()["stdlib"]), "")
    framework = tuple(d for d in trusted if d != stdlib)
    # Frames reached through a traceback or a generator: only pytest's and the grader's are refused.
    # A traceback caught by the instructor's test starts at the test's frame, and honest libraries
    # walk it (pyparsing's `explain_exception`); the test module itself is in sys.modules anyway.
    machinery = tuple(d for d in framework if d != tests_dir)

    def trusted_file(code: Any) -> bool:
        filename = code.co_filename
        return isinstance(filename, str) and (filename.startswith(trusted) or filename.startswith("<frozen "))

    def untrusted(frame: Any) -> bool:
        return not trusted_file(frame.f_code)

    def immediate(frame: Any) -> Any:
        while frame is not None:
            code = frame.f_code
            if (os.path.basename(code.co_filename), code.co_name) not in FRAME_WRAPPERS:
                break
            frame = frame.f_back
        return frame

    def responsible(frame: Any) -> Any:
        """The first frame outside the standard library (stdlib helpers act for their caller)."""
        while frame is not None and (frame.f_code.co_filename.startswith((stdlib, "<frozen "))):
            frame = frame.f_back
        return frame

    def protected(frame: Any) -> bool:
        """A frame of the instructor's tests, pytest or the grader (not the stdlib's, not the submission's)."""
        filename = getattr(getattr(frame, "f_code", None), "co_filename", "")
        return isinstance(filename, str) and filename.startswith(framework)

    def machinery_frame(frame: Any) -> bool:
        filename = getattr(getattr(frame, "f_code", None), "co_filename", "")
        return isinstance(filename, str) and filename.startswith(machinery)

    def where(frame: Any) -> str:
        return f"{frame.f_code.co_filename}:{frame.f_lineno}" if frame is not None else "?"

    def refuse(what: str, frame: Any, error: type[Exception]) -> None:
        message = f"the grader refuses {what} (called from {where(frame)})"
        report(message)
        raise error(message)

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event not in EVENTS and not event.startswith("ctypes."):
            return
        tid = get_ident()
        if tid in busy:  # our own getframe, realpath...
            return
        busy.add(tid)
        try:
            check(event, args)
        finally:
            busy.discard(tid)

    def check(event: str, args: tuple[Any, ...]) -> None:
        if event.startswith("ctypes."):
            # ctypes objects loaded before the hook (the grader's own make_undumpable) stay reachable without an
            # import (`object.__subclasses__()` lists `CDLL`): its calls into C are refused, not only the import.
            refuse(f"using ctypes ({event})", _getframe(2), RuntimeError)
        elif event == "import":
            if args[0] in ANY_CALLER_IMPORTS:
                refuse(f"importing {args[0]}", _getframe(2), ImportError)
        elif event in ("open", "os.listdir", "os.scandir"):
            target = _proc_target(args[0]) if args else None
            if target is not None:
                refuse(f"opening {target}", _getframe(2), PermissionError)

        elif event == "object.__getattr__":
            if args[1] in FRAME_ATTRS and machinery_frame(getattr(args[0], args[1], None)):
                frame = immediate(_getframe(2))
                if frame is not None and untrusted(frame):
                    refuse(f"reading {args[1]} of a test or framework frame", frame, RuntimeError)
        elif event == "object.__setattr__":
            # Only functions that are not the submission's own: the tests', pytest's, the standard
            # library's (unittest's asserts). `namedtuple(..., defaults=...)`, `typing.NamedTuple` and
            # libraries such as pyparsing set the defaults of functions they made themselves.
            if args[1] in FUNCTION_ATTRS and isinstance(args[0], FunctionType) and trusted_file(args[0].__code__):
                frame = responsible(_getframe(2))
                if frame is not None and untrusted(frame):
                    refuse(f"setting a function's {args[1]}", frame, RuntimeError)
        elif event == "compile":
            filename = args[1] if len(args) > 1 else None
            if isinstance(filename, str) and os.path.abspath(filename).startswith(tests_dir):
                frame = immediate(_getframe(2))
                if frame is not None and untrusted(frame):
                    refuse("compiling code under a test file's name", frame, RuntimeError)
        elif event == "sys._getframe":
            if protected(args[0]):
                frame = immediate(_getframe(2))
                if frame is not None and untrusted(frame):
                    refuse("calling sys._getframe for a test or framework frame", frame, RuntimeError)
        else:  # DIRECT_EVENTS
            frame = immediate(_getframe(2))
            if frame is not None and untrusted(frame):
                refuse(f"calling {event}", frame, RuntimeError)

    sys.addaudithook(hook)
