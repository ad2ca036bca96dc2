"""Renderers of a Report: Markdown summary, GitHub Actions, GitHub Classroom (the terminal one, rich, is
`grader.cli.terminal`).

All renderers treat every string in the report that a submission can influence as hostile:
it is cleaned of control characters, bounded, and escaped for its destination.
"""

from grader.reporters.actions import (
    annotations,
    classroom_notices,
    emit_github,
    escape_data,
    escape_property,
    guard_untrusted_output,
    write_outputs,
    write_summary,
)
from grader.reporters.classroom import classroom_result, encode_result
from grader.reporters.markdown import render_summary

__all__ = [
    "annotations",
    "classroom_notices",
    "classroom_result",
    "emit_github",
    "encode_result",
    "escape_data",
    "escape_property",
    "guard_untrusted_output",
    "render_summary",
    "write_outputs",
    "write_summary",
]
