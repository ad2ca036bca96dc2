"""The command line: the only layer that parses arguments, prints with rich and chooses exit codes.
Nothing below it imports it (tests/unit/test_layers.py)."""

from grader.cli.app import main

__all__ = ["main"]
