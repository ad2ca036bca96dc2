"""Which tests and findings get an annotation, where and saying what: one policy, rendered twice
(`grader.github.actions` as `::error file=...` workflow commands, `grader.github.payloads` as check-run
annotations).

* A failed or erroring test that is not hidden and whose file is in the repository gets a `failure`;
  an integrity finding on a file in the repository a `warning`.
* A hidden test gets none: its location comes from its traceback (maybe its own file) and its message is
  the instructor's; the summary shows its status and points.
* Order: failures located in a student file, then those in a test file; within each, by points lost, then
  report order; then the findings in report order. Each renderer keeps a prefix of this order within
  GitHub's limits (10 errors and 10 warnings per step; 1000 per check run, 50 per request).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from grader.i18n import DEFAULT_LANGUAGE, N_, Translator, translator
from grader.models import Report, Status, TestScore
from grader.reporters.escape import clean, one_line
from grader.reporters.failure import display_title, failing_line, failure_view
from grader.reporters.messages import translate_details

Level = Literal["failure", "warning"]
_NOT_GOOD = (Status.FAILED, Status.ERROR)
_STATUS_WORD = {Status.FAILED: N_("failed"), Status.ERROR: N_("error")}  # when there is no message
_TEST_FILE_RE = re.compile(r"(^|/)(test_[^/]*\.py|[^/]*_test\.py|conftest\.py)$")


@dataclass(frozen=True)
class Annotation:
    """One annotation, untrusted text cleaned but not yet escaped or bounded for its destination."""

    level: Level
    path: str  # repository-relative POSIX path
    line: int  # 1-based
    title: str  # one line
    message: str  # one sentence: what happened, where
    excerpt: str = ""  # the lines of the traceback that matter ("" when the sentence says it all)
    details: str = ""  # pytest's full text (check runs show it behind "raw details")
    test: str | None = None  # the test's id; None for a finding


def select_annotations(
    report: Report, locate: Callable[[str], str | None], language: str = DEFAULT_LANGUAGE
) -> tuple[Annotation, ...]:
    """The annotations of `report`, most useful first. `locate` maps a submission path to the
    repository's (None: not in the repository; see `grader.paths.RepoLayout.locate`)."""
    t = translator(language)
    located: list[tuple[int, float, int, TestScore, str]] = []
    for index, test in enumerate(report.tests):
        if test.status not in _NOT_GOOD or test.hidden or not test.file:
            continue
        path = locate(test.file)
        if path is not None:
            rank = 1 if _TEST_FILE_RE.search(test.file.replace("\\", "/")) else 0
            located.append((rank, -(test.max_score - test.score), index, test, path))
    located.sort(key=lambda item: item[:3])
    notes = [_test_annotation(test, path, t) for *_, test, path in located]
    for finding in report.integrity:
        path = locate(finding.path) if finding.path else None
        if path is not None:
            title = t._("Integrity check: {kind}", kind=one_line(finding.kind))
            notes.append(Annotation("warning", path, 1, one_line(title), _block(finding.detail or finding.kind)))
    return tuple(notes)


def _test_annotation(test: TestScore, path: str, t: Translator) -> Annotation:
    name = display_title(test)
    error = test.status is Status.ERROR
    title = t._("{name} raised an error", name=name) if error else t._("{name} failed", name=name)
    view = failure_view(test, t)  # one sentence and the lines that matter; details has the rest
    return Annotation(
        level="failure",
        path=path,
        line=max(1, failing_line(test) or 1),  # the failing line (not the decorator line), else the first
        title=one_line(title),
        message=_block(view.lead) or t._(_STATUS_WORD[test.status]),
        excerpt=_block(view.excerpt),
        details=clean(translate_details(test.details, t)),
        test=test.name,
    )


def _block(text: str) -> str:
    """Cleaned multi-line text without surrounding blank lines (first-line indentation kept)."""
    return clean(text).rstrip().lstrip("\n")
