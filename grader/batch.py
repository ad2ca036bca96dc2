"""`grader batch` and `grader gradebook`: regrade a whole class, then one table.

Every submission is graded by `pipeline.grade` in its own hardened container, `--jobs` at a time (default:
one per CPU core), from a thread pool sharing one Docker client. One broken submission never stops the
batch: its row says what broke. Ctrl-C stops cleanly: queued submissions are dropped, running containers
are removed, results of interrupted runs are discarded (never cached as grades), and the gradebook is
written for what finished. A re-run skips every submission whose content hash (submission files, tests,
grading config, runner image, grader code) matches the one stored beside its report, unless --force.

Output folder:
    reports/<name>/report.json   the per-submission report (the `grader run --json` contract)
    reports/<name>/meta.json     content hash, graded commit, submission time and its source
    gradebook.csv, gradebook.md, histogram.png
    checkouts/<name>/            --repos only: the fetched files (no .git)
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import shutil
import stat
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)

from grader.classroom_roster import ClassroomError, ClassroomRoster
from grader.cli import print_error
from grader.config import GradingConfig
from grader.gradebook import NOT_GRADED, Entry, build_rows, summarize, write_gradebook
from grader.i18n import DEFAULT_LANGUAGE, translator
from grader.late import SubmissionTime, TimeError, format_time, load_times, parse_time
from grader.models import Report, RunStatus
from grader.report_json import write_text_atomic
from grader.repos import GitHubApi, RepoError, RepoSpec, fetch_submission, load_repos
from grader.staging import SKIPPED_DIRS
from grader.verify import (
    Inspector,
    add_roster_arguments,
    load_roster,
    template_inspector,
    with_repos,
    with_roster,
    write_verified_csv,
)

EXIT_OK, EXIT_USAGE, EXIT_DOCKER, EXIT_INTERRUPTED = 0, 2, 3, 130
META_VERSION = 1
REPORT_FILE, META_FILE = "report.json", "meta.json"
HASH_SCHEME = b"grader-batch-hash-v1"

GradeFn = Callable[[Path], Report]  # grades one submission folder (config, image, tests, client bound)


class Interrupted(Exception):
    """The batch is stopping: this submission was not (fully) graded."""


class EngineDown(Exception):
    """The Docker engine stopped answering: no further submission can be graded (exit 3)."""


# -- what to grade ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    name: str
    path: Path | None = None  # a submission folder
    repo: RepoSpec | None = None  # or a repository to fetch first


def find_submissions(folder: Path, *, exclude: Sequence[Path] = ()) -> tuple[Job, ...]:
    """Every sub-folder is one submission (hidden ones and the output folder excluded), sorted by name."""
    excluded = {p.resolve() for p in exclude}
    jobs = [
        Job(name=entry.name, path=entry)
        for entry in sorted(folder.iterdir(), key=lambda p: p.name)
        if entry.is_dir() and not entry.name.startswith(".") and entry.resolve() not in excluded
    ]
    return tuple(jobs)


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


def take_shard(jobs: Sequence[Job], shard: tuple[int, int] | None) -> tuple[Job, ...]:
    if shard is None:
        return tuple(jobs)
    index, count = shard
    return tuple(job for i, job in enumerate(jobs) if i % count == index - 1)


# -- content hash -------------------------------------------------------------------------------------------


def hash_tree(root: Path, digest: Any) -> None:
    """Feed every entry under root (names, types, contents, link targets; links never followed).

    What staging never copies into the sandbox (`__pycache__`, `.git`, ... and compiled files) is left
    out, so that merely importing or committing does not force a regrade.
    """
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        base = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS)
        links = [d for d in dirnames if (base / d).is_symlink()]
        dirnames[:] = [d for d in dirnames if d not in links]
        for d in dirnames:
            digest.update(b"D\0" + os.fsencode((base / d).relative_to(root)) + b"\0")
        for name in sorted(filenames + links):
            if name.endswith((".pyc", ".pyo")):
                continue
            path = base / name
            rel = os.fsencode(path.relative_to(root))
            st = path.lstat()
            if stat.S_ISLNK(st.st_mode):
                digest.update(b"L\0" + rel + b"\0" + os.fsencode(os.readlink(path)) + b"\0")
            elif stat.S_ISREG(st.st_mode):
                digest.update(b"F\0" + rel + b"\0" + str(st.st_size).encode() + b"\0")
                try:
                    with path.open("rb") as fh:
                        for chunk in iter(lambda: fh.read(1 << 20), b""):
                            digest.update(chunk)
                except OSError as exc:  # unreadable file: hash the fact, grading will report it
                    digest.update(f"unreadable:{exc.errno}".encode())
            else:
                digest.update(b"O\0" + rel + b"\0" + str(stat.S_IFMT(st.st_mode)).encode() + b"\0")


def grading_fingerprint(config: GradingConfig, *, image_id: str) -> str:
    """Everything besides the submission that decides a report: the tests, the scoring config, the runner
    image, the grader's version and the code it runs inside the container.

    The deadline and late penalty are left out: they are applied after grading, so changing them never
    forces a regrade. Neither is the rest of the grader's source: after editing it, use --force.
    """
    digest = hashlib.sha256(HASH_SCHEME)
    hash_tree(config.tests, digest)
    scoring = replace(config, tests=Path("."), source=None, deadline=None, late_penalty=None)
    digest.update(b"\0config\0" + repr(scoring).encode())
    digest.update(b"\0image\0" + image_id.encode())
    digest.update(b"\0grader\0" + _grader_version().encode())
    hash_tree(Path(__file__).parent / "sandbox" / "inside", digest)
    return digest.hexdigest()


def _grader_version() -> str:
    import importlib.metadata

    try:
        return importlib.metadata.version("pytest-sandbox-grader")
    except importlib.metadata.PackageNotFoundError:  # running from a source tree
        return "source"


def content_hash(submission: Path, fingerprint: str) -> str:
    digest = hashlib.sha256(fingerprint.encode())
    hash_tree(submission, digest)
    return digest.hexdigest()


# -- stored results -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Meta:
    name: str
    content_hash: str
    submitted: SubmissionTime | None = None
    commit: str | None = None
    note: str = ""
    graded_at: datetime | None = None
    error: str | None = None  # not graded, and why (no report.json beside it)


def meta_to_json(meta: Meta) -> dict[str, Any]:
    data = {
        "version": META_VERSION,
        "submission": meta.name,
        "content_hash": meta.content_hash,
        "commit": meta.commit,
        "submitted_at": format_time(meta.submitted.at) if meta.submitted else None,
        "time_source": meta.submitted.source if meta.submitted else None,
        "note": meta.note,
        "graded_at": format_time(meta.graded_at),
    }
    if meta.error is not None:
        data.update(status=NOT_GRADED, error=meta.error)
    return data


def meta_from_json(data: Mapping[str, Any]) -> Meta:
    try:
        submitted = None
        if data.get("submitted_at"):
            submitted = SubmissionTime(parse_time(data["submitted_at"]), str(data.get("time_source") or ""))
        return Meta(
            name=str(data["submission"]),
            content_hash=str(data["content_hash"]),
            submitted=submitted,
            commit=data.get("commit"),
            note=str(data.get("note") or ""),
            graded_at=parse_time(data["graded_at"]) if data.get("graded_at") else None,
            error=str(data.get("error") or "not graded") if data.get("status") == NOT_GRADED else None,
        )
    except (KeyError, TypeError, TimeError) as exc:
        raise ValueError(f"not a grader meta file: {exc}") from None


def save_result(folder: Path, report: Report, meta: Meta) -> None:
    """The report first, then the meta file that vouches for it: a crash in between means a regrade."""
    from grader.report_json import write_json

    folder.mkdir(parents=True, exist_ok=True)
    (folder / META_FILE).unlink(missing_ok=True)
    write_json(report, folder / REPORT_FILE)
    write_text_atomic(folder / META_FILE, json.dumps(meta_to_json(meta), indent=2) + "\n")


def save_not_graded(folder: Path, meta: Meta) -> None:
    """A submission that could not be graded: a meta file with the reason and no report. It travels with
    the reports (sharded runs upload reports/), so the merged gradebook still lists the student; a re-run
    never reuses it (load_result needs a report)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / REPORT_FILE).unlink(missing_ok=True)
    write_text_atomic(folder / META_FILE, json.dumps(meta_to_json(meta), indent=2) + "\n")


def load_result(folder: Path) -> tuple[Report, Meta] | None:
    """A stored report and its meta file, or None when either is missing or unreadable."""
    from grader.report_json import from_json

    try:
        meta = meta_from_json(json.loads((folder / META_FILE).read_text(encoding="utf-8")))
        report = from_json(json.loads((folder / REPORT_FILE).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None
    return report, meta


# -- one submission -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    entry: Entry
    skipped: bool = False  # reused the stored report
    interrupted: bool = False


@dataclass
class BatchContext:
    grade: GradeFn
    fingerprint: str
    out: Path
    force: bool = False
    times: Mapping[str, SubmissionTime] = field(default_factory=dict)
    default_time: SubmissionTime | None = None
    ref: str | None = None
    cutoff: datetime | None = None  # --deadline: grade what was pushed before it
    api: GitHubApi | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    engine_alive: Callable[[], bool] = lambda: True  # asked when grading raises DockerUnavailable
    inspect: Inspector | None = None  # --template: protected-file findings added to each report


def grade_job(job: Job, ctx: BatchContext) -> Outcome:
    """Grade one submission; never raises except Interrupted. Failures become rows that say what broke."""
    from grader.sandbox import DockerUnavailable  # imported here: `grader gradebook` needs no Docker SDK

    if ctx.stop.is_set():
        raise Interrupted
    folder = ctx.out / "reports" / job.name
    submitted = ctx.times.get(job.name)
    commit, note = None, ""
    try:
        path = job.path
        if job.repo is not None:
            dest = ctx.out / "checkouts" / job.name
            shutil.rmtree(dest, ignore_errors=True)
            checkout = fetch_submission(job.repo, dest, ref=ctx.ref, deadline=ctx.cutoff, api=ctx.api)
            path, commit, note = checkout.path, checkout.commit, checkout.note
            submitted = submitted or checkout.submitted
        submitted = submitted or ctx.default_time
        assert path is not None
        digest = content_hash(path, ctx.fingerprint)
        if not ctx.force:
            stored = load_result(folder)
            if stored is not None and stored[1].content_hash == digest:
                return Outcome(Entry(job.name, stored[0], submitted, commit=commit, note=note), skipped=True)
        if ctx.stop.is_set():
            raise Interrupted
        report = ctx.grade(path)
        if ctx.stop.is_set():  # the container may have been removed under it: not a grade
            raise Interrupted
        if ctx.inspect is not None:
            report = replace(report, integrity=(*report.integrity, *ctx.inspect(path)))
        meta = Meta(job.name, digest, submitted, commit, note, datetime.now(UTC))
        save_result(folder, report, meta)
        return Outcome(Entry(job.name, report, submitted, commit=commit, note=note))
    except Interrupted:
        raise
    except DockerUnavailable as exc:
        if not ctx.stop.is_set() and not ctx.engine_alive():
            ctx.stop.set()  # the engine is gone: stop here rather than fail every remaining submission
            raise EngineDown(str(exc)) from None
        if ctx.stop.is_set():
            raise Interrupted from None
        return Outcome(Entry(job.name, None, submitted, error=_first_line(exc), commit=commit, note=note))
    except Exception as exc:  # one broken submission never stops the batch
        if ctx.stop.is_set():
            raise Interrupted from None
        reason = _first_line(exc)
        meta = Meta(job.name, "", submitted, commit, note, datetime.now(UTC), error=reason)
        with contextlib.suppress(OSError):  # the row below still says what broke
            save_not_graded(folder, meta)
        return Outcome(Entry(job.name, None, submitted, error=reason, commit=commit, note=note))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# -- containers of this process (so that Ctrl-C can remove them) --------------------------------------------


class ContainerTracker:
    """Wraps a docker client so every container created through it is recorded and can be removed at once.

    Registration and stopping share a lock: a container created after `remove_all` began removes itself,
    so no container outlives an interrupted batch. Belt and braces: `remove_all` also removes every
    container the sandbox labelled with this process's pid, however it was created.
    """

    def __init__(self, client: Any, *, pid_label: str | None = None) -> None:
        self._client = client
        self._lock = threading.Lock()
        self._live: dict[str, Any] = {}
        self._stopping = False
        self._pid_label = pid_label
        self.containers = _TrackedContainers(self, client.containers)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def _created(self, container: Any) -> None:
        with self._lock:
            if not self._stopping:
                self._live[container.id] = container
                return
        _remove(container)
        raise Interrupted

    def _check(self) -> None:
        with self._lock:
            if self._stopping:
                raise Interrupted

    def _labelled(self) -> list[Any]:
        if self._pid_label is None:
            return []
        try:
            return list(self._client.containers.list(all=True, filters={"label": self._pid_label}))
        except Exception:  # the engine is going away: the recorded containers are all we know
            return []

    def remove_all(self) -> int:
        """Stop accepting containers and force-remove the live ones. Returns how many were removed."""
        with self._lock:
            self._stopping = True
            live = {c.id: c for c in self._live.values()}
        for container in self._labelled():
            live.setdefault(container.id, container)
        for container in live.values():
            _remove(container)
        return len(live)

    def leftovers(self) -> list[str]:
        """Ids of this process's containers the engine still knows."""
        left = {c.id for c in self._labelled()}
        for cid in list(self._live):
            try:
                self._client.containers.get(cid)
            except Exception:
                continue
            left.add(cid)
        return sorted(left)


class _TrackedContainers:
    def __init__(self, tracker: ContainerTracker, inner: Any) -> None:
        self._tracker = tracker
        self._inner = inner

    def create(self, *args: Any, **kwargs: Any) -> Any:
        self._tracker._check()
        container = self._inner.create(*args, **kwargs)
        self._tracker._created(container)
        return container

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _remove(container: Any) -> None:
    # Already gone, or the engine is going away: nothing more to do.
    with contextlib.suppress(Exception):
        container.remove(force=True, v=True)


# -- the batch ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchResult:
    outcomes: tuple[Outcome, ...]
    interrupted: bool
    not_started: tuple[str, ...] = ()
    engine_error: str | None = None  # the Docker engine went away during the batch

    @property
    def entries(self) -> tuple[Entry, ...]:
        return tuple(o.entry for o in self.outcomes if not o.interrupted)


def grade_all(
    jobs: Sequence[Job],
    ctx: BatchContext,
    *,
    workers: int,
    on_done: Callable[[Outcome], None] = lambda outcome: None,
    on_interrupt: Callable[[], None] = lambda: None,
) -> BatchResult:
    """Grade every job with `workers` threads.

    Ctrl-C (KeyboardInterrupt in this thread) stops the batch: `ctx.stop` is set, queued jobs are
    cancelled, `on_interrupt` runs (it removes the containers), and the running jobs end.
    """
    outcomes: list[Outcome] = []
    interrupted = False
    engine_error: list[str] = []
    pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="grade")
    futures: dict[Future[Outcome], Job] = {}

    def collect(future: Future[Outcome]) -> None:
        outcome = _outcome(future, futures[future], engine_error)
        if not outcome.interrupted:
            outcomes.append(outcome)
            on_done(outcome)

    try:
        futures = {pool.submit(grade_job, job, ctx): job for job in jobs}
        pending = set(futures)
        while pending and not engine_error:
            done, pending = wait(pending, timeout=0.25, return_when=FIRST_COMPLETED)
            for future in done:
                collect(future)
        if engine_error:
            for future in futures:
                future.cancel()
            _finish_interrupted(on_interrupt)
    except KeyboardInterrupt:
        interrupted = True
        ctx.stop.set()
        for future in futures:
            future.cancel()
        _finish_interrupted(on_interrupt)
    finally:
        _shutdown(pool)
    if interrupted or engine_error:
        seen = {o.entry.name for o in outcomes}
        for future, job in futures.items():
            if job.name not in seen and not future.cancelled() and future.done():
                collect(future)
    graded = {o.entry.name for o in outcomes}
    stopped = interrupted or bool(engine_error)
    not_started = tuple(j.name for j in jobs if j.name not in graded) if stopped else ()
    return BatchResult(tuple(outcomes), interrupted, not_started, engine_error[0] if engine_error else None)


def _outcome(future: Future[Outcome], job: Job, engine_error: list[str]) -> Outcome:
    try:
        return future.result()
    except Interrupted:
        return Outcome(Entry(job.name, None, error="interrupted"), interrupted=True)
    except EngineDown as exc:
        engine_error.append(str(exc))
        return Outcome(Entry(job.name, None, error=str(exc)), interrupted=True)
    except Exception as exc:  # pragma: no cover - grade_job catches everything else
        return Outcome(Entry(job.name, None, error=str(exc) or type(exc).__name__))


def _finish_interrupted(on_interrupt: Callable[[], None]) -> None:
    """Run the cleanup even if Ctrl-C is pressed again meanwhile: leaving containers is worse than waiting."""
    for _ in range(5):
        try:
            on_interrupt()
            return
        except KeyboardInterrupt:
            continue


def _shutdown(pool: ThreadPoolExecutor) -> None:
    while True:
        try:
            pool.shutdown(wait=True, cancel_futures=True)
            return
        except KeyboardInterrupt:
            continue


# -- command line -------------------------------------------------------------------------------------------


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


def configure_gradebook_parser(p: argparse.ArgumentParser) -> None:
    p.description = "Merge JSON reports (e.g. the artifacts of a sharded regrade) into one gradebook."
    p.add_argument("--reports", type=Path, required=True, metavar="DIR", help="folder searched recursively")
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="where the gradebook goes")
    p.add_argument("--config", type=Path, help="grading.yml, for the deadline and late penalty")
    p.add_argument("--tests", type=Path, help="folder of the instructor's tests (overrides the config's)")
    p.add_argument("--times", type=Path, metavar="FILE", help="CSV `submission,timestamp` (overrides stored)")
    p.add_argument("--repos", type=Path, metavar="FILE", help="the roster: a not-graded row for anyone missing")
    add_roster_arguments(p)


def run(args: argparse.Namespace) -> int:
    """`grader batch`. Exit 0 done (whatever the scores), 2 usage/config, 3 Docker, 130 interrupted."""
    from grader.cli import ensure_runner_image, load_grading_config
    from grader.config import ConfigError
    from grader.manifest import CollectionError
    from grader.pipeline import DEFAULT_IMAGE, TestsError, grade, prepared_tests
    from grader.sandbox import CONTAINER_LABEL, DockerUnavailable, docker_client, remove_orphans

    err = Console(stderr=True, soft_wrap=True)  # one line per message, never wrapped at 80 in a log file
    _absolute_paths(args)
    sources = (args.submissions, args.repos, args.classroom_grades, args.classroom_assignment)
    if sum(source is not None for source in sources) != 1:
        print_error("give one of SUBMISSIONS_DIR, --repos FILE, --classroom-grades FILE, --classroom-assignment ID")
        return EXIT_USAGE
    if args.jobs < 1:
        print_error("--jobs must be at least 1")
        return EXIT_USAGE
    try:
        config = load_grading_config(args)
        times = load_times(args.times) if args.times else {}
        default_time = SubmissionTime(parse_time(args.submitted_at), "instructor") if args.submitted_at else None
        cutoff = parse_time(args.deadline) if args.deadline else None
        roster = load_roster(args)
        jobs = _jobs(args, roster)
        inspect, template_digest = template_inspector(args.template, config, args.out / "template")
    except (ConfigError, TimeError, RepoError, ClassroomError) as exc:
        print_error(str(exc))
        return EXIT_USAGE
    if cutoff is not None and args.submissions is not None:
        print_error("--deadline selects commits of --repos; for folders, give times with --times")
        return EXIT_USAGE
    unknown = sorted(set(times) - {j.name for j in jobs})
    if unknown:
        err.print(f"note: --times names no submission called {', '.join(unknown[:5])}", markup=False)
    jobs = take_shard(jobs, args.shard)
    image = args.image or os.environ.get("GRADER_IMAGE") or DEFAULT_IMAGE
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    workers = min(args.jobs, max(1, len(jobs)))
    try:
        client = _client(workers, docker_client)
    except DockerUnavailable as exc:
        print_error(str(exc))
        return EXIT_DOCKER
    remove_orphans(client)  # containers an engine crash left behind, from runs whose process is gone
    tracker = ContainerTracker(client, pid_label=f"{CONTAINER_LABEL}.pid={os.getpid()}")
    try:
        ensure_runner_image(client, image, args.base_image, err)
        image_id = client.images.get(image).id
        with prepared_tests(config) as tests:
            fingerprint = grading_fingerprint(config, image_id=image_id) + template_digest
            ctx = BatchContext(
                grade=lambda path: grade(path, config, image=image, tests=tests, client=tracker),
                fingerprint=fingerprint,
                out=out,
                force=args.force,
                times=times,
                default_time=default_time,
                ref=args.ref,
                cutoff=cutoff,
                api=GitHubApi.from_env(os.environ) if args.submissions is None else None,
                engine_alive=lambda: _engine_answers(client),
                inspect=inspect,
            )
            result = _run_with_progress(jobs, ctx, workers, tracker, err)
    except DockerUnavailable as exc:
        print_error(str(exc))
        return EXIT_DOCKER
    except (TestsError, CollectionError) as exc:
        print_error(str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:  # before grading began (image build, test collection)
        tracker.remove_all()
        err.print("grader: interrupted before grading began", markup=False)
        return EXIT_INTERRUPTED
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
    _print_summary(err, result, rows, written)
    leftovers = tracker.leftovers()
    if leftovers:
        err.print(f"warning: {len(leftovers)} sandbox container(s) still exist: {' '.join(leftovers)}")
    if result.engine_error:
        print_error(f"the batch stopped: {result.engine_error}")
        return EXIT_DOCKER
    return EXIT_INTERRUPTED if result.interrupted else EXIT_OK


def _absolute_paths(args: argparse.Namespace) -> None:
    """Every path option made absolute once, here: git and the sandbox run in other working folders, where
    a relative path means something else (a relative --out once exported every repository empty)."""
    for key, value in vars(args).items():
        if isinstance(value, Path):
            setattr(args, key, value.absolute())


def _engine_answers(client: Any) -> bool:
    try:
        client.ping()
    except Exception:
        return False
    return True


def _client(workers: int, docker_client: Callable[[], Any]) -> Any:
    """One client for every thread, with a connection pool large enough for them all (2 each: wait + logs)."""
    import docker

    docker_client().close()  # checks the engine answers, with the sandbox's own error message
    return docker.from_env(timeout=30, max_pool_size=max(10, 2 * workers + 2))


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


def _run_with_progress(
    jobs: Sequence[Job], ctx: BatchContext, workers: int, tracker: ContainerTracker, err: Console
) -> BatchResult:
    counts = {"done": 0, "failed": 0, "skipped": 0}
    progress = Progress(
        TextColumn("[bold]Grading"),
        BarColumn(bar_width=24),
        TextColumn("done {task.fields[done]} · failed {task.fields[failed]}"),
        TextColumn("· remaining {task.fields[remaining]}"),
        TextColumn("· ETA"),
        TimeRemainingColumn(compact=True),
        console=err,
        transient=False,
    )
    task = progress.add_task("grading", total=len(jobs), done=0, failed=0, remaining=len(jobs), skipped=0)

    def on_done(outcome: Outcome) -> None:
        if outcome.interrupted:
            return
        counts["done"] += 1
        counts["skipped"] += outcome.skipped
        report = outcome.entry.report
        if report is None or report.status is RunStatus.ERROR:
            counts["failed"] += 1
        progress.update(
            task,
            advance=1,
            done=counts["done"],
            failed=counts["failed"],
            skipped=counts["skipped"],
            remaining=len(jobs) - counts["done"],
        )

    def on_interrupt() -> None:
        progress.stop()
        err.print("Stopping: removing running sandboxes…", markup=False)
        removed = tracker.remove_all()
        err.print(f"Removed {removed} container(s).", markup=False)

    started = time.monotonic()
    with progress:
        result = grade_all(jobs, ctx, workers=workers, on_done=on_done, on_interrupt=on_interrupt)
    elapsed = time.monotonic() - started
    graded = counts["done"] - counts["skipped"]
    err.print(
        f"Graded {graded}, reused {counts['skipped']}, in {elapsed:.1f} s with {workers} at once.",
        markup=False,
    )
    return result


def _print_summary(err: Console, result: BatchResult, rows: Sequence[Any], written: Sequence[Path]) -> None:
    summary = summarize(rows)
    for row in rows:
        if row.failed:
            err.print(f"  {row.name}: {row.status}: {row.note}", markup=False, highlight=False)
    if result.interrupted or result.engine_error:
        err.print(f"Stopped: {len(result.not_started)} submission(s) not graded.", markup=False)
    mean = f", mean final {summary.mean_final:g}" if summary.mean_final is not None else ""
    err.print(f"{summary.count} in the gradebook, {summary.failed} failed{mean}.", markup=False)
    for path in written:
        err.print(f"  wrote {path}", markup=False)


def find_reports(folder: Path) -> Iterator[tuple[str, Path, Path | None]]:
    """(name, report file, meta file or None) for every report under folder.

    `<name>/report.json` (+ `meta.json`) as `grader batch` writes them, and any other `*.json` (a plain
    `grader run --json` report) named after its file.
    """
    for path in sorted(folder.rglob("*.json")):
        if path.name == META_FILE:
            if not path.with_name(REPORT_FILE).is_file():
                yield path.parent.name, path.with_name(REPORT_FILE), path  # a not-graded record
            continue
        if path.name == REPORT_FILE:
            meta = path.with_name(META_FILE)
            yield path.parent.name, path, meta if meta.is_file() else None
        else:
            yield path.stem, path, None


def load_entries(
    folder: Path, *, times: Mapping[str, SubmissionTime] | None = None
) -> tuple[tuple[Entry, ...], list[str]]:
    """Entries for every report under folder, and problems (unreadable files, duplicate names)."""
    from grader.report_json import from_json

    entries: dict[str, Entry] = {}
    problems: list[str] = []
    for name, report_path, meta_path in find_reports(folder):
        try:
            meta = meta_from_json(json.loads(meta_path.read_text(encoding="utf-8"))) if meta_path else None
            if meta is not None and meta.error is not None and not report_path.is_file():
                report = None
            else:
                report = from_json(json.loads(report_path.read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:
            problems.append(f"{report_path}: {exc}")
            continue
        if meta is not None:
            name = meta.name
        if name in entries:
            problems.append(f"{report_path}: a second report for {name!r}")
            continue
        submitted = (times or {}).get(name) or (meta.submitted if meta else None)
        entries[name] = Entry(
            name,
            report,
            submitted,
            error=meta.error if meta and report is None else None,
            commit=meta.commit if meta else None,
            note=meta.note if meta else "",
        )
    return tuple(entries.values()), problems


def run_gradebook(args: argparse.Namespace) -> int:
    """`grader gradebook --reports DIR --out DIR`: exit 0 written, 2 usage (nothing to merge, duplicates)."""
    from grader.config import ConfigError

    err = Console(stderr=True)
    _absolute_paths(args)
    if not args.reports.is_dir():
        print_error(f"--reports {args.reports} is not a folder")
        return EXIT_USAGE
    try:
        config = None
        if args.config is not None or args.tests is not None:
            from grader.cli import load_grading_config

            config = load_grading_config(args)
        times = load_times(args.times) if args.times else {}
    except (ConfigError, TimeError) as exc:
        print_error(str(exc))
        return EXIT_USAGE
    entries, problems = load_entries(args.reports, times=times)
    for problem in problems:
        print_error(problem)
    if problems:
        return EXIT_USAGE
    if not entries:
        print_error(f"no reports under {args.reports}")
        return EXIT_USAGE
    try:
        if args.repos is not None:
            entries = with_repos(entries, load_repos(args.repos))
        roster = load_roster(args)
    except (RepoError, ClassroomError) as exc:
        print_error(str(exc))
        return EXIT_USAGE
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
    return EXIT_OK


# The names cli.py looks for: configure_<command>_parser / run_<command>.
configure_batch_parser = configure_parser
run_batch = run


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m grader.batch ...`: the batch command on its own."""
    parser = argparse.ArgumentParser(prog="grader batch")
    configure_parser(parser)
    args = parser.parse_args(argv)
    try:
        return run(args)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    raise SystemExit(main())
