# Attack: a test file named like the instructor's, where every test passes.
def test_add():
    assert True


def test_sub():
    assert True


def test_mul():
    assert True


def test_bonus():
    assert True
