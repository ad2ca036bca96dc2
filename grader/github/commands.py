"""Workflow commands: the one escaper, the one builder and the one writer of the grader's own commands,
and the deny-by-default log around everything else.

Anything written to the log is a potential workflow command (`::set-output`, `::add-mask::`,
`::notice title=Autograding report::...` which Classroom reads as the grade). Every command built
here escapes its untrusted parts per the runner's rules, and untrusted text printed as-is must go
through `guard_untrusted_output`, which turns command processing off around it.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import TextIO

from grader.reporters.escape import clean

# -- escaping (same rules as @actions/core: escapeData / escapeProperty) ----------------------------


def escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(s: str) -> str:
    return escape_data(s).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, **properties: str | int) -> str:
    """`::name k=v,...::message`, escaped as @actions/core does."""
    props = ",".join(f"{k}={escape_property(str(v))}" for k, v in properties.items())
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


def random_token() -> str:
    return secrets.token_hex(16)


# -- untrusted text in the log ---------------------------------------------------------------------


def guard_untrusted_output(text: str) -> list[str]:
    """Log lines that show `text` with workflow commands switched off around it.

    `::stop-commands::TOKEN` makes the runner ignore every command until a line `::TOKEN::`;
    the token is random and checked not to occur in the text, so the text cannot end the pause.
    """
    body = clean(text)
    token = random_token()
    while token in body:
        token = random_token()
    return [f"::stop-commands::{token}", *body.split("\n"), f"::{token}::"]


class LogGate:
    """The grader's log, deny-by-default: workflow commands are off except around the grader's own.

    `close()` writes `::stop-commands::<random token>`: from then on the runner executes no command
    in the log, whatever a file name, test id, warning or traceback printed later holds. `opened()`
    re-enables commands (`::<token>::`) only while the grader writes its own annotations and
    notices, then closes again with a fresh token. A submission never sees the token before it is
    used: the sandbox has finished when the log carries it.
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.token: str | None = None

    def close(self) -> None:
        if self.token is None:
            self.token = random_token()
            self._write(f"::stop-commands::{self.token}")

    def open(self) -> None:
        if self.token is not None:
            self._write(f"::{self.token}::")
            self.token = None

    @contextmanager
    def opened(self) -> Iterator[None]:
        was_closed = self.token is not None
        self.open()
        try:
            yield
        finally:
            if was_closed:
                self.close()

    def _write(self, line: str) -> None:
        self.stream.flush()
        self.stream.write(line + "\n")
        self.stream.flush()


# Set by the command line under Actions (grader.cli.app); write_commands opens it around our commands.
ACTIONS_LOG: LogGate | None = None


def write_commands(lines: list[str], stream: TextIO) -> None:
    """The one writer of the grader's own workflow commands (annotations, notices, `grader post`'s
    warnings): with the deny-by-default log closed, a command written any other way is never seen."""
    gate = ACTIONS_LOG if ACTIONS_LOG is not None and ACTIONS_LOG.stream is stream else None
    with gate.opened() if gate is not None else nullcontext():
        for line in lines:
            stream.write(line + "\n")
        stream.flush()
