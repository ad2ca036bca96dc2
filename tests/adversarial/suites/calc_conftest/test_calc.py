# Uses the instructor's fixture `pair` (from the tests folder's conftest.py).
from calc import add, mul, sub


def test_add(pair):
    assert add(*pair) == 9


def test_sub(pair):
    assert sub(*pair) == 3


def test_mul(pair):
    assert mul(*pair) == 18
