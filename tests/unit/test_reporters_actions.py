"""GitHub Actions workflow commands, GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files, Classroom notices."""

# no `from __future__ import annotations`: it clashes with the imported `annotations()`
import base64
import io
import json
import re
from pathlib import Path

import pytest

from grader.github import actions, commands
from grader.github.actions import (
    annotations,
    classroom_notices,
    emit_github,
    output_lines,
    write_outputs,
    write_summary,
)
from grader.github.commands import escape_data, escape_property, guard_untrusted_output
from grader.github.settings import settings_from_env
from grader.models import Report, RunStatus, Status
from grader.models import TestScore as Score
from grader.paths import RepoLayout
from grader.reporters.classroom import classroom_result

INJECTION = "x\n::add-mask::secret\r\n::set-output name=score::100\n::notice title=Autograding report::{}%0A, a:b"


def unescape(s: str) -> str:
    """The runner's reverse of escape_data / escape_property."""
    for code, char in [("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")]:
        s = s.replace(code, char)
    return s


def parse_command(line: str) -> tuple[str, dict[str, str], str]:
    """Parse a workflow command the way the runner does (ActionCommand.TryParseV2)."""
    assert "\n" not in line and "\r" not in line
    m = re.fullmatch(r"::(\w[\w-]*)(?: ([^:]*))?::(.*)", line)
    assert m, line
    props = {}
    for pair in (m.group(2) or "").split(","):
        if pair:
            key, _, value = pair.partition("=")
            props[key] = unescape(value)
    return m.group(1), props, unescape(m.group(3))


def parse_output_file(text: str) -> dict[str, str]:
    """Parse GITHUB_OUTPUT the way the runner does: name=value or name<<DELIM ... DELIM."""
    lines = text.split("\n")
    values: dict[str, str] = {}
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delim = line.split("<<", 1)
            body = []
            while lines[i] != delim:
                body.append(lines[i])
                i += 1
            i += 1
            values[name] = "\n".join(body)
        else:
            name, value = line.split("=", 1)
            values[name] = value
    return values


# -- escaping --------------------------------------------------------------------------------------


def test_escape_data_and_property_follow_the_runner() -> None:
    assert escape_data("a%b\rc\nd:e,f") == "a%25b%0Dc%0Ad:e,f"
    assert escape_property("a%b\rc\nd:e,f") == "a%25b%0Dc%0Ad%3Ae%2Cf"
    assert escape_data("%0A") == "%250A"  # a literal %0A stays literal


# -- annotations -----------------------------------------------------------------------------------


def test_annotation_with_hostile_text_is_one_command() -> None:
    test = Score(
        f"t.py::t[{INJECTION}]",
        Status.FAILED,
        0,
        1,
        title=INJECTION,
        message=INJECTION,
        file="a,b:c.py",
        line=4,
    )
    (line,), omitted = annotations(Report(score=0, max_score=1, status=RunStatus.FAIL, tests=(test,)))
    assert omitted == 0
    name, props, message = parse_command(line)
    assert name == "error"
    assert props["file"] == "a,b:c.py" and props["line"] == "4"
    assert props["title"].startswith("x ::add-mask::secret ::set-output") and props["title"].endswith(" failed")
    # the sentence (first line and place), then the message's other lines, all inside the one command
    first, rest = INJECTION.replace("\r\n", "\n").split("\n", 1)
    assert message.startswith(f"{first}, at a,b:c.py:4\n\n{rest}")


def test_annotations_order_limit_and_omitted_count() -> None:
    tests = (
        Score("t.py::no_location", Status.FAILED, 0, 5),
        Score("t.py::in_test_file", Status.FAILED, 0, 5, file="tests/test_calc.py", line=2),
        Score("t.py::student_small", Status.FAILED, 0.5, 1, file="calc.py", line=1),
        Score("t.py::student_big", Status.ERROR, 0, 3, file="pkg/calc.py", line=9),
        Score("t.py::passes", Status.PASSED, 1, 1, file="calc.py", line=1),
        Score("t.py::skipped", Status.SKIPPED, 0, 1, file="calc.py", line=1),
        *(Score(f"t.py::more{i}", Status.FAILED, 0, 1, file="conftest.py", line=1) for i in range(10)),
    )
    commands, omitted = annotations(Report(score=0, max_score=1, status=RunStatus.FAIL, tests=tests))
    assert len(commands) == 10 and omitted == 3  # no_location has no place in the repository: no annotation
    titles = [parse_command(c)[1]["title"] for c in commands]
    assert titles[:4] == [
        "t.py::student_big raised an error",
        "t.py::student_small failed",
        "t.py::in_test_file failed",
        "t.py::more0 failed",
    ]
    assert not any("passes" in t or "skipped" in t or "no_location" in t for t in titles)
    assert annotations(Report(score=0, max_score=1, status=RunStatus.FAIL, tests=tests), max_errors=100)[1] == 0


def test_hidden_test_gets_no_annotation() -> None:
    test = Score(
        "h.py::t",
        Status.FAILED,
        0,
        2,
        title="Edge cases",
        message="SECRET",
        details="SECRET",
        file="calc.py",
        line=3,
        hidden=True,
    )
    # its place comes from its own traceback and its message is the instructor's: the summary has its status
    assert annotations(Report(score=0, max_score=2, status=RunStatus.FAIL, tests=(test,))) == ([], 0)


def test_annotation_message_is_bounded_and_keeps_the_traceback_end() -> None:
    details = "frame\n" * 10_000 + "E   assert 1 == 2"
    test = Score("t.py::t", Status.FAILED, 0, 1, message="m" * 10_000, details=details, file="a.py", line=1)
    (line,), _ = annotations(Report(score=0, max_score=1, status=RunStatus.FAIL, tests=(test,)))
    _, props, message = parse_command(line)
    assert len(message) <= actions.ANNOTATION_MESSAGE_MAX
    assert message.endswith("E   assert 1 == 2")
    assert len(props["title"]) <= 255


def test_annotation_path_prefix() -> None:
    test = Score("t.py::t", Status.FAILED, 0, 1, file="calc.py", line=1)
    layout = RepoLayout(Path("."), "hw1")
    (line,), _ = annotations(Report(score=0, max_score=1, status=RunStatus.FAIL, tests=(test,)), layout=layout)
    assert parse_command(line)[1]["file"] == "hw1/calc.py"


# -- stop-commands guard ---------------------------------------------------------------------------


def test_guard_untrusted_output_pauses_commands() -> None:
    text = 'hello\n::notice title=Autograding report::{"totalPoints":100,"maxPoints":100}\n\x1b[2Jbye'
    lines = guard_untrusted_output(text)
    token = lines[0].removeprefix("::stop-commands::")
    assert re.fullmatch(r"[0-9a-f]{32}", token)
    assert lines[-1] == f"::{token}::"
    assert lines[1:-1] == [
        "hello",
        '::notice title=Autograding report::{"totalPoints":100,"maxPoints":100}',
        "bye",
    ]
    assert guard_untrusted_output("x")[0] != lines[0]  # a fresh token every time


def test_guard_never_uses_a_token_found_in_the_text(monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = iter(["aaaa", "bbbb"])
    monkeypatch.setattr(commands, "random_token", lambda: next(tokens))
    lines = guard_untrusted_output("::aaaa::\n")
    assert lines[0] == "::stop-commands::bbbb" and lines[-1] == "::bbbb::"


# -- Classroom notices -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "max_score", "points", "summary"),
    [
        (3.0000000000000004, 4, "3/4", '{"totalPoints":3,"maxPoints":4}'),
        (8.5, 10.0, "8.5/10", '{"totalPoints":8.5,"maxPoints":10}'),
        (0.1 + 0.2, 1, "0.3/1", '{"totalPoints":0.3,"maxPoints":1}'),
        (2 / 3, 1, "0.67/1", '{"totalPoints":0.67,"maxPoints":1}'),
        (0, 5, "0/5", '{"totalPoints":0,"maxPoints":5}'),
    ],
)
def test_classroom_notices_exact_lines(score: float, max_score: float, points: str, summary: str) -> None:
    report = Report(score=score, max_score=max_score, status=RunStatus.FAIL, tests=())
    assert classroom_notices(report) == [
        f"::notice title=Autograding complete::Points {points}",
        f"::notice title=Autograding report::{summary}",
    ]
    assert json.loads(classroom_notices(report)[1].split("::", 2)[2]) == json.loads(summary)


def test_no_notices_without_points() -> None:
    assert classroom_notices(Report(score=0, max_score=0, status=RunStatus.ERROR, tests=())) == []


# -- GITHUB_OUTPUT ---------------------------------------------------------------------------------


def simple_report() -> Report:
    tests = (
        Score(INJECTION, Status.FAILED, 0.1, 1, message=INJECTION),
        Score("t.py::b", Status.PASSED, 0.2, 0.2),
    )
    return Report(score=0.3, max_score=1.2, status=RunStatus.FAIL, tests=tests)


def test_write_outputs_cannot_be_forged(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.write_text("earlier=1\n")
    path = "r.json\nscore=100\nresult<<EOF\nx\nEOF"
    write_outputs(simple_report(), report_path=path, output_file=out)
    values = parse_output_file(out.read_text(encoding="utf-8"))
    assert values["earlier"] == "1"
    assert values["score"] == "0.3" and values["max-score"] == "1.2" and values["status"] == "fail"
    assert values["report"] == path
    assert json.loads(base64.b64decode(values["result"])) == classroom_result(simple_report())


def test_output_lines_delimiter_never_in_value(monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = iter(["1111", "2222"])
    monkeypatch.setattr(actions, "random_token", lambda: next(tokens))
    entry = output_lines("report", "a\nghadelimiter_1111\nb")
    assert entry == "report<<ghadelimiter_2222\na\nghadelimiter_1111\nb\nghadelimiter_2222\n"
    assert output_lines("score", "8.5") == "score=8.5\n"


# -- GITHUB_STEP_SUMMARY ---------------------------------------------------------------------------


def test_write_summary_appends_within_one_mebibyte(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("x" * 1000)
    assert write_summary("# hello\n", summary)
    assert summary.read_text() == "x" * 1000 + "# hello\n"
    assert not write_summary("y" * (1024 * 1024), summary)
    assert summary.stat().st_size <= 1024 * 1024
    assert "omitted" in summary.read_text()


# -- everything together ---------------------------------------------------------------------------


def gh_env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "summary").write_text("")
    (tmp_path / "output").write_text("")
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
        "GITHUB_OUTPUT": str(tmp_path / "output"),
    }


def test_emit_github_outside_actions_does_nothing(tmp_path: Path) -> None:
    env = gh_env(tmp_path) | {"GITHUB_ACTIONS": "false"}
    stream = io.StringIO()
    emit_github(simple_report(), settings_from_env(env), report_path="r.json", stream=stream)
    assert stream.getvalue() == "" and (tmp_path / "summary").read_text() == ""


def test_emit_github_writes_everything_once(tmp_path: Path) -> None:
    tests = tuple(
        Score(f"t.py::t{i}", Status.FAILED, 0, 1, message=INJECTION, file="calc.py", line=i + 1) for i in range(12)
    )
    report = Report(score=0, max_score=12, status=RunStatus.FAIL, tests=tests)
    stream = io.StringIO()
    emit_github(report, settings_from_env(gh_env(tmp_path)), report_path="r.json", stream=stream)
    lines = stream.getvalue().splitlines()
    assert [parse_command(x)[0] for x in lines] == ["error"] * 10 + ["notice", "notice"]
    assert lines[-2:] == classroom_notices(report)
    assert all(not x.lstrip().startswith("::") or x.startswith(("::error ", "::notice ")) for x in lines)
    summary = (tmp_path / "summary").read_text(encoding="utf-8")
    assert summary.startswith("## Autograding: 0 / 12") and "2 more failures not annotated" in summary
    assert parse_output_file((tmp_path / "output").read_text())["score"] == "0"


def test_emit_github_respects_summary_already_written(tmp_path: Path) -> None:
    env = gh_env(tmp_path)
    Path(env["GITHUB_STEP_SUMMARY"]).write_text("z" * (1024 * 1024 - 5000))
    tests = tuple(Score(f"t.py::t{i}", Status.FAILED, 0, 1, details="d" * 3000) for i in range(100))
    emit_github(
        Report(score=0, max_score=100, status=RunStatus.FAIL, tests=tests),
        settings_from_env(env),
        report_path=None,
        stream=io.StringIO(),
    )
    size = Path(env["GITHUB_STEP_SUMMARY"]).stat().st_size
    assert 1024 * 1024 - 5000 < size <= 1024 * 1024


def test_annotations_have_no_characters_above_the_bmp() -> None:
    test = Score("t.py::t[\U0001f600]", Status.FAILED, 0, 1, message="got \U0001f600", file="calc.py", line=1)
    (line,), _ = annotations(Report(score=0, max_score=1, status=RunStatus.FAIL, tests=(test,)))
    assert all(ord(c) <= 0xFFFF for c in line) and "\\U0001f600" in line
