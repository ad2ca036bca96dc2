"""Feedback in the course's language: catalogs complete, Spanish goldens, Classroom output unchanged,
escaping intact inside translated templates, grader messages recognised, numbers and dates by locale.

Regenerate the Spanish goldens after an intended change with
`UPDATE_GOLDEN=1 .venv/bin/pytest tests/unit/test_i18n.py` and review the diff (tests/golden/es/).
"""

from __future__ import annotations

import io
import os
import re
import string
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from rich.console import Console

from grader import i18n, post
from grader.config import ConfigError, parse_config
from grader.i18n import LanguageError, Translator, check_language, translator
from grader.models import Adjustment, Finding, Report, RunStatus, SandboxInfo, Status, TestScore
from grader.reporters import messages
from grader.reporters.actions import annotations, emit_github, write_summary
from grader.reporters.escape import format_number
from grader.reporters.failure import failure_view
from grader.reporters.markdown import render_summary
from grader.reporters.messages import translate_message
from grader.reporters.terminal import print_report
from tests.unit.test_reporters_golden import sample_report

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "es"
PO = ROOT / "grader" / "locale" / "es" / "LC_MESSAGES" / "grader.po"


def spanish_sample() -> Report:
    """The English goldens' report, with the grader's own messages as the sandbox writes them."""
    report = sample_report()
    tests = list(report.tests)
    tests[2] = replace(tests[2], message="timed out after 0.5 s (test-timeout)")
    tests[5] = replace(tests[5], message="not run: the test run timed out")
    return replace(report, tests=tuple(tests))


def fresh(language: str) -> Translator:
    """A translator with an empty `missing` set (the cached one is shared between tests)."""
    translator.cache_clear()
    return translator(language)


def check_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8", newline="")
        return
    if not path.exists():
        pytest.fail(f"{path} is missing: run with UPDATE_GOLDEN=1 to create it")
    assert actual == path.read_text(encoding="utf-8"), f"{name} differs from the golden file"


def terminal_text(report: Report, audience: str, language: str, verbose: bool = False) -> str:
    console = Console(width=100, record=True, color_system=None, file=io.StringIO())
    print_report(report, console, audience=audience, language=language, verbose=verbose)  # type: ignore[arg-type]
    return console.export_text()


# -- catalogs --------------------------------------------------------------------------------------


def source_message_ids() -> set[str]:
    """Every message id marked in the package, as `pybabel extract -F babel.cfg` finds them."""
    found = extract_from_dir(
        str(ROOT / "grader"), method_map=[("**.py", "python")], keywords={"_": None, "ngettext": (1, 2), "N_": None}
    )
    ids = set()
    for _file, _line, message, _comments, _context in found:
        ids.add(message[0] if isinstance(message, tuple) else message)
    return ids


def test_every_message_id_in_the_code_has_a_spanish_translation() -> None:
    catalog = read_po(PO.open("rb"), locale="es")
    ids = source_message_ids()
    assert len(ids) > 60  # the extraction found the reporters' texts, not nothing
    untranslated = []
    for msgid in sorted(ids):
        entry = catalog.get(msgid)
        strings = entry.string if entry is not None else ""
        strings = strings if isinstance(strings, tuple) else (strings,)
        if entry is None or entry.fuzzy or not all(s.strip() for s in strings):
            untranslated.append(msgid)
    assert untranslated == [], "add these to grader/locale/es/LC_MESSAGES/grader.po"


def test_translations_keep_the_placeholders_of_their_message_id() -> None:
    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    for entry in read_po(PO.open("rb"), locale="es"):
        if not entry.id:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        expected = set().union(*(fields(i) for i in ids))
        for text in strings:
            assert fields(text) == expected, (entry.id, text)


def test_rendering_everything_in_spanish_leaves_no_message_id_untranslated(tmp_path: Path) -> None:
    t = fresh("es")
    report = replace(spanish_sample(), error="timed out after 60 s")
    errored = replace(report, status=RunStatus.ERROR)
    for audience in ("student", "instructor"):
        render_summary(errored, audience=audience, annotations_omitted=3, language="es")  # type: ignore[arg-type]
        render_summary(report, audience=audience, limit=3_000, language="es")  # type: ignore[arg-type]
        render_summary(report, audience=audience, limit=200, language="es")  # type: ignore[arg-type]
        terminal_text(errored, audience, "es", verbose=True)
    capped = replace(report, adjustments=(Adjustment("group cap: style (at most 2 points)", -0.5, 0),))
    assert "límite del grupo style (como máximo 2 puntos)" in render_summary(capped, language="es")
    sandbox = replace(report, sandbox=SandboxInfo(exit_code=None, timed_out=True, oom_killed=True))
    render_summary(sandbox, audience="instructor", language="es")
    render_summary(replace(report, integrity=(Finding("x", "y"),) * 120), audience="instructor", language="es")
    annotations(report, language="es")
    full = tmp_path / "full-summary"
    full.write_text("x" * (1024 * 1024 - 500))
    write_summary("y" * 1000, full, language="es")
    assert "Resumen de la corrección automática omitido" in full.read_text(encoding="utf-8")
    long_output = replace(report, tests=(replace(report.tests[1], output="y" * 50_000, message="z" * 1000),))
    render_summary(long_output, language="es")
    terminal_text(long_output, "student", "es", verbose=True)
    for r in (report, errored, replace(errored, error=None)):
        post.check_title(r, "es")
        post.status_description(r, "es")
    post.comment_body(report, check_name="Autograding", sha="0" * 40, run_url="https://x", language="es")
    (tmp_path / "calc.py").write_text("x = 1\n")
    post.build_annotations(
        replace(report, integrity=(Finding("symlink", "a link", "calc.py"),)), workspace=tmp_path, language="es"
    )
    chain = "\n_ _ _ _ _ _\n".join(f"    def f{i}():\n>       f{i + 1}()\n\nm.py:{i}: " for i in range(12))
    for status in Status:
        failure_view(TestScore("t.py::x", status, 0, 1, details=chain), t)
    for _form, msgid in messages._FORMS:
        t._(msgid, **{k: "1" for k in re.findall(r"{(\w+)}", msgid)})
    assert t.missing == set()
    assert translator("es") is t  # the renderers used this very translator


def test_cut_text_says_so_in_spanish() -> None:
    test = replace(sample_report().tests[1], output="y" * 50_000, message="z" * 1000)
    report = replace(sample_report(), tests=(test,))
    text = render_summary(report, language="es") + terminal_text(report, "student", "es", verbose=True)
    assert re.search(r"… \[\d+ caracteres más sin mostrar\]", text)
    assert "more characters not shown" not in text


def test_an_id_missing_from_the_catalog_is_caught() -> None:
    t = fresh("es")
    assert t._("A text nobody translated") == "A text nobody translated"
    assert t.missing == {"A text nobody translated"}
    translator.cache_clear()


# -- golden Spanish files ----------------------------------------------------------------------------


def test_golden_spanish_job_summary() -> None:
    text = render_summary(spanish_sample(), audience="student", language="es")
    assert "## Corrección automática: 1,5 / 9" in text and "0,1 / 0,1" in text
    check_golden("summary_student.md", text)


def test_golden_spanish_check_run_summary() -> None:
    check_golden("check_run_summary.md", post.summary_markdown(spanish_sample(), language="es"))


def test_golden_spanish_terminal_report() -> None:
    text = terminal_text(spanish_sample(), "student", "es")
    assert "Total: 1,5 / 9" in text
    check_golden("terminal_student.txt", text)


# -- what Classroom reads stays byte-exact ---------------------------------------------------------


def emitted(tmp_path: Path, language: str, report: Report) -> tuple[list[str], str, str]:
    folder = tmp_path / language
    folder.mkdir()
    env = {"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(folder / "out"), "GITHUB_STEP_SUMMARY": str(folder / "sum")}
    stream = io.StringIO()
    emit_github(report, env, report_path="r.json", stream=stream, language=language)
    notices = [line for line in stream.getvalue().splitlines() if line.startswith("::notice")]
    return notices, (folder / "out").read_text(encoding="utf-8"), (folder / "sum").read_text(encoding="utf-8")


@pytest.mark.parametrize("score", [1.5, 7.25, 0.1 + 0.2])
def test_classroom_notices_and_outputs_are_byte_identical_in_every_language(tmp_path: Path, score: float) -> None:
    report = replace(spanish_sample(), score=score)
    en_notices, en_outputs, en_summary = emitted(tmp_path, "en", report)
    es_notices, es_outputs, es_summary = emitted(tmp_path, "es", report)
    assert len(en_notices) == 2 and en_notices == es_notices
    assert f"Points {format_number(score)}/9" in en_notices[0]
    assert en_outputs == es_outputs  # score, max-score, status, report and the base64 `result`
    assert "Corrección automática" in es_summary and "Corrección automática" not in en_summary


# -- escaping inside translated templates ----------------------------------------------------------

HOSTILE = "x</summary><img src=x onerror=alert(1)> | @org/team {passed} {0.__class__} ::warning::hi"


def hostile_report() -> Report:
    tests = (
        TestScore(f"test_a.py::test_x[{HOSTILE}]", Status.FAILED, 0, 1, title=HOSTILE,
                  message=f'failed on setup with "{HOSTILE}"', file="calc.py", line=3),
        TestScore("test_a.py::test_y", Status.ERROR, 0, 1,
                  message=f"the test session ended before collecting any test: {HOSTILE}"),
    )  # fmt: skip
    return Report(score=0, max_score=2, status=RunStatus.FAIL, tests=tests)


def test_hostile_text_stays_escaped_inside_spanish_templates() -> None:
    text = render_summary(hostile_report(), audience="student", language="es")
    assert "falló al preparar la prueba" in text and "la sesión de pruebas terminó" in text
    assert "<img" not in text and "</summary><img" not in text
    assert "@org/team" not in text  # the mention is broken by a joiner
    assert "{0.&#95;&#95;class&#95;&#95;}" in text and "{passed}" in text  # shown literally, never formatted
    assert "&#124;" in text  # a table-splitting bar is a character reference
    for line in text.splitlines():  # no untrusted text can start a workflow command
        assert not line.lstrip().startswith("::")


@pytest.mark.parametrize("audience", ["student", "instructor"])
def test_the_markdown_suites_hostile_report_renders_safely_in_spanish(audience: str) -> None:
    from tests.unit.test_reporters_markdown import assert_safe
    from tests.unit.test_reporters_markdown import hostile_report as markdown_hostile_report

    text = render_summary(markdown_hostile_report(), audience=audience, language="es")  # type: ignore[arg-type]
    html = assert_safe(text)  # parsed as GitHub does: only our tags, balanced <details>, BMP only
    shown = "".join(html.text)
    for literal in ["<script>alert(1)</script>", "</details>", "[click](https://evil.example)", "`tick`"]:
        assert literal in shown
    assert "Qué ocurrió:" in shown and "Corrección automática" in shown


def test_hostile_text_in_spanish_annotations_and_terminal() -> None:
    commands, _ = annotations(hostile_report(), language="es")
    assert len(commands) == 2
    for command in commands:
        props = command.removeprefix("::error ").partition("::")[0]
        assert {p.split("=", 1)[0] for p in props.split(",")} <= {"file", "line", "title"}  # no injected property
        assert "\n" not in command
    assert "%3A%3Awarning%3A%3Ahi" in commands[0].partition(",title=")[2].partition("::")[0]  # the hostile title
    assert "falló al preparar la prueba" in commands[0] or "falló al preparar la prueba" in commands[1]
    markup = replace(hostile_report().tests[0], message="[bold red]X")
    terminal = terminal_text(replace(hostile_report(), tests=(markup,)), "student", "es")
    assert "[bold red]X" in terminal


# -- the grader's own messages ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("english", "spanish"),
    [
        ("timed out after 5 s (test-timeout)", "se superó el tiempo límite de 5 s por prueba (test-timeout)"),
        ("timed out after 0.5 s (test-timeout); the test was killed",
         "se superó el tiempo límite de 0,5 s por prueba (test-timeout); la prueba se detuvo a la fuerza"),
        ("timed out after 60 s", "se superó el tiempo límite de 60 s"),
        ("the test session ended before collecting any test: out of memory (limit 256m)",
         "la sesión de pruebas terminó antes de reunir ninguna prueba: memoria agotada (límite: 256m)"),
        ("not run", "no ejecutada"),
        ("group cap: style (at most 2.5 points)", "límite del grupo style (como máximo 2,5 puntos)"),
        ("2 of 4 subtests failed", "subpruebas fallidas: 2 de 4"),
        ("collection failure", "no se pudo cargar el archivo de pruebas"),
        ("assert 6 == 5", "assert 6 == 5"),  # pytest's own text: untouched
        ("timed out after 5 s because I said so", "timed out after 5 s because I said so"),  # not a form
    ],
)  # fmt: skip
def test_grader_messages_are_recognised_and_translated(english: str, spanish: str) -> None:
    assert translate_message(english, translator("es")) == spanish
    assert translate_message(english, translator("en")) == english


def test_every_recognised_form_is_still_written_by_the_grader() -> None:
    """The forms mirror texts written elsewhere (sandbox, scoring, staging): when one changes there,
    its form here must follow, or the message silently stays English."""
    sources = "\n".join(
        p.read_text(encoding="utf-8") for p in (ROOT / "grader").rglob("*.py") if p.name != "messages.py"
    )
    for form, _msgid in messages._FORMS:
        # the longest plain text between groups (one level of nesting), escapes, optional characters, quotes
        pieces = re.split(r'\(\?P<\w+>(?:[^()]|\([^()]*\))*\)|\\.|.\?|"', form)
        literal = max(pieces, key=len).strip()
        staged = literal.replace("the submission ", "the {what} ")  # staging names what it stages
        assert literal and (literal in sources or staged in sources), form


# -- numbers, dates, codes ------------------------------------------------------------------------------


def test_numbers_and_dates_follow_the_locale() -> None:
    es, en = translator("es"), translator("en")
    assert es.score(7.5, 10) == "7,5 / 10" and en.score(7.5, 10) == "7.5 / 10"
    assert es.integer(65535) == "65.535" and en.integer(65535) == "65,535"
    moment = datetime(2026, 12, 1, 23, 59, tzinfo=timezone(timedelta(hours=1)))
    assert es.datetime(moment) == "1 de diciembre de 2026, 23:59"
    assert en.datetime(moment) == "December 1, 2026, 11:59\u202fPM"


@pytest.mark.parametrize("value", [0, 1, 8.5, 0.1 + 0.2, 1 / 3, 2.675, -0.0, 1e-9, 12345.678, float("nan"), 1e15])
def test_english_numbers_are_exactly_the_classroom_format(value: float) -> None:
    assert translator("en").number(value) == format_number(value)
    assert translator("es").number(value) == format_number(value).replace(".", ",")


def test_language_codes() -> None:
    assert check_language("ES") == "es" and check_language("en") == "en"
    assert set(i18n.available_languages()) >= {"en", "es"}
    with pytest.raises(LanguageError, match=r"unknown language 'fr' \(choose from en, es\)"):
        check_language("fr")


def test_a_third_language_is_one_dropped_po_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "locale" / "pt_BR" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "grader.po").write_text(
        'msgid ""\nmsgstr ""\n"Language: pt_BR\\n"\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Passed"\nmsgstr "Aprovado"\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path / "locale")
    translator.cache_clear()
    try:
        assert i18n.available_languages() == ("en", "pt_BR")
        assert check_language("pt-br") == "pt_BR"
        t = translator("pt-br")
        assert t._("Passed") == "Aprovado" and t.number(7.5) == "7,5"  # compiled in memory, Babel's locale
        assert t._("Failed") == "Failed" and t.missing == {"Failed"}  # untranslated: English, and noticed
    finally:
        translator.cache_clear()


def test_config_language_key() -> None:
    assert parse_config("tests: .\nlanguage: es\n", base_dir=ROOT).language == "es"
    assert parse_config("tests: .\n", base_dir=ROOT).language == "en"
    with pytest.raises(ConfigError) as info:
        parse_config("tests: .\nlanguage: klingon\n", base_dir=ROOT)
    assert str(info.value) == "grading.yml: line 2: `language` is an unknown language 'klingon' (choose from en, es)"


def test_cli_and_post_language_override_the_config(tmp_path: Path) -> None:
    import argparse

    from grader.cli import load_grading_config

    config = tmp_path / "grading.yml"
    config.write_text("tests: .\nlanguage: es\n")
    args = argparse.Namespace(config=config, tests=None, timeout=None, language=None)
    assert load_grading_config(args).language == "es"
    assert load_grading_config(replace_ns(args, language="EN")).language == "en"
    with pytest.raises(ConfigError, match="--language: unknown language 'xx'"):
        load_grading_config(replace_ns(args, language="xx"))
    assert post.post_language(argparse.Namespace(language=None, config=config)) == "es"
    assert post.post_language(argparse.Namespace(language="en", config=config)) == "en"
    assert post.post_language(argparse.Namespace(language=None, config=None)) == "en"


def replace_ns(ns: object, **changes: object) -> object:
    import argparse

    return argparse.Namespace(**{**vars(ns), **changes})
