"""A typical first attempt: fib is naive and slow, is_prime forgets a corner case."""


def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def is_prime(n):
    for k in range(2, n):
        if n % k == 0:
            return False
    return True
