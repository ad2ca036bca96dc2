# A pytest plugin the submission tries to load through a config file or an environment variable:
# it rewrites every test report to "passed".
import pytest


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    report.outcome = "passed"
    report.longrepr = None
    return report
