"""`grader run`: grade one submission in the sandbox and write its reports."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from grader.cli.common import ensure_runner_image, load_grading_config, one_line, print_error, status
from grader.errors import ExitCode, UsageError

if TYPE_CHECKING:
    from grader.config import GradingConfig
    from grader.models import Report


def configure_parser(run: argparse.ArgumentParser) -> None:
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


def run(args: argparse.Namespace) -> int:
    from grader.manifest import CollectionError
    from grader.pipeline import DEFAULT_IMAGE, TestsError, grade, prepared_tests
    from grader.sandbox import DockerUnavailable, docker_client, remove_orphans

    err = Console(stderr=True)
    out = Console()
    config = load_grading_config(args)
    if not args.submission.exists():
        raise UsageError(f"submission folder {args.submission} does not exist")
    image = args.image or os.environ.get("GRADER_IMAGE") or DEFAULT_IMAGE
    try:
        client = docker_client()
        remove_orphans(client)  # containers an engine crash left behind, from runs whose process is gone
        ensure_runner_image(client, image, args.base_image, err)
        with prepared_tests(config) as tests, status(err, "Grading in the sandbox…"):
            report = grade(args.submission, config, image=image, tests=tests, client=client)
    except (DockerUnavailable, TestsError, CollectionError):
        raise  # exit 3 / 2 with their one line
    except Exception as exc:  # unforeseen: still a report (status error, one line why), exit 0
        from grader.pipeline import internal_error_report

        report = internal_error_report((), config, "preparing the run", exc)
        print_error(report.error or "the grader failed")

    try:
        return _write_reports(args, report, config, out)
    except Exception as exc:  # the grade exists; a reporter broke: say which, never exit 1 (issue #11)
        print_error(f"the grading finished but writing its reports failed: {type(exc).__name__}: " + one_line(exc))
        return ExitCode.INTERNAL


def _write_reports(args: argparse.Namespace, report: Report, config: GradingConfig, out: Console) -> int:
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
        from grader.cli.terminal import print_report

        # The Actions log is public to everyone who can read the repository: students' view there.
        print_report(report, out, audience="student" if in_actions else "instructor", language=config.language,
                     verbose=args.verbose)  # fmt: skip
    if args.fail_under is not None and report.score < args.fail_under:
        return ExitCode.BELOW
    return ExitCode.OK


def _repo_prefix(submission: Path, workspace: str | None) -> str:
    """The submission's folder relative to the repository root, for annotation paths."""
    try:
        rel = submission.resolve().relative_to(Path(workspace or os.getcwd()).resolve())
    except ValueError:
        return ""
    return "" if rel == Path(".") else rel.as_posix()


def _apply_late_policy(report: Report, config: GradingConfig) -> Report:
    """Under Actions, a late push loses points by the config's late policy (grader.late)."""
    if config.deadline is None or config.late_penalty is None:
        return report
    from grader import late

    return late.apply_to_report_from_env(report, config, os.environ)
