"""The framework snapshot (grader/sandbox/inside/guard.py): its one-pass check finds what the per-watch
pass finds, puts the originals back, and goes quiet once they are back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import _pytest.runner
import pytest

from tests.inside_modules import load_inside


def _guard_module() -> Any:
    return load_inside("guard")


@pytest.fixture()
def guard(tmp_path: Path) -> Any:
    return _guard_module().Guard(str(tmp_path), [], ())


def test_an_untouched_framework_reports_nothing(guard: Any) -> None:
    assert guard.check() == []
    assert guard.check() == []


def test_a_replaced_function_is_reported_and_put_back(guard: Any) -> None:
    original = _pytest.runner.call_and_report
    _pytest.runner.call_and_report = lambda *a, **k: None  # type: ignore[assignment]
    try:
        assert guard.check() == ["_pytest.runner.call_and_report"]
        assert _pytest.runner.call_and_report is original
        assert guard.check() == []  # back to the snapshot: quiet again
    finally:
        _pytest.runner.call_and_report = original  # type: ignore[assignment]


def test_a_deleted_function_is_reported_and_put_back(guard: Any) -> None:
    original = _pytest.runner.call_and_report
    del _pytest.runner.call_and_report
    try:
        assert guard.check() == ["_pytest.runner.call_and_report"]
        assert _pytest.runner.call_and_report is original
    finally:
        _pytest.runner.call_and_report = original  # type: ignore[assignment]


def test_a_method_added_to_a_framework_class_is_removed(guard: Any) -> None:
    def extra(self: object) -> None:
        return None

    setattr(pytest.TestReport, "grader_test_extra", extra)  # noqa: B010
    try:
        assert guard.check() == ["_pytest.reports.TestReport"]
        assert not hasattr(pytest.TestReport, "grader_test_extra")
        assert guard.check() == []
    finally:
        if "grader_test_extra" in vars(pytest.TestReport):
            delattr(pytest.TestReport, "grader_test_extra")


def test_a_change_after_a_repair_is_still_found(guard: Any) -> None:
    """The one-pass check is rebuilt from the repaired snapshot, not left stale."""
    original, shown = _pytest.runner.call_and_report, _pytest.runner.show_test_item
    try:
        for _ in range(2):
            _pytest.runner.call_and_report = lambda *a, **k: None  # type: ignore[assignment]
            assert guard.check() == ["_pytest.runner.call_and_report"]
        _pytest.runner.show_test_item = lambda item: None  # type: ignore[assignment]
        assert guard.check() == ["_pytest.runner.show_test_item"]
        assert _pytest.runner.show_test_item is shown
    finally:
        _pytest.runner.call_and_report, _pytest.runner.show_test_item = original, shown  # type: ignore[assignment]
