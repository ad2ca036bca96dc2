# Honest helpers named like the grader's own files (/opt/grader/*.py): the submission's must be the ones
# imported, in the first test process too (forked from the supervisor, which imported most of them).
import child
import child_io
import junitxml
import plugin
import processes
import protocol
import session
import supervisor

HELPERS = (child, child_io, junitxml, plugin, processes, protocol, session, supervisor)
WRONG = [m.__name__ for m in HELPERS if getattr(m, "MINE", None) != m.__name__]
if WRONG:
    print("not the submission's own modules:", WRONG, [getattr(m, "__file__", None) for m in HELPERS])


def add(a, b):
    return a + b if not WRONG else a - b


def sub(a, b):
    return a + b


def mul(a, b):
    return a + b
