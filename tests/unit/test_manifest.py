"""Trusted collection on the host: pytest's own ids, markers and docstrings, no submission code."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from grader.collection.manifest import CollectionError, collect_expected


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text))
    return root


def test_collects_ids_lines_titles_and_points_without_the_submission(tmp_path: Path) -> None:
    tests = write(tmp_path / "tests", {
        "test_calc.py": '''
            import pytest
            from calc import fib          # the student's module: not there on the host
            import calc.helpers as h       # a submodule of it, too

            def test_plain():
                """fib(1) is 1

                Longer explanation that is not part of the title.
                """
                assert fib(1) == 1

            @pytest.mark.points(2.5)
            @pytest.mark.parametrize("n", [1, 2])
            def test_param(n):
                assert fib(n)

            class TestGroup:
                def test_method(self):
                    assert h.x
        ''',
    })
    expected = collect_expected(tests)
    assert [t.nodeid for t in expected] == [
        "test_calc.py::test_plain",
        "test_calc.py::test_param[1]",
        "test_calc.py::test_param[2]",
        "test_calc.py::TestGroup::test_method",
    ]
    assert expected[0].title == "fib(1) is 1"
    assert expected[0].line == 6 and expected[0].file == "test_calc.py"
    assert expected[1].marker_points == 2.5 and expected[0].marker_points is None


def test_submission_code_never_runs_on_the_host(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    write(tmp_path, {"calc.py": f"open({str(marker)!r}, 'w').write('x')\n"})
    tests = write(tmp_path / "tests", {"__init__.py": "", "test_a.py": "import calc\n\ndef test_a():\n    pass\n"})
    # Even with tests/__init__.py (rootdir-based imports put the parent on sys.path), calc is stubbed...
    # ...because the pipeline collects from a staged copy; collecting in place must still not import it
    # when calc is found? It would: this is why collect_expected is only ever given the staged copy.
    staged = tmp_path / "staged" / "tests"
    staged.parent.mkdir()
    import shutil

    shutil.copytree(tests, staged)
    assert [t.nodeid for t in collect_expected(staged)] == ["test_a.py::test_a"]
    assert not marker.exists()


def test_broken_instructor_tests_raise_a_one_line_error(tmp_path: Path) -> None:
    tests = write(tmp_path / "tests", {"test_bad.py": "def test_x(:\n    pass\n"})
    with pytest.raises(CollectionError) as info:
        collect_expected(tests)
    assert "test_bad.py" in str(info.value) and "\n" not in str(info.value)


def test_a_root_conftest_that_imports_the_submission_is_collected(tmp_path: Path) -> None:
    """Root conftest.py files load before pytest_configure (markupsafe's imports the package under
    test): the stubs must already be there, or the grader refuses to grade the suite at all."""
    tests = write(tmp_path / "tests", {
        "conftest.py": '''
            import pytest
            from markupsafe import _native

            @pytest.fixture
            def escape():
                return _native.escape
        ''',
        "test_escape.py": '''
            def test_escape(escape):
                assert escape("<") == "&lt;"
        ''',
    })  # fmt: skip
    assert [t.nodeid for t in collect_expected(tests)] == ["test_escape.py::test_escape"]


def test_parameters_that_are_the_submissions_functions_get_the_runs_ids(tmp_path: Path) -> None:
    tests = write(tmp_path / "tests", {
        "test_ops.py": '''
            import pytest
            import calc
            from calc import mul

            @pytest.mark.parametrize("op", [calc.add, calc.sub, mul])
            def test_op(op):
                assert op(2, 2) is not None
        ''',
    })  # fmt: skip
    # pytest names a function parameter after its __name__, in the sandbox as here
    assert [t.nodeid for t in collect_expected(tests)] == [
        "test_ops.py::test_op[add]", "test_ops.py::test_op[sub]", "test_ops.py::test_op[mul]"
    ]
