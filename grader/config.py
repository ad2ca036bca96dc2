"""`grading.yml`: the instructor's grading configuration.

Parsed with PyYAML's node API so that every error can name the key, the problem and the line.
Unknown keys are errors: a typo such as `test_timeout` must not silently fall back to a default.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from grader.errors import UsageError

CONFIG_FILENAME = "grading.yml"

_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]?)i?b?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


class ConfigError(UsageError):
    """A problem in grading.yml, worded for the instructor (one line)."""


@dataclass(frozen=True)
class Limits:
    memory: int = 256 * 1024**2  # bytes, no swap on top
    cpus: float = 1.0
    pids: int = 64
    workspace: int = 128 * 1024**2  # bytes of the writable workspace tmpfs
    tmp: int = 64 * 1024**2  # bytes of the /tmp tmpfs
    nofile: int = 256
    fsize: int = 64 * 1024**2  # largest file a process may write, bytes


@dataclass(frozen=True)
class Group:
    name: str
    tests: tuple[str, ...]  # globs on test ids
    cap: float  # the group never earns more than this


@dataclass(frozen=True)
class LatePenalty:
    per_day: float  # percent of the score lost per started day late
    max: float = 100.0  # percent, the most that can be lost


@dataclass(frozen=True)
class GradingConfig:
    tests: Path  # absolute path of the instructor's tests folder
    timeout: float = 60.0
    test_timeout: float = 5.0
    default_points: float = 1.0
    points: tuple[tuple[str, float], ...] = ()  # (glob, points) in file order; first match wins
    limits: Limits = field(default_factory=Limits)
    max_score: float | None = None
    groups: tuple[Group, ...] = ()
    hidden: tuple[str, ...] = ()
    deadline: datetime | None = None
    late_penalty: LatePenalty | None = None
    subtests: str = "all-or-nothing"  # or "partial": a test earns points * passed / total subtests
    language: str = "en"  # of the student-facing feedback (grader.i18n)
    # Extra paths a student must not change (globs relative to the repository root), compared with the
    # template by `grader batch --template`; the tests folder, grading.yml and .github/workflows/ always are.
    protected: tuple[str, ...] = ()
    source: Path | None = None  # the file this came from, if any


def parse_size(text: str | int) -> int:
    """'256m' -> bytes. Accepts k, m, g with optional 'i'/'b' (as Docker does)."""
    if isinstance(text, int):
        return text
    m = _SIZE_RE.match(str(text))
    if not m:
        raise ValueError(f"{text!r} is not a size such as 256m or 1g")
    return int(float(m.group(1)) * _UNITS[m.group(2).lower()])


def load_config(path: Path) -> GradingConfig:
    """Read and validate a grading.yml file. Raises ConfigError with the file name and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file; create it or pass --tests DIR") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    return parse_config(text, base_dir=path.parent.resolve(), source=path)


def default_config(tests: Path) -> GradingConfig:
    return GradingConfig(tests=tests.resolve())


def parse_config(
    text: str, *, base_dir: Path, source: Path | None = None, tests_override: Path | None = None
) -> GradingConfig:
    name = str(source) if source else CONFIG_FILENAME
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" (line {mark.line + 1})" if mark else ""
        raise ConfigError(f"{name}{where}: not valid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{name}: not valid YAML: {exc}") from None
    return _Reader(name, base_dir, source, tests_override).read(root)


class _Reader:
    """Walks the YAML node tree; every error names the key and the line it stands on."""

    def __init__(self, name: str, base_dir: Path, source: Path | None, tests_override: Path | None):
        self.name = name
        self.base_dir = base_dir
        self.source = source
        self.tests_override = tests_override

    def fail(self, node: yaml.Node | None, key: str, problem: str) -> ConfigError:
        line = f" line {node.start_mark.line + 1}" if node is not None else ""
        return ConfigError(f"{self.name}:{line}: `{key}` {problem}")

    def mapping(self, node: yaml.Node, key: str) -> list[tuple[yaml.ScalarNode, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, key, "must be a mapping")
        seen: set[str] = set()
        for k, _ in node.value:
            if not isinstance(k, yaml.ScalarNode):
                raise self.fail(k, key, "has a key that is not a string")
            if k.value in seen:
                raise self.fail(k, f"{key}.{k.value}" if key else k.value, "is given twice")
            seen.add(k.value)
        return node.value  # type: ignore[no-any-return]

    def scalar(self, node: yaml.Node, key: str) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise self.fail(node, key, "must be a single value")
        return yaml.SafeLoader(  # resolve the scalar's type the way safe_load would
            ""
        ).construct_object(node, deep=True)

    def number(self, node: yaml.Node, key: str, lo: float, hi: float) -> float:
        value = self.scalar(node, key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(node, key, f"must be a number, not {node.value!r}")
        if not lo <= value <= hi:
            raise self.fail(node, key, f"must be between {lo:g} and {hi:g}, not {value:g}")
        return float(value)

    def integer(self, node: yaml.Node, key: str, lo: int, hi: int) -> int:
        value = self.number(node, key, lo, hi)
        if value != int(value):
            raise self.fail(node, key, f"must be a whole number, not {value:g}")
        return int(value)

    def size(self, node: yaml.Node, key: str, lo: int, hi: int) -> int:
        value = self.scalar(node, key)
        try:
            size = parse_size(value)
        except ValueError as exc:
            raise self.fail(node, key, f"must be a size such as 256m: {exc}") from None
        if not lo <= size <= hi:
            raise self.fail(node, key, f"must be between {_human(lo)} and {_human(hi)}, not {value}")
        return size

    def string(self, node: yaml.Node, key: str) -> str:
        value = self.scalar(node, key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(node, key, "must be a non-empty string")
        return value

    def globs(self, node: yaml.Node, key: str) -> tuple[str, ...]:
        if isinstance(node, yaml.ScalarNode):
            return (self.string(node, key),)
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(node, key, "must be a list of test id patterns")
        return tuple(self.string(item, key) for item in node.value)

    def percent(self, node: yaml.Node, key: str) -> float:
        value = self.scalar(node, key)
        if isinstance(value, str) and value.strip().endswith("%"):
            try:
                value = float(value.strip()[:-1])
            except ValueError:
                raise self.fail(node, key, f"must be a percentage such as 10%, not {node.value!r}") from None
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
            raise self.fail(node, key, f"must be a percentage between 0 and 100, not {node.value!r}")
        return float(value)

    def read(self, root: yaml.Node | None) -> GradingConfig:
        if root is None:
            raise ConfigError(f"{self.name}: the file is empty; it needs at least `tests: FOLDER`")
        values: dict[str, Any] = {}
        tests_node: yaml.Node | None = None
        for knode, vnode in self.mapping(root, ""):
            key = knode.value
            reader = _TOP_LEVEL.get(key)
            if reader is None:
                raise self.fail(knode, key, f"is not a known key (known: {', '.join(sorted(_TOP_LEVEL))})")
            if key == "tests":
                tests_node = vnode
            values[key] = reader(self, vnode, key)
        if self.tests_override is not None:
            tests = self.tests_override.resolve()
        elif tests_node is None:
            raise ConfigError(f"{self.name}: `tests` is required: the folder of the instructor's tests")
        else:
            tests = (self.base_dir / values["tests"]).resolve()
        if not tests.is_dir():
            problem = "is a file, not a folder" if tests.exists() else "does not exist"
            raise ConfigError(f"{self.name}: `tests` folder {tests} {problem}")
        timeout = values.get("timeout", 60.0)
        test_timeout = values.get("test-timeout", min(5.0, timeout))
        if test_timeout > timeout:
            raise ConfigError(f"{self.name}: `test-timeout` ({test_timeout:g} s) exceeds `timeout` ({timeout:g} s)")
        if ("deadline" in values) != ("late-penalty" in values) and "late-penalty" in values:
            raise ConfigError(f"{self.name}: `late-penalty` needs a `deadline`")
        return GradingConfig(
            tests=tests,
            timeout=timeout,
            test_timeout=test_timeout,
            default_points=values.get("default-points", 1.0),
            points=values.get("points", ()),
            limits=values.get("limits", Limits()),
            max_score=values.get("max-score"),
            groups=values.get("groups", ()),
            hidden=values.get("hidden", ()),
            deadline=values.get("deadline"),
            late_penalty=values.get("late-penalty"),
            subtests=values.get("subtests", "all-or-nothing"),
            language=values.get("language", "en"),
            protected=values.get("protected", ()),
            source=self.source,
        )

    # -- one reader per top-level key ------------------------------------------------------------

    def r_tests(self, node: yaml.Node, key: str) -> str:
        return self.string(node, key)

    def r_timeout(self, node: yaml.Node, key: str) -> float:
        return self.number(node, key, 1, 3600)

    def r_test_timeout(self, node: yaml.Node, key: str) -> float:
        return self.number(node, key, 0.1, 3600)

    def r_points_value(self, node: yaml.Node, key: str) -> float:
        return self.number(node, key, 0, 10_000)

    def r_points(self, node: yaml.Node, key: str) -> tuple[tuple[str, float], ...]:
        if isinstance(node, yaml.ScalarNode) and node.value == "":
            return ()
        return tuple(
            (k.value, self.number(v, f"{key}.{k.value}", 0, 10_000)) for k, v in self.mapping(node, key)
        )

    def r_limits(self, node: yaml.Node, key: str) -> Limits:
        kwargs: dict[str, Any] = {}
        readers = {
            "memory": lambda n, k: self.size(n, k, 32 * 1024**2, 8 * 1024**3),
            "cpus": lambda n, k: self.number(n, k, 0.1, 16),
            "pids": lambda n, k: self.integer(n, k, 16, 4096),
            "workspace": lambda n, k: self.size(n, k, 1024**2, 4 * 1024**3),
            "tmp": lambda n, k: self.size(n, k, 1024**2, 4 * 1024**3),
            "nofile": lambda n, k: self.integer(n, k, 64, 65536),
            "fsize": lambda n, k: self.size(n, k, 1024**2, 4 * 1024**3),
        }
        for k, v in self.mapping(node, key):
            read = readers.get(k.value)
            if read is None:
                raise self.fail(k, f"{key}.{k.value}", f"is not a known limit (known: {', '.join(readers)})")
            kwargs[k.value] = read(v, f"{key}.{k.value}")
        return Limits(**kwargs)

    def r_max_score(self, node: yaml.Node, key: str) -> float:
        value = self.number(node, key, 0, 1_000_000)
        if value <= 0:
            raise self.fail(node, key, "must be greater than 0")
        return value

    def r_groups(self, node: yaml.Node, key: str) -> tuple[Group, ...]:
        groups = []
        for k, v in self.mapping(node, key):
            name = f"{key}.{k.value}"
            fields = dict((fk.value, (fk, fv)) for fk, fv in self.mapping(v, name))
            unknown = set(fields) - {"tests", "cap"}
            if unknown:
                fk = fields[sorted(unknown)[0]][0]
                raise self.fail(fk, f"{name}.{fk.value}", "is not a known group key (known: tests, cap)")
            if "tests" not in fields or "cap" not in fields:
                raise self.fail(v, name, "needs both `tests` (list of test id patterns) and `cap` (points)")
            groups.append(
                Group(
                    name=k.value,
                    tests=self.globs(fields["tests"][1], f"{name}.tests"),
                    cap=self.number(fields["cap"][1], f"{name}.cap", 0, 1_000_000),
                )
            )
        return tuple(groups)

    def r_hidden(self, node: yaml.Node, key: str) -> tuple[str, ...]:
        return self.globs(node, key)

    def r_deadline(self, node: yaml.Node, key: str) -> datetime:
        value = self.scalar(node, key)
        if isinstance(value, datetime):
            parsed = value
            # PyYAML drops the zone into UTC-naive datetimes unless it was explicit in the text
            if not re.search(r"(Z|[+-]\d\d:?\d\d)\s*$", node.value):
                raise self.fail(node, key, f"must name its time zone, e.g. 2026-12-01T23:59:00+01:00, not {node.value}")
            if parsed.tzinfo is None:
                from datetime import UTC

                parsed = parsed.replace(tzinfo=UTC)
            return parsed
        try:
            parsed = datetime.fromisoformat(str(value))
        except ValueError:
            raise self.fail(node, key, f"must be an ISO 8601 date and time, not {node.value!r}") from None
        if parsed.tzinfo is None:
            raise self.fail(node, key, f"must name its time zone, e.g. 2026-12-01T23:59:00+01:00, not {node.value}")
        return parsed

    def r_late_penalty(self, node: yaml.Node, key: str) -> LatePenalty:
        fields = {k.value: (k, v) for k, v in self.mapping(node, key)}
        unknown = set(fields) - {"per-day", "max"}
        if unknown:
            k = fields[sorted(unknown)[0]][0]
            raise self.fail(k, f"{key}.{k.value}", "is not a known key (known: per-day, max)")
        if "per-day" not in fields:
            raise self.fail(node, key, "needs `per-day`, e.g. `per-day: 10%`")
        per_day = self.percent(fields["per-day"][1], f"{key}.per-day")
        cap = self.percent(fields["max"][1], f"{key}.max") if "max" in fields else 100.0
        return LatePenalty(per_day=per_day, max=cap)


    def r_language(self, node: yaml.Node, key: str) -> str:
        from grader.i18n import LanguageError, check_language

        try:
            return check_language(self.string(node, key))
        except LanguageError as exc:
            raise self.fail(node, key, str(exc).replace("unknown language", "is an unknown language")) from None


def _r_subtests(reader: _Reader, node: yaml.Node, key: str) -> str:
    value = reader.string(node, key)
    if value not in SUBTEST_MODES:
        raise reader.fail(node, key, f"must be one of {', '.join(SUBTEST_MODES)}, not {value!r}")
    return value


def _r_protected(reader: _Reader, node: yaml.Node, key: str) -> tuple[str, ...]:
    """Globs of repository paths (`data/*.csv`, `conftest.py`); no absolute paths or `..`."""
    patterns = reader.globs(node, key)
    for pattern in patterns:
        if pattern.startswith("/") or ".." in pattern.split("/"):
            raise reader.fail(node, key, f"must be paths inside the repository, not {pattern!r}")
    return patterns


SUBTEST_MODES = ("all-or-nothing", "partial")
_TOP_LEVEL = {
    "tests": _Reader.r_tests,
    "timeout": _Reader.r_timeout,
    "test-timeout": _Reader.r_test_timeout,
    "default-points": _Reader.r_points_value,
    "points": _Reader.r_points,
    "limits": _Reader.r_limits,
    "max-score": _Reader.r_max_score,
    "groups": _Reader.r_groups,
    "hidden": _Reader.r_hidden,
    "deadline": _Reader.r_deadline,
    "late-penalty": _Reader.r_late_penalty,
    "subtests": _r_subtests,
    "language": _Reader.r_language,
    "protected": _r_protected,
}


def _human(n: int) -> str:
    for unit, size in (("g", 1024**3), ("m", 1024**2), ("k", 1024)):
        if n >= size and n % size == 0:
            return f"{n // size}{unit}"
    return str(n)
