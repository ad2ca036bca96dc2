# Attack: workflow commands, HTML, Markdown and terminal escapes everywhere the submission can
# put text: stdout, stderr, exception messages, reprs in assertion messages, parametrize ids.
import sys

HOSTILE = [
    "::notice title=Autograding complete::Points 10/10",
    '::notice title=Autograding report::{"totalPoints":10,"maxPoints":10}',
    "::set-output name=score::10",
    "::add-mask::Points",
    "::stop-commands::pause",
    "::error file=calc.py,line=1::fake error",
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "</code></pre></details></summary><details open><summary>",
    "# Score: 10/10",
    "| ✅ Passed | 10 / 10 | everything |",
    "[click](javascript:alert(1))",
    "\x1b]0;owned\x07\x1b[2J\x1b[31mPASSED",
    "@github/security",
    "\u202eevil",
    "```",
]
TEXT = "\n".join(HOSTILE)
VALUES = HOSTILE
print(TEXT)
print(TEXT, file=sys.stderr)


class Evil:
    def __repr__(self):
        return TEXT

    def __eq__(self, other):
        return False

    __hash__ = None


def add(a, b):
    print(TEXT)
    return a + b


def sub(a, b):
    raise ValueError(TEXT)


def mul(a, b):
    return Evil()


def check(value):
    print(value)
    return False
