"""Tamper evidence: protected files compared with the template, as findings that survive into the gradebook."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from grader.batch.gradebook import build_rows
from grader.batch.jobs import Job
from grader.batch.runner import BatchContext, grade_all
from grader.batch.store import load_entries
from grader.batch.tamper import (
    PROTECTED_KIND,
    ProtectedChange,
    compare,
    digest,
    is_protected,
    load_template,
    protected_patterns,
)
from grader.batch.verify import template_inspector
from grader.config import ConfigError, load_config
from grader.github.repos import RepoError
from grader.models import Report, RunStatus, Status
from grader.models import TestScore as Score


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


TEMPLATE = {
    "calc.py": "def fib(n):\n    raise NotImplementedError\n",
    "tests/test_calc.py": "from calc import fib\n\ndef test_fib():\n    assert fib(10) == 55\n",
    "grading.yml": "tests: tests\n",
    ".github/workflows/classroom.yml": "name: Autograding Tests\non: [push]\n",
    "data/expected.csv": "n,fib\n10,55\n",
}


@pytest.fixture
def course(tmp_path: Path) -> Path:
    root = write(tmp_path / "course", {"tests/test_calc.py": TEMPLATE["tests/test_calc.py"]})
    (root / "grading.yml").write_text("tests: tests\nprotected: ['data/*.csv', conftest.py]\n", encoding="utf-8")
    return root


def test_protected_patterns_come_from_the_config(course: Path) -> None:
    config = load_config(course / "grading.yml")
    patterns = protected_patterns(config)
    assert patterns == ("tests/", "grading.yml", ".github/workflows/", "data/*.csv", "conftest.py")
    assert is_protected("tests/sub/test_x.py", patterns) and is_protected("data/expected.csv", patterns)
    assert not is_protected("calc.py", patterns) and not is_protected("testsuite.py", patterns)


@pytest.mark.parametrize("bad", ["[/etc/passwd]", "[../outside.py]", "['']", "{a: b}"])
def test_protected_globs_must_stay_inside_the_repository(tmp_path: Path, bad: str) -> None:
    write(tmp_path, {"tests/test_x.py": ""})
    (tmp_path / "grading.yml").write_text(f"tests: tests\nprotected: {bad}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="line 2: `protected`"):
        load_config(tmp_path / "grading.yml")
    (tmp_path / "grading.yml").write_text("tests: tests\nprotected: []\n", encoding="utf-8")
    assert load_config(tmp_path / "grading.yml").protected == ()


def test_changed_added_and_deleted_protected_files_with_a_diff_stat(tmp_path: Path, course: Path) -> None:
    template = write(tmp_path / "template", TEMPLATE)
    student = write(tmp_path / "student", {**TEMPLATE, "calc.py": "def fib(n):\n    return 55\n"})
    write(student, {"tests/test_calc.py": "def test_fib():\n    assert True\n", "conftest.py": "x = 1\n"})
    (student / "data/expected.csv").unlink()
    os.symlink("/etc/passwd", student / ".github/workflows/evil.yml")
    patterns = protected_patterns(load_config(course / "grading.yml"))
    assert compare(template, student, patterns) == (
        ProtectedChange(".github/workflows/evil.yml", "added", 1, 0),
        ProtectedChange("conftest.py", "added", 1, 0),
        ProtectedChange("data/expected.csv", "deleted", 0, 2),
        ProtectedChange("tests/test_calc.py", "changed", 1, 3),
    )
    assert compare(template, write(tmp_path / "honest", TEMPLATE), patterns) == ()


def test_template_from_a_folder_or_a_git_repository(tmp_path: Path) -> None:
    folder = write(tmp_path / "template", TEMPLATE)
    assert load_template(str(folder), tmp_path / "unused") == folder
    env = {**os.environ, "GIT_AUTHOR_NAME": "I", "GIT_AUTHOR_EMAIL": "i@e", "GIT_COMMITTER_NAME": "I",
           "GIT_COMMITTER_EMAIL": "i@e"}  # fmt: skip
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "template"]):
        subprocess.run(["git", "-C", str(folder), *args], check=True, env=env, capture_output=True)
    fetched = load_template(f"file://{folder}", tmp_path / "fetched")
    assert (fetched / "tests/test_calc.py").read_text(encoding="utf-8") == TEMPLATE["tests/test_calc.py"]
    assert not (fetched / ".git").exists()
    with pytest.raises(RepoError, match="neither a folder"):
        load_template("not a template", tmp_path / "x")


def fake_grade(path: Path) -> Report:
    passed = (path / "calc.py").read_text(encoding="utf-8").count("return") > 0
    return Report(float(passed), 1, RunStatus.PASS if passed else RunStatus.FAIL,
                  (Score("t.py::a", Status.PASSED if passed else Status.FAILED, float(passed), 1),))  # fmt: skip


def test_batch_adds_the_findings_to_the_saved_report(tmp_path: Path, course: Path) -> None:
    write(tmp_path / "template", TEMPLATE)
    subs = tmp_path / "subs"
    write(subs / "honest", {**TEMPLATE, "calc.py": "def fib(n):\n    return 55\n"})
    write(subs / "tamperer", {**TEMPLATE, "tests/test_calc.py": "def test_fib():\n    assert True\n"})
    config = load_config(course / "grading.yml")
    inspect, template_digest = template_inspector(str(tmp_path / "template"), config, tmp_path / "t")
    assert template_digest == digest(tmp_path / "template", protected_patterns(config))
    jobs = (Job("honest", path=subs / "honest"), Job("tamperer", path=subs / "tamperer"))
    ctx = BatchContext(grade=fake_grade, fingerprint="fp" + template_digest, out=tmp_path / "out", inspect=inspect)
    grade_all(jobs, ctx, workers=1)
    entries, _ = load_entries(tmp_path / "out" / "reports")
    rows = {r.name: r for r in build_rows(entries, deadline=None, penalty=None)}
    assert rows["honest"].protected == ()
    assert rows["tamperer"].protected == ("tests/test_calc.py changed (+1 -3)",)
    tamperer = next(e for e in entries if e.name == "tamperer")
    assert tamperer.report is not None
    assert [f.kind for f in tamperer.report.integrity] == [PROTECTED_KIND]
    assert rows["tamperer"].late is not None and rows["tamperer"].late.final == 0  # the instructor's tests
