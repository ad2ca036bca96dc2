"""`grader`: the command line. Thin: parse arguments, call the stages, map failures to exit codes.

Exit codes: 0 grading completed (whatever the score); 1 score below --fail-under; 2 usage or
configuration error; 3 Docker engine or runner image unavailable; 4 the grader itself failed after
grading (an unexpected error writing the reports; the message says which).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console

EXIT_OK = 0
EXIT_BELOW = 1
EXIT_USAGE = 2
EXIT_DOCKER = 3
EXIT_INTERNAL = 4


def print_error(message: str) -> None:
    """One line on stderr. Plain write: rich would wrap it at the terminal width (80 in a CI log)."""
    print(f"grader: error: {message}", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(command=argv[0] if argv else None)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    gate = _close_actions_log()
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        Console(stderr=True).print("grader: interrupted; containers and temporary files were removed")
        return 130
    except Exception as exc:  # a bug of ours: one line and a documented code, never a traceback and 1
        print_error(f"internal error: {type(exc).__name__}: " + " ".join(str(exc).split())[:300])
        return EXIT_INTERNAL
    finally:
        if gate is not None:
            gate.open()


def _close_actions_log():  # type: ignore[no-untyped-def]
    """Under Actions the log is deny-by-default (see reporters.actions.LogGate): nothing printed from
    here on, by us or by Python (warnings, tracebacks), can be read by the runner as a command."""
    if os.environ.get("GITHUB_ACTIONS") != "true":
        return None
    from grader.reporters import actions

    actions.ACTIONS_LOG = actions.LogGate(sys.stdout)
    actions.ACTIONS_LOG.close()
    return actions.ACTIONS_LOG


# Subcommands in their own modules: (name, module, parser-configuring function, runner, help).
PLUGIN_COMMANDS = (
    ("batch", "grader.batch", "configure_parser", "run",
     "grade every submission in a folder (or a list of repositories)"),
    ("gradebook", "grader.batch", "configure_gradebook_parser", "run_gradebook",
     "merge JSON reports into one gradebook"),
    ("post", "grader.post", "configure_parser", "run", "post a JSON report to GitHub (check run, status, comment)"),
)  # fmt: skip


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """`command` is the subcommand about to run: only its module is imported (start-up time matters)."""
    parser = argparse.ArgumentParser(prog="grader", description="Sandboxed pytest autograder.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="grade one submission in the sandbox")
    run.add_argument("submission", nargs="?", default=".", type=Path, help="the student's folder (default: .)")
    run.add_argument("--tests", type=Path, help="folder of the instructor's tests (overrides the config's)")
    run.add_argument("--config", type=Path, help="grading.yml (default: built-in defaults)")
    run.add_argument("--json", type=Path, metavar="FILE", help="write the full JSON report here")
    run.add_argument("--summary", type=Path, metavar="FILE", help="write the Markdown summary here")
    run.add_argument("--image", default=None, help="runner image (default: pytest-grader-runner:latest)")
    run.add_argument("--base-image", default=None, help="base image when the runner must be built")
    run.add_argument("--timeout", type=float, help="seconds for the whole run (overrides the config)")
    run.add_argument("--fail-under", type=float, metavar="SCORE", help="exit 1 when the score is below SCORE")
    run.add_argument("--quiet", action="store_true", help="print only the total")
    run.add_argument("--verbose", action="store_true", help="print pytest's full output of each failure too")
    run.add_argument(
        "--language", default=None, help="language of the feedback: en, es... (overrides the config's `language`)"
    )
    run.add_argument(
        "--no-classroom-notices",
        dest="classroom_notices",
        action="store_false",
        help="under Actions, leave the Classroom score notices to autograding-grading-reporter",
    )
    run.set_defaults(func=cmd_run)

    image = sub.add_parser("image", help="manage the runner image")
    image_sub = image.add_subparsers(dest="image_command", metavar="ACTION")
    build = image_sub.add_parser("build", help="build (or rebuild) the runner image")
    build.add_argument(
        "--base-image", default=None, help="base image (default: $GRADER_BASE_IMAGE or python:3.11-slim)"
    )
    build.add_argument("--tag", default=None, help="image tag (default: pytest-grader-runner:latest)")
    build.add_argument(
        "--context", type=Path, default=None, help="the runner/ folder (default: found next to the package)"
    )
    build.set_defaults(func=cmd_image_build)

    for name, module, configure, runner, help_text in PLUGIN_COMMANDS:
        if command == name:
            mod = importlib.import_module(module)
            p = sub.add_parser(name, help=help_text)
            getattr(mod, configure)(p)
            p.set_defaults(func=getattr(mod, runner))
        else:
            sub.add_parser(name, help=help_text, add_help=False)
    return parser


class _Quiet:
    """Stands in for a rich Status where no terminal is attached."""

    def __enter__(self) -> _Quiet:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, text: str) -> None:
        del text


def _status(console: Console, text: str):  # type: ignore[no-untyped-def]
    """A spinner on a terminal only: in a CI log its cursor movements would garble workflow commands."""
    if console.is_terminal and os.environ.get("TERM") != "dumb":
        return console.status(text, spinner="dots")
    console.print(text, markup=False, highlight=False, soft_wrap=True)
    return _Quiet()


def load_grading_config(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from grader.config import ConfigError, GradingConfig, default_config, load_config

    if args.config is None and args.tests is None:
        raise ConfigError("give --tests DIR (the instructor's tests) or --config grading.yml")
    if args.config is not None:
        config: GradingConfig = load_config(args.config)
        if args.tests is not None:
            from dataclasses import replace

            if not args.tests.is_dir():
                raise ConfigError(f"--tests {args.tests} is not a folder")
            config = replace(config, tests=args.tests.resolve())
    else:
        if not args.tests.is_dir():
            raise ConfigError(f"--tests {args.tests} is not a folder")
        config = default_config(args.tests)
    if getattr(args, "timeout", None) is not None:
        from dataclasses import replace

        if not 1 <= args.timeout <= 3600:
            raise ConfigError("--timeout must be between 1 and 3600 seconds")
        config = replace(config, timeout=args.timeout, test_timeout=min(config.test_timeout, args.timeout))
    if getattr(args, "language", None):
        from dataclasses import replace

        from grader.i18n import LanguageError, check_language

        try:
            config = replace(config, language=check_language(args.language))
        except LanguageError as exc:
            raise ConfigError(f"--language: {exc}") from None
    return config


def ensure_runner_image(client, tag: str, base_image: str | None, console: Console) -> None:  # type: ignore[no-untyped-def]
    from grader.image import build_image, image_exists

    if image_exists(client, tag):
        return
    console.print(f"The runner image {tag} is missing: building it (once)…", markup=False, soft_wrap=True)
    with _status(console, "Building the runner image") as status:
        build_image(client, tag, base_image=base_image, on_line=lambda line: status.update(line[-100:]))
    console.print(f"Built {tag}.", markup=False, soft_wrap=True)


def cmd_run(args: argparse.Namespace) -> int:
    from grader.config import ConfigError
    from grader.manifest import CollectionError
    from grader.pipeline import DEFAULT_IMAGE, TestsError, grade, prepared_tests
    from grader.sandbox import DockerUnavailable, docker_client, remove_orphans

    err = Console(stderr=True)
    out = Console()
    try:
        config = load_grading_config(args)
    except ConfigError as exc:
        print_error(str(exc))
        return EXIT_USAGE
    if not args.submission.exists():
        print_error(f"submission folder {args.submission} does not exist")
        return EXIT_USAGE
    image = args.image or os.environ.get("GRADER_IMAGE") or DEFAULT_IMAGE
    try:
        client = docker_client()
        remove_orphans(client)  # containers an engine crash left behind, from runs whose process is gone
        ensure_runner_image(client, image, args.base_image, err)
        with prepared_tests(config) as tests, _status(err, "Grading in the sandbox…"):
            report = grade(args.submission, config, image=image, tests=tests, client=client)
    except DockerUnavailable as exc:
        print_error(str(exc))
        return EXIT_DOCKER
    except (TestsError, CollectionError) as exc:
        print_error(str(exc))
        return EXIT_USAGE
    except Exception as exc:  # unforeseen: still a report (status error, one line why), exit 0
        from grader.pipeline import internal_error_report

        report = internal_error_report((), config, "preparing the run", exc)
        print_error(report.error or "the grader failed")

    try:
        return _write_reports(args, report, config, out)
    except Exception as exc:  # the grade exists; a reporter broke: say which, never exit 1 (issue #11)
        print_error(f"the grading finished but writing its reports failed: {type(exc).__name__}: "
                    + " ".join(str(exc).split())[:300])
        return EXIT_INTERNAL


def _write_reports(args: argparse.Namespace, report, config, out: Console) -> int:  # type: ignore[no-untyped-def]
    from grader.report_json import write_json

    report = _apply_late_policy(report, config)
    report_path = args.json
    if report_path is not None:
        write_json(report, report_path)
    if args.summary is not None:
        from grader.reporters.markdown import render_summary

        args.summary.write_text(render_summary(report, audience="student", language=config.language), encoding="utf-8")
    in_actions = os.environ.get("GITHUB_ACTIONS") == "true"
    if in_actions:
        from grader.reporters.actions import emit_github

        emit_github(
            report,
            os.environ,
            report_path=str(report_path or ""),
            path_prefix=_repo_prefix(args.submission, os.environ.get("GITHUB_WORKSPACE")),
            notices=args.classroom_notices,
            language=config.language,
        )
    if args.quiet:
        out.print(f"{report.score:g} / {report.max_score:g}", markup=False)
    else:
        from grader.reporters.terminal import print_report

        # The Actions log is public to everyone who can read the repository: students' view there.
        print_report(report, out, audience="student" if in_actions else "instructor", language=config.language,
                     verbose=args.verbose)  # fmt: skip
    if args.fail_under is not None and report.score < args.fail_under:
        return EXIT_BELOW
    return EXIT_OK


def _repo_prefix(submission: Path, workspace: str | None) -> str:
    """The submission's folder relative to the repository root, for annotation paths."""
    try:
        rel = submission.resolve().relative_to(Path(workspace or os.getcwd()).resolve())
    except ValueError:
        return ""
    return "" if rel == Path(".") else rel.as_posix()


def _apply_late_policy(report, config):  # type: ignore[no-untyped-def]
    """Under Actions, a late push loses points by the config's late policy (hook for grader.late)."""
    if config.deadline is None or config.late_penalty is None:
        return report
    try:
        from grader import late
    except ImportError:
        return report
    apply = getattr(late, "apply_to_report_from_env", None)
    return apply(report, config, os.environ) if apply else report


def cmd_image_build(args: argparse.Namespace) -> int:
    from grader.image import build_image
    from grader.pipeline import DEFAULT_IMAGE
    from grader.sandbox import DockerUnavailable, docker_client

    err = Console(stderr=True)
    tag = args.tag or DEFAULT_IMAGE
    try:
        client = docker_client()
        with _status(err, f"Building {tag}") as status:
            image_id = build_image(
                client, tag, base_image=args.base_image, context=args.context,
                on_line=lambda line: status.update(line[-100:]),
            )
    except DockerUnavailable as exc:
        print_error(str(exc))
        return EXIT_DOCKER
    err.print(f"Built {tag} ({image_id[:19]})", markup=False)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
