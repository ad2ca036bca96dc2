"""The vendored suites (tests/conformance/corpus/<name>/: tests/, solution/, licence, ORIGIN.md)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).parent / "corpus"


@dataclass(frozen=True)
class Suite:
    name: str
    broken: int  # how many one-function mutants to grade (a bounded sample: the CI time budget)
    # Functions never broken, each for a reason given where the suite is listed.
    avoid: tuple[str, ...] = ()

    @property
    def tests(self) -> Path:
        return CORPUS / self.name / "tests"

    @property
    def solution(self) -> Path:
        return CORPUS / self.name / "solution"


SUITES = (
    # unittest TestCase classes, self.subTest, skipIf, unittest.mock.patch.
    # sieve broken runs test_sieve for minutes (its negated loop bound): a timeout, not a verdict.
    Suite("more_itertools", broken=3, avoid=("sieve",)),
    Suite("inflection", broken=2),  # pytest functions, parametrize (455 cases)
    Suite("markupsafe", broken=2),  # conftest.py, parametrized session fixtures, skipif params, classes
    Suite("boltons", broken=2),  # unittest setUp, pytest classes, fixtures-free functions, skipif
    Suite("pyparsing", broken=2),  # unittest classes looping over cases with self.subTest (a second project)
)
