"""What the GitHub Action's environment of the grader can do without: files it provably never loads.

The action caches the grader's virtual environment, and restoring it (thousands of small files) is most
of a warm run. So before it is compiled and cached, the action removes (`python -I -m grader.action_env`):

* the REST API's TypedDicts, `githubkit_schemas/<version>/types/` (a third of the environment's
  files): githubkit's code imports them only under `if TYPE_CHECKING`, for type checkers; its models
  and its REST clients, which posting uses, are separate modules (tests/unit/test_action_env.py scans
  the installed githubkit for a runtime import of them);
* Babel's locale data of every language the grader has no catalog for. Babel opens a locale's file and
  its parents' (`es_MX` -> `es_419` -> `es` -> `root`; a few exceptions such as `nb` -> `no`): what
  stays is `root`, every locale of English and of each catalog's language, and their parents.

Nothing else is touched; the grader's own tests run against such a trimmed copy in both languages.
"""

from __future__ import annotations

import shutil
import sys
import sysconfig
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

SCHEMAS = "githubkit_schemas"
LOCALE_DATA = Path("babel", "locale-data")


def unused_paths(site: Path, languages: Iterable[str], parent_exceptions: Mapping[str, str]) -> list[Path]:
    """The folders and files under `site` (a site-packages) the grader never loads, in `languages`.

    `parent_exceptions`: Babel's locales whose parent is not their name minus its last part (its
    `get_global("parent_exceptions")`: `nb` -> `no`); the parents of what stays stay too.
    """
    found = sorted(p for p in (site / SCHEMAS).glob("*/types") if p.is_dir())
    locale_data = site / LOCALE_DATA
    if not locale_data.is_dir():
        return found
    names = {p.stem for p in locale_data.glob("*.dat")}
    languages = {language.split("_")[0] for language in languages}
    keep = {"root"} | {name for name in names if name.split("_")[0] in languages}
    pending = list(keep)
    while pending:  # the parents named by an exception, and theirs, whatever their language
        name = pending.pop()
        parts = name.split("_")
        for parent in [parent_exceptions.get(name, "")] + ["_".join(parts[:i]) for i in range(1, len(parts))]:
            if parent and parent not in keep:
                keep.add(parent)
                pending.append(parent)
    return found + sorted(locale_data / f"{name}.dat" for name in names - keep)


def remove(paths: Iterable[Path]) -> int:
    """Remove the paths (folders whole); returns how many files went."""
    count = 0
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            count += sum(1 for p in path.rglob("*") if not p.is_dir())
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
            count += 1
    return count


def main(argv: Sequence[str] = ()) -> int:
    """Trim this interpreter's site-packages (or the folder given) for the grader's languages."""
    from babel.core import get_global  # Babel: only here, not for `unused_paths`

    from grader.i18n import available_languages

    site = Path(argv[0]) if argv else Path(sysconfig.get_path("purelib"))
    count = remove(unused_paths(site, available_languages(), get_global("parent_exceptions")))
    print(f"left out {count} files the grader never loads (API type hints, other languages' locale data)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
