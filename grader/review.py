"""The review list that opens a verified gradebook: whose Classroom score is not what their code earns.

First the students whose Classroom score is higher than the verified one (the instructor's tests and
config, run from the instructor's side), then those with changed protected files (tests, grading.yml,
workflows, `protected:` globs) whose scores agree. One line each, with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from grader.gradebook import Row


@dataclass(frozen=True)
class ReviewItem:
    name: str
    students: tuple[str, ...]
    reason: str  # one line
    higher_in_classroom: bool


def review_items(rows: Sequence[Row]) -> tuple[ReviewItem, ...]:
    from grader.gradebook import _num

    higher, changed = [], []
    for row in rows:
        protected = f"protected files changed: {', '.join(row.protected)}" if row.protected else ""
        if row.difference is not None and row.difference > 0:
            reason = (
                f"Classroom {_num(row.classroom_points)}, verified {_num(row.verified_points)} "
                f"of {_num(row.max_score)} ({_num(row.difference)} more in Classroom)"
            )
            higher.append(ReviewItem(row.name, row.students, "; ".join(filter(None, (reason, protected))), True))
        elif row.protected:
            changed.append(ReviewItem(row.name, row.students, protected, False))
    return (*higher, *changed)


def render_review(rows: Sequence[Row]) -> list[str]:
    """Markdown lines: a `## Review` section (it says so when there is nothing to review)."""
    from grader.gradebook import _md

    items = review_items(rows)
    lines = [f"## Review ({len(items)})", ""]
    if not items:
        return [*lines, "Every Classroom score matches the verified one and no protected file was changed.", ""]
    for item in items:
        who = f" ({', '.join(_md(s) for s in item.students)})" if item.students else ""
        lines.append(f"- **{_md(item.name)}**{who}: {_md(item.reason)}")
    return [*lines, ""]
