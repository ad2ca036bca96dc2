"""One table for a whole class: rows from reports, then CSV, Markdown and a histogram.

`build_rows` is pure (reports -> rows); the renderers are pure functions of rows; only `write_gradebook`
touches the disk. A report's `score` is its final score and `late` says what the late policy took
(grader.results.late); given a deadline or a submission time of its own (`--config`, `--times`) the gradebook
applies the same function again, from the report's `raw_score`.
"""

from __future__ import annotations

import contextlib
import csv
import io
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from grader.batch.table_cells import _md, _num, local_number
from grader.batch.tamper import protected_changes
from grader.config import LatePenalty
from grader.github.roster import scale
from grader.i18n import DEFAULT_LANGUAGE, N_, Translator, translator
from grader.models import Report, RunStatus, Status
from grader.results.late import LateResult, SubmissionTime, format_time, late_policy_again, late_result, stored_time

CSV_NAME = "gradebook.csv"
MARKDOWN_NAME = "gradebook.md"
HISTOGRAM_NAME = "histogram.png"
NOT_GRADED = "not-graded"  # status of a submission whose grading itself crashed (no report)
# The statuses as the Markdown shows them (the CSV keeps the codes, for spreadsheets and scripts).
_STATUS_WORDS = {"pass": N_("pass"), "fail": N_("fail"), "error": N_("error"), NOT_GRADED: N_("not-graded")}

FIXED_COLUMNS = (
    "submission",
    "status",
    "raw",
    "final",
    "max_score",
    "days_late",
    "penalty_percent",
    "submitted_at",
    "time_source",
    "integrity_findings",
    "note",
)
# With a Classroom roster or a template (`grader batch --classroom-grades/--template`): Classroom's score on
# the grader's scale, the verified (final) score, their difference (Classroom minus verified), the students
# of the repository and the protected files changed.
VERIFIED_COLUMNS = ("students", "classroom_points", "verified_points", "difference", "protected_changes")


@dataclass(frozen=True)
class Entry:
    """What the batch knows about one submission."""

    name: str
    report: Report | None  # None when grading crashed before producing a report
    submitted: SubmissionTime | None = None
    error: str | None = None  # why there is no report
    commit: str | None = None  # graded commit, for --repos
    note: str = ""  # e.g. how the commit or the time was chosen
    classroom: tuple[float, float] | None = None  # GitHub Classroom's (points awarded, points available)
    students: tuple[str, ...] = ()  # who the submission belongs to (a group: several)


@dataclass(frozen=True)
class TestCell:
    name: str  # test id
    score: float
    status: Status


@dataclass(frozen=True)
class Row:
    name: str
    status: str  # pass | fail | error | not-graded
    late: LateResult | None  # None when not graded
    max_score: float | None
    findings: int
    submitted: SubmissionTime | None
    note: str
    tests: tuple[TestCell, ...]
    classroom_points: float | None = None  # Classroom's score scaled to max_score
    protected: tuple[str, ...] = ()  # protected files changed, one line each
    students: tuple[str, ...] = ()

    @property
    def verified_points(self) -> float | None:
        return self.late.final if self.late is not None else None

    @property
    def difference(self) -> float | None:
        """Classroom minus verified: positive when Classroom recorded more than the code earns."""
        if self.classroom_points is None or self.verified_points is None:
            return None
        return round(self.classroom_points - self.verified_points, 2)

    @property
    def failed(self) -> bool:
        """Grading broke for this submission (the run errored or never happened)."""
        return self.status in (RunStatus.ERROR.value, NOT_GRADED)


def build_rows(
    entries: Iterable[Entry], *, deadline: datetime | None = None, penalty: LatePenalty | None = None
) -> tuple[Row, ...]:
    """One row per entry, sorted by name. `deadline`/`penalty`: grading.yml's, when the caller has it."""
    rows = []
    for entry in sorted(entries, key=lambda e: e.name):
        report = entry.report
        if report is None:
            rows.append(
                Row(
                    name=entry.name,
                    status=NOT_GRADED,
                    late=None,
                    max_score=None,
                    findings=0,
                    submitted=entry.submitted,
                    note="; ".join(n for n in (_one_line(entry.error or "not graded"), entry.note) if n),
                    tests=(),
                    students=entry.students,
                )
            )
            continue
        report = late_policy_again(report, entry.submitted, deadline=deadline, penalty=penalty)
        late = late_result(report)
        submitted = entry.submitted or stored_time(report)
        notes = [n for n in (_one_line(report.error or ""), late.note, entry.note) if n]
        rows.append(
            Row(
                name=entry.name,
                status=report.status.value,
                late=late,
                max_score=round(report.max_score, 2),
                findings=len(report.integrity),
                submitted=submitted,
                note="; ".join(notes),
                tests=tuple(TestCell(t.name, round(t.score, 2), t.status) for t in report.tests),
                classroom_points=_scaled(entry.classroom, report.max_score),
                protected=protected_changes(report.integrity),
                students=entry.students,
            )
        )
    return tuple(rows)


def _scaled(classroom: tuple[float, float] | None, max_score: float) -> float | None:
    return scale(classroom[0], classroom[1], max_score) if classroom is not None else None


def has_verification(rows: Sequence[Row]) -> bool:
    """Whether the gradebook compares with Classroom or a template (and so shows VERIFIED_COLUMNS)."""
    return any(r.classroom_points is not None or r.protected or r.students for r in rows)


def score_columns(rows: Sequence[Row]) -> tuple[str, ...]:
    """Every test id seen, in the order the reports list them (the expected order), new ones appended."""
    seen: dict[str, None] = {}
    for row in rows:
        for cell in row.tests:
            seen.setdefault(cell.name, None)
    return tuple(seen)


def render_csv(rows: Sequence[Row]) -> str:
    tests = score_columns(rows)
    verified = has_verification(rows)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow((*FIXED_COLUMNS, *(VERIFIED_COLUMNS if verified else ()), *(_cell(t) for t in tests)))
    for row in rows:
        scores = {c.name: c.score for c in row.tests}
        late = row.late
        extra = (
            (
                _cell(" ".join(row.students)),
                _num(row.classroom_points),
                _num(row.verified_points),
                _num(row.difference),
                _cell("; ".join(row.protected)),
            )
            if verified
            else ()
        )
        writer.writerow(
            (
                _cell(row.name),
                row.status,
                _num(late.raw if late else None),
                _num(late.final if late else None),
                _num(row.max_score),
                late.days_late if late else "",
                _num(late.penalty_percent if late else None),
                format_time(row.submitted.at) if row.submitted else "",
                row.submitted.source if row.submitted else "",
                row.findings,
                _cell(row.note),
                *extra,
                *(_num(scores.get(t)) for t in tests),
            )
        )
    return out.getvalue()


@dataclass(frozen=True)
class Summary:
    count: int
    graded: int
    failed: int  # run errored or not graded
    by_status: tuple[tuple[str, int], ...]
    mean_final: float | None
    median_final: float | None
    late: int


def summarize(rows: Sequence[Row]) -> Summary:
    finals = [r.late.final for r in rows if r.late is not None]
    statuses: dict[str, int] = {}
    for row in rows:
        statuses[row.status] = statuses.get(row.status, 0) + 1
    return Summary(
        count=len(rows),
        graded=len(finals),
        failed=sum(r.failed for r in rows),
        by_status=tuple(sorted(statuses.items())),
        mean_final=round(statistics.fmean(finals), 2) if finals else None,
        median_final=round(statistics.median(finals), 2) if finals else None,
        late=sum(1 for r in rows if r.late is not None and r.late.days_late > 0),
    )


def render_markdown(rows: Sequence[Row], *, title: str = "Gradebook", language: str = DEFAULT_LANGUAGE) -> str:
    """The gradebook for the instructor, in the course's `language` (the config's); the CSV stays English."""
    from grader.batch.review import render_review

    t = translator(language)
    num = local_number(t)
    summary = summarize(rows)
    lines = [f"# {_md(title)}", ""]
    if has_verification(rows):
        lines += render_review(rows, t)
    statuses = ", ".join(f"{count} {status_word(status, t)}" for status, count in summary.by_status) or t._("none")
    lines.append(t.ngettext("**{n}** submission: {statuses}.", "**{n}** submissions: {statuses}.", summary.count,
                            statuses=statuses))  # fmt: skip
    if summary.mean_final is not None:
        lines.append(t._("Final score: mean **{mean}**, median **{median}**.", mean=num(summary.mean_final),
                         median=num(summary.median_final)))  # fmt: skip
    if summary.late:
        lines.append(t.ngettext("{n} submitted late.", "{n} submitted late.", summary.late))
    not_graded = [r for r in rows if r.status == NOT_GRADED]
    if not_graded:
        lines += ["", "## " + t._("Not graded ({n})", n=len(not_graded)), ""]
        lines += [f"- **{_md(r.name)}**: {_md(_note(r.note, t))}" for r in not_graded]
    lines += [
        "",
        t._("| Submission | Status | Raw | Final | Max | Days late | Integrity | Note |"),
        "|---|---|--:|--:|--:|--:|--:|---|",
    ]
    for row in rows:
        late = row.late
        lines.append(
            "| "
            + " | ".join(
                (
                    _md(row.name),
                    status_word(row.status, t),
                    num(late.raw if late else None),
                    num(late.final if late else None),
                    num(row.max_score),
                    str(late.days_late) if late and late.days_late else "",
                    str(row.findings) if row.findings else "",
                    _md(_note(row.note, t)),
                )
            )
            + " |"
        )
    tests = score_columns(rows)
    if tests:
        lines += ["", "## " + t._("Tests"), "", t._("| Test | Passed by | Mean score |"), "|---|--:|--:|"]
        graded = [r for r in rows if r.late is not None]
        cells = [{c.name: c for c in r.tests} for r in graded]
        for test in tests:
            scores = [c[test].score for c in cells if test in c]
            passed = sum(1 for c in cells if test in c and c[test].status is Status.PASSED)
            mean = num(round(statistics.fmean(scores), 2)) if scores else ""
            lines.append(f"| {_md(test)} | {passed} / {len(graded)} | {mean} |")
    return "\n".join(lines) + "\n"


def status_word(status: str, t: Translator) -> str:
    return t._(_STATUS_WORDS[status]) if status in _STATUS_WORDS else status


def _note(note: str, t: Translator) -> str:
    """A row's note: each part that is one of the grader's own messages (a run error, say) translated,
    the rest (git's, GitHub's, the late policy's) as written."""
    from grader.reporters.messages import translate_message

    return "; ".join(translate_message(part, t) for part in note.split("; ")) if note else note


def histogram_values(rows: Sequence[Row]) -> tuple[list[float], str, float]:
    """Final scores in points when every submission has the same maximum, else in percent of the maximum."""
    graded = [r for r in rows if r.late is not None and r.max_score]
    maxima = {r.max_score for r in graded}
    if len(maxima) == 1:
        top = float(maxima.pop() or 0)
        return [r.late.final for r in graded if r.late], N_("final score (points)"), top
    values = [100 * r.late.final / r.max_score for r in graded if r.late and r.max_score]
    return values, N_("final score (% of maximum)"), 100.0


def prepare_histogram() -> None:
    """Import what `render_histogram` needs (matplotlib, if installed), e.g. in a thread while grading runs.
    Whatever fails here fails again, and is reported, where the chart is drawn."""
    with contextlib.suppress(Exception):
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.figure
        import matplotlib.ticker


def render_histogram(
    rows: Sequence[Row], path: Path, *, title: str = "Final scores", t: Translator | None = None
) -> bool:
    """Write a PNG histogram of the final scores (texts in `t`'s language). False without matplotlib."""
    t = t or translator()
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        return False
    values, label, top = histogram_values(rows)
    fig = Figure(figsize=(7, 4), dpi=120)
    ax = fig.add_subplot()
    bins = [top * i / 10 for i in range(11)] if top > 0 else 10
    ax.hist(values, bins=bins, color="#3b7dd8", edgecolor="white")
    if values:
        mean = statistics.fmean(values)
        ax.axvline(mean, color="#d8553b", linestyle="--", linewidth=1.5,
                   label=t._("mean {value}", value=t.decimal(mean, 2) if t.language != DEFAULT_LANGUAGE
                             else f"{mean:.3g}"))  # fmt: skip
        ax.legend(loc="upper left", frameon=False)
    ax.set_xlabel(t._(label))
    ax.set_ylabel(t._("submissions"))
    not_graded = sum(1 for r in rows if r.late is None)
    counts = t.ngettext("{n} graded", "{n} graded", len(values))
    if not_graded:
        counts += ", " + t.ngettext("{n} not graded", "{n} not graded", not_graded)
    ax.set_title(f"{title} ({counts})")
    if top > 0:
        ax.set_xlim(0, top)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    return True


def write_gradebook(
    rows: Sequence[Row], out: Path, *, title: str = "Gradebook", language: str = DEFAULT_LANGUAGE
) -> list[Path]:
    """gradebook.csv, gradebook.md (in `language`) and histogram.png in `out`. Returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    markdown = render_markdown(rows, title=title, language=language)
    for name, text in ((CSV_NAME, render_csv(rows)), (MARKDOWN_NAME, markdown)):
        (out / name).write_text(text, encoding="utf-8")
        written.append(out / name)
    t = translator(language)
    if render_histogram(rows, out / HISTOGRAM_NAME, title=t._("{title}: final scores", title=title), t=t):
        written.append(out / HISTOGRAM_NAME)
    return written


def _one_line(text: str, limit: int = 200) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _cell(text: str) -> str:
    """Neutralise spreadsheet formulas (CSV injection): a cell starting with = + - @ is read as text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
