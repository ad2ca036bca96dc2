"""`grader post`: publish a graded report to GitHub (payloads: `grader.github.payloads`; sending:
`grader.github.poster`; which annotations: `grader.github.annotations`).

Every GitHub API failure is a `::warning::` and the command still exits 0 (the score is already in the
job summary and the step outputs); exit 2 is for usage errors only (unreadable report, unknown mode, no
repository in the environment).
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from grader.cli.common import exit_on_error, github_settings
from grader.errors import UsageError
from grader.github.annotations import select_annotations
from grader.github.client import make_client
from grader.github.payloads import DEFAULT_CHECK_NAME, check_run_annotations, parse_modes
from grader.github.poster import REPORT_STILL_THERE, Log, Poster
from grader.github.settings import (
    ACTIONS_TOKEN_VARIABLE,
    WORKSPACE_VARIABLE,
    ContextError,
    post_context,
    settings_from_env,
)
from grader.i18n import DEFAULT_LANGUAGE, LanguageError, check_language
from grader.paths import RepoLayout
from grader.reporters.report_json import from_json


def configure_parser(p: argparse.ArgumentParser) -> None:
    p.description = (
        "Publish a JSON report (from `grader run --json`) to GitHub: a check run on the commit, a "
        "commit status and/or a comment on the pull request. API failures are warnings (exit 0)."
    )
    p.add_argument("--report", required=True, type=Path, help="the JSON report written by `grader run --json`")
    p.add_argument(
        "--mode",
        default="check-run",
        help="what to post, comma-separated: check-run, status, comment; or none (default: check-run)",
    )
    p.add_argument(
        "--check-name",
        default=DEFAULT_CHECK_NAME,
        help="name of the check run, context of the status, key of the comment (default: %(default)s)",
    )
    p.add_argument(
        "--submission",
        default=".",
        help="the submission folder relative to the repository root, for annotation paths (default: .)",
    )
    p.add_argument(
        "--tests",
        default=None,
        help="the tests folder relative to the repository root, to annotate test files that are in it",
    )
    p.add_argument(
        "--language",
        default=None,
        help="language of what students read (en, es...; default: the config's `language`, else en)",
    )
    p.add_argument(
        "--config",
        type=Path,
        default=None,
        help="the grading.yml the report was graded with, to read its `language` from",
    )
    p.add_argument(
        "--workspace",
        type=Path,
        default=None,
        help=f"the repository checkout (default: ${WORKSPACE_VARIABLE}, else the current directory)",
    )


@exit_on_error
def run(args: argparse.Namespace, env: Mapping[str, str] | None = None, stream: TextIO | None = None) -> int:
    github = settings_from_env(env) if env is not None else github_settings(args)
    log = Log(stream)
    try:
        modes = parse_modes(args.mode)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    try:
        report = from_json(json.loads(Path(args.report).read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"cannot read the report {args.report}: {exc}") from None
    try:
        language = post_language(args)
    except LanguageError as exc:  # an explicit --language nobody can read: a usage error
        raise UsageError(f"--language: {exc}") from None
    except ValueError as exc:  # the config `grader run` already read: never lose the post over it
        log.warning(f"Posting in English: {exc}", title="Grader language not read")
        language = DEFAULT_LANGUAGE
    if not modes:
        log.info("grader post: mode none, nothing to post.")
        return 0
    try:
        ctx = post_context(github)
    except ContextError as exc:
        raise UsageError(f"{exc} (run it inside a GitHub Actions job)") from None
    if github.token is None:
        log.warning(f"No token: set {ACTIONS_TOKEN_VARIABLE} to post the result. {REPORT_STILL_THERE}")
        return 0
    layout = RepoLayout(args.workspace or github.workspace or Path.cwd(), args.submission, args.tests)
    with make_client(github.token, ctx.api_url) as gh:
        poster = Poster(gh, ctx, log, language)
        for mode in modes:
            try:
                if mode == "check-run":
                    annotations = check_run_annotations(select_annotations(report, layout.locate, language))
                    poster.check_run(report, name=args.check_name, annotations=annotations)
                elif mode == "status":
                    poster.status(report, context=args.check_name)
                else:
                    poster.comment(report, check_name=args.check_name)
            except Exception as exc:  # posting is best effort: never fail the job after grading
                traceback.print_exc(file=sys.stderr)
                log.warning(f"Could not post the {mode}: unexpected {type(exc).__name__}: {exc}. {REPORT_STILL_THERE}")
    return 0


def post_language(args: argparse.Namespace) -> str:
    """--language, else the `language` of --config, else English. LanguageError for a bad --language,
    ValueError (the one-line reason) when the config cannot be read."""
    if getattr(args, "language", None):
        return check_language(args.language)
    if getattr(args, "config", None) is not None:
        from grader.config import ConfigError, load_config

        try:
            return load_config(args.config).language
        except ConfigError as exc:
            raise ValueError(str(exc)) from None
    return DEFAULT_LANGUAGE
