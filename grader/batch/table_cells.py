"""How the gradebook's Markdown writes a cell and a number (shared by `gradebook` and its `review` list)."""

from __future__ import annotations

from collections.abc import Callable

from grader.i18n import DEFAULT_LANGUAGE, Translator


def _num(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))


def local_number(t: Translator) -> Callable[[float | None], str]:
    """Points as the Markdown shows them: English exactly as before (`_num`), else the locale's digits."""
    if t.language == DEFAULT_LANGUAGE:
        return _num
    return lambda value: "" if value is None else t.number(value)


def _md(text: str) -> str:
    """Safe inside a Markdown table cell: no pipes, no HTML, no line breaks."""
    return (
        text.replace("\\", "\\\\")
        .replace("|", "\\|")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("`", "\\`")
        .replace("\n", " ")
    )
