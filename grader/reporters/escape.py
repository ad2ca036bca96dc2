"""Making untrusted text safe to show: cleaning, bounding and escaping for Markdown/HTML.

Everything a submission can influence (test messages, tracebacks, captured output, file names and
even test ids, since parametrize ids may embed student values) goes through these functions before
it reaches a summary, a log line or the terminal.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

# ANSI/VT escape sequences: CSI (ESC [ ... final), OSC (ESC ] ... BEL or ESC \), other two-byte ESC X.
_ANSI_RE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC (titles, hyperlinks)
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS, SOS, PM, APC strings
    r"|\x1b[@-Z\\-_]?"  # lone ESC or two-byte sequences
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
)
# C0 controls except tab and newline, DEL, C1 controls; bidi overrides/isolates (they can visually
# reorder a line, "Trojan Source"); U+2028/2029 line/paragraph separators (some viewers break lines).
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff]")
_SURROGATE_RE = re.compile(r"[\ud800-\udfff]")
_ASTRAL_RE = re.compile(r"[\U00010000-\U0010ffff]")

ELLIPSIS = "…"


def clean(text: str) -> str:
    """Strip terminal escapes and control characters, normalise newlines, drop lone surrogates.

    Keeps `\\n` and `\\t`. The result always encodes as UTF-8.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ANSI_RE.sub("", text)
    text = _CONTROL_RE.sub("", text)
    return _SURROGATE_RE.sub("\ufffd", text)


def one_line(text: str, max_chars: int | None = None, *, note: Callable[[int], str] | None = None) -> str:
    """`clean`, fold every line break and tab into a single space, optionally bound the length."""
    text = re.sub(r" *[\n\t][\n\t ]*", " ", clean(text)).strip()
    return text if max_chars is None else truncate(text, max_chars, sep=" ", note=note)


def truncate(
    text: str, max_chars: int, *, keep: str = "head", sep: str = "\n", note: Callable[[int], str] | None = None
) -> str:
    """Bound `text` to `max_chars` characters, saying how much was cut.

    keep="tail" keeps the end instead (the end of a traceback is the informative part).
    """
    if len(text) <= max_chars:
        return text
    # the note's length depends on the number it states; size the room for the largest one
    cut_note = note or _cut_note  # `note`: the same words in the reader's language (grader.i18n)
    room = max(0, max_chars - len(cut_note(len(text))) - 1)
    said = cut_note(len(text) - room)
    if not room:
        return said[:max_chars]
    if keep == "tail":
        return f"{said}{sep}{text[len(text) - room :]}"
    return f"{text[:room]}{sep}{said}"


def _cut_note(n: int) -> str:
    return f"{ELLIPSIS} [{n} more characters not shown]"


def bmp_only(text: str, *, code: bool = False) -> str:
    """Replace characters above U+FFFF (the check runs API refuses them).

    In Markdown text they become numeric character references (still rendered as the emoji);
    in code blocks, where references are shown literally, a Python-style `\\U0001f600` escape.
    """
    if code:
        return _ASTRAL_RE.sub(lambda m: f"\\U{ord(m.group()):08x}", text)
    return _ASTRAL_RE.sub(lambda m: f"&#x{ord(m.group()):X};", text)


# Characters with a meaning in Markdown or HTML. Numeric character references are used instead of
# backslash escapes because they work in every context we write to: paragraphs, table cells (where
# `|` splits cells even inside code spans) and raw HTML blocks such as <summary>, where backslash
# escapes are not processed. References never count as Markdown syntax (CommonMark 6.2).
# Untrusted inline text is never placed at the start of a line, so line-start syntax (`#`, `-`,
# `1.`, `>`) cannot trigger; `!`/`(` only matter next to the (escaped) brackets; `$` starts math.
_MD_SPECIAL = {c: f"&#{ord(c)};" for c in "\\`*_[]<>|~!$"}
_MD_SPECIAL["&"] = "&amp;"
_MD_TABLE = str.maketrans(_MD_SPECIAL)
# @mention / team mention: GitHub links mentions in the rendered text (after references are
# decoded), so a joiner is inserted after "@" to stop `@org/team` from pinging anyone.
_MENTION_RE = re.compile(r"@(?=[A-Za-z0-9])")
_ZWJ = "\u200d"


def md_inline(text: str, max_chars: int = 500) -> str:
    """One line of untrusted text, safe in Markdown paragraphs, table cells and HTML elements."""
    text = one_line(text, max_chars)
    text = _MENTION_RE.sub("@" + _ZWJ, text)
    return bmp_only(text.translate(_MD_TABLE))


def md_code_block(
    text: str,
    *,
    max_chars: int = 20_000,
    keep: str = "head",
    info: str = "text",
    note: Callable[[int], str] | None = None,
) -> str:
    """Untrusted multi-line text as a fenced code block that nothing inside can close.

    The fence is one backtick longer than the longest backtick run in the content (CommonMark:
    a closing fence must be at least as long as the opening one).
    """
    body = bmp_only(truncate(clean(text).expandtabs(4), max_chars, keep=keep, note=note), code=True)
    body = body.rstrip("\n")
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{body}\n{fence}"


def format_number(value: float) -> str:
    """A score as people and JavaScript print it: 10, 8.5, 0.33 (rounded to 2 decimals).

    Matches JavaScript's `${n}` for the values we produce, so our notices read exactly like the
    Classroom reporter's; rounding first keeps 3.0000000000000004 out of Classroom's CSV.
    """
    if not math.isfinite(value):
        return "0"
    value = round(value, 2) + 0.0  # + 0.0 turns -0.0 into 0.0
    if value == int(value):
        return str(int(value))
    return repr(value)


def utf8_len(text: str) -> int:
    """Size in UTF-8 bytes: an upper bound of the length in code points and in UTF-16 units too."""
    return len(text.encode("utf-8", "surrogatepass"))
