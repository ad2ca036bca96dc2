"""The action end to end: the real Classroom example workflow, run by nektos/act against a fake GitHub.

A scratch student repository (origin github.com/classroom-org/calc-alice) holds the example
assignment's starter code, tests and grading.yml, plus examples/classroom.yml as its workflow. act runs
that workflow in host mode; this action is `OWNER/REPO@v1` mapped to a copy of the working tree, and
actions/checkout and actions/cache are local stand-ins (see act_harness). The GitHub API is
`FakeGitHubAPI` on 127.0.0.1, which checks every request against GitHub's OpenAPI description.

Three pushes of one student, in order (the class shares the repository, the API and the caches):
  1. starter code + 60 extra failing cases, with fail-under: check run (first POST answered 502,
     retried), annotations in batches of 50, a comment on Classroom's Feedback pull request, the runner
     image built and cached, then the job fails on the score;
  2. the solution, with the runner image deleted from Docker: image loaded from the cache (no rebuild),
     grader restored from the cache, the same comment updated in place, a successful check run;
  3. a pull request from a fork, with a read-only token (and a prebuilt `image`): every write answered
     403, a warning, the job still succeeds and its outputs still carry the score.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import math
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from grader.reporters.classroom import classroom_result
from grader.reporters.escape import format_number
from grader.reporters.report_json import from_json
from tests.e2e.act_harness import REPO_ROOT, ActHarness, ActRun, ScratchRepo
from tests.e2e.fake_github import FakeGitHubAPI, FakeGitHubServer
from tests.junit_readback import junit_verdicts, report_verdicts

pytestmark = pytest.mark.e2e

EXAMPLES = REPO_ROOT / "examples"
ASSIGNMENT = EXAMPLES / "assignment"
# The base image of the runner: .ci/run exports the one it prepared (here a local stand-in, since Docker
# Hub is out of reach); otherwise the action's own default.
BASE_IMAGE = os.environ.get("GRADER_BASE_IMAGE") or "python:3.11-slim"
TOKEN = "ghs_e2eFakeInstallationToken"
STUDENT_REPO = "classroom-org/calc-alice"
STEP = "pytest"  # the id of the grading step in examples/classroom.yml
CHECK_NAME = "Autograding"
EXTRA_FAILURES = 60

NEGATIVE_TESTS = f'''\
"""More cases, enough to need several batches of annotations."""

import pytest

from calc import fib


@pytest.mark.parametrize("n", range(-{EXTRA_FAILURES}, 0))
def test_fib_rejects_negative(n):
    with pytest.raises(ValueError):
        fib(n)
'''


def expected_image_tag(base_image: str) -> str:
    """What action.yml computes: sha256 over the base image and `sha256sum` of runner/'s files."""
    runner = REPO_ROOT / "runner"
    lines = [f"base-image {base_image}\n"]
    files = sorted((f"./{p.relative_to(runner).as_posix()}", p) for p in runner.rglob("*") if p.is_file())
    for name, path in sorted(files, key=lambda item: item[0].encode()):
        lines.append(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {name}\n")
    return "pytest-grader-runner:" + hashlib.sha256("".join(lines).encode()).hexdigest()[:16]


def workflow_variant(
    dest: Path, probe_dir: Path, *, post: str, pull_requests: bool = False, fail_under: str = "", image: str = ""
) -> Path:
    """examples/classroom.yml as an instructor would configure it, plus one probe step at the end that
    copies what later steps see of the grading step (its outputs and the report file) to `probe_dir`."""
    workflow = yaml.safe_load((EXAMPLES / "classroom.yml").read_text(encoding="utf-8"))
    job = workflow["jobs"]["run-autograding-tests"]
    grade = next(step for step in job["steps"] if step.get("id") == STEP)
    grade["with"]["post"] = post
    if fail_under:
        grade["with"]["fail-under"] = fail_under
    if image:
        grade["with"]["image"] = image
    if pull_requests:
        workflow["on"] = [*workflow["on"], "pull_request"]
    job["steps"].append(
        {
            "name": "Probe (end-to-end test)",
            "if": "always()",
            "shell": "bash",
            "env": {
                "OUTPUTS": f"${{{{ toJSON(steps.{STEP}.outputs) }}}}",
                "REPORT": f"${{{{ steps.{STEP}.outputs.report }}}}",
                "JUNIT": f"${{{{ steps.{STEP}.outputs.junit }}}}",
                "PROBE": str(probe_dir),
            },
            "run": 'printf "%s" "$OUTPUTS" > "$PROBE/outputs.json"\ncp "$REPORT" "$PROBE/report.json"\n'
                   'if [ -n "$JUNIT" ]; then cp "$JUNIT" "$PROBE/junit.xml"; fi\n',
        }
    )
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(yaml.safe_dump(workflow, sort_keys=False), encoding="utf-8")
    return dest


def push_event(repo: ScratchRepo, sha: str) -> dict[str, Any]:
    owner, name = repo.full_name.split("/")
    return {
        "ref": "refs/heads/main",
        "after": sha,
        "head_commit": {"id": sha},
        "repository": {"full_name": repo.full_name, "name": name, "owner": {"login": owner}},
    }


class Student:
    """One student's repository, its workflow runs and everything they produced."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.repo = ScratchRepo.create(root / "calc-alice", STUDENT_REPO)
        self.shas = [
            self.repo.commit(
                {
                    ".github/workflows/classroom.yml": EXAMPLES / "classroom.yml",
                    "calc.py": ASSIGNMENT / "starter" / "calc.py",
                    "tests/test_calc.py": ASSIGNMENT / "tests" / "test_calc.py",
                    "tests/test_negative.py": NEGATIVE_TESTS,
                    "grading.yml": ASSIGNMENT / "grading.yml",
                },
                "Initial commit from the assignment template",
            )
        ]
        self.harness = ActHarness.for_workflow(
            root / "harness", self.repo.path / ".github/workflows/classroom.yml", self.repo.path
        )
        assert self.harness.action_ref == "OWNER/REPO@v1", "the example references the action by major tag"
        self.api = FakeGitHubAPI(token=TOKEN)
        self.api.add_pull(1, title="Feedback", user="github-classroom[bot]")
        self.api.add_pull(2, title="Feedback", user="a-student")  # not Classroom's: must be ignored
        self.human_comment = self.api.add_comment(1, "Please look at fib before Friday.", user="teacher")
        self.image = expected_image_tag(BASE_IMAGE)
        self.runs: dict[str, tuple[ActRun, Path]] = {}

    def run(self, label: str, *, event_name: str, event: dict[str, Any], post: str, **variant: Any) -> ActRun:
        probe = self.root / f"probe-{label}"
        probe.mkdir()
        workflow = workflow_variant(self.root / f"workflow-{label}" / "classroom.yml", probe, post=post, **variant)
        with FakeGitHubServer(self.api) as server:
            run = self.harness.run(
                self.repo,
                workflow=workflow,
                event_name=event_name,
                event=event,
                env={"GITHUB_API_URL": server.url, "GRADER_BASE_IMAGE": BASE_IMAGE},
                secrets={"GITHUB_TOKEN": TOKEN},
            )
        self.runs[label] = (run, probe)
        return run


def remove_image(tag: str) -> None:
    subprocess.run(["docker", "image", "rm", "--force", tag], capture_output=True, check=False)
    gone = subprocess.run(["docker", "image", "inspect", tag], capture_output=True, check=False)
    assert gone.returncode != 0, f"could not remove {tag}"


@pytest.fixture(scope="module")
def student(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Student]:
    one = Student(tmp_path_factory.mktemp("e2e"))
    yield one
    # Hundreds of MB of image tarballs and virtualenvs; the act logs stay for debugging.
    for tarball in one.harness.cache_store.glob("*.tar"):
        tarball.unlink()
    for workspace in one.harness.workdir.glob("run*/act-cache"):
        shutil.rmtree(workspace, ignore_errors=True)


def report_of(student: Student, label: str) -> dict[str, Any]:
    run, probe = student.runs[label]
    assert (probe / "report.json").is_file(), f"no report copied by the probe step:\n{run.log[-4000:]}"
    return json.loads((probe / "report.json").read_text(encoding="utf-8"))


def assert_outputs_match_report(student: Student, label: str) -> dict[str, Any]:
    """The action's outputs, as act recorded them and as a later step reads them, say what the report says."""
    run, probe = student.runs[label]
    data = report_of(student, label)
    report = from_json(data)
    outputs = run.outputs[(STEP,)]
    assert outputs["score"] == format_number(report.score)
    assert outputs["max-score"] == format_number(report.max_score)
    assert outputs["status"] == report.status.value
    assert Path(outputs["report"]).name == "report.json"
    assert Path(outputs["junit"]).name == "junit.xml"
    assert junit_verdicts(probe / "junit.xml") == report_verdicts(data)  # the `junit` output's file
    assert json.loads(base64.b64decode(outputs["result"])) == classroom_result(report)
    seen_by_next_step = json.loads((probe / "outputs.json").read_text(encoding="utf-8"))
    assert seen_by_next_step == outputs
    notices = {n["kvPairs"].get("title"): n["arg"] for n in run.commands("notice")}
    assert notices["Autograding complete"] == f"Points {outputs['score']}/{outputs['max-score']}"
    assert json.loads(notices["Autograding report"]) == {
        "totalPoints": json.loads(outputs["score"]),
        "maxPoints": json.loads(outputs["max-score"]),
    }
    return data


def score_pattern(report: dict[str, Any]) -> re.Pattern[str]:
    """ "7 / 10" or "7/10", as the Markdown report writes the score."""
    return re.compile(
        rf"\b{re.escape(format_number(report['score']))} ?/ ?{re.escape(format_number(report['max_score']))}\b"
    )


def annotated(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for t in report["tests"] if t["status"] in ("failed", "error") and t["file"] and not t["hidden"]]


def test_1_push_posts_check_run_in_batches_retries_a_502_and_comments_on_feedback_pr(student: Student) -> None:
    remove_image(student.image)  # the first push of the class must build the runner image
    student.api.inject("checks/create", 502, message="Bad Gateway")
    run = student.run(
        "push1", event_name="push", event=push_event(student.repo, student.shas[0]), post="check-run,comment",
        fail_under="60",
    )  # fmt: skip

    # Below fail-under the grading step fails the job, after everything was reported and posted.
    assert run.job_result == "failure", run.log[-6000:]
    results = run.step_results()
    assert results[(STEP, "grade")] == "failure"
    assert all(result == "success" for step, result in results.items() if step != (STEP, "grade") and len(step) == 2)
    assert "Post the result" in run.log and student.api.served("checks/create")
    assert student.api.problems == []
    setup = run.outputs[(STEP, "setup")]
    assert setup["image"] == student.image, "the image tag must be the hash of runner/ and the base image"
    assert "Building the runner image" in run.step_log(STEP, "image")
    # Both caches are looked up first (the image is made while the grader installs); the grader's
    # environment is cached before Grade, the image after Post (also when Grade failed).
    assert student.harness.cache_calls() == [
        f"restore miss {setup['image-key']}",
        f"restore miss {setup['venv-key']}",
        f"save {setup['venv-key']}",
        f"save {setup['image-key']}",
    ]

    report = assert_outputs_match_report(student, "push1")
    assert report["status"] == "fail"
    failures = annotated(report)
    assert len(failures) > EXTRA_FAILURES, "the 60 extra cases fail on the starter code"

    creates = student.api.calls("checks/create")
    assert [c.status for c in creates] == [502, 201], "one retry after the 502, one check run"
    body = creates[-1].body
    assert body["name"] == CHECK_NAME
    assert body["head_sha"] == student.shas[0]
    assert body["status"] == "completed" and body["conclusion"] == "failure"
    score = f"{format_number(report['score'])}/{format_number(report['max_score'])}"
    assert score in body["output"]["title"]
    updates = student.api.served("checks/update")
    batches = [body["output"]["annotations"]] + [u.body["output"]["annotations"] for u in updates]
    assert all(0 < len(batch) <= 50 for batch in batches)
    assert len(batches) == math.ceil(len(failures) / 50)
    sent = [a for batch in batches for a in batch]
    assert len(sent) == len(failures)
    assert {a["path"] for a in sent} <= {"calc.py", "tests/test_calc.py", "tests/test_negative.py"}
    assert all((student.repo.path / a["path"]).is_file() for a in sent)
    (stored,) = student.api.check_runs.values()
    assert len(stored["annotations"]) == len(failures)

    comments = student.api.served("issues/create-comment")
    assert [c.params["issue_number"] for c in comments] == ["1"], "on Classroom's Feedback PR only"
    assert score_pattern(report).search(comments[0].body["body"])


def test_2_next_push_loads_the_cached_image_and_updates_the_comment_in_place(student: Student) -> None:
    if "push1" not in student.runs:
        pytest.fail("test_1 must run first (the runs share one repository)")
    remove_image(student.image)  # a new runner: only the cache has the image
    student.shas.append(student.repo.commit({"calc.py": ASSIGNMENT / "solution" / "calc.py"}, "Fix fib and is_prime"))
    before = len(student.harness.cache_calls())
    run = student.run(
        "push2", event_name="push", event=push_event(student.repo, student.shas[1]), post="check-run,comment"
    )

    assert run.returncode == 0 and run.job_result == "success", run.log[-6000:]
    assert student.api.problems == []
    setup = run.outputs[(STEP, "setup")]
    image_log = run.step_log(STEP, "image")
    assert "Loading the runner image" in image_log and "Building" not in image_log
    assert "restored from the cache" in run.step_log(STEP, "install")
    assert student.harness.cache_calls()[before:] == [
        f"restore hit {setup['image-key']}",
        f"restore hit {setup['venv-key']}",
    ], "a second push must not rebuild or re-save anything"

    report = assert_outputs_match_report(student, "push2")
    assert report["status"] == "pass" and report["score"] == report["max_score"]
    create = student.api.served("checks/create")[-1]
    assert create.body["head_sha"] == student.shas[1]
    assert create.body["conclusion"] == "success"
    assert "annotations" not in create.body["output"], "nothing failed, nothing to annotate"

    created = student.api.served("issues/create-comment")
    updated = student.api.served("issues/update-comment")
    assert len(created) == 1 and len(updated) == 1, "one comment, updated in place"
    comment_id = int(updated[0].params["comment_id"])
    assert comment_id != student.human_comment
    bot_comments = [c for c in student.api.comments.values() if c["user"]["login"] == "github-actions[bot]"]
    assert [c["id"] for c in bot_comments] == [comment_id]
    body = student.api.comments[comment_id]["body"]
    assert student.shas[1][:12] in body and student.shas[0][:12] not in body
    assert score_pattern(report).search(body)


def test_3_fork_pull_request_with_read_only_token_warns_and_keeps_the_score(student: Student) -> None:
    if "push2" not in student.runs:
        pytest.fail("test_2 must run first (the runs share one repository)")
    student.api.read_only = True  # what GITHUB_TOKEN is on a pull request from a fork
    head = student.shas[-1]
    event = {
        "action": "opened",
        "number": 7,
        "pull_request": {
            "number": 7,
            "head": {"sha": head, "ref": "patch-1", "repo": {"full_name": "mallory/calc-alice"}},
            "base": {"sha": student.shas[0], "ref": "main", "repo": {"full_name": STUDENT_REPO}},
        },
        "repository": {"full_name": STUDENT_REPO},
    }
    writes_before = len([r for r in student.api.requests if r.method != "GET"])
    cache_calls_before = len(student.harness.cache_calls())
    run = student.run(
        "fork", event_name="pull_request", event=event, post="check-run,status,comment", pull_requests=True,
        image=student.image,  # a prebuilt image: neither built nor taken from the cache
    )  # fmt: skip

    assert run.returncode == 0 and run.job_result == "success", run.log[-6000:]
    assert student.api.problems == []
    assert "already on this machine" in run.step_log(STEP, "image")
    venv_key = run.outputs[(STEP, "setup")]["venv-key"]
    assert student.harness.cache_calls()[cache_calls_before:] == [f"restore hit {venv_key}"]
    report = assert_outputs_match_report(student, "fork")
    assert report["status"] == "pass"
    writes = [r for r in student.api.requests if r.method != "GET"][writes_before:]
    assert {r.operation_id for r in writes} == {
        "checks/create",
        "repos/create-commit-status",
        "issues/create-comment",
    }
    assert all(r.status == 403 for r in writes), "no retries of a 403 that is not a rate limit"
    assert next(r for r in writes if r.operation_id == "checks/create").body["head_sha"] == head
    assert next(r for r in writes if r.operation_id == "issues/create-comment").params["issue_number"] == "7"
    warnings = [w["arg"] for w in run.commands("warning") if w["kvPairs"].get("title") == "Grader result not posted"]
    assert len(warnings) == 3
    assert all("forks get a read-only token" in w and "job's summary" in w for w in warnings)


def test_cache_stand_in_round_trip(tmp_path: Path) -> None:
    """The harness itself: checkout stand-in and cache stand-ins in a trivial workflow, run twice."""
    repo = ScratchRepo.create(tmp_path / "repo", "someone/trivial")
    sha = repo.commit({"hello.txt": "hello from the commit\n"}, "one")
    (repo.path / "hello.txt").write_text("uncommitted change\n")  # the stand-in checks out the commit
    cache = "actions/cache/restore@55cc8345863c7cc4c66a329aec7e433d2d1c52a9"
    workflow = tmp_path / "wf" / "trivial.yml"
    workflow.parent.mkdir()
    steps: list[dict[str, Any]] = [
        {"uses": "actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8"},
        {"id": "restore", "uses": cache, "with": {"path": "${{ runner.temp }}/thing", "key": "k1"}},
        {
            "if": "steps.restore.outputs.cache-hit != 'true'",
            "shell": "bash",
            "run": 'mkdir -p "$RUNNER_TEMP/thing" && cp hello.txt "$RUNNER_TEMP/thing/"',
        },
        {
            "if": "steps.restore.outputs.cache-hit != 'true'",
            "uses": cache.replace("/restore@", "/save@"),
            "with": {"path": "${{ runner.temp }}/thing", "key": "k1"},
        },
        {"shell": "bash", "run": 'cat "$RUNNER_TEMP/thing/hello.txt"'},
    ]
    trivial = {"name": "t", "on": ["push"], "jobs": {"j": {"runs-on": "ubuntu-latest", "steps": copy.deepcopy(steps)}}}
    workflow.write_text(yaml.safe_dump(trivial, sort_keys=False))
    harness = ActHarness.for_workflow(tmp_path / "h", workflow, repo.path)

    first = harness.run(repo, workflow=workflow, event_name="push", event=push_event(repo, sha))
    second = harness.run(repo, workflow=workflow, event_name="push", event=push_event(repo, sha))

    for run in (first, second):
        assert run.returncode == 0 and run.job_result == "success", run.log[-3000:]
        assert "hello from the commit" in run.log and "uncommitted change" not in run.log
    assert harness.cache_calls() == ["restore miss k1", "save k1", "restore hit k1"]
