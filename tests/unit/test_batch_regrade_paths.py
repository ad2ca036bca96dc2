"""Issue #14 item 0: relative paths, empty exports, and not-graded students that survive sharding."""

from __future__ import annotations

import csv
import os
import subprocess
from pathlib import Path

import pytest

from grader.batch.gradebook import NOT_GRADED, build_rows, render_markdown
from grader.batch.jobs import Job, take_shard
from grader.batch.runner import BatchContext, grade_all
from grader.batch.store import load_entries
from grader.cli import batch as batch_cmd
from grader.cli import gradebook as gradebook_cmd
from grader.cli.common import absolute_paths
from grader.github import repos
from grader.github.repos import RepoError, RepoSpec, fetch_submission, load_repos
from grader.models import Report, RunStatus, Status
from grader.models import TestScore as Score

GIT_ID = {"GIT_AUTHOR_NAME": "S", "GIT_AUTHOR_EMAIL": "s@e", "GIT_COMMITTER_NAME": "S", "GIT_COMMITTER_EMAIL": "s@e"}


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], env={**os.environ, **GIT_ID}, check=True,
                          capture_output=True, text=True)  # fmt: skip
    return done.stdout.strip()


def make_repo(path: Path, files: dict[str, str] | None) -> Path:
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    if files:
        for rel, text in files.items():
            (path / rel).parent.mkdir(parents=True, exist_ok=True)
            (path / rel).write_text(text, encoding="utf-8")
        git(path, "add", "-A")
        git(path, "commit", "-q", "-m", "work")
    return path


def test_fetch_into_a_relative_folder_exports_every_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path / "alice", {"calc.py": "x = 1\n", "pkg/mod.py": "y = 2\n"})
    monkeypatch.chdir(tmp_path)
    got = fetch_submission(RepoSpec(str(repo), "alice"), Path("out/checkouts/alice"), ref=None, deadline=None, api=None)
    assert got.path.is_absolute()
    assert (tmp_path / "out/checkouts/alice/files/calc.py").read_text(encoding="utf-8") == "x = 1\n"
    assert (tmp_path / "out/checkouts/alice/files/pkg/mod.py").read_text(encoding="utf-8") == "y = 2\n"


def test_an_export_that_writes_nothing_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path / "alice", {"calc.py": "x = 1\n"})
    real_git = repos._git

    def no_checkout(args: list[str], **kw: object) -> str:  # what a relative GIT_INDEX_FILE amounted to
        return "" if "checkout-index" in args else real_git(args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(repos, "_git", no_checkout)
    with pytest.raises(RepoError, match=r"wrote none of its 1 file\(s\)"):
        fetch_submission(RepoSpec(str(repo), "alice"), tmp_path / "co", ref=None, deadline=None, api=None)


def fake_grade(path: Path) -> Report:
    n = int((path / "answer.txt").read_text(encoding="utf-8"))
    tests = (Score("t.py::a", Status.PASSED if n else Status.FAILED, float(n), 1),)
    return Report(float(n), 1, RunStatus.PASS if n else RunStatus.FAIL, tests)


def test_unfetchable_repository_is_saved_and_survives_sharding_and_merging(tmp_path: Path) -> None:
    make_repo(tmp_path / "roster/alice", {"answer.txt": "1"})
    make_repo(tmp_path / "roster/bob", None)  # accepted the assignment, never pushed
    make_repo(tmp_path / "roster/carol", {"answer.txt": "0"})
    roster = tmp_path / "roster.txt"
    roster.write_text("roster/carol\nroster/bob\nroster/alice\n", encoding="utf-8")
    jobs = tuple(Job(name=s.name, repo=s) for s in load_repos(roster))
    assert [j.name for j in take_shard(jobs, (1, 2))] == ["carol", "alice"]  # roster order, every 2nd
    for shard in (1, 2):
        out = tmp_path / f"shard{shard}"
        grade_all(take_shard(jobs, (shard, 2)), BatchContext(grade=fake_grade, fingerprint="fp", out=out), workers=1)
    # Only reports/ travels (the workflow's artifacts): bob's record is there.
    assert (tmp_path / "shard2/reports/bob/meta.json").is_file()
    assert not (tmp_path / "shard2/reports/bob/report.json").exists()
    merged_reports = tmp_path / "merged-in"
    for shard in (1, 2):
        (merged_reports / f"reports-{shard}").parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / f"shard{shard}/reports").rename(merged_reports / f"reports-{shard}")
    entries, problems = load_entries(merged_reports)
    assert problems == []
    rows = {r.name: r for r in build_rows(entries, deadline=None, penalty=None)}
    assert sorted(rows) == ["alice", "bob", "carol"]
    assert rows["bob"].status == NOT_GRADED and "the repository has no commits" in rows["bob"].note
    assert render_markdown(tuple(rows.values())).count("## Not graded (1)") == 1


def test_a_not_graded_record_is_never_reused(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "bob", None)
    out = tmp_path / "out"
    job = Job(name="bob", repo=RepoSpec(str(repo), "bob"))
    grade_all((job,), BatchContext(grade=fake_grade, fingerprint="fp", out=out), workers=1)
    (repo / "answer.txt").write_text("1", encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "late but there")
    result = grade_all((job,), BatchContext(grade=fake_grade, fingerprint="fp", out=out), workers=1)
    (outcome,) = result.outcomes
    assert not outcome.skipped and outcome.entry.report is not None and outcome.entry.report.score == 1
    assert (out / "reports/bob/report.json").is_file()
    (entry,), _ = load_entries(out / "reports")
    assert entry.error is None and entry.report is not None


def test_gradebook_with_the_roster_lists_whoever_has_no_report(tmp_path: Path) -> None:
    make_repo(tmp_path / "roster/alice", {"answer.txt": "1"})
    make_repo(tmp_path / "roster/dan", {"answer.txt": "1"})
    roster = tmp_path / "roster.txt"
    roster.write_text("roster/alice\nroster/dan\n", encoding="utf-8")
    (alice,) = [s for s in load_repos(roster) if s.name == "alice"]
    grade_all((Job("alice", repo=alice),), BatchContext(grade=fake_grade, fingerprint="fp", out=tmp_path / "o"),
              workers=1)  # fmt: skip
    import argparse

    parser = argparse.ArgumentParser()
    gradebook_cmd.configure_parser(parser)
    args = parser.parse_args(["--reports", str(tmp_path / "o/reports"), "--out", str(tmp_path / "gb"),
                              "--repos", str(roster)])  # fmt: skip
    assert gradebook_cmd.run(args) == 0
    rows = {r["submission"]: r for r in csv.DictReader((tmp_path / "gb/gradebook.csv").open(encoding="utf-8"))}
    assert rows["alice"]["status"] == "pass"
    assert rows["dan"]["status"] == NOT_GRADED and "no report" in rows["dan"]["note"]


def test_batch_and_gradebook_make_path_options_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import argparse

    parser = argparse.ArgumentParser()
    batch_cmd.configure_parser(parser)
    monkeypatch.chdir(tmp_path)
    args = parser.parse_args(["--repos", "roster.txt", "--out", "out", "--config", "grading.yml"])
    absolute_paths(args)
    assert (args.repos, args.out, args.config) == (tmp_path / "roster.txt", tmp_path / "out", tmp_path / "grading.yml")


def test_roster_options_are_exclusive_and_a_bad_grades_csv_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import argparse

    (tmp_path / "tests").mkdir()
    (tmp_path / "grades.csv").write_text("name,score\nalice,3\n", encoding="utf-8")
    parser = argparse.ArgumentParser()
    batch_cmd.configure_parser(parser)
    both = parser.parse_args(["--repos", "r.txt", "--classroom-grades", "g.csv", "--tests", str(tmp_path / "tests")])
    assert batch_cmd.run(both) == 2
    assert "give one of SUBMISSIONS_DIR, --repos FILE, --classroom-grades FILE" in capsys.readouterr().err
    bad = parser.parse_args(["--classroom-grades", str(tmp_path / "grades.csv"), "--tests", str(tmp_path / "tests"),
                             "--out", str(tmp_path / "out")])  # fmt: skip
    assert batch_cmd.run(bad) == 2
    err = capsys.readouterr().err
    assert "not a GitHub Classroom grades CSV: no column assignment_name" in err and err.count("\n") == 1
