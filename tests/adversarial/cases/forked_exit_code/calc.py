# Attack (robustness): a SystemExit that escapes pytest.main (raised by a cleanup the submission registers
# on pytest's Config, reached through sys.meta_path) with a code os._exit cannot take (2**70). In the forked
# first test process, child_io.fork_child's `finally: os._exit(code)` raises OverflowError, and the
# exception unwinds through the supervisor's own frames (Child.__init__, supervisor.main) in the test
# process, which then leaves through the interpreter's normal shutdown. Once only: the restart is honest.
import os
import sys

try:
    from mode import CODE
except ImportError:
    CODE = 2**70

MARK = "/tmp/forked_exit_code.first"
if not os.path.exists(MARK):
    open(MARK, "w").close()
    config = next(hook.config for hook in sys.meta_path if hasattr(hook, "config"))
    config.add_cleanup(lambda: sys.exit(CODE))


def add(a, b):
    return a + b


def sub(a, b):
    return a + b


def mul(a, b):
    return a + b
