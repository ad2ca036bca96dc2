"""Cleaning, bounding and escaping of untrusted text (grader.reporters.escape)."""

from __future__ import annotations

import re

import pytest

from grader.reporters.escape import (
    bmp_only,
    clean,
    format_number,
    md_code_block,
    md_inline,
    one_line,
    truncate,
    utf8_len,
)


def test_clean_strips_terminal_escapes_and_controls() -> None:
    hostile = "a\x1b[2J\x1b[31mb\x1b]0;title\x07c\x1b]8;;http://x\x1b\\d\x00e\x07f\x7fg\x9b1mh\u202ei\u2028j"
    assert clean(hostile) == "abcdefghij"


def test_clean_normalises_newlines_keeps_tabs_and_replaces_lone_surrogates() -> None:
    assert clean("a\r\nb\rc\td") == "a\nb\nc\td"
    cleaned = clean("x\ud800y\udfffz")
    assert cleaned == "x\ufffdy\ufffdz"
    cleaned.encode("utf-8")  # no UnicodeEncodeError


def test_one_line_folds_breaks() -> None:
    assert one_line("  a\n\n b\tc\r\nd  ") == "a b c d"


@pytest.mark.parametrize("keep", ["head", "tail"])
def test_truncate_bounds_and_says_so(keep: str) -> None:
    text = "".join(f"{i:05d}\n" for i in range(10_000))
    out = truncate(text, 1000, keep=keep)
    assert len(out) <= 1000
    assert re.search(r"\[\d+ more characters not shown\]", out)
    assert out.startswith("00000") if keep == "head" else out.endswith("09999\n")
    assert truncate("short", 10) == "short"
    assert len(truncate("x" * 100, 5)) <= 5


HOSTILE = [
    "<script>alert(1)</script>",
    "</details><details open>",
    "a | b || c",
    "[click me](https://evil.example) ![img](x.png)",
    "`code` ``more``",
    "*bold* _em_ ~~strike~~ $x^2$",
    "@octocat @org/team hi",
    "line1\nline2\r\n\n- list",
    "&lt; &amp; &#60;",
    "\\*not escaped\\*",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_md_inline_leaves_no_markup_characters(text: str) -> None:
    out = md_inline(text)
    assert not set(out) & set("<>|`[]*_~$\\\n\r!")
    assert re.search(r"&(?!amp;|#\d+;)", out) is None  # every & starts a reference we wrote


def test_md_inline_breaks_mentions() -> None:
    out = md_inline("ping @org/team and @user")
    assert "@org" not in out and "@user" not in out
    assert "@\u200dorg/team" in out


def test_md_inline_bmp_only_and_bounded() -> None:
    out = md_inline("smile \U0001f600 " + "x" * 5000, max_chars=100)
    assert "&#x1F600;" in out
    assert all(ord(c) <= 0xFFFF for c in out)
    assert len(out) < 200


def test_md_code_block_fence_is_longer_than_any_backtick_run() -> None:
    body = "a ``` b\n````\n`````````` c"
    block = md_code_block(body)
    fence = block.split("\n", 1)[0].removesuffix("text")
    assert set(fence) == {"`"} and len(fence) == 11
    assert block.endswith("\n" + fence)
    assert body in block


def test_md_code_block_minimum_fence_and_astral() -> None:
    block = md_code_block("x \U0001f600\n")
    assert block == "```text\nx \\U0001f600\n```"


def test_bmp_only() -> None:
    assert bmp_only("a\U0001f600b") == "a&#x1F600;b"
    assert bmp_only("a\U0001f600b", code=True) == "a\\U0001f600b"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (3.0000000000000004, "3"),
        (0.1 + 0.2, "0.3"),
        (8.5, "8.5"),
        (10.0, "10"),
        (10, "10"),
        (1 / 3, "0.33"),
        (2 / 3, "0.67"),
        (-0.0, "0"),
        (float("nan"), "0"),
        (1_000_000.0, "1000000"),
        (0.005, "0.01"),
    ],
)
def test_format_number_like_javascript(value: float, text: str) -> None:
    assert format_number(value) == text


def test_utf8_len_bounds_chars_and_utf16_units() -> None:
    s = "a\u00e9\u20ac\U0001f600"
    assert utf8_len(s) == 10
    assert utf8_len(s) >= len(s.encode("utf-16-le")) // 2 >= len(s)
