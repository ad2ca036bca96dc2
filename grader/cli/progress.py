"""The progress display of `grader batch` (rich): a bar while grading, then the summary lines."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from grader.batch.gradebook import summarize
from grader.batch.jobs import Job
from grader.batch.runner import BatchContext, BatchResult, Outcome, grade_all
from grader.models import RunStatus
from grader.sandbox.tracking import ContainerTracker


def run_with_progress(
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


def print_summary(err: Console, result: BatchResult, rows: Sequence[Any], written: Sequence[Path]) -> None:
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
