"""Issue 3, item 3: results the submission forges never count.

The host reads one thing: the frame the supervisor signs with a key that exists for this run only
(sent on the container's stdin, held by a non-dumpable process). Files the submission writes are
never read; frames it prints are ignored ("forged-output"); records it writes into the plugin's
channel fail their signature ("forged-record") and, when they swallow a real record, make the test
an error; only test ids the host collected itself can score.
"""

from __future__ import annotations

import pytest

from tests.adversarial.conftest import HERE, assert_honest_calc

pytestmark = pytest.mark.docker


def test_junit_and_json_written_everywhere_at_import_and_exit_change_nothing(grade_case) -> None:  # type: ignore[no-untyped-def]
    graded = grade_case("forge_files")
    assert_honest_calc(graded)
    assert {"suspicious-import", "suspicious-string"} <= graded.kinds()  # atexit, "junit"


def test_printed_frames_and_frames_on_the_containers_stdout_are_ignored(grade_case) -> None:  # type: ignore[no-untyped-def]
    graded = grade_case("forge_frames")
    assert_honest_calc(graded)
    # Writing to /proc/1/fd/1 (the container's stdout) is refused by the audit hook since issue 10;
    # before, three marked lines written there at import and in sub() were ignored ("forged-output").
    assert not graded.findings("forged-output"), graded.report.integrity
    refused = [f.detail for f in graded.findings("refused-operation")]
    assert any("opening another process's /proc entry" in d for d in refused), refused
    assert any("opening /proc/self/fd" in d for d in refused), refused
    assert "Points 3/3" not in "".join(t.message for t in graded.report.tests)


def test_an_exit_handler_that_forges_and_never_returns(grade_case) -> None:  # type: ignore[no-untyped-def]
    graded = grade_case("forge_atexit")
    assert_honest_calc(graded)
    # Since issue 10 the test process exits right after its end-of-session record: no exit handler runs.
    assert "forged-output" not in graded.kinds() and "forged-session" not in graded.kinds()
    assert graded.seconds < 12, f"took {graded.seconds:.1f} s"


def test_unsigned_records_in_the_results_channel_are_ignored(grade_case) -> None:  # type: ignore[no-untyped-def]
    graded = grade_case("forge_channel")
    assert_honest_calc(graded)
    assert "forged-record" in graded.kinds()


def test_bytes_that_swallow_a_failed_report_make_the_test_an_error(grade_case) -> None:  # type: ignore[no-untyped-def]
    """A byte without a newline joins the next record (the failed call's report) and breaks its
    signature. Before the phase-order check, setup + teardown alone made the test pass: 3/3 with
    nothing but `import os`."""
    graded = grade_case("garble_channel")
    assert_honest_calc(graded, {"test_add": "passed", "test_sub": "error", "test_mul": "error"})
    assert "conflicting results" in graded.report.tests[1].message
    assert {"forged-record", "unexpected-report"} <= graded.kinds()


def test_results_for_tests_the_instructor_does_not_have_score_nothing(grade_case, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # A test the sandbox collects but the host did not (the test file reads a file that only the
    # submission has): its result is an "unexpected-result", never points.
    tests = tmp_path / "suite"
    tests.mkdir()
    (tests / "test_calc.py").write_text(
        (HERE / "suites" / "calc" / "test_calc.py").read_text()
        + "\n\nimport os\n\nif os.path.exists('/workspace/extra_tests.txt'):\n"
        "    def test_bonus():\n        assert True\n"
    )
    graded = grade_case(extra={"extra_tests.txt": "yes"}, tests=tests)
    assert_honest_calc(graded)
    assert [t.name.split("::")[-1] for t in graded.report.tests] == ["test_add", "test_sub", "test_mul"]
    assert any("test_bonus" in f.detail for f in graded.findings("unexpected-result")), graded.report.integrity
