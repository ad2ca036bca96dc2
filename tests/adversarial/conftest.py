"""The adversarial suite: one submission folder per attack, graded on the real Docker engine.

Layout:
- `suites/<name>/`: an instructor's tests folder (most cases use `calc`: three tests);
- `base/<name>/`: the honest submission for that suite (`calc`: add is right, sub and mul are
  wrong, so the honest score is exactly 1/3);
- `cases/<attack>/`: one attack, laid over the base (a file of the same name replaces the base's).

Each test grades one case and asserts the exact score the honest code earns, the status of each
test and the integrity findings. Nothing under suites/, base/ or cases/ is collected here: those
are other people's tests and submissions (conftest.py, pytest.ini... on purpose).

`mutants.py` re-runs parts of this suite with one protection removed, to show the suite notices.
"""

from __future__ import annotations

import shutil
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import docker.errors
import pytest

from tests.conftest import RUNNER_IMAGE, write_tree

HERE = Path(__file__).parent
CASES = HERE / "cases"
collect_ignore = ["suites", "base", "cases"]


class RecordingClient:
    """A Docker client that remembers the containers it created (other people's runs may share the engine)."""

    def __init__(self, client: docker.DockerClient) -> None:
        self._client = client
        self.created: list[str] = []
        self.containers = self

    def create(self, **kwargs: Any) -> Any:
        container = self._client.containers.create(**kwargs)
        self.created.append(container.id)
        return container

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def leftovers(self) -> list[str]:
        alive = []
        for cid in self.created:
            try:
                self._client.containers.get(cid)
                alive.append(cid)
            except docker.errors.NotFound:
                pass
        return alive


@pytest.fixture
def engine(docker_client) -> Iterator[RecordingClient]:  # type: ignore[no-untyped-def]
    client = RecordingClient(docker_client)
    yield client
    assert client.leftovers() == [], "a grading run left its container behind"


def build_submission(dest: Path, case: str | None, base: str | None, extra: dict[str, str | bytes] | None) -> Path:
    dest.mkdir(parents=True)
    if base:
        shutil.copytree(HERE / "base" / base, dest, dirs_exist_ok=True)
    if case:
        shutil.copytree(CASES / case, dest, dirs_exist_ok=True, symlinks=True)
    return write_tree(dest, extra or {})


class Graded:
    """A report plus what it cost: `report`, `seconds` (wall time of grade())."""

    def __init__(self, report: Any, seconds: float) -> None:
        self.report = report
        self.seconds = seconds

    def __getattr__(self, name: str) -> Any:
        return getattr(self.report, name)

    @property
    def statuses(self) -> dict[str, str]:
        return {t.name.split("::")[-1]: t.status.value for t in self.report.tests}

    def findings(self, kind: str | None = None) -> list[Any]:
        return [f for f in self.report.integrity if kind is None or f.kind == kind]

    def kinds(self) -> set[str]:
        return {f.kind for f in self.report.integrity}

    def paths(self, kind: str) -> set[str | None]:
        return {f.path for f in self.report.integrity if f.kind == kind}


@pytest.fixture
def grade_case(tmp_path: Path, engine: RecordingClient) -> Callable[..., Graded]:
    """grade_case("attack", suite="calc", base="calc", config="", extra={...}, submission=Path) -> Graded."""
    from grader.config import parse_config
    from grader.pipeline import grade

    counter = iter(range(1000))

    def run(
        case: str | None = None,
        *,
        suite: str = "calc",
        base: str | None = "calc",
        config: str = "",
        extra: dict[str, str | bytes] | None = None,
        submission: Path | None = None,
        tests: Path | None = None,
    ) -> Graded:
        n = next(counter)
        if submission is None:
            submission = build_submission(tmp_path / f"submission{n}", case, base, extra)
        tests = tests or HERE / "suites" / suite
        cfg = parse_config("tests: tests\n" + textwrap.dedent(config), base_dir=tmp_path, tests_override=tests)
        started = time.monotonic()
        report = grade(submission, cfg, image=RUNNER_IMAGE, client=engine)  # type: ignore[arg-type]
        return Graded(report, time.monotonic() - started)

    return run


HONEST_CALC = {"test_add": "passed", "test_sub": "failed", "test_mul": "failed"}


def assert_honest_calc(graded: Graded, statuses: dict[str, str] | None = None) -> None:
    """Exactly what base/calc earns: 1 of 3 points, a completed run, no run error."""
    from grader.models import RunStatus

    report = graded.report
    assert graded.statuses == (statuses or HONEST_CALC), report
    assert (report.score, report.max_score) == (1.0, 3.0), report
    assert report.status is RunStatus.FAIL, report
    assert report.error is None, report
