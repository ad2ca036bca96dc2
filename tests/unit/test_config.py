from __future__ import annotations

from pathlib import Path

import pytest

from grader.config import ConfigError, Limits, load_config, parse_config, parse_size


@pytest.fixture
def base(tmp_path: Path) -> Path:
    (tmp_path / "tests").mkdir()
    return tmp_path


def test_minimal_config_uses_defaults(base: Path) -> None:
    cfg = parse_config("tests: tests\n", base_dir=base)
    assert cfg.tests == (base / "tests").resolve()
    assert (cfg.timeout, cfg.test_timeout, cfg.default_points) == (60.0, 5.0, 1.0)
    assert cfg.limits == Limits()
    assert cfg.points == () and cfg.groups == () and cfg.hidden == ()


def test_full_config(base: Path) -> None:
    cfg = parse_config(
        """
tests: tests
timeout: 30
test-timeout: 2.5
default-points: 2
points:
  "test_calc.py::test_fib_large": 3
  "test_calc.py::test_is_prime*": 1
limits: {memory: 512m, cpus: 0.5, pids: 128}
max-score: 100
hidden: ["test_hidden.py::*"]
groups:
  style: {tests: ["test_style.py::*"], cap: 2}
deadline: 2026-12-01T23:59:00+01:00
late-penalty: {per-day: 10%, max: 50}
""",
        base_dir=base,
    )
    assert cfg.points == (("test_calc.py::test_fib_large", 3.0), ("test_calc.py::test_is_prime*", 1.0))
    assert cfg.limits.memory == 512 * 2**20 and cfg.limits.cpus == 0.5 and cfg.limits.pids == 128
    assert cfg.max_score == 100 and cfg.hidden == ("test_hidden.py::*",)
    assert cfg.groups[0].name == "style" and cfg.groups[0].cap == 2
    assert cfg.deadline is not None and cfg.deadline.utcoffset().total_seconds() == 3600  # type: ignore[union-attr]
    assert cfg.late_penalty is not None and (cfg.late_penalty.per_day, cfg.late_penalty.max) == (10.0, 50.0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tests: tests\ntest_timeout: 3\n", "line 2: `test_timeout` is not a known key"),
        ("tests: tests\ntimeout: soon\n", "line 2: `timeout` must be a number, not 'soon'"),
        ("tests: tests\ntimeout: 0\n", "`timeout` must be between 1 and 3600"),
        ("tests: tests\nlimits:\n  memory: 1k\n", "line 3: `limits.memory` must be between 32m and 8g"),
        ("tests: tests\nlimits:\n  disk: 1g\n", "line 3: `limits.disk` is not a known limit"),
        ("tests: tests\npoints:\n  'a::b': many\n", "line 3: `points.a::b` must be a number"),
        ("tests: tests\ntimeout: 5\ntest-timeout: 10\n", "`test-timeout` (10 s) exceeds `timeout` (5 s)"),
        ("tests: missing\n", "`tests` folder"),
        ("timeout: 5\n", "`tests` is required"),
        ("tests: [\n", "not valid YAML"),
        ("", "the file is empty"),
        ("- tests\n", "must be a mapping"),
        ("tests: tests\ntests: tests\n", "line 2: `tests` is given twice"),
        ("tests: tests\ndeadline: 2026-12-01T23:59:00\n", "`deadline` must name its time zone"),
        ("tests: tests\ngroups:\n  style: {tests: [a]}\n", "needs both `tests`"),
        ("tests: tests\nlate-penalty: {per-day: 10%}\n", "`late-penalty` needs a `deadline`"),
    ],
)
def test_bad_config_names_key_problem_and_line(base: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(text, base_dir=base)
    message = str(info.value)
    assert expected in message
    assert "\n" not in message  # one line


def test_tests_key_pointing_at_a_file(base: Path) -> None:
    (base / "afile").write_text("x")
    with pytest.raises(ConfigError, match="is a file, not a folder"):
        parse_config("tests: afile\n", base_dir=base)


def test_load_config_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "grading.yml")


def test_load_config_resolves_tests_relative_to_the_file(tmp_path: Path) -> None:
    (tmp_path / "course" / "tests").mkdir(parents=True)
    (tmp_path / "course" / "grading.yml").write_text("tests: tests\n")
    cfg = load_config(tmp_path / "course" / "grading.yml")
    assert cfg.tests == (tmp_path / "course" / "tests").resolve()


@pytest.mark.parametrize(("text", "size"), [("256m", 256 * 2**20), ("1g", 2**30), ("64M", 64 * 2**20),
                                            ("512k", 512 * 1024), ("100", 100), ("1.5g", int(1.5 * 2**30))])
def test_parse_size(text: str, size: int) -> None:
    assert parse_size(text) == size


def test_bundled_example_config_is_valid() -> None:
    cfg = load_config(Path(__file__).parents[2] / "examples" / "assignment" / "grading.yml")
    assert cfg.points[0] == ("test_calc.py::test_fib_large", 3.0)
