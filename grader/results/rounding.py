"""Numbers that add up: scores are whole cents, allocated by largest remainder (pure).

A student sees per-test points, a total, and in Classroom a sum of the tests. Rounding each number
on its own makes them disagree (three tests of 10/3 points round to 3.33 each, the total to 10).
So the grader works in integer cents: the maxima are allocated so that they sum to the rounded
maximum, each test earns whole cents of its own maximum, and the total is their sum.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def to_cents(value: float) -> int:
    return round(value * 100) if math.isfinite(value) else 0


def from_cents(cents: int) -> float:
    """cents / 100 as the nearest double: 10 -> 0.1, never 0.09999999999999964."""
    return round(cents / 100, 2) + 0.0  # + 0.0: never -0.0


def allocate(values: Sequence[float], target: int) -> list[int]:
    """Whole numbers, each the floor or the ceiling of its value, summing to `target` (largest remainder).

    `target` is normally round(sum(values)); ties go to the earlier value, so the result is
    deterministic. Values may be negative (a group cap's deduction).
    """
    exact = [round(v, 6) for v in values]  # 33.333333333 and 33.33333334 are the same cents
    floors = [math.floor(v) for v in exact]
    short = target - sum(floors)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    result = list(floors)
    if not order:
        return result
    for n in range(abs(short)):
        i = order[n % len(order)] if short > 0 else order[-1 - n % len(order)]
        result[i] += 1 if short > 0 else -1
    return result

