"""benchmarks/action.py reads act's own step timings: Go durations in its JSON log's result lines."""

from __future__ import annotations

import pytest

from benchmarks.action import go_duration, parts_of, step_seconds


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("13.359391119s", 13.359391119), ("894.769µs", 0.000894769), ("1m2.5s", 62.5), ("191.749668ms", 0.191749668)],
)
def test_go_durations(text: str, seconds: float) -> None:
    assert go_duration(text) == pytest.approx(seconds)


def test_not_a_duration() -> None:
    with pytest.raises(ValueError):
        go_duration("12 seconds")


def result(name: str, duration: str, outcome: str = "success") -> dict[str, str]:
    word = "Success" if outcome == "success" else "Failure"
    return {"stepResult": outcome, "msg": f"  ✅  {word} - Main {name} [{duration}]"}


def test_parts_and_overhead_from_an_act_log() -> None:
    events = [
        {"msg": "⭐ Run Main Prepare"},  # not a result: ignored
        result("Checkout code", "50ms"),
        result("Prepare", "200ms"),
        result("Restore the runner image from the cache", "10ms"),
        result("Start loading the runner image", "20ms"),
        result("Restore the grader from the cache", "10ms"),
        result("Install the grader", "7.1s"),
        result("Save the grader to the cache", "160ms"),
        result("Load, build or pull the runner image", "5.75s"),
        {"stepResult": "success", "msg": "  ✅  Success - Pre Restore the grader from the cache [894.769µs]"},
        result("Grade", "870ms", "failure"),
        result("Post the result", "470ms"),
        result("Export the runner image for the cache", "1.2s"),
        result("Grade with pytest", "14.9s"),
    ]
    rows = parts_of(step_seconds(events))
    assert rows["setup"] == pytest.approx(0.25)
    assert rows["install"] == pytest.approx(7.27)
    assert rows["image"] == pytest.approx(5.78)
    assert rows["grade"] == pytest.approx(0.87)
    assert rows["post"] == pytest.approx(0.47)
    assert rows["action total"] == pytest.approx(14.9)
    assert rows["caches (after Post)"] == pytest.approx(1.2)  # the skipped image save counts as zero
    assert rows["overhead beyond Grade"] == pytest.approx(14.03)
    # The student has the feedback once Post ends: the caches written after it do not delay it.
    assert rows["until the feedback is posted"] == pytest.approx(13.7)
    assert rows["feedback overhead beyond Grade"] == pytest.approx(12.83)


def test_a_run_without_the_grade_step_is_an_error() -> None:
    with pytest.raises(SystemExit, match="Grade"):
        parts_of(step_seconds([result("Checkout code", "50ms")]))
