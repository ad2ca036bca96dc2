"""Issue 3, item 8: odd submissions never crash the grader; limits give a clear error and score 0.

Limits (grader/submission/staging.py, documented in the README): 50 MB and 20,000 files per submission.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from grader.reporters.report_json import write_json
from grader.submission.staging import MAX_SUBMISSION_BYTES, MAX_SUBMISSION_FILES
from tests.adversarial.conftest import HERE, assert_honest_calc

pytestmark = pytest.mark.docker

CALC = (HERE / "base" / "calc" / "calc.py").read_bytes()


def calc_submission(root: Path) -> Path:
    root.mkdir(parents=True)
    (root / "calc.py").write_bytes(CALC)
    return root


def make_files(root: Path, count: int, per_folder: int = 0) -> None:
    """`count` small files (os-level calls: pathlib takes seconds for this many)."""
    for n in range(count):
        folder = os.path.join(root, f"data{n // per_folder}") if per_folder else str(root)
        if per_folder and n % per_folder == 0:
            os.mkdir(folder)
        fd = os.open(os.path.join(folder, f"f{n}.txt"), os.O_CREAT | os.O_WRONLY, 0o644)
        os.write(fd, b"%d" % n)
        os.close(fd)


def assert_rejected(graded, error: str) -> None:  # type: ignore[no-untyped-def]
    report = graded.report
    assert report.score == 0 and report.status.value == "error", report
    assert report.error is not None and error in report.error, report.error
    assert {t.status.value for t in report.tests} == {"error"}


def test_no_files(grade_case, tmp_path) -> None:  # type: ignore[no-untyped-def]
    empty = tmp_path / "empty"
    empty.mkdir()
    graded = grade_case(submission=empty)
    report = graded.report
    assert report.score == 0 and {t.status.value for t in report.tests} == {"error"}
    assert "calc" in report.tests[0].message  # No module named 'calc'


def test_ten_thousand_files(grade_case, tmp_path) -> None:  # type: ignore[no-untyped-def]
    root = calc_submission(tmp_path / "many")
    make_files(root, 10_000, per_folder=500)
    graded = grade_case(submission=root)
    assert_honest_calc(graded)
    assert graded.seconds < 30, f"took {graded.seconds:.1f} s"


def test_more_files_than_the_limit(grade_case, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import grader.submission.staging

    # The real limit (MAX_SUBMISSION_FILES) works the same way; a lower one keeps the test fast.
    assert MAX_SUBMISSION_FILES == 20_000
    monkeypatch.setattr(grader.submission.staging, "MAX_SUBMISSION_FILES", 2_000)
    root = calc_submission(tmp_path / "toomany")
    make_files(root, 2_000)  # with calc.py: one too many
    graded = grade_case(submission=root)
    assert_rejected(graded, "more than 2000 files")


def test_a_100_mb_file(grade_case, tmp_path) -> None:  # type: ignore[no-untyped-def]
    root = calc_submission(tmp_path / "big")
    with open(root / "data.bin", "wb") as fh:
        fh.truncate(100 * 2**20)  # sparse: 100 MB as far as anyone can tell
    graded = grade_case(submission=root)
    assert_rejected(graded, f"larger than {MAX_SUBMISSION_BYTES // 2**20} MB (data.bin brings it past the limit)")


def test_odd_names_binary_files_links_and_special_files(grade_case, tmp_path) -> None:  # type: ignore[no-untyped-def]
    root = calc_submission(tmp_path / "odd")
    base = os.fsencode(root)
    os.makedirs(base + b"/caf\xe9 dir")  # not UTF-8
    Path(os.fsdecode(base + b"/caf\xe9 dir/d\xfcnn.py")).write_text("x = 1\n")
    Path(os.fsdecode(base + b"/test_\xff.py")).write_text("def test_x():\n    assert True\n")
    Path(os.fsdecode(base + b"/\xfe_tool.py")).write_text("import gc\n")
    (root / "my file with  spaces.py").write_text("x = 1\n")
    (root / "\x1b[2Jescape.txt").write_text("x")
    (root / "blob.bin").write_bytes(bytes(range(256)) * 400)
    (root / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(2048))
    os.symlink("nowhere", root / "broken")
    os.symlink("loop1", root / "loop2")
    os.symlink("loop2", root / "loop1")
    os.symlink("/", root / "host_root")
    os.symlink(".", root / "itself")
    os.mkfifo(root / "fifo")  # reading it would block forever
    graded = grade_case(submission=root)
    assert_honest_calc(graded)
    assert graded.paths("symlink") == {"broken", "loop1", "loop2", "host_root", "itself"}
    assert graded.paths("special-file") == {"fifo"}
    assert graded.paths("test-named-file") == {"test_\ufffd.py"}
    assert "\ufffd_tool.py" in graded.paths("suspicious-import")
    write_json(graded.report, tmp_path / "report.json")  # every string encodes


def test_an_unreadable_file_is_left_out(grade_case, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import grader.submission.staging

    root = calc_submission(tmp_path / "unreadable")
    (root / "secret.py").write_text("x = 1\n")
    real = grader.submission.staging._copy_regular

    def copy(source: str, target: str) -> None:
        if source.endswith("secret.py"):  # the tests run as root, so chmod 000 would not do
            raise PermissionError(13, "Permission denied", source)
        real(source, target)

    monkeypatch.setattr(grader.submission.staging, "_copy_regular", copy)
    graded = grade_case(submission=root)
    assert_honest_calc(graded)
    assert graded.paths("unreadable") == {"secret.py"}


def test_a_file_where_a_folder_is_expected(grade_case, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # the submission itself is a file
    lone = tmp_path / "calc.py"
    lone.write_bytes(CALC)
    graded = grade_case(submission=lone)
    assert_rejected(graded, "is a file, not a folder")
    # the module the tests import is a folder named calc.py, and a file stands where a package is
    root = tmp_path / "shapes"
    (root / "calc.py").mkdir(parents=True)
    (root / "calc.py" / "add.py").write_text("x = 1\n")
    graded = grade_case(submission=root)
    assert graded.report.score == 0 and {t.status.value for t in graded.report.tests} == {"error"}


def test_a_symlinked_submission_is_refused(grade_case, tmp_path) -> None:  # type: ignore[no-untyped-def]
    real = calc_submission(tmp_path / "real")
    link = tmp_path / "link"
    os.symlink(real, link)
    graded = grade_case(submission=link)
    assert_rejected(graded, "is a symbolic link")
