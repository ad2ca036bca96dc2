"""Build hook: compile the gettext catalogs (grader/locale/*/LC_MESSAGES/grader.po) into .mo files.

Everything else about the build is in pyproject.toml. The wheel gets the compiled .mo files next to
the package (`pip install .` and `python -m build` need no manual step); an editable install
compiles them in place in the source tree, where grader.i18n finds them (it would otherwise compile
the .po in memory). Babel, a build requirement, does the compiling.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py

LOCALE = Path("grader") / "locale"


def compile_catalogs(source_root: Path, target_root: Path) -> list[str]:
    """Compile every grader.po under source_root/grader/locale to the same place under target_root."""
    written = []
    for po in sorted((source_root / LOCALE).glob("*/LC_MESSAGES/grader.po")):
        language = po.parent.parent.name
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=language, domain="grader")
        mo = target_root / po.relative_to(source_root).with_suffix(".mo")
        mo.parent.mkdir(parents=True, exist_ok=True)
        with mo.open("wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)
        written.append(str(mo))
    return written


class BuildPyWithCatalogs(build_py):
    def run(self) -> None:
        super().run()
        source = Path(__file__).resolve().parent
        # editable installs import the package from the source tree: compile the catalogs there
        target = source if getattr(self, "editable_mode", False) else Path(self.build_lib)
        self.catalogs = compile_catalogs(source, target)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        return [*super().get_outputs(include_bytecode), *getattr(self, "catalogs", [])]


setup(cmdclass={"build_py": BuildPyWithCatalogs})
