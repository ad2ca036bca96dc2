"""What every command shares: the one error-to-exit-code policy, one-line errors, the spinner, and the
arguments that several commands read (grading config, Classroom roster)."""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.errors import ExitCode, GraderError
from grader.github.settings import GitHubSettings, settings_from_env

if TYPE_CHECKING:
    from rich.console import Console

    from grader.config import GradingConfig
    from grader.github.roster import ClassroomRoster

Command = Callable[..., int]


def print_error(message: str) -> None:
    """One line on stderr. Plain write: rich would wrap it at the terminal width (80 in a CI log)."""
    print(f"grader: error: {message}", file=sys.stderr, flush=True)


def one_line(exc: BaseException) -> str:
    """An exception's message on one line, cleaned of control characters and bounded (reporters.escape)."""
    from grader.reporters.escape import one_line as clean_line

    return clean_line(str(exc), 300)


def exit_on_error(func: Command) -> Command:
    """The one place a `GraderError` becomes its exit code and one-line message (as pytest's
    `wrap_session` does for its session); an unforeseen exception is exit 4, never a traceback and 1."""

    @functools.wraps(func)
    def command(*args: Any, **kwargs: Any) -> int:
        try:
            return int(func(*args, **kwargs))
        except GraderError as exc:
            print_error(str(exc))
            return int(exc.exit_code)
        except KeyboardInterrupt:
            from rich.console import Console

            Console(stderr=True).print("grader: interrupted; containers and temporary files were removed")
            return int(ExitCode.INTERRUPTED)
        except Exception as exc:  # a bug of ours
            print_error(f"internal error: {type(exc).__name__}: " + one_line(exc))
            return int(ExitCode.INTERNAL)

    return command


class _Quiet:
    """Stands in for a rich Status where no terminal is attached."""

    def __enter__(self) -> _Quiet:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, text: str) -> None:
        del text


def status(console: Console | None, text: str):  # type: ignore[no-untyped-def]
    """A spinner on a terminal only: in a CI log its cursor movements would garble workflow commands.
    `console` None means stderr, with rich imported only when stderr may be a terminal (start-up time)."""
    if console is None:
        if not _maybe_terminal():
            print(text, file=sys.stderr, flush=True)
            return _Quiet()
        from rich.console import Console

        console = Console(stderr=True)
    if console.is_terminal and os.environ.get("TERM") != "dumb":
        return console.status(text, spinner="dots")
    console.print(text, markup=False, highlight=False, soft_wrap=True)
    return _Quiet()


def _maybe_terminal() -> bool:
    """False when rich's Console(stderr=True).is_terminal is surely False (rich honours these variables
    before isatty): the run does not import rich (30 ms) before its container starts (issue #15)."""
    forced = any(os.environ.get(name) is not None for name in ("FORCE_COLOR", "TTY_COMPATIBLE"))
    return forced or sys.stderr.isatty()


def absolute_paths(args: argparse.Namespace) -> None:
    """Every path option made absolute once, here: git and the sandbox run in other working folders, where
    a relative path means something else (a relative --out once exported every repository empty)."""
    for key, value in vars(args).items():
        if isinstance(value, Path):
            setattr(args, key, value.absolute())


def load_grading_config(args: argparse.Namespace) -> GradingConfig:
    """--config / --tests / --timeout / --language made one GradingConfig. Raises ConfigError."""
    from grader.config import ConfigError, default_config, load_config

    if args.config is None and args.tests is None:
        raise ConfigError("give --tests DIR (the instructor's tests) or --config grading.yml")
    if args.config is not None:
        config = load_config(args.config)
        if args.tests is not None:
            if not args.tests.is_dir():
                raise ConfigError(f"--tests {args.tests} is not a folder")
            config = replace(config, tests=args.tests.resolve())
    else:
        if not args.tests.is_dir():
            raise ConfigError(f"--tests {args.tests} is not a folder")
        config = default_config(args.tests)
    if getattr(args, "timeout", None) is not None:
        if not 1 <= args.timeout <= 3600:
            raise ConfigError("--timeout must be between 1 and 3600 seconds")
        config = replace(config, timeout=args.timeout, test_timeout=min(config.test_timeout, args.timeout))
    if getattr(args, "language", None):
        from grader.i18n import LanguageError, check_language

        try:
            config = replace(config, language=check_language(args.language))
        except LanguageError as exc:
            raise ConfigError(f"--language: {exc}") from None
    return config


def ensure_runner_image(client: Any, tag: str, base_image: str | None, console: Console | None = None) -> None:
    """Build the runner image if it is missing. `console` None: stderr (rich imported only to build)."""
    from grader.image import build_image, image_exists

    if image_exists(client, tag):
        return
    if console is None:
        from rich.console import Console

        console = Console(stderr=True)
    console.print(f"The runner image {tag} is missing: building it (once)…", markup=False, soft_wrap=True)
    with status(console, "Building the runner image") as spinner:
        build_image(client, tag, base_image=base_image, on_line=lambda line: spinner.update(line[-100:]))
    console.print(f"Built {tag}.", markup=False, soft_wrap=True)


def add_roster_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--classroom-grades", type=Path, metavar="FILE", help="GitHub Classroom's grades CSV as the class list"
    )
    p.add_argument(
        "--classroom-assignment",
        type=int,
        metavar="ID",
        help="the class list from GitHub Classroom's API (assignment id; needs an admin token)",
    )


def github_settings(args: argparse.Namespace) -> GitHubSettings:
    """The GitHub settings `app.main` read once; read here when a command runs without it (tests)."""
    github = getattr(args, "github", None)
    return github if isinstance(github, GitHubSettings) else settings_from_env(os.environ)


def load_roster(args: argparse.Namespace) -> ClassroomRoster | None:
    """The roster the arguments name, if any. Raises ClassroomError (one line)."""
    from grader.batch.verify import roster_from

    return roster_from(args.classroom_grades, args.classroom_assignment, github_settings(args))
