# The calc tests plus a test parametrized over values the submission defines: their ids (which
# pytest builds from the values) are the submission's to choose. The host collects with the
# submission stubbed out, so it expects one placeholder case; the real cases are "unexpected".
import pytest
from calc import VALUES, add, check, mul, sub


def test_add():
    assert add(2, 3) == 5


def test_sub():
    assert sub(5, 3) == 2


def test_mul():
    assert mul(4, 3) == 12


@pytest.mark.parametrize("value", VALUES)
def test_value(value):
    assert check(value)
