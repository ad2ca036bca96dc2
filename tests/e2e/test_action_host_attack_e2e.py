"""The action against a student who owns the repository and aims at the host, not the sandbox.

Every step of the composite action starts in the student's repository (GITHUB_WORKSPACE), and the
student decides what is in it. Whatever a host-side step reads from its working folder is theirs to
write: a Python started with `-m`/`-c` puts that folder first on sys.path (`grader/`, `pip/`,
`platform.py`...); uv reads `uv.toml` and `pyproject.toml`'s `[tool.uv]` there (a folder of wheels: one
with a `.pth` file runs in every later Python of the grader's environment, the posting step's included,
and that environment is cached); a python3 shim (pyenv, as on this machine) picks the interpreter named
in `.python-version`; further candidates are pip's and docker's files, `.env`, `sitecustomize.py`. The
workflow sets PYTHONPATH to the repository, as an instructor may (-P alone would then import the
student's sitecustomize.py and grader/, and uv's build of the grader would run the former). This module
commits one file of each kind next to the correct solution and runs the real action with act against the
fake GitHub twice: with cold caches (the grader installed with uv, the runner image built: where
configuration discovery matters) and warm (both restored). Each hostile file, if it ran or took effect,
appends the tokens it can see to a marker file on the host and tries to forge the score (step output,
job summary, Classroom notice).

Asserted: no marker exists, the score is the honest one (every test passes), the check run's title says
it, the cached environment holds nothing of the student's wheel, and the token reached the API only.
Without the fixes (measured by reverting each in the copied action.yml): the Install step in the
repository installed the student's PyYAML wheel, whose `.pth` ran in five host Pythons, saw the token in
the posting step, and forged the `score` output (999) and the Classroom notices with the job green;
every python with -P instead of -I ran their sitecustomize.py, usercustomize.py, platform.py and grader/
(the token seen, the score output 999); uv's build without `unset PYTHONPATH` ran their sitecustomize.py.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml as pyyaml

from tests.e2e.act_harness import ActHarness, ActRun, ScratchRepo
from tests.e2e.fake_github import FakeGitHubAPI, FakeGitHubServer
from tests.e2e.test_action_e2e import ASSIGNMENT, BASE_IMAGE, EXAMPLES, STEP, push_event, workflow_variant

pytestmark = pytest.mark.e2e

TOKEN = "ghs_e2eHostAttackToken"
REPO = "classroom-org/calc-mallory"
FORGED = "999"

# Appends what it can see of the tokens to MARKERS/NAME and tries to forge the result. Only on the host:
# in the sandbox the markers' folder does not exist, and the solution must still pass there.
HOSTILE = """\
import os as _os


def _hostile():
    markers = {markers!r}
    if not _os.path.isdir(markers):
        return
    seen = {{k: v for k, v in _os.environ.items() if "TOKEN" in k}}
    with open(_os.path.join(markers, {name!r}), "a") as out:
        out.write(repr(seen) + "\\n")
    for var, line in (("GITHUB_OUTPUT", "score={forged}\\n"), ("GITHUB_STEP_SUMMARY", "Forged {forged}/{forged}\\n")):
        if _os.environ.get(var):
            with open(_os.environ[var], "a") as out:
                out.write(line)
    print("::notice title=Autograding complete::Points {forged}/{forged}", flush=True)


try:
    _hostile()
except Exception:
    pass
"""

# Modules a host-side python would import from its working folder without -P/-I: what `python -m` runs
# (the grader, pip, venv), what the action's `-c` scripts and the grader import, what `site` imports.
HOSTILE_MODULES = [
    "grader/__init__.py", "grader/__main__.py", "grader/cli/__init__.py",
    "pip/__init__.py", "pip/__main__.py", "venv/__init__.py", "venv/__main__.py",
    "platform.py", "sitecustomize.py", "usercustomize.py", "encodings/__init__.py",
    "yaml.py", "docker/__init__.py", "rich/__init__.py", "githubkit/__init__.py", "babel/__init__.py",
    "junitparser.py", "importlib_metadata.py", "conftest.py",
]  # fmt: skip

EVIL_WHEEL_VERSION = "6.0.99"  # PyYAML: satisfies the grader's pyyaml>=6.0,<7 and beats PyPI's newest


def evil_wheel(dest: Path, markers: Path) -> Path:
    """A PyYAML wheel that works (the real pure-Python yaml) and runs HOSTILE in every Python of the
    environment it lands in, through a `.pth` file (which `-I` does not skip)."""
    name = "PyYAML"
    info = f"{name}-{EVIL_WHEEL_VERSION}.dist-info"
    files = {
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {EVIL_WHEEL_VERSION}\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: e2e\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        "pytest_grader_hostile_pth.py": HOSTILE.format(markers=str(markers), name="uv-config-wheel", forged=FORGED),
        "zz_pytest_grader_hostile.pth": "import pytest_grader_hostile_pth\n",
    }
    for module in sorted(Path(pyyaml.__file__).parent.glob("*.py")):
        files[f"yaml/{module.name}"] = module.read_text(encoding="utf-8")
    record = []
    for path, text in files.items():
        data = text.encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    files[f"{info}/RECORD"] = "\n".join([*record, f"{info}/RECORD,,"]) + "\n"
    wheel = dest / f"{name}-{EVIL_WHEEL_VERSION}-py3-none-any.whl"
    wheel.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return wheel


def hostile_files(markers: Path, wheels: Path) -> dict[str, str | Path]:
    """The student's repository besides the workflow, tests and grading.yml: the solution, with every
    module of HOSTILE_MODULES, configuration for uv, pip, Python and docker at the root, and a folder of
    wheels that configuration points to."""
    files: dict[str, str | Path] = {
        rel: HOSTILE.format(markers=str(markers), name=rel.replace("/", "."), forged=FORGED) for rel in HOSTILE_MODULES
    }
    files["calc.py"] = (  # the student's own module: graded in the sandbox, never imported on the host
        HOSTILE.format(markers=str(markers), name="calc.py", forged=FORGED)
        + (ASSIGNMENT / "solution" / "calc.py").read_text(encoding="utf-8")
    )
    wheel = evil_wheel(wheels, markers)
    files[f"wheels/{wheel.name}"] = wheel
    find_links = 'find-links = ["wheels"]\nindex-strategy = "unsafe-best-match"\n'
    files["uv.toml"] = f"[pip]\n{find_links}"
    files["pyproject.toml"] = f'[project]\nname = "calc"\nversion = "0"\n\n[tool.uv.pip]\n{find_links}'
    files["pip.conf"] = "[global]\nfind-links = wheels\n"
    files["setup.cfg"] = "[easy_install]\nfind_links = wheels\n"
    files[".python-version"] = "3.8\n"  # a pyenv shim would run Python 3.8 (installed here) as python3
    files[".env"] = "UV_FIND_LINKS=wheels\nPIP_FIND_LINKS=wheels\nPYTHONPATH=.\nUV_NO_CONFIG=\n"
    marker = str(markers / "root.pth")
    files["zz_hostile.pth"] = f"import os; os.path.isdir({str(markers)!r}) and open({marker!r}, 'a').close()\n"
    files["pyvenv.cfg"] = "home = /nonexistent\ninclude-system-site-packages = true\n"
    files["Dockerfile"] = "FROM scratch\nCMD forged\n"  # the build context is the action's runner/, not this
    files[".dockerignore"] = "*\n"
    return files


class Mallory:
    """One student's repository with hostile files, its runs, and a harness that keeps its caches."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.markers = root / "markers"
        self.markers.mkdir()
        self.repo = ScratchRepo.create(root / "calc-mallory", REPO)
        self.sha = self.repo.commit(
            {
                ".github/workflows/classroom.yml": EXAMPLES / "classroom.yml",
                "tests/test_calc.py": ASSIGNMENT / "tests" / "test_calc.py",
                "grading.yml": ASSIGNMENT / "grading.yml",
                **hostile_files(self.markers, root / "wheels"),
            },
            "My solution, and a few files for the runner",
        )
        self.harness = ActHarness.for_workflow(
            root / "harness", self.repo.path / ".github/workflows/classroom.yml", self.repo.path
        )
        self.api = FakeGitHubAPI(token=TOKEN)
        # A base image name of its own (the same image): the runner image's tag is new, so the cold run
        # builds it (with uv in the working folder) without removing the tag the other tests use.
        self.base_image = f"pytest-grader-e2e-attack-base:{uuid.uuid4().hex[:12]}"  # one per run: runs may overlap
        subprocess.run(["docker", "tag", BASE_IMAGE, self.base_image], check=True, capture_output=True)
        self.runs: dict[str, tuple[ActRun, Path]] = {}

    def run(self, label: str) -> ActRun:
        probe = self.root / f"probe-{label}"
        probe.mkdir()
        workflow = workflow_variant(self.root / f"workflow-{label}" / "classroom.yml", probe, post="check-run")
        # What an instructor may well add for the tests to find the student's modules: Python would then
        # import a sitecustomize.py, encodings/ or grader/ from the repository before anything else.
        data = pyyaml.safe_load(workflow.read_text(encoding="utf-8"))
        data["jobs"]["run-autograding-tests"]["env"] = {"PYTHONPATH": "${{ github.workspace }}"}
        workflow.write_text(pyyaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        with FakeGitHubServer(self.api) as server:
            run = self.harness.run(
                self.repo,
                workflow=workflow,
                event_name="push",
                event=push_event(self.repo, self.sha),
                env={"GITHUB_API_URL": server.url, "GRADER_BASE_IMAGE": self.base_image},
                secrets={"GITHUB_TOKEN": TOKEN},
            )
        self.runs[label] = (run, probe)
        return run

    def runner_image(self) -> str:
        run, _ = next(iter(self.runs.values()))
        return run.outputs[(STEP, "setup")]["image"]


@pytest.fixture(scope="module")
def mallory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mallory]:
    one = Mallory(tmp_path_factory.mktemp("attack"))
    yield one
    images = [one.base_image] + ([one.runner_image()] if one.runs else [])
    # Only the tags this module made; the image under them stays as long as other tags name it.
    subprocess.run(["docker", "image", "rm", *images], capture_output=True, check=False)
    for tarball in one.harness.cache_store.glob("*.tar"):
        tarball.unlink()
    for workspace in one.harness.workdir.glob("run*/act-cache"):
        shutil.rmtree(workspace, ignore_errors=True)


def tar_names(tarball: Path) -> str:
    return subprocess.run(["tar", "-tf", str(tarball)], check=True, capture_output=True, text=True).stdout


def assert_honest(mallory: Mallory, label: str) -> dict[str, Any]:
    run, probe = mallory.runs[label]
    assert run.returncode == 0 and run.job_result == "success", run.log[-6000:]
    assert sorted(p.name for p in mallory.markers.iterdir()) == [], "a hostile file ran on the host"
    assert mallory.api.problems == []
    report = json.loads((probe / "report.json").read_text(encoding="utf-8"))
    # The honest score of the correct solution: every test passed, all points.
    assert report["status"] == "pass"
    assert report["tests"] and all(t["status"] == "passed" for t in report["tests"])
    assert report["score"] == report["max_score"] > 0
    outputs = run.outputs[(STEP,)]
    honest = (f"{report['score']:g}", f"{report['max_score']:g}")
    assert (outputs["score"], outputs["max-score"]) == honest
    assert json.loads((probe / "outputs.json").read_text(encoding="utf-8"))["score"] == honest[0]
    notices = [n["arg"] for n in run.commands("notice") if n["kvPairs"].get("title") == "Autograding complete"]
    assert notices == [f"Points {honest[0]}/{honest[1]}"]
    assert FORGED not in run.summary
    check = mallory.api.served("checks/create")[-1]
    assert check.body["head_sha"] == mallory.sha and check.body["conclusion"] == "success"
    assert f"{honest[0]}/{honest[1]}" in check.body["output"]["title"]
    assert FORGED not in json.dumps(check.body)
    assert TOKEN not in json.dumps(report) and TOKEN not in run.log
    return report


def test_cold_caches_install_and_build_ignore_the_students_files(mallory: Mallory) -> None:
    run = mallory.run("cold")
    setup = run.outputs[(STEP, "setup")]
    # Both caches are looked up first (the image is made while the grader installs); the grader's
    # environment is cached before Grade, the image after Post (also when Grade failed).
    assert mallory.harness.cache_calls() == [
        f"restore miss {setup['image-key']}",
        f"restore miss {setup['venv-key']}",
        f"save {setup['venv-key']}",
        f"save {setup['image-key']}",
    ], run.log[-6000:]
    assert run.outputs[(STEP, "install")].get("uv"), "the grader was installed with uv"
    assert "Building the runner image" in run.step_log(STEP, "image")
    assert_honest(mallory, "cold")
    # The cached environment (what every later run restores) holds no file of the student's wheel.
    (entry,) = [t for t in mallory.harness.cache_store.glob("*.tar") if "/venv/bin/python" in tar_names(t)]
    assert "zz_pytest_grader_hostile.pth" not in tar_names(entry)


def test_warm_caches_restore_and_ignore_the_students_files(mallory: Mallory) -> None:
    if "cold" not in mallory.runs:
        pytest.fail("the cold run must come first (the runs share the caches)")
    before = len(mallory.harness.cache_calls())
    run = mallory.run("warm")
    setup = run.outputs[(STEP, "setup")]
    assert mallory.harness.cache_calls()[before:] == [
        f"restore hit {setup['image-key']}",
        f"restore hit {setup['venv-key']}",
    ], run.log[-6000:]
    assert "restored from the cache" in run.step_log(STEP, "install")
    assert_honest(mallory, "warm")
