# Attack: Python imports usercustomize at start-up when it is on the path; rewrite reports to passed.
import os

os.environ["PYTEST_ADDOPTS"] = "-p evilhook"
try:
    from _pytest.reports import TestReport

    _init = TestReport.__init__

    def _passed(self, *args, **kwargs):
        _init(self, *args, **kwargs)
        self.outcome = "passed"
        self.longrepr = None

    TestReport.__init__ = _passed
except ImportError:
    pass
