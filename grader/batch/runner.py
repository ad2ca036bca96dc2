"""Grading many submissions: one job in its sandbox (`grade_job`), the thread pool with Ctrl-C and an
engine that goes away (`grade_all`), and the Docker client they share."""

from __future__ import annotations

import contextlib
import shutil
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.batch.fingerprint import content_hash
from grader.batch.gradebook import Entry
from grader.batch.jobs import Job
from grader.batch.store import Meta, load_result, save_not_graded, save_result
from grader.batch.verify import Inspector
from grader.config import LatePenalty
from grader.errors import EngineError
from grader.github.repos import fetch_submission
from grader.models import Report
from grader.results.late import SubmissionTime, apply_late_policy

if TYPE_CHECKING:
    from grader.github.activity import PushRecord  # imported by the command: githubkit is slow to import

GradeFn = Callable[[Path], Report]  # grades one submission folder (config, image, tests, client bound)


class Interrupted(Exception):
    """The batch is stopping: this submission was not (fully) graded."""


class EngineDown(EngineError):
    """The Docker engine stopped answering: no further submission can be graded (exit 3)."""


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
    api: PushRecord | None = None  # where to ask GitHub for push times (--repos)
    stop: threading.Event = field(default_factory=threading.Event)
    engine_alive: Callable[[], bool] = lambda: True  # asked when grading raises DockerUnavailable
    inspect: Inspector | None = None  # --template: protected-file findings added to each report
    deadline: datetime | None = None  # grading.yml's late policy, applied to each report before it is stored
    penalty: LatePenalty | None = None


def _with_late_policy(report: Report, ctx: BatchContext, submitted: SubmissionTime | None) -> Report:
    """The same function `grader run` applies: the stored report's `score` is the final score."""
    return apply_late_policy(report, deadline=ctx.deadline, penalty=ctx.penalty, submitted=submitted)


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
                # unchanged code, but the submission time may have changed (--times): the late line follows it
                report = _with_late_policy(stored[0], ctx, submitted)
                if report != stored[0] or stored[1].submitted != submitted:
                    meta = replace(stored[1], submitted=submitted, commit=commit, note=note)
                    save_result(folder, report, meta)
                return Outcome(Entry(job.name, report, submitted, commit=commit, note=note), skipped=True)
        if ctx.stop.is_set():
            raise Interrupted
        report = ctx.grade(path)
        if ctx.stop.is_set():  # the container may have been removed under it: not a grade
            raise Interrupted
        if ctx.inspect is not None:
            report = replace(report, integrity=(*report.integrity, *ctx.inspect(path)))
        report = _with_late_policy(report, ctx, submitted)
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


# -- the engine ---------------------------------------------------------------------------------------------


def engine_answers(client: Any) -> bool:
    try:
        client.ping()
    except Exception:
        return False
    return True


def shared_client(workers: int, docker_client: Callable[[], Any]) -> Any:
    """One client for every thread, with a connection pool large enough for them all (2 each: wait + logs)."""
    import docker

    docker_client().close()  # checks the engine answers, with the sandbox's own error message
    return docker.from_env(timeout=30, max_pool_size=max(10, 2 * workers + 2))
