"""The gradebook: rows from reports, CSV, Markdown and the histogram."""

from __future__ import annotations

import csv
import io
import struct
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from grader.batch.gradebook import (
    FIXED_COLUMNS,
    NOT_GRADED,
    Entry,
    build_rows,
    histogram_values,
    render_csv,
    render_markdown,
    score_columns,
    summarize,
    write_gradebook,
)
from grader.config import LatePenalty
from grader.models import Finding, Report, RunStatus, Status
from grader.models import TestScore as Score
from grader.results.late import SubmissionTime

DEADLINE = datetime(2026, 12, 1, 23, 0, tzinfo=UTC)
PENALTY = LatePenalty(per_day=10, max=50)
NAMES = ("test_calc.py::test_a", "test_calc.py::test_b", "test_calc.py::test_c[1]")


def report(scores: tuple[float, float, float], *, status: RunStatus | None = None, **kw: object) -> Report:
    tests = tuple(
        Score(name, Status.PASSED if s == m else Status.FAILED, s, m)
        for name, s, m in zip(NAMES, scores, (1.0, 2.0, 3.0), strict=True)
    )
    total = sum(scores)
    return Report(
        score=total,
        max_score=6.0,
        status=status or (RunStatus.PASS if total == 6 else RunStatus.FAIL),
        tests=tests,
        **kw,  # type: ignore[arg-type]
    )


def entries() -> list[Entry]:
    late = SubmissionTime(DEADLINE + timedelta(hours=30), "github-push")
    return [
        Entry("carol", report((1, 2, 3)), SubmissionTime(DEADLINE - timedelta(hours=1), "instructor")),
        Entry("alice", report((1, 0, 3), integrity=(Finding("symlink", "x"), Finding("early-exit", "y"))), late),
        Entry(
            "bob",
            report((0, 0, 0), status=RunStatus.ERROR, error="SyntaxError in calc.py line 3\nmore"),
        ),
        Entry("dave", None, error="Docker refused to create the sandbox"),
    ]


def rows():  # type: ignore[no-untyped-def]
    return build_rows(entries(), deadline=DEADLINE, penalty=PENALTY)


def parsed_csv() -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(render_csv(rows()))))


def test_rows_are_sorted_and_carry_raw_and_final_scores() -> None:
    by_name = {r.name: r for r in rows()}
    assert [r.name for r in rows()] == ["alice", "bob", "carol", "dave"]
    assert by_name["alice"].late is not None
    assert (by_name["alice"].late.raw, by_name["alice"].late.final) == (4.0, 3.2)  # 2 days late: -20%
    assert by_name["carol"].late is not None and by_name["carol"].late.final == 6.0
    assert by_name["alice"].findings == 2
    assert by_name["dave"].status == NOT_GRADED and by_name["dave"].late is None
    assert [r.failed for r in rows()] == [False, True, False, True]


def test_csv_has_one_row_per_submission_and_one_column_per_test() -> None:
    table = parsed_csv()
    assert list(table[0]) == [*FIXED_COLUMNS, *NAMES]
    assert [r["submission"] for r in table] == ["alice", "bob", "carol", "dave"]
    alice = table[0]
    assert alice["status"] == "fail"
    assert (alice["raw"], alice["final"], alice["max_score"]) == ("4", "3.2", "6")
    assert (alice["days_late"], alice["penalty_percent"]) == ("2", "20")
    assert (alice["submitted_at"], alice["time_source"]) == ("2026-12-03T05:00:00Z", "github-push")
    assert alice["integrity_findings"] == "2"
    assert [alice[n] for n in NAMES] == ["1", "0", "3"]


def test_csv_rows_for_broken_submissions_say_what_broke() -> None:
    table = {r["submission"]: r for r in parsed_csv()}
    assert table["bob"]["status"] == "error"
    assert table["bob"]["final"] == "0"
    assert table["bob"]["note"].startswith("SyntaxError in calc.py line 3 more")
    assert "no trusted submission time" in table["bob"]["note"]
    assert table["dave"]["status"] == NOT_GRADED
    assert table["dave"]["final"] == "" and table["dave"][NAMES[0]] == ""
    assert table["dave"]["note"] == "Docker refused to create the sandbox"


def test_csv_neutralises_spreadsheet_formulas() -> None:
    hostile = build_rows([Entry('=HYPERLINK("http://x")', None, error="@SUM(A1)")], deadline=None, penalty=None)
    line = render_csv(hostile).splitlines()[1]
    assert line.startswith("\"'=HYPERLINK(")
    assert ",'@SUM(A1)" in line


def test_test_columns_keep_report_order_and_append_new_ids() -> None:
    extra = Report(1, 1, RunStatus.PASS, (Score("test_new.py::z", Status.PASSED, 1, 1),))
    got = score_columns(build_rows([*entries(), Entry("zed", extra)], deadline=None, penalty=None))
    assert got == (*NAMES, "test_new.py::z")


def test_summary_counts_statuses_late_and_failures() -> None:
    summary = summarize(rows())
    assert summary.count == 4 and summary.graded == 3 and summary.failed == 2 and summary.late == 1
    assert dict(summary.by_status) == {"fail": 1, "error": 1, "pass": 1, NOT_GRADED: 1}
    assert summary.mean_final == round((3.2 + 0 + 6) / 3, 2)
    assert summary.median_final == 3.2


def test_markdown_has_summary_table_and_per_test_pass_rates() -> None:
    md = render_markdown(rows(), title="HW1")
    assert md.startswith("# HW1\n")
    assert "**4** submissions: 1 error, 1 fail, 1 not-graded, 1 pass." in md
    assert "| alice | fail | 4 | 3.2 | 6 | 2 | 2 | 2 days late |" in md
    assert "| dave | not-graded |  |  |  |  |  | Docker refused to create the sandbox |" in md
    # test_a passed by alice and carol, not bob; dave was never graded
    assert "| test_calc.py::test_a | 2 / 3 | 0.67 |" in md
    assert "| test_calc.py::test_c[1] | 2 / 3 | 2 |" in md


def test_markdown_escapes_table_breaking_names() -> None:
    md = render_markdown(build_rows([Entry("a|b<script>", None, error="x\ny")], deadline=None, penalty=None), title="T")
    assert "| a\\|b&lt;script&gt; | not-graded |" in md
    assert "<script>" not in md


def test_histogram_uses_points_when_all_maxima_agree() -> None:
    values, label, top = histogram_values(rows())
    assert sorted(values) == [0.0, 3.2, 6.0] and "points" in label and top == 6.0


def test_histogram_uses_percent_when_maxima_differ() -> None:
    other = Report(5, 10, RunStatus.FAIL, (Score("x", Status.FAILED, 5, 10),))
    values, label, top = histogram_values(build_rows([*entries(), Entry("eve", other)], deadline=None, penalty=None))
    assert "%" in label and top == 100.0
    assert sorted(values) == pytest.approx([0.0, 50.0, 200 / 3, 100.0])


def test_write_gradebook_writes_csv_markdown_and_a_png(tmp_path: Path) -> None:
    written = write_gradebook(rows(), tmp_path / "out", title="HW1")
    assert [p.name for p in written] == ["gradebook.csv", "gradebook.md", "histogram.png"]
    png = (tmp_path / "out" / "histogram.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (840, 480)


def test_write_gradebook_of_nothing_graded_still_writes(tmp_path: Path) -> None:
    only_broken = build_rows([Entry("x", None, error="boom")], deadline=None, penalty=None)
    written = write_gradebook(only_broken, tmp_path)
    assert (tmp_path / "gradebook.csv").read_text(encoding="utf-8").count("\n") == 2
    assert len(written) == 3


def test_markdown_in_spanish_numbers_statuses_notes_and_review() -> None:
    """`language: es` (the batch's config): the instructor's gradebook Markdown in Spanish, decimal
    commas, the grader's own notes translated; the CSV stays as it is (codes, dot decimals)."""
    from grader.i18n import translator

    translator.cache_clear()
    md = render_markdown(rows(), title="HW1", language="es")
    assert "**4** entregas: 1 error, 1 no superada, 1 sin calificar, 1 superada." in md
    assert "Puntuación final: media **3,07**, mediana **3,2**." in md
    assert "1 entregada con retraso." in md
    assert "| Entrega | Estado | Bruta | Final | Máx. | Días de retraso | Integridad | Nota |" in md
    assert "| alice | no superada | 4 | 3,2 | 6 | 2 | 2 | 2 días de retraso |" in md
    assert "| dave | sin calificar |  |  |  |  |  | Docker refused to create the sandbox |" in md  # not ours
    assert "## Pruebas" in md and "| test_calc.py::test_a | 2 / 3 | 0,67 |" in md
    assert translator("es").missing == set()
    assert render_csv(rows()) == render_csv(rows())  # the CSV has no language
    assert "2 days late" in render_csv(rows())


def test_review_list_in_spanish() -> None:
    from grader.batch.review import render_review
    from grader.i18n import translator

    rows_ = build_rows(
        [Entry("ana", report((1, 0, 3)), classroom=(6.0, 6.0)), Entry("ben", report((1, 2, 3)))],
        deadline=None, penalty=None,
    )  # fmt: skip
    translator.cache_clear()
    t = translator("es")
    (line,) = [x for x in render_review(rows_, t) if x.startswith("- ")]
    assert line == "- **ana**: Classroom 6, verificada 4 de 6 (2 más en Classroom)"
    assert render_review(rows_, t)[0] == "## Para revisar (1)"
    assert render_review(rows_[1:], t)[2].startswith("Todas las puntuaciones de Classroom coinciden")
    assert t.missing == set()
