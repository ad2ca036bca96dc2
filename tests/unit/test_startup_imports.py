"""`grader run` imports before its container starts only what starting it needs (issue #15): the reporters,
rich, Babel, junitparser and the scoring are imported while the sandbox runs, not on the critical path."""

from __future__ import annotations

import json
import os
import subprocess
import sys

# What `grader run` has imported by the time it creates the container (cli.app parses, cli.run loads the
# config, the pipeline stages and calls the sandbox).
CRITICAL_PATH = "import grader.cli.app, grader.cli.run, grader.config, grader.pipeline, grader.sandbox"
LATER = (
    "rich", "babel", "junitparser", "githubkit", "grader.results.scoring", "grader.results.junit", "grader.i18n",
    "grader.reporters.markdown", "grader.reporters.classroom", "grader.reporters.report_json",
    "grader.submission.integrity",
)  # fmt: skip


def loaded_after(code: str) -> set[str]:
    probe = f"import json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return set(json.loads(out))


def test_the_critical_path_leaves_the_reporting_modules_for_later() -> None:
    loaded = loaded_after(CRITICAL_PATH)
    assert "docker" in loaded and "yaml" in loaded  # the probe sees real imports
    assert sorted(m for m in LATER if m in loaded) == []


def test_the_reporters_package_still_offers_its_renderers() -> None:
    loaded = loaded_after("from grader.reporters import classroom_result, encode_result, render_summary")
    assert {"grader.reporters.markdown", "grader.reporters.classroom"} <= loaded


def test_the_background_preparation_imports_what_scoring_needs() -> None:
    loaded = loaded_after("from grader.pipeline import _prepare_scoring\n_prepare_scoring(None)")
    assert {"grader.results.scoring", "grader.results.junit", "junitparser"} <= loaded


def test_the_grading_line_is_printed_without_rich_where_no_terminal_is() -> None:
    code = (
        "import sys\nfrom grader.cli.common import status\n"
        "with status(None, 'Grading…'):\n    pass\nprint('rich' in sys.modules)"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert (done.stdout, done.stderr) == ("False\n", "Grading…\n")  # stderr is a pipe here, as in a CI log


def test_the_background_preparation_imports_what_the_reports_need() -> None:
    code = (
        "import argparse\nfrom grader.cli.run import _import_reporters\n"
        "_import_reporters(argparse.Namespace(summary=None, quiet={}))"
    )
    loud, quiet = loaded_after(code.format(False)), loaded_after(code.format(True))
    assert {"rich.console", "grader.reporters.report_json", "grader.cli.terminal"} <= loud
    assert "rich.console" in quiet and "grader.cli.terminal" not in quiet  # --quiet prints one line
