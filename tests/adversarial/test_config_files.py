"""Issue 3, items 1 and 2: files in the submission that would configure pytest or Python change nothing.

Two layers hold: staging leaves such files out (an integrity finding each), and the sandbox never
reads them anyway (pytest gets `-c /opt/grader/pytest.ini`, rootdir and confcutdir are the tests
folder, the child runs `python -I` with a fixed environment). `test_second_layer_*` grade with the
staging filter switched off to show the second layer alone holds.
"""

from __future__ import annotations

import pytest

from tests.adversarial.conftest import assert_honest_calc

pytestmark = pytest.mark.docker


def test_conftest_rewriting_reports_to_passed_changes_nothing(grade_case) -> None:  # type: ignore[no-untyped-def]
    graded = grade_case("conftest_rewrite")
    assert_honest_calc(graded)  # 1/3, as without the conftest.py
    assert graded.paths("ignored-config") == {"conftest.py"}


def test_conftest_at_any_depth_changes_nothing(grade_case) -> None:  # type: ignore[no-untyped-def]
    graded = grade_case("conftest_deep")
    assert_honest_calc(graded)
    assert graded.paths("ignored-config") == {
        "pkg/conftest.py",
        "pkg/inner/conftest.py",
        "tests_helpers/conftest.py",
    }


@pytest.mark.parametrize(
    ("case", "config_file"),
    [
        ("pytest_ini", "pytest.ini"),
        ("pyproject_toml", "pyproject.toml"),
        ("setup_cfg", "setup.cfg"),
        ("tox_ini", "tox.ini"),
        ("dot_pytest_ini", ".pytest.ini"),
    ],
)
def test_ini_files_and_the_plugins_they_name_change_nothing(grade_case, case, config_file) -> None:  # type: ignore[no-untyped-def]
    graded = grade_case(case)
    assert_honest_calc(graded)
    assert graded.paths("ignored-config") == {config_file}


@pytest.mark.parametrize(
    ("case", "ignored"),
    [
        ("startup_sitecustomize", {"sitecustomize.py"}),
        ("startup_usercustomize", {"usercustomize.py"}),
        ("startup_pth", {"evil.pth"}),
    ],
)
def test_python_start_up_hooks_change_nothing(grade_case, case, ignored) -> None:  # type: ignore[no-untyped-def]
    graded = grade_case(case)
    assert_honest_calc(graded)
    assert graded.paths("ignored-config") == ignored


def test_pytest_env_variables_set_at_import_reach_no_pytest(grade_case) -> None:  # type: ignore[no-untyped-def]
    # calc.py sets PYTEST_ADDOPTS/PYTEST_PLUGINS/PYTHONPATH at import, then sub() kills the test
    # process: the pytest the grader starts for test_mul must not load the plugin either.
    graded = grade_case("env_plugins")
    assert_honest_calc(graded, {"test_add": "passed", "test_sub": "error", "test_mul": "failed"})
    assert "exited with code 0" in graded.report.tests[1].message
    assert {"suspicious-string", "early-exit"} <= graded.kinds()


def test_the_instructors_conftest_works_and_the_students_does_not(grade_case) -> None:  # type: ignore[no-untyped-def]
    honest = grade_case(suite="calc_conftest")
    assert_honest_calc(honest)  # the instructor's fixture `pair` is (6, 3): add passes
    attacked = grade_case("conftest_vs_instructor", suite="calc_conftest")
    assert_honest_calc(attacked)
    assert attacked.paths("ignored-config") == {"conftest.py"}


def test_test_named_files_neither_replace_nor_add_tests(grade_case) -> None:  # type: ignore[no-untyped-def]
    graded = grade_case("test_named")
    assert_honest_calc(graded)  # no test_bonus, and the instructor's test_calc.py ran
    assert [t.name for t in graded.report.tests] == [
        "test_calc.py::test_add",
        "test_calc.py::test_sub",
        "test_calc.py::test_mul",
    ]
    assert graded.paths("test-named-file") == {"test_calc.py", "calc_test.py", "tests/", "test/"}


@pytest.mark.parametrize("case", ["conftest_rewrite", "pytest_ini", "startup_pth", "startup_sitecustomize",
                                  "test_named"])
def test_second_layer_holds_without_the_staging_filter(grade_case, monkeypatch, case) -> None:  # type: ignore[no-untyped-def]
    """Even if staging copied every file, the sandbox would read none of them."""
    import grader.pipeline
    from grader.submission.staging import stage_tests

    monkeypatch.setattr(grader.pipeline, "stage_submission", lambda source, dest, exclude=(): stage_tests(source, dest))
    graded = grade_case(case)
    assert_honest_calc(graded)
    assert not graded.findings("ignored-config")  # nothing was left out this time
