# Both kinds of subtests, four cases each (the honest base gets 2 of 4 right in each test). The tests
# hand the student's function their TestCase / `subtests` fixture (as a course's helper API might), so
# a submission can open subtests of its own on them.
import unittest

from greet import greet

NAMES = ["Ann", "Bob", "Cy", "Di"]


class TestGreet(unittest.TestCase):
    def test_greet_unittest(self):
        for name in NAMES:
            with self.subTest(name=name):
                self.assertEqual(greet(name, self.subTest), f"Hello, {name}!")


def test_greet_fixture(subtests):
    for name in NAMES:
        with subtests.test(name=name):
            assert greet(name, subtests.test) == f"Hello, {name}!"
