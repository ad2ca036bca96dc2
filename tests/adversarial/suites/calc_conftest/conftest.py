# The instructor's own conftest.py: it ships with the tests and must keep working.
import pytest


@pytest.fixture
def pair():
    return (6, 3)


def pytest_collection_modifyitems(items):
    for item in items:
        item.user_properties.append(("from", "instructor conftest"))
