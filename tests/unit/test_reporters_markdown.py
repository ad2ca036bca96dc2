"""The Markdown summary: escaping, student vs instructor view, size limits.

The output is parsed with markdown-it-py (CommonMark + GFM tables, raw HTML allowed, as GitHub
does before sanitising), so the checks are about what a reader would actually see.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt

from grader.models import Finding, Report, RunStatus, Status
from grader.models import TestScore as Score
from grader.reporters.escape import clean
from grader.reporters.markdown import render_summary

ALLOWED_TAGS = {
    "h2", "h3", "p", "strong", "em", "b", "blockquote", "table", "thead", "tbody", "tr", "th", "td",
    "details", "summary", "pre", "code", "ul", "li",
}  # fmt: skip

HOSTILE = (
    "<script>alert(1)</script> </details></summary><img src=x onerror=alert(1)> "
    "[click](https://evil.example) ![i](x) @org/team @octocat | a || b `tick` ```fence "
    "::set-output name=score::100 ::add-mask::x %0A ~~s~~ *b* _e_ $m$ \\ [bold red]r[/] "
    "\x1b[31mred\x1b[0m \U0001f600 \ud800 &amp; &#60;"
)
HOSTILE_ML = HOSTILE + "\n\n# heading\n- item\n> quote\n```\n`````\n</details>\n\n<script>x</script>\n"


def md() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.depth: dict[str, int] = {}
        self.text: list[str] = []
        self.prose: list[str] = []  # text outside code, where GitHub links mentions
        self.unbalanced: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.depth[tag] = self.depth.get(tag, 0) + 1

    def handle_endtag(self, tag: str) -> None:
        self.depth[tag] = self.depth.get(tag, 0) - 1
        if self.depth[tag] < 0:
            self.unbalanced.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if not self.depth.get("code"):
            self.prose.append(data)


def parse(markdown: str) -> _Html:
    parser = _Html()
    parser.feed(md().render(markdown))
    parser.close()
    return parser


def assert_safe(markdown: str) -> _Html:
    html = parse(markdown)
    assert set(html.tags) <= ALLOWED_TAGS, set(html.tags) - ALLOWED_TAGS
    assert not html.unbalanced and all(v == 0 for k, v in html.depth.items() if k in {"details", "summary"})
    assert all(ord(c) <= 0xFFFF for c in markdown), "the check runs API refuses characters above U+FFFF"
    markdown.encode("utf-8")
    return html


def hostile_report(**kw: object) -> Report:
    tests = (
        Score(
            f"test_x.py::test_a[{HOSTILE}]",
            Status.FAILED,
            0,
            1,
            title=HOSTILE,
            message=HOSTILE_ML,
            details=HOSTILE_ML,
            output=HOSTILE_ML,
            file=HOSTILE,
            line=3,
        ),
        Score("test_x.py::test_b", Status.PASSED, 1, 1),
    )
    defaults: dict[str, object] = dict(
        score=1,
        max_score=2,
        status=RunStatus.FAIL,
        tests=tests,
        integrity=(Finding(HOSTILE, HOSTILE, HOSTILE),),
        error=HOSTILE,
        output=HOSTILE_ML,
    )
    defaults.update(kw)
    return Report(**defaults)  # type: ignore[arg-type]


@pytest.mark.parametrize("audience", ["student", "instructor"])
def test_hostile_text_is_shown_literally_never_as_markup(audience: str) -> None:
    text = render_summary(hostile_report(), audience=audience)  # type: ignore[arg-type]
    html = assert_safe(text)
    shown = "".join(html.text)
    for literal in ["<script>alert(1)</script>", "</details>", "[click](https://evil.example)", "`tick`"]:
        assert literal in shown
    assert "::set-output name=score::100" in shown
    assert "\U0001f600" in shown  # emoji kept (as a character reference in the Markdown)
    assert "\x1b" not in text and "\ud800" not in text


def test_mentions_do_not_ping() -> None:
    shown = "".join(parse(render_summary(hostile_report(), audience="instructor")).prose)
    assert not re.search(r"@[A-Za-z0-9]", shown)
    assert "@\u200dorg/team" in shown


def test_table_has_one_row_per_test_with_status_and_points() -> None:
    text = render_summary(hostile_report())
    tokens = md().parse(text)
    rows = [t for t in tokens if t.type == "tr_open"]
    assert len(rows) == 3  # header + 2 tests: the hostile `|` did not add cells or rows
    cells = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "td_open"]
    assert "❌ Failed" in cells and "0 / 1" in cells and "✅ Passed" in cells and "1 / 1" in cells


def test_code_blocks_show_the_text_exactly() -> None:
    text = render_summary(hostile_report(), audience="instructor")
    fences = [t.content for t in md().parse(text) if t.type == "fence"]
    expected = clean(HOSTILE_ML).rstrip("\n").replace("\U0001f600", "\\U0001f600") + "\n"
    assert fences.count(expected) >= 3  # details, output, session output (message inline/fenced)


def test_header_status_error_and_counts() -> None:
    text = render_summary(hostile_report(), annotations_omitted=7)
    assert text.startswith("## Autograding: 1 / 2\n")
    assert "1 of 2 tests passed" in text
    assert "The grading run failed" in text
    assert "7 more failures not annotated" in text


def test_scores_are_rounded() -> None:
    tests = (Score("t.py::a", Status.PASSED, 0.1 + 0.2, 1 / 3),)
    text = render_summary(Report(score=3.0000000000000004, max_score=4, status=RunStatus.PASS, tests=tests))
    assert "## Autograding: 3 / 4" in text and "| 0.3 / 0.33 |" in text
    assert "0000000" not in text


def hidden_report() -> Report:
    test = Score(
        "test_h.py::test_secret",
        Status.FAILED,
        0,
        2,
        title="Edge cases",
        message="assert SECRET_MSG",
        details="SECRET_DETAILS",
        output="SECRET_OUTPUT",
        file="SECRET_FILE.py",
        line=4,
        hidden=True,
    )
    return Report(score=0, max_score=2, status=RunStatus.FAIL, tests=(test,))


def test_student_view_hides_hidden_test_details() -> None:
    text = render_summary(hidden_report(), audience="student")
    assert "SECRET" not in text
    assert "Edge cases" in text and "0 / 2" in text and "❌ Failed" in text and "hidden test" in text


def test_instructor_view_shows_hidden_test_details() -> None:
    text = render_summary(hidden_report(), audience="instructor")
    for secret in ["SECRET&#95;MSG", "SECRET_DETAILS", "SECRET_OUTPUT", "SECRET&#95;FILE.py:4"]:
        assert secret in text


def test_integrity_student_sees_count_instructor_sees_list() -> None:
    findings = (Finding("early-exit", "calls os._exit", "a.py"), Finding("symlink", "link.py -> /etc"))
    report = Report(score=1, max_score=1, status=RunStatus.PASS, tests=(), integrity=findings)
    student = render_summary(report, audience="student")
    assert "### Integrity findings" in student and "2 integrity findings" in student
    assert "os." not in student and "symlink" not in student
    instructor = render_summary(report, audience="instructor")
    assert "**early-exit** (a.py): calls os.&#95;exit" in instructor and "**symlink**" in instructor


def test_no_integrity_section_without_findings() -> None:
    report = Report(score=1, max_score=1, status=RunStatus.PASS, tests=())
    assert "Integrity" not in render_summary(report, audience="instructor")


# -- size limits -----------------------------------------------------------------------------------

BIG_DIFF = ("E   assert 'x' == 'y'  ``` </details> <b>\n" * 250)[:10_000]


def big_report(n: int = 10_000) -> Report:
    tests = tuple(
        Score(
            f"test_big.py::test_{i}[{'é' * 20}]",
            Status.FAILED,
            0,
            1,
            message="assert 1 == 2",
            details=BIG_DIFF,
        )
        for i in range(n)
    )
    return Report(score=0, max_score=n, status=RunStatus.FAIL, tests=tests)


def assert_truncated_but_valid(text: str) -> None:
    html = assert_safe(text)
    tokens = md().parse(text)
    fences = [t for t in tokens if t.type == "fence"]
    assert fences and all(t.markup.startswith("````") for t in fences)  # longer than the ``` inside
    assert all("Report truncated" not in t.content for t in fences)
    last_para = [t.content for t in tokens if t.type == "inline"][-1]
    assert re.match(r"\*\*Report truncated:\*\* \d+ tests not shown in the table", last_para)
    assert html.depth.get("details", 0) == 0


def test_one_mebibyte_job_summary_limit() -> None:
    text = render_summary(big_report(), audience="instructor", limit=1024 * 1024)
    assert len(text.encode("utf-8")) <= 1024 * 1024
    assert len(text.encode("utf-8")) > 900_000  # the room is used, not wasted
    assert_truncated_but_valid(text)


def test_check_run_summary_limit_in_characters() -> None:
    text = render_summary(big_report(), limit=65535)
    assert len(text) <= 65535 and len(text.encode("utf-8")) <= 65535
    assert len(text.encode("utf-16-le")) // 2 <= 65535
    assert_truncated_but_valid(text)
    assert "<details" in text  # some failure details made it in next to the table


@pytest.mark.parametrize("limit", [300, 700, 1500, 3000, 6000, 12_000, 40_000])
def test_any_limit_is_respected(limit: int) -> None:
    text = render_summary(hostile_report(), audience="instructor", limit=limit)
    assert len(text.encode("utf-8")) <= limit
    if "Report truncated" in text:
        assert_safe(text)


def test_tiny_limit_falls_back_to_score_only() -> None:
    text = render_summary(big_report(50), limit=120)
    assert len(text.encode("utf-8")) <= 120
    assert text.startswith("## Autograding: 0 / 50")


def test_untruncated_report_has_no_note() -> None:
    assert "Report truncated" not in render_summary(big_report(3))


def test_truncation_keeps_failing_rows_before_passing_ones() -> None:
    passing = tuple(Score(f"t.py::p{i}", Status.PASSED, 1, 1) for i in range(3000))
    failing = (Score("t.py::zz_fails", Status.FAILED, 0, 1),)
    report = Report(score=3000, max_score=3001, status=RunStatus.FAIL, tests=passing + failing)
    text = render_summary(report, limit=20_000)
    assert "zz&#95;fails" in text and "Report truncated" in text


def test_room_left_by_details_goes_back_to_the_table() -> None:
    passing = tuple(Score(f"t.py::p{i}", Status.PASSED, 1, 1) for i in range(3000))
    failing = tuple(Score(f"t.py::f{i}", Status.FAILED, 0, 1, message="assert 1 == 2") for i in range(3))
    report = Report(score=3000, max_score=3003, status=RunStatus.FAIL, tests=failing + passing)
    text = render_summary(report, limit=30_000)
    assert text.count("<details") == 3
    assert 28_000 < len(text.encode("utf-8")) <= 30_000
