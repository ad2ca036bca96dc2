"""Concise failure text (issue #13, item 5), on failures recorded from the bundled starter's real run:
a sentence first, repeated frames collapsed, the failing line rather than the decorator line,
the message once, pytest's full text one click away, and a next step."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

from rich.console import Console

from grader.cli.terminal import print_report
from grader.github.actions import annotations
from grader.i18n import translator
from grader.models import Report, RunStatus, Status, TestScore
from grader.reporters.failure import (
    collapse,
    display_title,
    failure_view,
    next_step_command,
    parse_entries,
    restore_first_indent,
)
from grader.reporters.markdown import render_summary

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "failures"


def recorded(name: str) -> TestScore:
    data = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return TestScore(**{**data, "status": Status(data["status"])})


def fib() -> TestScore:
    return recorded("fib_timeout.json")  # a naive recursive fib that hit the 5 s test-timeout


def prime() -> TestScore:
    return recorded("parametrized_assert.json")  # is_prime(0) is True; the test has a decorator


def test_recursion_is_collapsed_into_one_line_with_its_count() -> None:
    entries = parse_entries(fib().details)
    frames = collapse(entries)
    assert [(f.entry.function, f.entry.path, f.entry.line) for f in frames] == [
        ("test_fib_large", "test_calc.py", 20),
        ("fib", "calc.py", 7),
    ]
    assert frames[1].repeated == len(entries) - 1 > 40
    excerpt = failure_view(fib(), translator("en")).excerpt
    assert f"fib, calc.py:7, repeated {frames[1].repeated} times" in excerpt
    assert excerpt.count("return fib(n - 1) + fib(n - 2)") == 1  # the innermost student frame, once
    assert len(excerpt.splitlines()) <= 8
    assert len(fib().details.splitlines()) > 400  # what the student used to scroll through


def test_the_sentence_says_what_happened_and_where_in_the_students_file() -> None:
    en, es = failure_view(fib(), translator("en")), failure_view(fib(), translator("es"))
    assert en.lead == "timed out after 5 s (test-timeout), in fib (calc.py:7)"
    assert es.lead == "se superó el tiempo límite de 5 s por prueba (test-timeout), en fib (calc.py:7)"
    assert "repetida" in es.excerpt and "veces seguidas" in es.excerpt


def test_where_is_the_failing_line_not_the_decorator_line() -> None:
    test = prime()
    assert (test.file, test.line) == ("test_calc.py", 29)  # the @pytest.mark.parametrize line
    view = failure_view(test, translator("en"))
    assert (view.file, view.line) == ("test_calc.py", 32)  # `assert not is_prime(n)`
    assert view.lead == "assert not True, in test_is_prime_false (test_calc.py:32)"
    notes = annotations(Report(score=0, max_score=0.5, status=RunStatus.FAIL, tests=(test,)))[0]
    assert notes[0].startswith("::error file=test_calc.py,line=32,")


def test_the_message_is_shown_once() -> None:
    text = render_summary(Report(score=0, max_score=0.5, status=RunStatus.FAIL, tests=(prime(),)))
    block = text.split("<details><summary>Full pytest output</summary>")[0]
    assert block.count("assert not True") == 1  # in the sentence; not again as an E line
    assert "+  where True = is_prime(0)" in block  # the explanation that adds something stays


def test_parametrized_cases_are_told_apart() -> None:
    cases = [replace(prime(), name=f"test_calc.py::test_is_prime_false[{n}]") for n in (0, 1)]
    assert [display_title(c) for c in cases] == ["non-primes are rejected [0]", "non-primes are rejected [1]"]
    text = render_summary(Report(score=0, max_score=1, status=RunStatus.FAIL, tests=tuple(cases)))
    assert "| non-primes are rejected &#91;0&#93; |" in text and "| non-primes are rejected &#91;1&#93; |" in text


def test_the_first_line_of_pytest_text_keeps_its_indentation() -> None:
    assert fib().details.startswith("@pytest.mark.points(3)\n    def test_fib_large():")
    assert restore_first_indent(fib().details).startswith("    @pytest.mark.points(3)\n    def test_fib_large():")
    assert restore_first_indent(prime().details) == prime().details  # "n = 0" is pytest's, unindented
    assert restore_first_indent("E   assert 1\n    x") == "E   assert 1\n    x"


def test_the_summary_is_short_and_keeps_the_full_text_one_click_away() -> None:
    report = Report(score=0, max_score=3.5, status=RunStatus.FAIL, tests=(fib(), prime()))
    text = render_summary(report, language="es")
    opened = text.split("<details><summary>Salida completa de pytest</summary>")[0]
    assert len(opened.splitlines()) < 35  # the first failure's open block no longer buries the rest
    assert "❌ Fallida: <b>non-primes are rejected &#91;0&#93;</b>" in text  # the next failure is near
    assert text.count("<details><summary>Salida completa de pytest</summary>") == 2
    assert "n = 44" in text  # the full text is still there, collapsed
    step = '**Siguiente paso:** Ejecutar en local las pruebas que fallan con `python -m pytest -k "test_fib_large or '
    assert step in text


def test_terminal_is_concise_unless_verbose() -> None:
    report = Report(score=0, max_score=3.5, status=RunStatus.FAIL, tests=(fib(), prime()))

    def printed(verbose: bool) -> str:
        console = Console(width=120, record=True, color_system=None, file=io.StringIO())
        print_report(report, console, audience="student", verbose=verbose)
        return console.export_text()

    short, full = printed(False), printed(True)
    assert "fib, calc.py:7, repeated" in short and "more characters not shown" not in short
    assert len(short.splitlines()) < 40 < len(full.splitlines())
    assert "pytest's full output:" in full and "n = 44" in full
    assert 'Next step: Run the failing tests on your computer with `python -m pytest -k "test_fib_large or' in short


def test_a_long_call_chain_keeps_its_ends() -> None:
    chain = "\n_ _ _ _ _ _\n".join(f"    def f{i}():\n>       f{i + 1}()\n\nm.py:{i}: " for i in range(12))
    excerpt = failure_view(TestScore("t.py::test_x", Status.FAILED, 0, 1, details=chain), translator("en")).excerpt
    lines = excerpt.splitlines()
    assert lines[:4] == ["f0, m.py:0", "f1, m.py:1", "f2, m.py:2", "f3, m.py:3"]
    assert lines[4] == "… 5 more calls"
    assert lines[5:8] == ["f9, m.py:9", "f10, m.py:10", "f11, m.py:11"]
    assert lines[-2:] == ["m.py:11", ">       f12()"]


def test_next_step_names_only_visible_tests_by_identifier() -> None:
    hostile = TestScore('t.py::test_x"; rm -rf /', Status.FAILED, 0, 1)
    hidden = TestScore("t.py::test_secret", Status.FAILED, 0, 1, hidden=True)
    assert next_step_command([hostile, hidden]) is None
    assert next_step_command([prime(), prime(), fib()]) == 'python -m pytest -k "test_is_prime_false or test_fib_large"'
