"""The class roster as GitHub Classroom recorded it: its grades CSV, or the same through its REST API.

Classroom's "Download grades" CSV has the columns `assignment_name, assignment_url, starter_code_url,
github_username, roster_identifier, student_repository_name, student_repository_url,
submission_timestamp, points_awarded, points_available` and, for group assignments, `group_name`: one row
per student, so a group's repository appears on several rows. `GET /assignments/{id}/grades` answers the
same rows as JSON and `GET /assignments/{id}/accepted_assignments` adds each repository's commit count.
GitHub retired Classroom on 2026-08-28; since then both endpoints answer 410 Gone (GitHub's OpenAPI
description lists the 410), and a CSV downloaded before is what remains.

A row without a repository URL is a student who never accepted the assignment: there is nothing to grade
and the gradebook says so. Points are Classroom's (the student's own workflow's) and are scaled to the
grader's maximum for comparison.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.errors import UsageError
from grader.github.repos import RepoSpec, parse_repos

REQUIRED_COLUMNS = (
    "assignment_name",
    "assignment_url",
    "starter_code_url",
    "github_username",
    "roster_identifier",
    "student_repository_name",
    "student_repository_url",
    "submission_timestamp",
    "points_awarded",
    "points_available",
)
GROUP_COLUMN = "group_name"
MAX_PAGES = 50  # 5 000 accepted assignments
VERIFIED_CSV_NAME = "classroom-grades.verified.csv"
NEVER_ACCEPTED = "never accepted the assignment (no repository)"
NO_COMMITS = "accepted the assignment but never pushed (0 commits)"
CLASSROOM_RETIRED = (
    "GitHub Classroom's API answered 410 Gone: GitHub retired Classroom on 2026-08-28; "
    "use --classroom-grades with the grades CSV downloaded from Classroom"
)


class ClassroomError(UsageError):
    """A grades CSV or API answer that cannot be used, worded for the instructor (one line)."""


@dataclass(frozen=True)
class ClassroomSubmission:
    """One repository (a group's is shared by several students) and what Classroom recorded for it."""

    name: str  # the submission's name in the gradebook (the repository's, made unique)
    students: tuple[str, ...]  # GitHub usernames (or roster identifiers)
    repo: RepoSpec | None  # None: nothing to fetch
    points_awarded: float | None
    points_available: float | None
    missing: str = ""  # why there is nothing to grade, when there is not
    url: str = ""  # student_repository_url as Classroom gave it


@dataclass(frozen=True)
class ClassroomRoster:
    columns: tuple[str, ...]  # the CSV's own columns, in its order (the verified CSV keeps them)
    rows: tuple[Mapping[str, str], ...]  # one per student, as read
    submissions: tuple[ClassroomSubmission, ...]  # one per repository (or per student without one)

    def submission_of_row(self, row: Mapping[str, str]) -> ClassroomSubmission:
        url = row.get("student_repository_url", "").strip()
        for sub in self.submissions:
            if (url and sub.url == url) or (not url and not sub.url and _who(row) in sub.students):
                return sub
        raise KeyError(url or _who(row))  # every row made a submission: cannot happen


def scale(awarded: float | None, available: float | None, max_score: float | None) -> float | None:
    """Points on another scale: awarded * max_score / available, 2 decimals (None when unknown)."""
    if awarded is None or available is None or max_score is None or available <= 0:
        return None
    return round(awarded * max_score / available, 2)


def _who(row: Mapping[str, str]) -> str:
    return row.get("github_username", "").strip() or row.get("roster_identifier", "").strip() or "unknown student"


def _points(value: str, column: str, where: str) -> float | None:
    text = value.strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        raise ClassroomError(f"{where}: {column} {text!r} is not a number") from None
    if not math.isfinite(number) or number < 0:
        raise ClassroomError(f"{where}: {column} {text!r} is not a number of points")
    return number


def parse_grades_csv(text: str, *, source: str = "grades CSV") -> ClassroomRoster:
    """Classroom's grades CSV (quoted fields, a byte order mark and CRLF line ends are all fine)."""
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    columns = tuple(name.strip() for name in reader.fieldnames or ())
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise ClassroomError(
            f"{source}: not a GitHub Classroom grades CSV: no column {', '.join(missing)} "
            f"(expected {', '.join(REQUIRED_COLUMNS)}[, {GROUP_COLUMN}])"
        )
    reader.fieldnames = list(columns)
    rows: list[dict[str, str]] = []
    for row in reader:
        if None in row:  # more cells than columns: a broken export
            raise ClassroomError(f"{source} line {reader.line_num}: more cells than the header has columns")
        rows.append({k: (v or "") for k, v in row.items()})
    if not rows:
        raise ClassroomError(f"{source}: no students listed")
    return roster_from_rows(columns, rows, source=source)


def roster_from_rows(
    columns: Sequence[str],
    rows: Sequence[Mapping[str, str]],
    *,
    source: str,
    commit_counts: Mapping[str, int] | None = None,
) -> ClassroomRoster:
    """Group the rows by repository URL (a group assignment's repository serves several students)."""
    by_url: dict[str, list[tuple[int, Mapping[str, str]]]] = {}
    alone: list[tuple[int, Mapping[str, str]]] = []
    for i, row in enumerate(rows, start=2):  # line 1 is the header
        url = row.get("student_repository_url", "").strip()
        (by_url.setdefault(url, []) if url else alone).append((i, row))
    # parse_repos names the repositories as --repos does (unique, owner-prefixed on a clash), in order.
    specs = parse_repos("\n".join(by_url), base_dir=Path.cwd())
    if len(specs) != len(by_url):
        raise ClassroomError(f"{source}: a student_repository_url is blank or a comment")
    submissions: list[ClassroomSubmission] = []
    used = {spec.name for spec in specs}
    for (url, members), spec in zip(by_url.items(), specs, strict=True):
        line, first = members[0]
        where = f"{source} line {line}"
        count = (commit_counts or {}).get(url.removesuffix(".git").rstrip("/"))
        submissions.append(
            ClassroomSubmission(
                name=spec.name,
                students=tuple(_who(r) for _, r in members),
                repo=None if count == 0 else spec,
                points_awarded=_points(first.get("points_awarded", ""), "points_awarded", where),
                points_available=_points(first.get("points_available", ""), "points_available", where),
                missing=NO_COMMITS if count == 0 else "",
                url=url,
            )
        )
    for line, row in alone:
        name = _unique(_who(row), used)
        where = f"{source} line {line}"
        submissions.append(
            ClassroomSubmission(
                name=name,
                students=(_who(row),),
                repo=None,
                points_awarded=_points(row.get("points_awarded", ""), "points_awarded", where),
                points_available=_points(row.get("points_available", ""), "points_available", where),
                missing=NEVER_ACCEPTED,
            )
        )
    return ClassroomRoster(tuple(columns), tuple(rows), tuple(submissions))


def _unique(name: str, used: set[str]) -> str:
    unique, n = name, 2
    while unique in used:
        unique, n = f"{name}-{n}", n + 1
    used.add(unique)
    return unique


def load_grades_csv(path: Path) -> ClassroomRoster:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ClassroomError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    return parse_grades_csv(text, source=str(path))


# -- the REST API -------------------------------------------------------------------------------------------


def roster_from_api(github: Any, assignment_id: int) -> ClassroomRoster:
    """`github` is a githubkit client (`grader.github.client.make_client`)."""
    from githubkit.exception import GitHubException, RequestFailed

    from grader.github.client import API_HEADERS, raw_pages

    source = f"Classroom assignment {assignment_id}"
    try:
        # githubkit's generated methods for these (marked deprecated, closed by GitHub) take no paging
        # arguments: the same requests through the client, with page/per_page where the API pages.
        grades = github.request("GET", f"/assignments/{assignment_id}/grades", headers=API_HEADERS).json()
        accepted: list[Any] = []
        pages = raw_pages(github, github.request, "GET", f"/assignments/{assignment_id}/accepted_assignments",
                          max_pages=MAX_PAGES, params={"per_page": 100})  # fmt: skip
        for answer in pages:
            if not isinstance(answer, list):
                break
            accepted += answer
    except RequestFailed as exc:
        status = exc.response.status_code
        if status == 410:
            raise ClassroomError(CLASSROOM_RETIRED) from None
        if status == 404:
            raise ClassroomError(f"{source}: not found (the token's owner must administer the classroom)") from None
        raise ClassroomError(f"{source}: GitHub API {status}") from None
    except GitHubException as exc:
        raise ClassroomError(f"{source}: GitHub API unreachable: {exc}") from None
    if not isinstance(grades, list) or not all(isinstance(g, dict) for g in grades):
        raise ClassroomError(f"{source}: unexpected answer from the grades endpoint")
    columns = list(REQUIRED_COLUMNS) + ([GROUP_COLUMN] if any(GROUP_COLUMN in g for g in grades) else [])
    rows = [{c: _text(g.get(c)) for c in columns} for g in grades]
    counts = {
        str(a["repository"]["html_url"]).rstrip("/"): int(a["commit_count"])
        for a in accepted
        if isinstance(a, dict) and isinstance(a.get("repository"), dict) and "commit_count" in a
    }
    if not rows:
        raise ClassroomError(f"{source}: no students listed")
    return roster_from_rows(columns, rows, source=source, commit_counts=counts)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# -- the verified CSV ---------------------------------------------------------------------------------------


def render_verified_csv(roster: ClassroomRoster, verified: Mapping[str, tuple[float, float] | None]) -> str:
    """Classroom's own rows and columns with `points_awarded` replaced by the verified score: the final
    score of `verified[submission] = (final, max_score)`, on the row's own `points_available` scale (the
    grader's when the row has none), empty for a student with nothing graded. Ready to import where the
    instructor keeps grades."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(roster.columns), lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for row in roster.rows:
        sub = roster.submission_of_row(row)
        score = verified.get(sub.name)
        points = None
        if score is not None:
            final, max_score = score
            points = scale(final, max_score, sub.points_available) if sub.points_available else final
        writer.writerow({**row, "points_awarded": "" if points is None else _number(points)})
    return out.getvalue()


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:.2f}".rstrip("0").rstrip(".")
