# Skips and xfail (README, "Verdict rules"): four graded tests, three the instructor took out of grading.
import unittest

import calc
import pytest


def test_add():
    assert calc.add(2, 3) == 5


@pytest.mark.skip(reason="next year")
def test_skipped_by_the_instructor():
    assert calc.add(1, 1) == 3


@pytest.mark.skipif(True, reason="always")
def test_skipif_true():
    assert calc.add(1, 1) == 3


@pytest.mark.xfail(reason="known to fail")
def test_xfail_not_strict():
    assert calc.add(1, 1) == 3


@pytest.mark.xfail(strict=True, raises=ZeroDivisionError)
def test_divide_by_zero_raises():
    calc.div(1, 0)


def test_optional_module():
    extra = pytest.importorskip("calc_extra")
    assert extra.neg(2) == -2


class TestCalc(unittest.TestCase):
    def test_mul(self):
        self.assertEqual(calc.mul(2, 3), 6)
