"""The review list that opens a verified gradebook: whose Classroom score is not what their code earns.

First the students whose Classroom score is higher than the verified one (the instructor's tests and
config, run from the instructor's side), then those with changed protected files (tests, grading.yml,
workflows, `protected:` globs) whose scores agree. One line each, with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from grader.batch.table_cells import _md, local_number
from grader.i18n import Translator, translator

if TYPE_CHECKING:
    from grader.batch.gradebook import Row


@dataclass(frozen=True)
class ReviewItem:
    name: str
    students: tuple[str, ...]
    reason: str  # one line
    higher_in_classroom: bool


def review_items(rows: Sequence[Row], t: Translator | None = None) -> tuple[ReviewItem, ...]:
    """The list, its reasons in `t`'s language (English by default)."""
    t = t or translator()
    num = local_number(t)
    higher, changed = [], []
    for row in rows:
        protected = t._("protected files changed: {files}", files=", ".join(row.protected)) if row.protected else ""
        if row.difference is not None and row.difference > 0:
            reason = t._(
                "Classroom {classroom}, verified {verified} of {max} ({more} more in Classroom)",
                classroom=num(row.classroom_points), verified=num(row.verified_points), max=num(row.max_score),
                more=num(row.difference),
            )  # fmt: skip
            higher.append(ReviewItem(row.name, row.students, "; ".join(filter(None, (reason, protected))), True))
        elif row.protected:
            changed.append(ReviewItem(row.name, row.students, protected, False))
    return (*higher, *changed)


def render_review(rows: Sequence[Row], t: Translator | None = None) -> list[str]:
    """Markdown lines: a `## Review` section (it says so when there is nothing to review)."""
    t = t or translator()
    items = review_items(rows, t)
    lines = ["## " + t._("Review ({n})", n=len(items)), ""]
    if not items:
        return [*lines, t._("Every Classroom score matches the verified one and no protected file was changed."), ""]
    for item in items:
        who = f" ({', '.join(_md(s) for s in item.students)})" if item.students else ""
        lines.append(f"- **{_md(item.name)}**{who}: {_md(item.reason)}")
    return [*lines, ""]
