# Attack: set PYTEST_ADDOPTS / PYTEST_PLUGINS while being imported, then crash the test process so
# that the grader has to start pytest again (would the new pytest load the plugin?).
import os

os.environ["PYTEST_ADDOPTS"] = "-p evilplugin"
os.environ["PYTEST_PLUGINS"] = "evilplugin"
os.environ["PYTHONPATH"] = "/workspace"
os.environ["PYTHONSTARTUP"] = "/workspace/evilplugin.py"


def add(a, b):
    return a + b


def sub(a, b):
    os._exit(0)  # the grader restarts pytest for the tests after this one


def mul(a, b):
    return a + b
