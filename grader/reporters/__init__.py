"""Renderers of a Report: Markdown summary, GitHub Classroom's result (the terminal one is
`grader.cli.terminal`; the workflow commands and step files, `grader.github.actions`).

All renderers treat every string in the report that a submission can influence as hostile:
it is cleaned of control characters, bounded, and escaped for its destination.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "classroom_result",
    "encode_result",
    "render_summary",
]


def __getattr__(name: str) -> Any:
    """The renderers, imported when asked for: `grader.reporters.escape` alone (imported by `grader run`
    before its container starts) must not load Babel and the templates (issue #15)."""
    if name in ("classroom_result", "encode_result"):
        from grader.reporters import classroom

        return getattr(classroom, name)
    if name == "render_summary":
        from grader.reporters.markdown import render_summary

        return render_summary
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
