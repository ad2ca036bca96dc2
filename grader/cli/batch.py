"""`grader batch`: regrade a whole class (the engine is `grader.batch`), then write the gradebook."""

from __future__ import annotations

import argparse
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from grader.batch.fingerprint import grading_fingerprint
from grader.batch.gradebook import build_rows, prepare_histogram, write_gradebook
from grader.batch.jobs import Job, find_submissions, take_shard
from grader.batch.runner import BatchContext, engine_answers, shared_client
from grader.batch.store import Meta, save_not_graded
from grader.batch.verify import template_inspector, with_roster, write_verified_csv
from grader.cli.common import (
    absolute_paths,
    add_roster_arguments,
    ensure_runner_image,
    exit_on_error,
    github_settings,
    load_grading_config,
    load_roster,
)
from grader.cli.progress import print_summary, run_with_progress
from grader.errors import EngineError, ExitCode, UsageError
from grader.github.repos import load_repos
from grader.github.roster import ClassroomRoster
from grader.i18n import DEFAULT_LANGUAGE, translator
from grader.results.late import SubmissionTime, load_times, parse_time
from grader.sandbox.tracking import ContainerTracker

if TYPE_CHECKING:
    from grader.github.activity import PushRecord
    from grader.github.settings import GitHubSettings


def _push_records(github: GitHubSettings) -> PushRecord:
    """GitHub's push times of repositories (githubkit: a quarter of a second to import, for --repos only)."""
    from grader.github.activity import PushRecord

    return PushRecord.of(github)


def parse_shard(text: str) -> tuple[int, int]:
    """'2/8' -> (2, 8): the second of eight interleaved shares of the submissions, in job order (folders
    sorted by name; --repos in the roster's order)."""
    try:
        index, count = (int(x) for x in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a shard such as 1/4") from None
    if not 1 <= index <= count:
        raise argparse.ArgumentTypeError(f"shard {text!r}: need 1 <= I <= N")
    return index, count


def configure_parser(p: argparse.ArgumentParser) -> None:
    p.description = (
        "Grade every sub-folder of SUBMISSIONS_DIR (or every repository of --repos FILE), each in its own "
        "sandbox, several at once; write per-submission reports, gradebook.csv/.md and histogram.png."
    )
    p.add_argument("submissions", nargs="?", type=Path, metavar="SUBMISSIONS_DIR", help="one sub-folder each")
    p.add_argument("--repos", type=Path, metavar="FILE", help="one git URL or local repository path per line")
    add_roster_arguments(p)
    p.add_argument(
        "--template",
        metavar="OWNER/REPO[@REF]",
        help="the assignment's template (or a folder): report protected files students changed",
    )
    p.add_argument("--tests", type=Path, help="folder of the instructor's tests (overrides the config's)")
    p.add_argument("--config", type=Path, help="grading.yml (deadline and late-penalty included)")
    p.add_argument("--out", type=Path, default=Path("grades"), help="output folder (default: grades)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="submissions at once (default: cores)")
    p.add_argument("--force", action="store_true", help="regrade even what is already graded")
    p.add_argument("--image", default=None, help="runner image (default: pytest-grader-runner:latest)")
    p.add_argument("--base-image", default=None, help="base image when the runner must be built")
    p.add_argument("--ref", help="--repos: branch, tag or commit to grade (default: the default branch)")
    p.add_argument(
        "--deadline",
        metavar="TIME",
        help="--repos: grade what was pushed before TIME (ISO 8601 with zone; GitHub push times)",
    )
    p.add_argument("--times", type=Path, metavar="FILE", help="CSV `submission,timestamp` of submission times")
    p.add_argument("--submitted-at", metavar="TIME", help="submission time for those without another")
    p.add_argument("--shard", type=parse_shard, metavar="I/N", help="grade only the I-th of N shares")
    p.add_argument("--timeout", type=float, help="seconds per submission (overrides the config)")


@exit_on_error
def run(args: argparse.Namespace) -> int:
    """`grader batch`. Exit 0 done (whatever the scores), 2 usage/config, 3 Docker, 130 interrupted."""
    from grader.pipeline import DEFAULT_IMAGE, grade, prepared_tests
    from grader.sandbox import CONTAINER_LABEL, docker_client, remove_orphans

    err = Console(stderr=True, soft_wrap=True)  # one line per message, never wrapped at 80 in a log file
    absolute_paths(args)
    sources = (args.submissions, args.repos, args.classroom_grades, args.classroom_assignment)
    if sum(source is not None for source in sources) != 1:
        raise UsageError(
            "give one of SUBMISSIONS_DIR, --repos FILE, --classroom-grades FILE, --classroom-assignment ID"
        )
    if args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    config = load_grading_config(args)
    times = load_times(args.times) if args.times else {}
    default_time = SubmissionTime(parse_time(args.submitted_at), "instructor") if args.submitted_at else None
    cutoff = parse_time(args.deadline) if args.deadline else None
    roster = load_roster(args)
    jobs = _jobs(args, roster)
    github = github_settings(args)
    inspect, template_digest = template_inspector(args.template, config, args.out / "template", github.token)
    if cutoff is not None and args.submissions is not None:
        raise UsageError("--deadline selects commits of --repos; for folders, give times with --times")
    unknown = sorted(set(times) - {j.name for j in jobs})
    if unknown:
        err.print(f"note: --times names no submission called {', '.join(unknown[:5])}", markup=False)
    jobs = take_shard(jobs, args.shard)
    image = args.image or os.environ.get("GRADER_IMAGE") or DEFAULT_IMAGE
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    workers = min(args.jobs, max(1, len(jobs)))
    client = shared_client(workers, docker_client)
    remove_orphans(client)  # containers an engine crash left behind, from runs whose process is gone
    tracker = ContainerTracker(client, pid_label=f"{CONTAINER_LABEL}.pid={os.getpid()}")
    try:
        ensure_runner_image(client, image, args.base_image, err)
        image_id = client.images.get(image).id
        with prepared_tests(config) as tests:
            fingerprint = grading_fingerprint(config, image_id=image_id) + template_digest
            ctx = BatchContext(
                grade=lambda path: grade(
                    path, config, image=image, tests=tests, client=client, on_container=tracker.created
                ),
                fingerprint=fingerprint,
                out=out,
                force=args.force,
                times=times,
                default_time=default_time,
                ref=args.ref,
                cutoff=cutoff,
                api=_push_records(github) if args.submissions is None else None,
                engine_alive=lambda: engine_answers(client),
                inspect=inspect,
                deadline=config.deadline,
                penalty=config.late_penalty,
            )
            # The chart's library (matplotlib: half a second) loads while the sandboxes run, not after them.
            chart_import = threading.Thread(target=prepare_histogram, name="chart-import", daemon=True)
            chart_import.start()
            result = run_with_progress(jobs, ctx, workers, tracker, err)
            chart_import.join()  # before the gradebook draws the chart in this thread
    except KeyboardInterrupt:  # before grading began (image build, test collection)
        tracker.remove_all()
        err.print("grader: interrupted before grading began", markup=False)
        return ExitCode.INTERRUPTED
    # Students with nothing to fetch are listed once: by the unsharded batch, or by shard 1, which also saves
    # their not-graded records with the reports (so that a merge of the shards lists them the same way).
    first = args.shard is None or args.shard[0] == 1
    entries = with_roster(result.entries, roster, include_missing=first)
    for sub in roster.submissions if first and roster is not None else ():
        if sub.repo is None:
            meta = Meta(sub.name, "", graded_at=datetime.now(UTC), error=sub.missing)
            save_not_graded(out / "reports" / sub.name, meta)
    rows = build_rows(entries, deadline=config.deadline, penalty=config.late_penalty)
    written = write_gradebook(rows, out, title=_title(args, config.language), language=config.language)
    verified_csv = write_verified_csv(roster, rows, out)
    if verified_csv is not None:
        written.append(verified_csv)
    print_summary(err, result, rows, written)
    leftovers = tracker.leftovers()
    if leftovers:
        err.print(f"warning: {len(leftovers)} sandbox container(s) still exist: {' '.join(leftovers)}")
    if result.engine_error:
        raise EngineError(f"the batch stopped: {result.engine_error}")
    return ExitCode.INTERRUPTED if result.interrupted else ExitCode.OK


def _jobs(args: argparse.Namespace, roster: ClassroomRoster | None = None) -> tuple[Job, ...]:
    from grader.config import ConfigError

    if roster is not None:  # Classroom's order; repositories only (the rest have nothing to grade)
        return tuple(Job(name=sub.name, repo=sub.repo) for sub in roster.submissions if sub.repo is not None)
    if args.repos is not None:
        return tuple(Job(name=spec.name, repo=spec) for spec in load_repos(args.repos))
    folder: Path = args.submissions
    if not folder.is_dir():
        raise ConfigError(f"submissions folder {folder} does not exist or is not a folder")
    jobs = find_submissions(folder, exclude=[args.out])
    if not jobs:
        raise ConfigError(f"{folder} has no sub-folders: each submission must be a folder of its own")
    return jobs


def _title(args: argparse.Namespace, language: str = DEFAULT_LANGUAGE) -> str:
    t = translator(language)
    if args.classroom_assignment is not None:
        return t._("Gradebook: Classroom assignment {assignment}", assignment=args.classroom_assignment)
    source = next(s for s in (args.repos, args.classroom_grades, args.submissions) if s is not None)
    return t._("Gradebook: {source}", source=Path(source).name)
