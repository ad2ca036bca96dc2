"""Student-facing text in the course's language: gettext catalogs, numbers and dates by locale.

Message ids are the English texts, marked in the code as `t._("...")` / `t.ngettext(...)` on a
`Translator` (or `N_("...")` where a text is only declared), and use `str.format` placeholders so a
translation may reorder them. Catalogs live in `grader/locale/<lang>/LC_MESSAGES/grader.po`; the
build compiles them to `.mo` files inside the wheel (see `setup.py`). A source checkout or an
editable install without compiled catalogs compiles the `.po` in memory with Babel instead, so a
language works the moment its `.po` file is dropped in: English needs no catalog at all.

Numbers shown to students follow the locale (Spanish `7,5 / 10`) after the same rounding as
`format_number` (2 decimals); the Classroom notices and the `result` output never come through here:
Classroom parses them, so they stay byte-exact JavaScript-style numbers in every language.

Update the catalogs after changing a text (see README, "Languages"):
    pybabel extract -F babel.cfg -o grader/locale/grader.pot grader
    pybabel update -i grader/locale/grader.pot -d grader/locale -D grader
"""

from __future__ import annotations

import gettext
import io
import math
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from grader.errors import UsageError

DOMAIN = "grader"
DEFAULT_LANGUAGE = "en"  # the language of the message ids: no catalog needed
LOCALE_DIR = Path(__file__).resolve().parent / "locale"


class LanguageError(UsageError, ValueError):
    """An unknown language code, worded for the instructor (one line naming the choices)."""


def N_(message: str) -> str:  # the conventional name of gettext's no-op marker
    """Mark a text for extraction without translating it here (it is translated where shown)."""
    return message


def available_languages() -> tuple[str, ...]:
    """English plus every language with a catalog (compiled or not) under grader/locale."""
    found = {DEFAULT_LANGUAGE}
    if LOCALE_DIR.is_dir():
        for entry in LOCALE_DIR.iterdir():
            messages = entry / "LC_MESSAGES"
            if (messages / f"{DOMAIN}.mo").is_file() or (messages / f"{DOMAIN}.po").is_file():
                found.add(entry.name)
    return tuple(sorted(found))


def check_language(code: str) -> str:
    """The catalog's own spelling of a code (`ES` -> `es`, `pt-br` -> `pt_BR`), or LanguageError
    naming the choices."""
    choices = available_languages()
    by_key = {c.lower(): c for c in choices}
    language = by_key.get(code.strip().lower().replace("-", "_"))
    if language is None:
        raise LanguageError(f"unknown language {code!r} (choose from {', '.join(choices)})")
    return language


@dataclass(frozen=True)
class Translator:
    """Translations and locale formats of one language. `missing` collects the message ids the
    catalog did not have (the completeness test reads it); English never misses any."""

    language: str
    catalog: gettext.NullTranslations
    locale: Locale
    missing: set[str] = field(default_factory=set, compare=False)

    def _(self, message: str, /, **values: object) -> str:
        text = self.catalog.gettext(message)
        if self.language != DEFAULT_LANGUAGE and message not in self._ids():
            self.missing.add(message)
        return text.format(**values) if values else text

    def ngettext(self, singular: str, plural: str, n: int, /, **values: object) -> str:
        text = self.catalog.ngettext(singular, plural, n)
        if self.language != DEFAULT_LANGUAGE and (singular, 0) not in self._ids():
            self.missing.add(singular)
        return text.format(n=n, **values)  # counts: plain digits in every locale, as before

    def _ids(self) -> dict[object, str]:
        # gettext has no public "is this id translated" (a translation may equal its id: "Error")
        return getattr(self.catalog, "_catalog", {})

    def cut_note(self, n: int) -> str:
        """What `reporters.escape.truncate` says when it cuts text, in this language."""
        return "… [" + self.ngettext("{n} more character not shown", "{n} more characters not shown", n) + "]"

    def number(self, value: float) -> str:
        """A score: rounded to 2 decimals like `format_number`, then in the locale's digits."""
        # the rounding of reporters.escape.format_number (not imported: reporters import this module)
        rounded = round(value, 2) + 0.0 if math.isfinite(value) else 0.0
        return format_decimal(Decimal(repr(rounded)), format="0.##", locale=self.locale)

    def score(self, score: float, max_score: float) -> str:
        return f"{self.number(score)} / {self.number(max_score)}"

    def integer(self, value: int) -> str:
        """A count (tests, bytes), grouped the locale's way: 65,535 / 65.535."""
        return format_decimal(value, locale=self.locale)

    def decimal(self, value: float, digits: int = 1) -> str:
        """A measurement such as a duration in seconds, with `digits` decimals."""
        pattern = "0." + "0" * digits if digits else "0"
        return format_decimal(value, format=pattern, locale=self.locale)

    def datetime(self, value: datetime) -> str:
        """`1 de diciembre de 2026, 23:59` / `December 1, 2026, 11:59 PM`, in the value's own zone."""
        return f"{format_date(value, 'long', locale=self.locale)}, {format_time(value, 'short', locale=self.locale)}"


@lru_cache(maxsize=8)
def translator(language: str = DEFAULT_LANGUAGE) -> Translator:
    """The Translator of a language code checked by `check_language` (LanguageError otherwise)."""
    code = check_language(language)
    return Translator(code, _catalog(code), Locale.parse(code))


def _catalog(language: str) -> gettext.NullTranslations:
    if language == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    messages = LOCALE_DIR / language / "LC_MESSAGES"
    mo, po = messages / f"{DOMAIN}.mo", messages / f"{DOMAIN}.po"
    if mo.is_file() and not (po.is_file() and po.stat().st_mtime > mo.stat().st_mtime):
        with mo.open("rb") as fh:
            return gettext.GNUTranslations(fh)
    return gettext.GNUTranslations(io.BytesIO(compile_po(po.read_bytes(), language)))


def compile_po(po_bytes: bytes, language: str) -> bytes:
    """A `.po` file's bytes compiled to `.mo` bytes with Babel (fuzzy entries left out, as msgfmt does)."""
    catalog = read_po(io.BytesIO(po_bytes), locale=language, domain=DOMAIN)
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()
