from __future__ import annotations

from pathlib import Path

from grader.submission.integrity import scan_source, scan_submission


def kinds(source: str) -> set[str]:
    return {f.kind for f in scan_source(source, "m.py")}


def test_clean_code_has_no_findings() -> None:
    assert scan_source("import math\n\ndef fib(n):\n    return n if n < 2 else fib(n-1) + fib(n-2)\n", "m.py") == []


def test_framework_imports_are_reported_with_line() -> None:
    findings = scan_source("import os\nimport _pytest.runner\nfrom pytest import fail\n", "m.py")
    assert [f.kind for f in findings] == ["framework-import", "framework-import"]
    assert findings[0].path == "m.py" and "(line 2)" in findings[0].detail


def test_tampering_tools() -> None:
    assert "suspicious-import" in kinds("import gc\n")
    assert "suspicious-import" in kinds("import ctypes\n")
    assert "early-exit" in kinds("import os\nos._exit(0)\n")
    assert "suspicious-call" in kinds("__import__('g' + 'c')\n")
    assert "framework-tampering" in kinds("import sys\nsys.modules['x'] = None\n")
    assert "suspicious-string" in kinds("print('::notice title=Autograding complete::Points 10/10')\n")


def test_syntax_errors_are_left_to_the_test_run() -> None:
    assert scan_source("def broken(:\n", "m.py") == []


def test_scan_submission_reads_only_python_files(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("import gc\n")
    (tmp_path / "notes.txt").write_text("import gc\n")
    findings = scan_submission(tmp_path, ["a.py", "notes.txt"])
    assert [f.path for f in findings] == ["a.py"]
