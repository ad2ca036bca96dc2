"""The grader's exit codes and its one exception tree.

Every failure the instructor can act on is a `GraderError` carrying its exit code and a one-line message;
the command line (`grader.cli.common.exit_on_error`) is the one place that prints the message and returns the code.
This module imports nothing of the grader: every layer may raise these.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The documented exit codes of `grader` (README, "Command line")."""

    OK = 0  # grading completed, whatever the score
    BELOW = 1  # score below --fail-under
    USAGE = 2  # usage, configuration or installation error
    DOCKER = 3  # the Docker engine or the runner image is unavailable, or the engine stopped answering
    INTERNAL = 4  # the grader itself failed after grading (writing the reports)
    INTERRUPTED = 130  # Ctrl-C


class GraderError(Exception):
    """A failure worded for the instructor (one line); `exit_code` says how the command ends."""

    exit_code: ExitCode = ExitCode.USAGE


class UsageError(GraderError):
    """Bad arguments, configuration or input files (exit 2)."""

    exit_code = ExitCode.USAGE


class InstallationError(UsageError):
    """The grader's own files are missing or unusable (e.g. the runner's Dockerfile): exit 2, not 3."""


class EngineError(GraderError):
    """The Docker engine or the runner image cannot be used (exit 3)."""

    exit_code = ExitCode.DOCKER
