"""What a batch grades: one job per submission folder or repository, and its share of a sharded run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.github.repos import RepoSpec

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


def take_shard(jobs: Sequence[Job], shard: tuple[int, int] | None) -> tuple[Job, ...]:
    if shard is None:
        return tuple(jobs)
    index, count = shard
    return tuple(job for i, job in enumerate(jobs) if i % count == index - 1)
