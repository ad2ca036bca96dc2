"""One exit policy: every `GraderError` carries its exit code; `grader.cli` prints its one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader import image, sandbox
from grader.cli import main
from grader.cli.common import exit_on_error
from grader.config import ConfigError
from grader.errors import EngineError, ExitCode, GraderError, InstallationError, UsageError
from grader.sandbox import DockerUnavailable


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (ConfigError("grading.yml: line 2: bad"), 2),
        (UsageError("--jobs must be at least 1"), 2),
        (InstallationError("cannot find the runner's Dockerfile"), 2),
        (DockerUnavailable("cannot reach the Docker engine"), 3),
        (EngineError("the batch stopped: gone"), 3),
    ],
)
def test_a_grader_error_is_its_exit_code_and_one_line(
    error: GraderError, code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    def command() -> int:
        raise error

    assert exit_on_error(command)() == code
    assert capsys.readouterr().err == f"grader: error: {error}\n"


def test_a_bug_is_exit_4_with_one_line_and_no_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    def command() -> int:
        raise RuntimeError("oops\nsecond line")

    assert exit_on_error(command)() == ExitCode.INTERNAL == 4
    assert capsys.readouterr().err == "grader: error: internal error: RuntimeError: oops second line\n"


def test_a_missing_dockerfile_is_an_installation_error_not_engine_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("GRADER_RUNNER_DIR", raising=False)
    monkeypatch.setattr(image, "__file__", str(tmp_path / "site-packages" / "grader" / "image.py"))
    monkeypatch.setattr(sandbox, "docker_client", lambda: object())  # the engine is fine
    assert main(["image", "build", "--context", str(tmp_path / "nowhere")]) == ExitCode.USAGE
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("grader:")]
    assert errors == ["grader: error: cannot find the runner's Dockerfile: pass --context DIR (the runner/ folder of "
                      "the grader's source)"]  # fmt: skip
    with pytest.raises(InstallationError) as info:
        image.runner_dir(tmp_path)
    assert not isinstance(info.value, EngineError)


def test_no_command_prints_the_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    out = capsys.readouterr().out
    assert all(name in out for name in ("run", "image", "batch", "gradebook", "post"))


def test_run_usage_errors_exit_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(tmp_path)]) == 2
    no_tests = "grader: error: give --tests DIR (the instructor's tests) or --config grading.yml\n"
    assert capsys.readouterr().err == no_tests
    (tmp_path / "tests").mkdir()
    assert main(["run", str(tmp_path / "missing"), "--tests", str(tmp_path / "tests")]) == 2
    assert capsys.readouterr().err == f"grader: error: submission folder {tmp_path / 'missing'} does not exist\n"
