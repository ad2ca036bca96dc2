"""`grader run`: grade one submission in the sandbox and write its reports."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.cli.common import (
    ensure_runner_image,
    github_settings,
    load_grading_config,
    one_line,
    print_error,
    status,
)
from grader.errors import ExitCode, UsageError

if TYPE_CHECKING:
    from rich.console import Console

    from grader.config import GradingConfig
    from grader.github.settings import GitHubSettings
    from grader.models import Report


def configure_parser(run: argparse.ArgumentParser) -> None:
    run.add_argument("submission", nargs="?", default=".", type=Path, help="the student's folder (default: .)")
    run.add_argument("--tests", type=Path, help="folder of the instructor's tests (overrides the config's)")
    run.add_argument("--config", type=Path, help="grading.yml (default: built-in defaults)")
    run.add_argument("--json", type=Path, metavar="FILE", help="write the full JSON report here")
    run.add_argument("--summary", type=Path, metavar="FILE", help="write the Markdown summary here")
    run.add_argument("--junit", type=Path, metavar="FILE", help="write the sandbox's JUnit XML here (for JUnit tools)")
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
    from grader.collection.manifest import CollectionError
    from grader.pipeline import DEFAULT_IMAGE, TestsError, grade, prepared_tests
    from grader.sandbox import DockerUnavailable, RunnerImageMissing, docker_client

    config = load_grading_config(args)
    if not args.submission.exists():
        raise UsageError(f"submission folder {args.submission} does not exist")
    image = args.image or os.environ.get("GRADER_IMAGE") or DEFAULT_IMAGE
    junit_xml: list[str] = []  # the sandbox's, when it produced one (see _write_junit)
    try:
        # On the critical path only what starting the container needs: orphans are removed and rich, the
        # reporters and the scoring imported while it runs (`while_running`, issue #15). A missing runner
        # image is learnt from the create request (as `docker run` learns it), then built, once.
        client = docker_client()

        def graded() -> Report:
            with prepared_tests(config) as tests, status(None, "Grading in the sandbox…"):
                return grade(args.submission, config, image=image, tests=tests, client=client,
                             while_running=lambda: _while_grading(args, client), on_junit=junit_xml.append)  # fmt: skip

        try:
            report = graded()
        except RunnerImageMissing:
            ensure_runner_image(client, image, args.base_image)
            report = graded()
    except (DockerUnavailable, TestsError, CollectionError):
        raise  # exit 3 / 2 with their one line
    except Exception as exc:  # unforeseen: still a report (status error, one line why), exit 0
        from grader.pipeline import internal_error_report

        report = internal_error_report((), config, "preparing the run", exc)
        print_error(report.error or "the grader failed")

    from rich.console import Console  # imported while the sandbox ran (_import_reporters)

    out = Console()
    try:
        if args.junit is not None:
            _write_junit(args.junit, junit_xml[0] if junit_xml else None, report)
        return _write_reports(args, report, config, out)
    except Exception as exc:  # the grade exists; a reporter broke: say which, never exit 1 (issue #11)
        print_error(f"the grading finished but writing its reports failed: {type(exc).__name__}: " + one_line(exc))
        return ExitCode.INTERNAL


def _write_reports(args: argparse.Namespace, report: Report, config: GradingConfig, out: Console) -> int:
    from grader.reporters.report_json import write_json

    github = github_settings(args)
    report = _apply_late_policy(report, config, github)
    report_path = args.json
    if report_path is not None:
        write_json(report, report_path)
    if args.summary is not None:
        from grader.reporters.markdown import render_summary

        args.summary.write_text(render_summary(report, audience="student", language=config.language), encoding="utf-8")
    in_actions = github.in_actions
    if in_actions:
        from grader.github.actions import emit_github
        from grader.paths import layout_of

        emit_github(
            report,
            github,
            report_path=str(report_path or ""),
            layout=layout_of(github.workspace or Path.cwd(), args.submission, config.tests),
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


def _apply_late_policy(report: Report, config: GradingConfig, github: GitHubSettings) -> Report:
    """The late policy with the run's submission time (the push event's, under Actions; none elsewhere): the
    same pure function `grader batch` applies, so `score` is the final score in both (grader.results.late)."""
    from grader.github import push_time

    return push_time.apply_to_report_from_env(report, config, github)


def _write_junit(path: Path, xml: str | None, report: Report) -> None:
    """The sandbox's JUnit XML, the artefact for other JUnit tools (the action's `junit` output). A run
    without one gets one errored test case saying why, so the file always exists. Never printed: the
    names and messages in it are the submission's to choose."""
    if xml is None:
        from grader.results.junit import run_error_xml

        xml = run_error_xml(report.error or "the run produced no test results")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(xml, encoding="utf-8")


def _while_grading(args: argparse.Namespace, client: Any) -> None:
    """The command's own work, done in the background while the sandbox runs (`grade(while_running=...)`)."""
    from grader.sandbox import remove_orphans

    remove_orphans(client)  # containers an engine crash left behind, from runs whose process is gone
    _import_reporters(args)


def _import_reporters(args: argparse.Namespace) -> None:
    """What writing the reports imports (rich, the JSON and terminal reports...: 50-100 ms), imported in
    the background while the sandbox runs (`grade(while_running=...)`), not after it (issue #15)."""
    import rich.console  # noqa: F401

    import grader.github.push_time
    import grader.reporters.report_json

    if args.summary is not None:
        import grader.reporters.markdown
    if not args.quiet:
        import grader.cli.terminal
    if github_settings(args).in_actions:
        import grader.github.actions  # noqa: F401
