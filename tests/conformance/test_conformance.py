"""Per test, the grader's verdict equals plain pytest's, on every vendored suite and its mutants."""

from __future__ import annotations

import pytest

from tests.conformance.corpus import SUITES

pytestmark = pytest.mark.docker


def _results(run, suite):  # type: ignore[no-untyped-def]
    return [r for r in run.results if r.suite == suite]


@pytest.mark.parametrize("suite", [s.name for s in SUITES])
def test_grader_verdicts_equal_pytest(corpus_run, suite: str) -> None:  # type: ignore[no-untyped-def]
    results = _results(corpus_run, suite)
    assert results, f"no variant of {suite} was graded"
    bad = [
        f"{r.variant}: {o.test}: pytest {o.reference.verdict} ({o.reference.why}) / grader {o.grader.verdict}"
        f" ({o.grader.why})"
        for r in results
        for o in r.unexplained
    ]
    assert not bad, f"{len(bad)} unexplained disagreement(s) in {suite}:\n" + "\n".join(bad[:40])


@pytest.mark.parametrize("suite", [s.name for s in SUITES])
def test_honest_solution_is_seen_whole_by_both_sides(corpus_run, suite: str) -> None:  # type: ignore[no-untyped-def]
    """The id mapping works: every test of the honest run is in pytest's XML and in the grader's report."""
    honest = next(r for r in _results(corpus_run, suite) if r.variant == "honest")
    assert honest.grader_error is None and not honest.reference_errors
    # A case pytest named after a value only the run has (`[None]` for a missing optional module) is the
    # same case as the grader's stub-named one (`[_speedups]`): intended.py's skipped-case-only-the-run-names.
    renamed = {_function(o.test) for o in honest.outcomes if o.excused_by == "skipped-case-only-the-run-names"}
    missing = [o.test for o in honest.outcomes if not o.excused_by and not o.test.endswith("[NOTSET]")
               and ((o.reference.why.startswith("did not run") and _function(o.test) not in renamed)
                    or o.grader.why.startswith("not in the grader"))]
    assert not missing, missing[:20]
    assert sum(o.reference.verdict == "passed" for o in honest.outcomes) > len(honest.outcomes) // 2


def _function(test: str) -> str:
    """The test function of an id, whatever the id's form (`file.py::f[p]` or `file::f[p]`)."""
    path, _, name = test.partition("[")[0].rpartition("::")
    return f"{path.removesuffix('.py').replace('/', '.')}::{name}"


def test_corpus_is_large_enough(corpus_run) -> None:  # type: ignore[no-untyped-def]
    honest = [r for r in corpus_run.results if r.variant == "honest"]
    assert len(honest) >= 3
    assert sum(len(r.outcomes) for r in honest) >= 300
    kinds = {r.variant.split(":")[0] for r in corpus_run.results}
    assert kinds == {"honest", "pass", "raise", "none", "break"}
