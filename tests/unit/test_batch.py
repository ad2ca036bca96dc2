"""Batch grading without Docker: a fake grade function stands in for the sandbox."""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from grader.batch.fingerprint import content_hash, grading_fingerprint
from grader.batch.jobs import Job, find_submissions, take_shard
from grader.batch.runner import BatchContext, Outcome, grade_all
from grader.batch.store import Meta, load_entries, meta_from_json, meta_to_json
from grader.cli import batch as batch_cmd
from grader.cli import gradebook as gradebook_cmd
from grader.cli.batch import parse_shard
from grader.config import GradingConfig, LatePenalty
from grader.models import Report, RunStatus, Status
from grader.models import TestScore as Score
from grader.reporters.report_json import to_json
from grader.results.late import SubmissionTime
from grader.sandbox.tracking import ContainerTracker, Stopped


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def fake_report(path: Path) -> Report:
    """Score = the number in answer.txt (0..2); a missing file is a run error, like a crash in the sandbox."""
    answer = path / "answer.txt"
    if not answer.exists():
        return Report(0, 2, RunStatus.ERROR, (Score("t.py::a", Status.NOT_RUN, 0, 1),), error="no answer")
    n = int(answer.read_text(encoding="utf-8"))
    tests = (
        Score("t.py::a", Status.PASSED if n >= 1 else Status.FAILED, float(n >= 1), 1),
        Score("t.py::b", Status.PASSED if n >= 2 else Status.FAILED, float(n >= 2), 1),
    )
    return Report(float(n), 2, RunStatus.PASS if n == 2 else RunStatus.FAIL, tests)


class Grader:
    """Counts calls; raises for submissions named in `explode` (grading infrastructure failing)."""

    def __init__(self, explode: set[str] | None = None) -> None:
        self.calls: list[str] = []
        self.explode = explode or set()
        self.lock = threading.Lock()

    def __call__(self, path: Path) -> Report:
        with self.lock:
            self.calls.append(path.name)
        if path.name in self.explode:
            raise RuntimeError(f"engine hiccup for {path.name}\nsecond line")
        return fake_report(path)


@pytest.fixture
def class_dir(tmp_path: Path) -> Path:
    subs = tmp_path / "submissions"
    write(subs / "alice", {"answer.txt": "2", "calc.py": "x = 1\n"})
    write(subs / "bob", {"answer.txt": "1"})
    write(subs / "carol", {"calc.py": "no answer"})
    write(subs / "dave", {"answer.txt": "0"})
    write(subs / ".git", {"HEAD": "ref"})
    (subs / "notes.txt").write_text("not a submission", encoding="utf-8")
    return subs


def context(out: Path, grader: Grader, **kw: object) -> BatchContext:
    return BatchContext(grade=grader, fingerprint="fp", out=out, **kw)  # type: ignore[arg-type]


def test_find_submissions_takes_visible_subfolders_sorted(class_dir: Path) -> None:
    (class_dir / "zz-out").mkdir()
    jobs = find_submissions(class_dir, exclude=[class_dir / "zz-out"])
    assert [j.name for j in jobs] == ["alice", "bob", "carol", "dave"]
    assert all(j.path == class_dir / j.name for j in jobs)


def test_shards_split_the_class_without_overlap() -> None:
    jobs = [Job(name=f"s{i:02}") for i in range(11)]
    shares = [take_shard(jobs, (i, 4)) for i in range(1, 5)]
    names = [j.name for share in shares for j in share]
    assert sorted(names) == [j.name for j in jobs]
    assert len(set(names)) == 11
    assert [len(s) for s in shares] == [3, 3, 3, 2]
    assert take_shard(jobs, None) == tuple(jobs)


@pytest.mark.parametrize("bad", ["0/4", "5/4", "a/b", "3"])
def test_parse_shard_refuses_nonsense(bad: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        parse_shard(bad)


def test_content_hash_follows_content_not_location(tmp_path: Path) -> None:
    a = write(tmp_path / "a", {"calc.py": "x = 1\n", "pkg/util.py": "y = 2\n"})
    b = write(tmp_path / "b", {"calc.py": "x = 1\n", "pkg/util.py": "y = 2\n"})
    base = content_hash(a, "fp")
    assert content_hash(b, "fp") == base
    assert content_hash(a, "other fingerprint") != base
    (b / "pkg" / "util.py").write_text("y = 3\n", encoding="utf-8")
    assert content_hash(b, "fp") != base
    (b / "pkg" / "util.py").write_text("y = 2\n", encoding="utf-8")
    (b / "pkg" / "util.py").rename(b / "pkg" / "util2.py")
    assert content_hash(b, "fp") != base


def test_content_hash_sees_symlink_targets_without_following_them(tmp_path: Path) -> None:
    secret = write(tmp_path / "host", {"secret.txt": "one"})
    sub = write(tmp_path / "sub", {"calc.py": ""})
    os.symlink(secret / "secret.txt", sub / "link")
    os.symlink(secret, sub / "dirlink")
    before = content_hash(sub, "fp")
    (secret / "secret.txt").write_text("two", encoding="utf-8")
    assert content_hash(sub, "fp") == before  # the target's content is never read
    (sub / "link").unlink()
    os.symlink(tmp_path / "elsewhere", sub / "link")
    assert content_hash(sub, "fp") != before


def test_fingerprint_covers_tests_config_and_image_but_not_the_late_policy(tmp_path: Path) -> None:
    tests = write(tmp_path / "tests", {"test_a.py": "def test_a(): pass\n"})
    config = GradingConfig(tests=tests)
    base = grading_fingerprint(config, image_id="sha256:1")
    assert grading_fingerprint(config, image_id="sha256:2") != base
    assert grading_fingerprint(GradingConfig(tests=tests, default_points=2), image_id="sha256:1") != base
    deadline = datetime(2026, 1, 1, tzinfo=UTC)
    with_late = GradingConfig(tests=tests, deadline=deadline, late_penalty=LatePenalty(per_day=10))
    assert grading_fingerprint(with_late, image_id="sha256:1") == base
    (tests / "test_a.py").write_text("def test_a(): assert 0\n", encoding="utf-8")
    assert grading_fingerprint(config, image_id="sha256:1") != base


def test_batch_grades_everyone_and_one_failure_does_not_stop_it(class_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    grader = Grader(explode={"bob"})
    result = grade_all(find_submissions(class_dir), context(out, grader), workers=2)
    assert not result.interrupted
    by_name = {e.name: e for e in result.entries}
    assert sorted(by_name) == ["alice", "bob", "carol", "dave"]
    assert by_name["alice"].report is not None and by_name["alice"].report.score == 2
    assert by_name["bob"].report is None and by_name["bob"].error == "engine hiccup for bob"
    assert by_name["carol"].report is not None and by_name["carol"].report.status is RunStatus.ERROR
    stored = json.loads((out / "reports" / "alice" / "report.json").read_text(encoding="utf-8"))
    assert stored == to_json(fake_report(class_dir / "alice"))
    meta = json.loads((out / "reports" / "alice" / "meta.json").read_text(encoding="utf-8"))
    assert meta["content_hash"] == content_hash(class_dir / "alice", "fp")
    # A crash is never cached (no report.json: the next run retries it), but it is recorded as not graded
    # so that a sharded regrade's merged gradebook still lists the student.
    assert not (out / "reports" / "bob" / "report.json").exists()
    bob = json.loads((out / "reports" / "bob" / "meta.json").read_text(encoding="utf-8"))
    assert (bob["status"], bob["error"]) == ("not-graded", "engine hiccup for bob")


def test_rerun_skips_what_is_graded_and_regrades_what_changed(class_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    jobs = find_submissions(class_dir)
    grade_all(jobs, context(out, Grader(explode={"bob"})), workers=2)
    again = Grader()
    (class_dir / "dave" / "answer.txt").write_text("1", encoding="utf-8")
    result = grade_all(jobs, context(out, again), workers=2)
    assert sorted(again.calls) == ["bob", "dave"]  # bob crashed before, dave changed
    assert sorted(o.entry.name for o in result.outcomes if o.skipped) == ["alice", "carol"]
    dave = next(e for e in result.entries if e.name == "dave")
    assert dave.report is not None and dave.report.score == 1
    forced = Grader()
    grade_all(jobs, context(out, forced, force=True), workers=2)
    assert sorted(forced.calls) == ["alice", "bob", "carol", "dave"]


def test_changed_fingerprint_regrades_everything(class_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    jobs = find_submissions(class_dir)
    grade_all(jobs, context(out, Grader()), workers=2)
    later = Grader()
    grade_all(jobs, BatchContext(grade=later, fingerprint="new tests", out=out), workers=2)
    assert len(later.calls) == 4


def test_submissions_are_graded_concurrently(tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    for name in ("a", "b", "c"):
        write(subs / name, {"answer.txt": "2"})
    barrier = threading.Barrier(3, timeout=10)

    def together(path: Path) -> Report:
        barrier.wait()  # only returns once three gradings run at the same time
        return fake_report(path)

    result = grade_all(find_submissions(subs), context(tmp_path / "out", together), workers=3)  # type: ignore[arg-type]
    assert [e.report is not None for e in result.entries] == [True, True, True]


def test_times_come_from_the_instructor_then_the_default(class_dir: Path, tmp_path: Path) -> None:
    t1 = SubmissionTime(datetime(2026, 1, 1, tzinfo=UTC), "instructor")
    t2 = SubmissionTime(datetime(2026, 1, 2, tzinfo=UTC), "instructor")
    ctx = context(tmp_path / "out", Grader(), times={"alice": t1}, default_time=t2)
    result = grade_all(find_submissions(class_dir), ctx, workers=1)
    times = {e.name: e.submitted for e in result.entries}
    assert times["alice"] == t1 and times["bob"] == t2


def test_ctrl_c_stops_the_batch_and_discards_interrupted_runs(tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    for i in range(8):
        write(subs / f"s{i}", {"answer.txt": "2"})
    started = threading.Event()
    ctx = context(tmp_path / "out", Grader())

    def slow(path: Path) -> Report:
        if path.name != "s0":
            started.set()
            ctx.stop.wait(10)  # a container running until the interrupt removes it
        return fake_report(path)

    ctx.grade = slow
    interrupts: list[bool] = []

    def on_done(outcome: Outcome) -> None:
        started.wait(10)
        raise KeyboardInterrupt  # the user presses Ctrl-C once s0 is done and others are running

    result = grade_all(
        find_submissions(subs), ctx, workers=2, on_done=on_done, on_interrupt=lambda: interrupts.append(True)
    )
    assert result.interrupted and interrupts == [True]
    assert [e.name for e in result.entries] == ["s0"]
    assert len(result.not_started) == 7
    assert sorted(p.name for p in (tmp_path / "out" / "reports").iterdir()) == ["s0"]


class FakeContainer:
    def __init__(self, cid: str, engine: dict[str, FakeContainer], labels: dict[str, str]) -> None:
        self.id = cid
        self.engine = engine
        self.labels = labels

    def remove(self, force: bool = False, v: bool = False) -> None:
        assert force
        self.engine.pop(self.id, None)


class FakeContainers:
    def __init__(self) -> None:
        self.engine: dict[str, FakeContainer] = {}
        self.count = 0

    def create(self, labels: dict[str, str] | None = None, **kwargs: object) -> FakeContainer:
        self.count += 1
        container = FakeContainer(f"c{self.count}", self.engine, labels or {})
        self.engine[container.id] = container
        return container

    def get(self, cid: str) -> FakeContainer:
        return self.engine[cid]

    def list(self, all: bool = False, filters: dict[str, str] | None = None) -> list[FakeContainer]:
        wanted = (filters or {}).get("label")
        if wanted is None:
            return list(self.engine.values())
        key, _, value = wanted.partition("=")
        return [c for c in self.engine.values() if c.labels.get(key) == value]


class FakeClient:
    def __init__(self) -> None:
        self.containers = FakeContainers()
        self.api = "the low-level client"


def test_container_tracker_removes_every_container_it_saw() -> None:
    client = FakeClient()
    tracker = ContainerTracker(client)
    tracker.created(client.containers.create(image="x"))  # the sandbox's hook, as run_sandbox calls it
    tracker.created(client.containers.create(image="x"))
    client.containers.create(image="someone else's")  # not reported to the tracker: left alone
    assert tracker.remove_all() == 2
    assert list(client.containers.engine) == ["c3"]
    assert tracker.leftovers() == []


def test_container_tracker_also_removes_containers_labelled_with_its_pid() -> None:
    client = FakeClient()
    tracker = ContainerTracker(client, pid_label="io.github.pytest-grader.pid=42")
    client.containers.create(labels={"io.github.pytest-grader.pid": "42"})  # made behind the tracker's back
    client.containers.create(labels={"io.github.pytest-grader.pid": "7"})  # another grader's
    assert tracker.leftovers() == ["c1"]
    assert tracker.remove_all() == 1
    assert list(client.containers.engine) == ["c2"]


def test_container_tracker_refuses_and_removes_containers_after_stop() -> None:
    client = FakeClient()
    tracker = ContainerTracker(client)
    tracker.remove_all()  # Ctrl-C: a container the sandbox creates from now on removes itself
    with pytest.raises(Stopped):
        tracker.created(client.containers.create(image="x"))
    assert client.containers.engine == {}


def test_sandbox_hook_stops_the_run_and_removes_its_container(tmp_path: Path) -> None:
    """run_sandbox calls the hook right after creating the container; a stopped tracker's Stopped ends the
    run and the container is gone (removed by the tracker, and by run_sandbox's own cleanup)."""
    from grader.sandbox import SandboxSpec, run_sandbox

    removed: list[str] = []

    class Container:
        id = "c1"

        def remove(self, **kw: object) -> None:
            removed.append(self.id)

    class Containers:
        def create(self, **kw: object) -> Container:
            return Container()

    class Client:
        containers = Containers()

    tracker = ContainerTracker(Client())
    tracker.remove_all()
    spec = SandboxSpec(image="x", submission=tmp_path, tests=tmp_path)
    with pytest.raises(Stopped):
        run_sandbox(spec, Client(), on_created=tracker.created)  # type: ignore[arg-type]
    assert removed and set(removed) == {"c1"}


def test_meta_round_trips() -> None:
    meta = Meta(
        "alice",
        "abc",
        SubmissionTime(datetime(2026, 1, 1, 12, tzinfo=UTC), "github-push"),
        "f" * 40,
        "a note",
        datetime(2026, 1, 2, tzinfo=UTC),
    )
    assert meta_from_json(json.loads(json.dumps(meta_to_json(meta)))) == meta
    with pytest.raises(ValueError):
        meta_from_json({"submission": "x"})


def test_load_entries_merges_batch_reports_and_plain_ones(class_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "shard1"
    t = SubmissionTime(datetime(2026, 1, 1, tzinfo=UTC), "instructor")
    grade_all(find_submissions(class_dir), context(out, Grader(), default_time=t), workers=2)
    plain = tmp_path / "artifacts" / "erin.json"
    plain.parent.mkdir()
    plain.write_text(json.dumps(to_json(fake_report(class_dir / "alice"))), encoding="utf-8")
    shutil.copytree(out / "reports", tmp_path / "artifacts" / "reports-shard1")  # as download-artifact lays out
    entries, problems = load_entries(tmp_path / "artifacts")
    assert problems == []
    assert sorted(e.name for e in entries) == ["alice", "bob", "carol", "dave", "erin"]
    assert next(e for e in entries if e.name == "alice").submitted == t


def test_load_entries_reports_duplicates_and_garbage(tmp_path: Path) -> None:
    text = json.dumps(to_json(fake_report(write(tmp_path / "x", {"answer.txt": "1"}))))
    write(tmp_path / "r", {"a/alice.json": text, "b/alice.json": text, "bad.json": "{"})
    entries, problems = load_entries(tmp_path / "r")
    assert [e.name for e in entries] == ["alice"]
    assert len(problems) == 2
    assert any("second report for 'alice'" in p for p in problems)


def gradebook_args(reports: Path, out: Path, **kw: object) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    gradebook_cmd.configure_parser(parser)
    args = parser.parse_args(["--reports", str(reports), "--out", str(out)])
    for key, value in kw.items():
        setattr(args, key, value)
    return args


def test_gradebook_command_applies_the_late_policy_from_the_config(class_dir: Path, tmp_path: Path) -> None:
    deadline = datetime(2026, 1, 1, tzinfo=UTC)
    late = SubmissionTime(deadline + timedelta(hours=2), "github-push")
    out = tmp_path / "batch"
    grade_all(find_submissions(class_dir), context(out, Grader(), default_time=late), workers=2)
    tests = write(tmp_path / "tests", {"test_x.py": ""})
    config = tmp_path / "grading.yml"
    config.write_text("tests: tests\ndeadline: 2026-01-01T00:00:00Z\nlate-penalty: {per-day: 25%}\n", encoding="utf-8")
    merged = tmp_path / "merged"
    assert gradebook_cmd.run(gradebook_args(out / "reports", merged, config=config)) == 0
    rows = {r["submission"]: r for r in csv.DictReader((merged / "gradebook.csv").open(encoding="utf-8"))}
    assert (rows["alice"]["raw"], rows["alice"]["final"], rows["alice"]["days_late"]) == ("2", "1.5", "1")
    assert rows["alice"]["time_source"] == "github-push"
    assert (merged / "gradebook.md").exists() and (merged / "histogram.png").exists()
    assert tests.is_dir()


def test_gradebook_command_usage_errors(tmp_path: Path) -> None:
    assert gradebook_cmd.run(gradebook_args(tmp_path / "missing", tmp_path / "o")) == 2
    (tmp_path / "empty").mkdir()
    assert gradebook_cmd.run(gradebook_args(tmp_path / "empty", tmp_path / "o")) == 2


def batch_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    batch_cmd.configure_parser(parser)
    return parser.parse_args(list(argv))


def test_batch_command_needs_exactly_one_source(tmp_path: Path) -> None:
    tests = write(tmp_path / "tests", {"test_x.py": ""})
    assert batch_cmd.run(batch_args("--tests", str(tests))) == 2
    repos = tmp_path / "repos.txt"
    repos.write_text("/nowhere\n", encoding="utf-8")
    assert batch_cmd.run(batch_args(str(tmp_path), "--repos", str(repos), "--tests", str(tests))) == 2


def test_batch_command_usage_errors(tmp_path: Path, class_dir: Path) -> None:
    tests = write(tmp_path / "tests", {"test_x.py": ""})
    assert batch_cmd.run(batch_args(str(tmp_path / "nope"), "--tests", str(tests))) == 2
    assert batch_cmd.run(batch_args(str(class_dir), "--tests", str(tmp_path / "missing"))) == 2
    assert batch_cmd.run(batch_args(str(class_dir), "--tests", str(tests), "--jobs", "0")) == 2
    assert batch_cmd.run(batch_args(str(class_dir), "--tests", str(tests), "--submitted-at", "yesterday")) == 2
    assert batch_cmd.run(batch_args(str(class_dir), "--tests", str(tests), "--deadline", "2026-01-01T00:00Z")) == 2


def test_batch_command_exits_3_without_docker(tmp_path: Path, class_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from grader import sandbox

    def no_engine() -> None:
        raise sandbox.DockerUnavailable("cannot reach the Docker engine")

    monkeypatch.setattr(sandbox, "docker_client", no_engine)
    tests = write(tmp_path / "tests", {"test_x.py": ""})
    assert batch_cmd.run(batch_args(str(class_dir), "--tests", str(tests), "--out", str(tmp_path / "o"))) == 3


def test_engine_going_away_stops_the_batch(tmp_path: Path) -> None:
    from grader.sandbox import DockerUnavailable

    subs = tmp_path / "subs"
    for i in range(6):
        write(subs / f"s{i}", {"answer.txt": "2"})

    def engine_gone(path: Path) -> Report:
        if path.name == "s0":
            return fake_report(path)
        raise DockerUnavailable("cannot reach the Docker engine")

    ctx = context(tmp_path / "out", engine_gone, engine_alive=lambda: False)  # type: ignore[arg-type]
    stops: list[bool] = []
    result = grade_all(find_submissions(subs), ctx, workers=1, on_interrupt=lambda: stops.append(True))
    assert result.engine_error == "cannot reach the Docker engine"
    assert [e.name for e in result.entries] == ["s0"] and stops == [True]
    assert len(result.not_started) == 5


def test_a_refused_container_with_a_live_engine_is_one_failed_row(tmp_path: Path) -> None:
    from grader.sandbox import DockerUnavailable

    subs = tmp_path / "subs"
    for i in range(3):
        write(subs / f"s{i}", {"answer.txt": "2"})

    def refuse_s1(path: Path) -> Report:
        if path.name == "s1":
            raise DockerUnavailable("Docker refused to create the sandbox: conflict")
        return fake_report(path)

    ctx = context(tmp_path / "out", refuse_s1, engine_alive=lambda: True)  # type: ignore[arg-type]
    result = grade_all(find_submissions(subs), ctx, workers=2)
    assert result.engine_error is None
    assert {e.name: e.error for e in result.entries} == {
        "s0": None,
        "s1": "Docker refused to create the sandbox: conflict",
        "s2": None,
    }


def test_gradebook_command_writes_the_markdown_in_the_configs_language(class_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "batch"
    grade_all(find_submissions(class_dir), context(out, Grader()), workers=2)
    write(tmp_path / "tests", {"test_x.py": ""})
    config = tmp_path / "grading.yml"
    config.write_text("tests: tests\nlanguage: es\n", encoding="utf-8")
    merged = tmp_path / "merged"
    assert gradebook_cmd.run(gradebook_args(out / "reports", merged, config=config)) == 0
    md = (merged / "gradebook.md").read_text(encoding="utf-8")
    assert md.startswith(f"# Calificaciones: {(out / 'reports').name}\n")
    assert "| Entrega | Estado |" in md and "| Submission |" not in md
    assert "submission,status," in (merged / "gradebook.csv").read_text(encoding="utf-8")  # the CSV: unchanged
