"""Match an expected test to its result when a parameter is one of the submission's modules (pure).

The trusted collection runs with the submission's modules stubbed, so a parameter that is a module
(`params=[markupsafe._native]`, reached as `from markupsafe import _native`) is an attribute stand-in
there and pytest names the case after the attribute: `test_escape[_native-...]`. In the sandbox it
is the real module and pytest uses its `__name__`: `test_escape[markupsafe._native-...]`. The host
cannot tell a submodule from a function without importing the submission, so the two ids are matched
here instead: same test, same parameters, except dotted prefixes in front of parameter values.

Only one-to-one matches count (an expected test with two candidate results, or a result two expected
tests could claim, stays unmatched and fails closed), and only results no expected test claims
exactly. The result still comes from the instructor's test function: only its id differs.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

Key = tuple[str, str]  # (classname, name) as in the JUnit XML
_DOTTED_PREFIX = r"(?:[A-Za-z_][A-Za-z0-9_]*\.)*"
MAX_NAME = 2_000  # longer ids are not worth a regular expression


def _pattern(name: str) -> re.Pattern[str] | None:
    """`name` with an optional dotted prefix before each parameter value (after `[` and each `-`)."""
    head, bracket, params = name.partition("[")
    if not bracket or not params.endswith("]") or len(name) > MAX_NAME:
        return None
    parts = [re.escape(head + "["), _DOTTED_PREFIX]
    for char in params:
        parts.append(re.escape(char))
        if char == "-":
            parts.append(_DOTTED_PREFIX)
    return re.compile("".join(parts))


def align(expected: Iterable[Key], results: Iterable[Key]) -> dict[Key, Key]:
    """Expected keys without an exact result -> the one result that differs only by module prefixes."""
    expected = list(expected)
    results = list(results)
    exact = set(expected) & set(results)
    by_test: dict[tuple[str, str], list[Key]] = defaultdict(list)
    for key in results:
        if key not in exact:
            by_test[(key[0], key[1].partition("[")[0])].append(key)
    claims: dict[Key, list[Key]] = defaultdict(list)
    for key in expected:
        if key in exact:
            continue
        pattern = _pattern(key[1])
        if pattern is None:
            continue
        found = [r for r in by_test.get((key[0], key[1].partition("[")[0]), ()) if pattern.fullmatch(r[1])]
        if len(found) == 1:
            claims[found[0]].append(key)
    return {keys[0]: result for result, keys in claims.items() if len(keys) == 1}
