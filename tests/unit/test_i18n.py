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
from typing import Any

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from rich.console import Console

from grader import i18n
from grader.cli import post as post_cmd
from grader.cli.terminal import print_report
from grader.config import ConfigError, parse_config
from grader.github import payloads as post
from grader.github.actions import annotations, emit_github, write_summary
from grader.github.annotations import select_annotations
from grader.github.settings import settings_from_env
from grader.i18n import LanguageError, Translator, check_language, translator
from grader.models import Adjustment, Finding, Report, RunStatus, SandboxInfo, Status, TestScore
from grader.paths import RepoLayout
from grader.reporters import messages
from grader.reporters.escape import format_number
from grader.reporters.failure import failure_view
from grader.reporters.markdown import render_summary
from grader.reporters.messages import translate_message
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
    check_run_notes(replace(report, integrity=(Finding("symlink", "a link", "calc.py"),)), tmp_path, "es")
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


def check_run_notes(report: Report, workspace: Path, language: str) -> list[dict[str, Any]]:
    """The check run's annotations as `grader post` builds them."""
    return post.check_run_annotations(select_annotations(report, RepoLayout(workspace).locate, language))


def emitted(tmp_path: Path, language: str, report: Report) -> tuple[list[str], str, str]:
    folder = tmp_path / language
    folder.mkdir()
    env = {"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(folder / "out"), "GITHUB_STEP_SUMMARY": str(folder / "sum")}
    stream = io.StringIO()
    emit_github(report, settings_from_env(env), report_path="r.json", stream=stream, language=language)
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
    report = hostile_report()  # both located (a test without a place in the repository gets no annotation)
    report = replace(report, tests=(report.tests[0], replace(report.tests[1], file="calc.py", line=1)))
    commands, _ = annotations(report, language="es")
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


def verdict_messages() -> list[str]:
    """Every message the scoring writes (grader.results.scoring, the trusted collection's verdict reasons),
    from reports that take each path once: the instructor's skips and xfails, run-time skips and
    xfails, strict xfail, subtests, group caps, not-run, the run's errors."""
    from grader.config import GradingConfig, Group
    from grader.models import ExpectedTest, JUnitCase, JUnitReport, SubtestCounts
    from grader.results.scoring import junit_key, score_report

    def run(results: dict[str, tuple[Status, str, bool]], ungraded: dict[str, str] = {},  # noqa: B006
            strict: tuple[str, ...] = (), **kw: object) -> Report:
        names = [*results, "t.py::test_missing"]
        expected = tuple(ExpectedTest(n, "t.py", i + 1, ungraded=ungraded.get(n), xfail_strict=n in strict)
                         for i, n in enumerate(names))
        cases = tuple(JUnitCase(*junit_key(n), status=s, message=m, xfail=x,
                                subtests=SubtestCounts(1, 2) if "sub" in n else None)
                      for n, (s, m, x) in results.items())
        config = GradingConfig(tests=Path("/t"), groups=(Group("style", ("t.py::test_g*",), 1.0),))
        return score_report(expected, JUnitReport(cases=cases), config, **kw)  # type: ignore[arg-type]

    skip, xfail = (Status.SKIPPED, "later", False), (Status.SKIPPED, "known", True)
    reports = [
        run(
            {"t.py::test_skip": skip, "t.py::test_skip_other": (Status.SKIPPED, "other reason", False),
             "t.py::test_xfail_runs": xfail, "t.py::test_xfail_no_run": (Status.SKIPPED, "", True),
             "t.py::test_xfail_reason": xfail, "t.py::test_xfail_no_run_reason": xfail,
             "t.py::test_run_skip": skip, "t.py::test_run_skip_bare": (Status.SKIPPED, "", False),
             "t.py::test_run_xfail": xfail, "t.py::test_run_xfail_bare": (Status.SKIPPED, "", True),
             "t.py::test_strict": xfail, "t.py::test_strict_bare": (Status.SKIPPED, "xfail", True),
             "t.py::test_sub": (Status.FAILED, "2 of 3 subtests failed", False),
             "t.py::test_g1": (Status.PASSED, "", False), "t.py::test_g2": (Status.PASSED, "", False),
             "t.py::test_load": (Status.ERROR, "could not load the tests: NameError: name 'x' is not defined", False)},
            ungraded={"t.py::test_skip": "skipped by the instructor: later",
                      "t.py::test_skip_other": "skipped by the instructor: unconditional skip",
                      "t.py::test_xfail_runs": "marked xfail by the instructor (not strict)",
                      "t.py::test_xfail_no_run": "marked xfail by the instructor (does not run)",
                      "t.py::test_xfail_reason": "marked xfail by the instructor (not strict): known",
                      "t.py::test_xfail_no_run_reason": "marked xfail by the instructor (does not run): known"},
            strict=("t.py::test_strict", "t.py::test_strict_bare"),
        ),
        run({"t.py::test_a": (Status.ERROR, "timed out after 5 s (the whole run's timeout)", False)},
            sandbox=SandboxInfo(timed_out=True), run_error="timed out after 5 s"),
        run({}, sandbox=SandboxInfo(oom_killed=True)),
        run({}),
        run({}, run_error="pytest collected no tests"),
        score_report((ExpectedTest("t.py::a", "t.py", 1),), JUnitReport(cases=(), error="bad XML"),
                     GradingConfig(tests=Path("/t"))),
    ]
    found = [m for r in reports for m in (*(t.message for t in r.tests), *(a.name for a in r.adjustments),
                                          r.error or "")]
    return [m for m in found if m]


def test_every_message_of_the_verdict_rules_reads_in_spanish() -> None:
    """The catalog's completeness for texts the reports carry in English (grader.reporters.messages):
    a new English message in the scoring fails here until it has a form and a Spanish entry."""
    found = verdict_messages()
    assert len(found) >= 25  # every path above wrote its message
    for message in found:
        spanish = translate_message(message, fresh("es"))
        assert spanish != message, f"not recognised, stays English in Spanish feedback: {message!r}"
        assert not re.search(r"\b(not graded|while running|no points|instructor|expected|subtests?|group cap|"
                             r"not run|timed out|could not)\b", spanish), (message, spanish)
    assert translate_message("not graded: skipped by the instructor: later", translator("es")) == (
        "sin calificar: omitida por el equipo docente: later"  # the instructor's own reason: as written
    )


def test_every_message_the_scoring_writes_has_a_form() -> None:
    """Source check (the reverse of the test below): each literal text grader/results/scoring.py puts in a
    message, run error or adjustment name, and each verdict reason of the trusted collection, is part
    of a recognised form: a new one cannot reach a Spanish report in English unnoticed."""
    import ast

    forms = " ".join(re.sub(r"\\(.)", r"\1", form) for form, _ in messages._FORMS)
    pieces: list[str] = []
    for path, keys in ((ROOT / "grader" / "results" / "scoring.py", {"message", "name", "run_error"}),
                       (ROOT / "grader" / "collection" / "collect_plugin.py", {"ungraded"})):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            values: list[ast.expr] = []
            if isinstance(node, ast.keyword) and node.arg in keys:
                values.append(node.value)
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id in keys for t in node.targets):
                values.append(node.value)
            if isinstance(node, ast.Dict):
                values += [v for k, v in zip(node.keys, node.values, strict=True)
                           if isinstance(k, ast.Constant) and k.value in keys]
            for value in values:
                for sub in ast.walk(value):
                    if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                        pieces.append(sub.value)
    words = [p.strip(" :()") for p in pieces if re.search(r"[a-z]{3,} [a-z]", p)]
    assert len(words) >= 10
    assert [w for w in words if w not in forms] == []


def test_the_list_of_failed_subtests_reads_in_spanish_around_pytests_text(tmp_path: Path) -> None:
    """The details the sandbox writes for a test with failed subtests (its real writer): the grader's
    own lines in Spanish in the summary, terminal and check-run annotation; labels, parameters and
    pytest's text as they are."""
    from grader.models import SubtestCounts
    from grader.sandbox.inside.junitxml import Subtests, fail_for_subtests

    failures = tuple(("case a", f"x={i}", "AssertionError: assert 2 == 3") for i in range(2))
    record = fail_for_subtests({"outcome": "failed", "text": "E   boom"},
                               Subtests(1, 3, failures, ">   assert f(x) == 3\nE   AssertionError"))  # fmt: skip
    test = TestScore("test_c.py::test_f", Status.FAILED, 0, 1, message=record["crash"], details=record["text"],
                     subtests=SubtestCounts(1, 3), file="test_c.py", line=1)  # fmt: skip
    report = Report(score=0, max_score=1, status=RunStatus.FAIL, tests=(test,))
    (tmp_path / "test_c.py").write_text("x = 1\n")
    annotation = check_run_notes(report, tmp_path, "es")[0]
    t = fresh("es")
    for text in (render_summary(report, language="es"), terminal_text(report, "student", "es", verbose=True),
                 annotation["raw_details"]):  # fmt: skip
        assert "subpruebas fallidas: 3 de 4:" in text and "Primera subprueba fallida:" in text, text
        assert "- … y 1 subpruebas fallidas más" in text and "La prueba en sí:" in text
        assert "[case a] (x=0): AssertionError: assert 2 == 3" in text  # the subtest's own text: as is
        assert not re.search(r"subtests? failed|First failed|The test itself|more failed", text)
    assert t.missing == set()


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

    from grader.cli.common import load_grading_config

    config = tmp_path / "grading.yml"
    config.write_text("tests: .\nlanguage: es\n")
    args = argparse.Namespace(config=config, tests=None, timeout=None, language=None)
    assert load_grading_config(args).language == "es"
    assert load_grading_config(replace_ns(args, language="EN")).language == "en"
    with pytest.raises(ConfigError, match="--language: unknown language 'xx'"):
        load_grading_config(replace_ns(args, language="xx"))
    assert post_cmd.post_language(argparse.Namespace(language=None, config=config)) == "es"
    assert post_cmd.post_language(argparse.Namespace(language="en", config=config)) == "en"
    assert post_cmd.post_language(argparse.Namespace(language=None, config=None)) == "en"


def replace_ns(ns: object, **changes: object) -> object:
    import argparse

    return argparse.Namespace(**{**vars(ns), **changes})
