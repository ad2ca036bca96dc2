"""Verified regrade glue for `grader batch` and `grader gradebook`: the Classroom roster as the class list,
the template comparison as an extra step of every submission, and the verified CSV.

    --classroom-grades FILE       the grades CSV Classroom's "Download grades" gives
    --classroom-assignment ID     the same through GitHub's Classroom REST API (closed by GitHub since
                                  2026-08-28: a clear error then)
    --template OWNER/REPO[@REF]   (or a folder) the assignment's template, for tamper evidence
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from grader.batch.gradebook import Entry, Row
from grader.batch.tamper import as_findings, compare, digest, load_template, protected_patterns
from grader.config import GradingConfig
from grader.github.repos import RepoSpec
from grader.github.roster import (
    VERIFIED_CSV_NAME,
    ClassroomError,
    ClassroomRoster,
    load_grades_csv,
    render_verified_csv,
    roster_from_api,
)
from grader.github.settings import CLI_TOKEN_VARIABLE, GitHubSettings
from grader.models import Finding

NO_RECORD = "no report: its shard did not finish or did not upload"
Inspector = Callable[[Path], tuple[Finding, ...]]


def roster_from(grades_csv: Path | None, assignment: int | None, github: GitHubSettings) -> ClassroomRoster | None:
    """The roster of a grades CSV or of an assignment id (Classroom's API), if any. Raises ClassroomError."""
    if grades_csv is not None and assignment is not None:
        raise ClassroomError("give --classroom-grades or --classroom-assignment, not both")
    if grades_csv is not None:
        return load_grades_csv(grades_csv)
    if assignment is None:
        return None
    from grader.github.client import make_client

    if not github.token:
        raise ClassroomError(
            f"--classroom-assignment needs a token ({CLI_TOKEN_VARIABLE}) of a classroom administrator"
        )
    with make_client(github.token, github.api_url) as client:
        return roster_from_api(client, assignment)


def with_roster(
    entries: Sequence[Entry], roster: ClassroomRoster | None, *, include_missing: bool = True
) -> tuple[Entry, ...]:
    """Entries with Classroom's points and students; a not-graded entry for every roster submission that has
    no record (never accepted, never pushed, or a shard that did not report), when include_missing."""
    if roster is None:
        return tuple(entries)
    by_name = {sub.name: sub for sub in roster.submissions}
    out = []
    for entry in entries:
        sub = by_name.get(entry.name)
        if sub is None:
            out.append(entry)
            continue
        classroom = (sub.points_awarded, sub.points_available)
        out.append(
            replace(
                entry,
                classroom=classroom if None not in classroom else None,  # type: ignore[arg-type]
                students=sub.students,
            )
        )
    if include_missing:
        have = {e.name for e in entries}
        for sub in roster.submissions:
            if sub.name not in have:
                out.append(Entry(sub.name, None, error=sub.missing or NO_RECORD, students=sub.students))
    return tuple(out)


def with_repos(entries: Sequence[Entry], roster: Sequence[RepoSpec]) -> tuple[Entry, ...]:
    """A not-graded entry for every repository of a --repos roster without a record (a shard that never
    finished or never uploaded)."""
    have = {e.name for e in entries}
    return (*entries, *(Entry(spec.name, None, error=NO_RECORD) for spec in roster if spec.name not in have))


def write_verified_csv(roster: ClassroomRoster | None, rows: Sequence[Row], out: Path) -> Path | None:
    if roster is None:
        return None
    verified = {r.name: (r.late.final, r.max_score) for r in rows if r.late is not None and r.max_score is not None}
    path = out / VERIFIED_CSV_NAME
    path.write_text(render_verified_csv(roster, verified), encoding="utf-8")
    return path


def template_inspector(
    spec: str | None, config: GradingConfig, workdir: Path, token: str | None = None
) -> tuple[Inspector | None, str]:
    """A function comparing a submission folder with the template, and a digest of the template's
    protected files (part of the content hash: a report made with another template is never reused)."""
    if spec is None:
        return None, ""

    shutil.rmtree(workdir, ignore_errors=True)
    template = load_template(spec, workdir, token=token)
    patterns = protected_patterns(config)

    def inspect(submission: Path) -> tuple[Finding, ...]:
        return as_findings(compare(template, submission, patterns))

    return inspect, digest(template, patterns)
