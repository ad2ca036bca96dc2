"""`grader`: the command line. Parse arguments, run one command, map its failure to an exit code.

Exit codes (`grader.errors.ExitCode`): 0 grading completed (whatever the score); 1 score below
--fail-under; 2 usage, configuration or installation error; 3 Docker engine or runner image unavailable;
4 the grader itself failed after grading (an unexpected error writing the reports; the message says
which); 130 interrupted. A `GraderError` carries its code; `common.exit_on_error` prints its one line.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from grader.cli.common import exit_on_error
from grader.errors import ExitCode
from grader.github.settings import GitHubSettings, settings_from_env

if TYPE_CHECKING:
    from grader.github.commands import LogGate

# The command table: (name, module under grader.cli, help). Each module has `configure_parser(p)` and,
# unless its own subcommands set `func`, `run(args) -> int`. Only the module of the command about to
# run is imported (start-up time matters under Actions).
COMMANDS = (
    ("run", "run", "grade one submission in the sandbox"),
    ("image", "image", "manage the runner image"),
    ("batch", "batch", "grade every submission in a folder (or a list of repositories)"),
    ("gradebook", "gradebook", "merge JSON reports into one gradebook"),
    ("post", "post", "post a JSON report to GitHub (check run, status, comment)"),
)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(command=argv[0] if argv else None)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return ExitCode.USAGE
    # The one read of the GitHub variables (grader.github.settings), handed to the command.
    args.github = settings_from_env(os.environ)
    gate = _close_actions_log(args.github)
    try:
        return exit_on_error(args.func)(args)
    finally:
        if gate is not None:
            gate.open()


def _close_actions_log(github: GitHubSettings) -> LogGate | None:
    """Under Actions the log is deny-by-default (see grader.github.commands.LogGate): nothing printed from
    here on, by us or by Python (warnings, tracebacks), can be read by the runner as a command."""
    if not github.in_actions:
        return None
    from grader.github import commands  # here: the reporters it imports are not needed outside Actions

    commands.ACTIONS_LOG = commands.LogGate(sys.stdout)
    commands.ACTIONS_LOG.close()
    return commands.ACTIONS_LOG


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """`command` is the subcommand about to run: only its module is imported."""
    parser = argparse.ArgumentParser(prog="grader", description="Sandboxed pytest autograder.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module, help_text in COMMANDS:
        if command != name:
            sub.add_parser(name, help=help_text, add_help=False)
            continue
        mod = importlib.import_module(f"grader.cli.{module}")
        p = sub.add_parser(name, help=help_text)
        mod.configure_parser(p)
        if hasattr(mod, "run"):
            p.set_defaults(func=mod.run)
    return parser


if __name__ == "__main__":
    sys.exit(main())
