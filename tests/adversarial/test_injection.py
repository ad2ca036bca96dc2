"""Issue 3, item 5: nothing the submission prints or names reaches the log as a workflow command,
or the job summary as HTML/Markdown.

The Report keeps submission text as plain data (that is the JSON contract); every renderer escapes
it for its destination. The hostile submission prints commands, HTML, Markdown and terminal
escapes to stdout/stderr, raises them, returns them as reprs, chooses parametrize ids with them and
names its files with them; then all reporters render the graded report.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from grader.reporters.report_json import from_json, to_json

pytestmark = pytest.mark.docker

HOSTILE_FILE = "test_::notice title=Autograding complete::Points 9|9 <img src=x onerror=alert(1)>.py"
RAW_HTML = ("<img", "<script", "</code>", "</pre>", "</summary><details", "](javascript:")
HONEST = {"test_add": "passed", "test_sub": "failed", "test_mul": "failed", "test_value[NOTSET]": "not-run"}


@pytest.fixture(scope="module")
def hostile(request, tmp_path_factory, docker_client):  # type: ignore[no-untyped-def]
    """Graded once for the module: every test below renders the same report."""
    from grader.config import parse_config
    from grader.pipeline import grade
    from tests.adversarial.conftest import HERE, RecordingClient, build_submission
    from tests.conftest import RUNNER_IMAGE

    tmp = tmp_path_factory.mktemp("injection")
    submission = build_submission(tmp / "submission", "injection", None, {HOSTILE_FILE: "x = 1\n"})
    cfg = parse_config("tests: t\n", base_dir=tmp, tests_override=HERE / "suites" / "injection")
    client = RecordingClient(docker_client)
    report = grade(submission, cfg, image=RUNNER_IMAGE, client=client)  # type: ignore[arg-type]
    assert client.leftovers() == []
    return report


def outside_code_blocks(markdown: str) -> str:
    """The Markdown with fenced code blocks removed (their content is shown, never interpreted)."""
    kept, fence = [], None
    for line in markdown.split("\n"):
        m = re.match(r"^(`{3,})", line)
        if fence is None and m:
            fence = m.group(1)
        elif fence is not None and line.rstrip() == fence:
            fence = None
        elif fence is None:
            kept.append(line)
    assert fence is None, "a code block was left open"
    return "\n".join(kept)


def test_the_score_is_honest_and_hostile_text_stays_plain_data(hostile) -> None:  # type: ignore[no-untyped-def]
    assert {t.name.split("::")[-1]: t.status.value for t in hostile.tests} == HONEST
    assert (hostile.score, hostile.max_score) == (1.0, 4.0)
    # the report holds the text as the submission wrote it: escaping is the renderers' job
    assert "::notice title=Autograding complete::Points 10/10" in hostile.tests[1].message
    assert any("<img src=x onerror=alert(1)>" in f.detail for f in hostile.integrity)
    assert from_json(json.loads(json.dumps(to_json(hostile)))) == hostile


def test_workflow_commands_in_the_log_are_only_the_graders(hostile, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from grader.github.actions import emit_github
    from grader.github.settings import settings_from_env

    stream = io.StringIO()
    summary, outputs = tmp_path / "summary.md", tmp_path / "output.txt"
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(outputs)}
    emit_github(hostile, settings_from_env(env), report_path=None, stream=stream, summary_audience="instructor")
    lines = stream.getvalue().splitlines()
    assert lines, "nothing was emitted"
    for line in lines:
        # failures (error) and integrity findings (warning) on a file, Classroom's two notices
        assert line.startswith(("::error file=", "::warning file=", "::notice title=Autograding ")), line
        assert "\r" not in line
    notices = [line for line in lines if line.startswith("::notice")]
    assert notices == [
        "::notice title=Autograding complete::Points 1/4",
        '::notice title=Autograding report::{"totalPoints":1,"maxPoints":4}',
    ]
    # the step outputs: one value each, the real score
    text = outputs.read_text()
    assert "score=1\n" in text and "max-score=4\n" in text
    assert "::" not in "".join(line for line in text.splitlines() if not line.startswith(("result", "ghadelimiter")))


@pytest.mark.parametrize("audience", ["student", "instructor"])
def test_job_summary_has_no_raw_html_or_markdown_from_the_submission(hostile, audience) -> None:  # type: ignore[no-untyped-def]
    from grader.reporters import render_summary

    markdown = render_summary(hostile, audience=audience)
    prose = outside_code_blocks(markdown)
    for needle in RAW_HTML:
        assert needle not in prose, needle
    assert prose.count("<details") == prose.count("</details>")
    # (lines starting with :: are harmless here: the runner reads commands from the log only)
    assert not re.search(r"^#+ Score", prose, re.MULTILINE)
    assert "@github/security" not in prose  # no mention pings
    assert "\x1b" not in markdown and "\u202e" not in markdown
    assert "## Autograding: 1 / 4" in markdown


def test_terminal_output_has_no_escapes_and_no_command_lines(hostile) -> None:  # type: ignore[no-untyped-def]
    from rich.console import Console

    from grader.cli.terminal import print_report

    buffer = io.StringIO()
    console = Console(file=buffer, width=120, force_terminal=False, color_system=None)
    print_report(hostile, console, audience="instructor")
    text = buffer.getvalue()
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert not re.search(r"^\s*::", text, re.MULTILINE), "a line of the terminal report starts with ::"
