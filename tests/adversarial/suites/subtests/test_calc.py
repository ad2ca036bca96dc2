# pytest 9's `subtests` fixture: one report per subtest before the test's own call report.
from calc import add, sub


def test_add_cases(subtests):
    for a, b in [(1, 2), (2, 3), (3, 4)]:
        with subtests.test(a=a, b=b):
            assert add(a, b) == a + b


def test_sub_cases(subtests):
    for a, b in [(5, 5), (5, 3), (9, 4)]:  # sub returns a + b: only the first subtest passes
        with subtests.test(a=a, b=b):
            assert sub(a, b) in (a - b, 10)
