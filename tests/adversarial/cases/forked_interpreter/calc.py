# Honest code that looks at its interpreter: the first test process is forked from the supervisor
# (child_io.fork_child) and must look like the `python -I -B /opt/grader/child.py` it replaces. Each CHECK
# (mode.py) compares what a fresh test process shows (measured in a restarted one, CPython 3.11 in the
# runner image); `add` is right only when everything matches, so the honest score stays 1/3. Mismatches
# are printed (the report's output says what differs).
import builtins
import getpass
import inspect
import multiprocessing
import os
import pickle
import signal
import site
import sys

try:
    from mode import CHECK
except ImportError:
    CHECK = "same"

CHILD = "/opt/grader/child.py"


def _worker(x):
    return [x * 2, sys.flags.no_site, hasattr(builtins, "exit")]


def _same():
    """What the forked process already gets right."""
    for name in ("exit", "quit", "help", "copyright", "credits", "license"):
        yield f"builtins.{name}", hasattr(builtins, name), True
    yield "sys.argv", sys.argv, [CHILD]
    yield "__main__.__file__", getattr(sys.modules["__main__"], "__file__", None), CHILD
    yield "os.getcwd()", os.getcwd(), "/workspace"
    yield "sys.path[:2]", sys.path[:2], ["/mnt/tests", "/workspace"]
    yield "site-packages on sys.path", [p for p in sys.path if p.endswith("-packages")], site.getsitepackages()[:2]
    yield "site.ENABLE_USER_SITE", site.ENABLE_USER_SITE, False
    yield "getpass.getuser()", getpass.getuser(), "sandbox"
    yield "environment", sorted(k for k in os.environ if k not in ("PYTEST_CURRENT_TEST", "PYTEST_VERSION")), \
        ["HOME", "LANG", "PATH", "PYTEST_DISABLE_PLUGIN_AUTOLOAD", "PYTHONDONTWRITEBYTECODE", "TMPDIR"]
    yield "sys.flags.isolated", sys.flags.isolated, 1
    yield "sys.flags.dont_write_bytecode", sys.flags.dont_write_bytecode, 1
    yield "SIGINT", signal.getsignal(signal.SIGINT), signal.default_int_handler
    yield "SIGPIPE", signal.getsignal(signal.SIGPIPE), signal.SIG_IGN
    yield "SIGTERM", signal.getsignal(signal.SIGTERM), signal.SIG_DFL
    yield "SIGCHLD", signal.getsignal(signal.SIGCHLD), signal.SIG_DFL
    yield "blocked signals", signal.pthread_sigmask(signal.SIG_BLOCK, []), set()
    yield "process group leader", os.getpgid(0) == os.getpid() == os.getsid(0), True
    yield "grader modules by name", [n for n in ("protocol", "session", "processes", "child_io", "junitxml",
                                                   "supervisor", "child", "plugin") if n in sys.modules], []
    yield "ctypes loaded", [n for n in sys.modules if n.split(".")[0] in ("ctypes", "_ctypes")], []
    yield "inspect.getmodule", inspect.getmodule(_worker).__name__, "calc"
    yield "pickle round trip", pickle.loads(pickle.dumps(_worker)) is _worker, True
    with multiprocessing.get_context("fork").Pool(1) as pool:  # Linux's default start method
        yield "fork pool", pool.apply(_worker, (21,))[0], 42


def _site():
    """`python -I -B` runs the site module: sys.flags.no_site is 0, and the Pythons multiprocessing starts
    (spawn, forkserver: `subprocess._args_from_interpreter_flags`) do not get -S (no `exit` builtin)."""
    yield "sys.flags.no_site", sys.flags.no_site, 0
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        yield "spawn worker (x*2, no_site, exit builtin)", pool.apply(_worker, (21,)), [42, 0, True]


def _main_module():
    """A script run by `python` has no __spec__; sys.orig_argv is the command that started the process."""
    main = sys.modules["__main__"]
    yield "__main__.__spec__", getattr(main, "__spec__", "missing"), None
    yield "sys.orig_argv", sys.orig_argv, [sys.executable, "-I", "-B", CHILD]


CHECKS = {"same": _same, "site": _site, "main_module": _main_module}


def _differences():
    wrong = [f"{what}: {got!r}, a fresh test process has {want!r}" for what, got, want in CHECKS[CHECK]()
             if got != want]
    if wrong:
        print("differs from a fresh test process:\n" + "\n".join(wrong))
    return wrong


def add(a, b):
    return a + b if not _differences() else a - b


def sub(a, b):
    return a + b


def mul(a, b):
    return a + b
