# The calc tests in two files: test_a.py is imported first (and imports the submission).
from calc import add


def test_add():
    assert add(2, 3) == 5
