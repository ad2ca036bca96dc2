"""GitHub Classroom's grades CSV (and API rows) as the class list; the verified CSV; the review list."""

from __future__ import annotations

import csv
import io

import pytest

from grader.batch.gradebook import Entry, build_rows, render_csv, render_markdown
from grader.batch.review import review_items
from grader.batch.verify import NO_RECORD, with_roster
from grader.github.roster import (
    NEVER_ACCEPTED,
    NO_COMMITS,
    ClassroomError,
    parse_grades_csv,
    render_verified_csv,
    roster_from_rows,
    scale,
)
from grader.models import Finding, Report, RunStatus, Status
from grader.models import TestScore as Score

HEADER = (
    "assignment_name,assignment_url,starter_code_url,github_username,roster_identifier,student_repository_name,"
    "student_repository_url,submission_timestamp,points_awarded,points_available"
)
URL = "https://classroom.github.com/classrooms/1-py/assignments/hw1"
STARTER = "https://github.com/org/hw1-template"


def row(user: str, repo: str, awarded: str, available: str = "10", *, group: str | None = None,
        ident: str = "") -> str:  # fmt: skip
    repo_url = f"https://github.com/org/{repo}" if repo else ""
    cells = ["hw1", URL, STARTER, user, ident or f"{user}@uni.edu", repo, repo_url, "2026-12-01 10:00", awarded,
             available]  # fmt: skip
    if group is not None:
        cells.append(group)
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(cells)
    return out.getvalue()


def test_quoted_fields_bom_and_crlf_are_read() -> None:
    text = "\ufeff" + HEADER + "\r\n" + row("alice", "hw1-alice", "10", ident='Smith, "Al" Alice')
    roster = parse_grades_csv(text)
    (sub,) = roster.submissions
    assert (sub.name, sub.students, sub.points_awarded, sub.points_available) == ("hw1-alice", ("alice",), 10, 10)
    assert sub.repo is not None and sub.repo.github == ("org", "hw1-alice")
    assert roster.rows[0]["roster_identifier"] == 'Smith, "Al" Alice'
    assert roster.columns[0] == "assignment_name"


def test_group_rows_share_one_repository() -> None:
    text = (
        HEADER + ",group_name\n"
        + row("alice", "hw1-team-a", "8", group="team-a")
        + row("bob", "hw1-team-a", "8", group="team-a")
        + row("carol", "hw1-team-b", "3", group="team-b")
    )  # fmt: skip
    roster = parse_grades_csv(text)
    assert [(s.name, s.students) for s in roster.submissions] == [
        ("hw1-team-a", ("alice", "bob")),
        ("hw1-team-b", ("carol",)),
    ]
    assert roster.columns[-1] == "group_name"


def test_missing_submissions_say_why() -> None:
    text = HEADER + "\n" + row("dave", "", "") + row("erin", "hw1-erin", "0")
    roster = parse_grades_csv(text)
    dave, erin = sorted(roster.submissions, key=lambda s: s.name)
    assert (dave.name, dave.repo, dave.missing, dave.points_awarded) == ("dave", None, NEVER_ACCEPTED, None)
    assert erin.repo is not None and erin.missing == ""
    # Through the API, Classroom's commit count tells "accepted, never pushed" without a fetch.
    counts = {"https://github.com/org/hw1-erin": 0}
    api = roster_from_rows(roster.columns, roster.rows, source="api", commit_counts=counts)
    erin_api = next(s for s in api.submissions if s.name == "hw1-erin")
    assert (erin_api.repo, erin_api.missing) == (None, NO_COMMITS)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name,score\nalice,3\n", "not a GitHub Classroom grades CSV: no column assignment_name"),
        (HEADER + "\n", "no students listed"),
        (HEADER + "\n" + row("alice", "hw1-alice", "lots"), "points_awarded 'lots' is not a number"),
        (HEADER + "\n" + row("alice", "hw1-alice", "-3"), "points_awarded '-3' is not a number of points"),
        (HEADER + "\n" + row("alice", "hw1-alice", "1").rstrip() + ",extra\n", "more cells than the header"),
    ],
)
def test_bad_csvs_are_one_line_errors(text: str, message: str) -> None:
    with pytest.raises(ClassroomError, match=message) as info:
        parse_grades_csv(text, source="grades.csv")
    assert "\n" not in str(info.value) and str(info.value).startswith("grades.csv")


def test_scaling_when_points_available_differs_from_the_grader_maximum() -> None:
    assert scale(15, 20, 10) == 7.5
    assert scale(2, 3, 10) == 6.67
    assert scale(5, 0, 10) is None and scale(None, 10, 10) is None


def report(score: float, *integrity: Finding) -> Report:
    tests = (Score("t.py::a", Status.PASSED if score else Status.FAILED, score, 10),)
    return Report(score, 10, RunStatus.PASS if score == 10 else RunStatus.FAIL, tests, integrity=integrity)


def test_verified_columns_review_list_and_verified_csv() -> None:
    text = (
        HEADER + "\n"
        + row("honest", "hw1-honest", "14", "20")  # Classroom 7/10 on the grader's scale, earns 7
        + row("tests", "hw1-tests", "20", "20")  # edited the tests: Classroom 10, earns 2
        + row("flow", "hw1-flow", "20", "20")  # edited the workflow only: Classroom 10, earns 4
        + row("shy", "hw1-shy", "0", "20")  # never pushed
        + row("ghost", "", "")  # never accepted
    )  # fmt: skip
    roster = parse_grades_csv(text)
    changed = Finding("protected-file", "tests/test_calc.py changed (+1 -9) compared with the template: x", "t")
    flow = Finding("protected-file", ".github/workflows/classroom.yml changed (+2 -1) compared with the template: x")
    entries = [
        Entry("hw1-honest", report(7)),
        Entry("hw1-tests", report(2, changed)),
        Entry("hw1-flow", report(4, flow)),
        Entry("hw1-shy", None, error="nothing was pushed: the repository has no commits"),
    ]
    rows = build_rows(with_roster(entries, roster), deadline=None, penalty=None)
    by_name = {r.name: r for r in rows}
    assert (by_name["hw1-honest"].classroom_points, by_name["hw1-honest"].difference) == (7, 0)
    assert (by_name["hw1-tests"].classroom_points, by_name["hw1-tests"].difference) == (10, 8)
    assert by_name["ghost"].status == "not-graded" and NEVER_ACCEPTED in by_name["ghost"].note

    items = review_items(rows)
    assert [i.name for i in items] == ["hw1-flow", "hw1-tests"]
    assert items[1].reason == (
        "Classroom 10, verified 2 of 10 (8 more in Classroom); protected files changed: "
        "tests/test_calc.py changed (+1 -9)"
    )
    md = render_markdown(rows, title="hw1")
    assert md.index("## Review (2)") < md.index("submissions:")
    assert "- **hw1-tests** (tests): Classroom 10, verified 2" in md

    table = {r["submission"]: r for r in csv.DictReader(io.StringIO(render_csv(rows)))}
    assert (table["hw1-flow"]["classroom_points"], table["hw1-flow"]["verified_points"]) == ("10", "4")
    assert table["hw1-flow"]["difference"] == "6"
    assert table["hw1-flow"]["protected_changes"] == ".github/workflows/classroom.yml changed (+2 -1)"
    assert table["hw1-honest"]["protected_changes"] == "" and table["hw1-honest"]["students"] == "honest"

    verified = {r.name: (r.late.final, r.max_score) for r in rows if r.late and r.max_score}
    out = list(csv.DictReader(io.StringIO(render_verified_csv(roster, verified))))
    assert [r["github_username"] for r in out] == ["honest", "tests", "flow", "shy", "ghost"]
    # Classroom's own scale (points_available 20): 7/10 -> 14, 2/10 -> 4; nothing graded -> empty.
    assert [r["points_awarded"] for r in out] == ["14", "4", "8", "", ""]
    assert [r["points_available"] for r in out] == ["20", "20", "20", "20", "10"]
    assert list(out[0]) == list(roster.columns)


def test_a_roster_submission_without_any_record_is_not_graded() -> None:
    roster = parse_grades_csv(HEADER + "\n" + row("alice", "hw1-alice", "1") + row("bob", "hw1-bob", "1"))
    rows = build_rows(with_roster([Entry("hw1-alice", report(10))], roster), deadline=None, penalty=None)
    bob = next(r for r in rows if r.name == "hw1-bob")
    assert bob.status == "not-graded" and bob.note == NO_RECORD and bob.students == ("bob",)


def api_grade_row(user: str, repo: str, awarded: int, group: str | None = None) -> dict[str, object]:
    row: dict[str, object] = {
        "assignment_name": "hw1", "assignment_url": URL, "starter_code_url": STARTER, "github_username": user,
        "roster_identifier": f"{user}@uni.edu", "student_repository_name": repo,
        "student_repository_url": f"https://github.com/org/{repo}", "submission_timestamp": "2026-12-01 10:00",
        "points_awarded": awarded, "points_available": 10,
    }  # fmt: skip
    if group is not None:
        row["group_name"] = group
    return row


def test_roster_from_the_api_pages_through_accepted_assignments_and_fails_closed_when_gone() -> None:
    from grader.github.client import RetryPolicy, make_client
    from grader.github.roster import CLASSROOM_RETIRED, roster_from_api
    from tests.e2e.fake_github import FakeGitHubAPI, FakeGitHubServer

    api = FakeGitHubAPI(token="t")
    grades = [api_grade_row(f"s{i}", f"hw1-team{i // 2}", 7, group=f"team{i // 2}") for i in range(300)]
    accepted = [
        api.accepted_assignment(42, f"org/hw1-team{i}", [f"s{2 * i}", f"s{2 * i + 1}"],
                                commit_count=0 if i == 149 else 3, grade="7/10")
        for i in range(150)
    ]  # fmt: skip
    api.add_classroom_assignment(42, grades, accepted)
    with FakeGitHubServer(api) as server, make_client("t", server.url, retry=RetryPolicy(server_retries=0)) as gh:
        roster = roster_from_api(gh, 42)
        with pytest.raises(ClassroomError, match="Classroom assignment 9: not found"):
            roster_from_api(gh, 9)
        api.classroom_closed = True
        with pytest.raises(ClassroomError) as gone:
            roster_from_api(gh, 42)
    assert str(gone.value) == CLASSROOM_RETIRED
    assert api.problems == []
    # Page 2 is the URL GitHub's `Link: rel="next"` header named.
    pages = [r.query.get("page") for r in api.served("classroom/list-accepted-assignments-for-an-assignment")]
    assert pages == [None, ["2"]]
    assert len(roster.submissions) == 150 and roster.submissions[0].students == ("s0", "s1")
    assert roster.columns[-1] == "group_name" and roster.rows[0]["points_awarded"] == "7"
    last = roster.submissions[-1]
    assert (last.name, last.repo, last.missing) == ("hw1-team149", None, NO_COMMITS)
