"""grader.action_env: what the action leaves out of the grader's cached environment is never loaded.

The proof is in three parts: which paths go (a made-up site-packages); that the installed githubkit
imports the API's TypedDicts only for type checkers; and the grader's rendering and posting tests, in
English and Spanish, run against trimmed copies of the installed Babel and githubkit-schemas."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import babel
import githubkit
import githubkit_schemas
import pytest

from grader.action_env import LOCALE_DATA, SCHEMAS, main, remove, unused_paths
from grader.github.client import API_VERSION

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_VERSION = "v" + API_VERSION.replace("-", "_")  # githubkit_schemas' folder for the version posted with
# The grader's tests of everything students read: both languages, the job summary, annotations, the
# terminal report, and posting check runs, statuses and comments to the fake GitHub API.
SCHEMAS_PATH = next(iter(githubkit_schemas.__path__))  # a namespace package: no __file__
READER_TESTS = (
    "tests/unit/test_i18n.py",
    "tests/unit/test_i18n_post.py",
    "tests/unit/test_post_api.py",
    "tests/unit/test_reporters_golden.py",
)


# Drops a catalog into the installed grader while it runs, which the action's environment never sees:
# its languages are those of the catalogs it was installed with (and the venv's cache key covers them).
THIRD_LANGUAGE = "tests/unit/test_i18n.py::test_a_third_language_is_one_dropped_po_file"


def fake_site(root: Path, locales: list[str]) -> Path:
    for folder in (f"{SCHEMAS}/{SCHEMA_VERSION}/types", f"{SCHEMAS}/{SCHEMA_VERSION}/models"):
        (root / folder).mkdir(parents=True)
        (root / folder / "__init__.py").write_text("")
    (root / LOCALE_DATA).mkdir(parents=True)
    for name in [*locales, "root"]:
        (root / LOCALE_DATA / f"{name}.dat").write_bytes(b"")
    (root / LOCALE_DATA / "LICENSE.unicode").write_text("")
    return root


def test_type_hints_and_other_languages_go(tmp_path: Path) -> None:
    site = fake_site(tmp_path, ["en", "en_US", "en_001", "en_150", "es", "es_419", "es_MX", "fr", "de_AT", "nb", "no"])
    unused = unused_paths(site, ["en", "es"], {"en_150": "en_001", "nb": "no"})
    names = [p.relative_to(site).as_posix() for p in unused]
    locale_data = LOCALE_DATA.as_posix()
    assert names == [
        f"{SCHEMAS}/{SCHEMA_VERSION}/types",
        f"{locale_data}/de_AT.dat",
        f"{locale_data}/fr.dat",
        f"{locale_data}/nb.dat",
        f"{locale_data}/no.dat",
    ]
    assert remove(unused) == 5
    assert sorted(p.name for p in (site / LOCALE_DATA).iterdir()) == [
        "LICENSE.unicode", "en.dat", "en_001.dat", "en_150.dat", "en_US.dat", "es.dat", "es_419.dat", "es_MX.dat",
        "root.dat",
    ]  # fmt: skip
    assert (site / SCHEMAS / SCHEMA_VERSION / "models").is_dir()


def test_a_kept_locales_parents_stay_whatever_their_language(tmp_path: Path) -> None:
    site = fake_site(tmp_path, ["nb", "no", "hi", "hi_Latn", "en_IN", "en"])
    parents = {"nb": "no", "hi_Latn": "en_IN"}
    assert [p.stem for p in unused_paths(site, ["en", "nb"], parents)] == ["types", "hi", "hi_Latn"]
    assert [p.stem for p in unused_paths(site, ["hi"], parents)] == ["types", "nb", "no"]


def test_main_trims_the_folder_it_is_given(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = fake_site(tmp_path, ["en", "es", "fr"])
    assert main([str(site)]) == 0
    assert "left out 2 files" in capsys.readouterr().out  # the types folder's __init__.py and fr.dat
    assert not (site / SCHEMAS / SCHEMA_VERSION / "types").exists()
    assert {p.name for p in (site / LOCALE_DATA).glob("*.dat")} == {"en.dat", "es.dat", "root.dat"}


IMPORTS_TYPES = re.compile(r"^\s*from\s+[\w.]*types\b", re.MULTILINE)  # what the scan below parses


def runtime_imports_of_types(package: Path) -> list[str]:
    """`from ..types import` (or of a `githubkit_schemas.*.types`) outside `if TYPE_CHECKING:` blocks."""
    found = []
    for path in sorted(package.rglob("*.py")):
        if "types" in path.relative_to(package).parts[:-1]:
            continue  # the TypedDicts themselves
        text = path.read_text(encoding="utf-8")
        if not IMPORTS_TYPES.search(text):
            continue  # parsing every module (megabytes of models) would take seconds
        tree = ast.parse(text)
        checking = {
            id(node)
            for block in ast.walk(tree)
            if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
            for statement in block.body
            for node in ast.walk(statement)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and id(node) not in checking:
                module = node.module or ""
                relative_types = node.level > 0 and (module == "types" or module.startswith("types."))
                if relative_types or (module.startswith(SCHEMAS) and ".types" in module):
                    found.append(f"{path.relative_to(package.parent)}:{node.lineno}")
    return found


def test_the_scan_tells_a_type_checkers_import_from_a_runtime_one(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "types").mkdir(parents=True)
    (package / "types" / "__init__.py").write_text("from .other import X\n")  # the hints themselves: skipped
    (package / "hinted.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .types import X\n"
    )
    (package / "loaded.py").write_text("import os\n\nfrom .types import X\n")
    assert runtime_imports_of_types(package) == ["pkg/loaded.py:3"]


def test_githubkit_imports_the_api_type_hints_for_type_checkers_only() -> None:
    schemas = Path(SCHEMAS_PATH)
    found = runtime_imports_of_types(Path(githubkit.__file__).parent) + runtime_imports_of_types(schemas)
    # `latest` re-exports the newest API version, which the action does not install at all
    assert [place for place in found if not place.startswith(f"{SCHEMAS}/latest/")] == []
    assert (schemas / SCHEMA_VERSION / "types").is_dir(), "nothing to trim: did githubkit-schemas change its layout?"


def link_tree(source: Path, dest: Path, deep: set[Path]) -> None:
    """`dest`: a folder of links to `source`'s entries, real folders for those in `deep` (what is trimmed):
    a copy of the installed package that costs no copying and that trimming never reaches through."""
    dest.mkdir(parents=True)
    for entry in source.iterdir():
        if entry in deep:
            link_tree(entry, dest / entry.name, deep)
        elif entry.name != "__pycache__":
            (dest / entry.name).symlink_to(entry)


def test_what_students_read_and_posting_work_in_a_trimmed_environment(tmp_path: Path) -> None:
    site = tmp_path / "site"
    babel_dir, schemas = Path(babel.__file__).parent, Path(SCHEMAS_PATH)
    link_tree(babel_dir, site / "babel", deep={babel_dir / "locale-data"})
    link_tree(schemas, site / SCHEMAS, deep={schemas / SCHEMA_VERSION})
    assert main([str(site)]) == 0
    assert not list(site.glob(f"{SCHEMAS}/*/types"))
    assert 0 < len(list((site / LOCALE_DATA).glob("*.dat"))) < 200
    # The trimmed copies first on the path, then the tests in this interpreter. githubkit_schemas is a
    # namespace package, which would also take in the installed copy's folders: it gets the trimmed one only.
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]); import babel, githubkit_schemas, pytest\n"
        "githubkit_schemas.__path__ = [sys.argv[1] + '/githubkit_schemas']\n"
        "assert babel.__file__.startswith(sys.argv[1])\n"
        "code = pytest.main(['-q', '-p', 'no:cacheprovider', '--deselect', sys.argv[2], *sys.argv[3:]])\n"
        f"import githubkit_schemas.{SCHEMA_VERSION}.models as models\n"
        "assert models.__file__.startswith(sys.argv[1]), models.__file__\n"
        "sys.exit(code)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(site), THIRD_LANGUAGE, *READER_TESTS],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and "skipped" not in done.stdout
