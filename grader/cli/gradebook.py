"""`grader gradebook`: merge JSON reports (e.g. the artifacts of a sharded regrade) into one gradebook."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from grader.batch.gradebook import build_rows, summarize, write_gradebook
from grader.batch.store import load_entries
from grader.batch.verify import with_repos, with_roster, write_verified_csv
from grader.cli.common import (
    absolute_paths,
    add_roster_arguments,
    exit_on_error,
    load_grading_config,
    load_roster,
    print_error,
)
from grader.errors import ExitCode, UsageError
from grader.github.repos import load_repos
from grader.i18n import DEFAULT_LANGUAGE, translator
from grader.results.late import load_times


def configure_parser(p: argparse.ArgumentParser) -> None:
    p.description = "Merge JSON reports (e.g. the artifacts of a sharded regrade) into one gradebook."
    p.add_argument("--reports", type=Path, required=True, metavar="DIR", help="folder searched recursively")
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="where the gradebook goes")
    p.add_argument("--config", type=Path, help="grading.yml, for the deadline and late penalty")
    p.add_argument("--tests", type=Path, help="folder of the instructor's tests (overrides the config's)")
    p.add_argument("--times", type=Path, metavar="FILE", help="CSV `submission,timestamp` (overrides stored)")
    p.add_argument("--repos", type=Path, metavar="FILE", help="the roster: a not-graded row for anyone missing")
    add_roster_arguments(p)


@exit_on_error
def run(args: argparse.Namespace) -> int:
    """`grader gradebook --reports DIR --out DIR`: exit 0 written, 2 usage (nothing to merge, duplicates)."""
    err = Console(stderr=True)
    absolute_paths(args)
    if not args.reports.is_dir():
        raise UsageError(f"--reports {args.reports} is not a folder")
    config = None
    if args.config is not None or args.tests is not None:
        config = load_grading_config(args)
    times = load_times(args.times) if args.times else {}
    entries, problems = load_entries(args.reports, times=times)
    for problem in problems:
        print_error(problem)
    if problems:
        return ExitCode.USAGE
    if not entries:
        raise UsageError(f"no reports under {args.reports}")
    if args.repos is not None:
        entries = with_repos(entries, load_repos(args.repos))
    roster = load_roster(args)
    entries = with_roster(entries, roster)
    rows = build_rows(
        entries,
        deadline=config.deadline if config else None,
        penalty=config.late_penalty if config else None,
    )
    for row in rows:
        if row.failed:
            err.print(f"  {row.name}: {row.status}: {row.note}", markup=False, highlight=False)
    summary = summarize(rows)
    err.print(f"{summary.count} in the gradebook, {summary.failed} failed.", markup=False)
    language = config.language if config else DEFAULT_LANGUAGE  # the gradebook's Markdown and histogram
    title = translator(language)._("Gradebook: {source}", source=args.reports.resolve().name)
    written = write_gradebook(rows, args.out, title=title, language=language)
    verified_csv = write_verified_csv(roster, rows, args.out)
    for path in [*written, *([verified_csv] if verified_csv else [])]:
        err.print(f"wrote {path}", markup=False)
    return ExitCode.OK
