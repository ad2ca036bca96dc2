"""Tests for the `calc` assignment: Fibonacci numbers and primality."""

import pytest
from calc import fib, is_prime


def test_fib_small():
    """fib(0), fib(1) and fib(2) are the first Fibonacci numbers"""
    assert [fib(0), fib(1), fib(2)] == [0, 1, 1]


def test_fib_ten():
    """fib(10) is 55"""
    assert fib(10) == 55


@pytest.mark.points(3)
def test_fib_large():
    """fib(90) is computed quickly (no naive recursion)"""
    assert fib(90) == 2880067194370816120


@pytest.mark.parametrize("n", [2, 3, 5, 97])
def test_is_prime_true(n):
    """primes are recognised"""
    assert is_prime(n)


@pytest.mark.parametrize("n", [0, 1, 4, 91])
def test_is_prime_false(n):
    """non-primes are rejected"""
    assert not is_prime(n)


def test_fib_negative():
    """fib of a negative number raises ValueError"""
    with pytest.raises(ValueError):
        fib(-1)
