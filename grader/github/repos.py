"""Submissions from git repositories (`grader batch --repos FILE`).

Each line of the file is a git URL or a local repository path. A repository is fetched shallowly into a
folder of its own, at `--ref` (a branch, tag or commit; default: the remote's default branch) or, with
`--deadline`, at what was pushed before the deadline.

Which commit and which time count:
- GitHub repositories: GitHub's repository activity API (`grader.github.activity`) records
  every push with a server-side timestamp. With `--deadline` the graded commit is the head of the last push
  to the branch before the deadline, and its push time is the submission time. Without it, the submission
  time is the time of the first push that made the graded commit the head of the branch.
- Other URLs and local paths: git has no push time, so with `--deadline` the commit is chosen by committer
  date, which the student can set; the gradebook says so. Lateness then needs times the instructor supplies
  (`--times FILE`).

Untrusted repositories are fetched without running anything from them (a fetched repository's hooks and
config never apply), without submodules, LFS smudge filters or credential prompts, and the graded files are
exported without a .git folder.
"""

from __future__ import annotations

import base64
import os
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from grader.errors import UsageError
from grader.results.late import SubmissionTime, format_time

if TYPE_CHECKING:
    from grader.github.activity import PushRecord

GIT_TIMEOUT_S = 300.0
_GITHUB_URL_RE = re.compile(
    r"^(?:https://(?:[^@/]+@)?github\.com/|git@github\.com:|ssh://git@github\.com/)"
    r"(?P<owner>[A-Za-z0-9-]+)/(?P<repo>[A-Za-z0-9._-]+?)(?:\.git)?/?$"
)
_SHA_RE = re.compile(r"^[0-9a-f]{40}$")
_NAME_RE = re.compile(r"[^A-Za-z0-9._-]+")


class RepoError(UsageError):
    """A repository that cannot be fetched or dated, worded for the instructor (one line)."""


@dataclass(frozen=True)
class RepoSpec:
    source: str  # URL or local path as written in the file (local paths made absolute)
    name: str  # unique submission name
    github: tuple[str, str] | None = None  # (owner, repo) for github.com repositories


@dataclass(frozen=True)
class Checkout:
    path: Path
    commit: str
    submitted: SubmissionTime | None  # trusted push time, when there is one
    note: str = ""  # e.g. why there is no trusted time


# -- the repositories file ----------------------------------------------------------------------------------


def github_repo(url: str) -> tuple[str, str] | None:
    m = _GITHUB_URL_RE.match(url.strip())
    return (m.group("owner"), m.group("repo")) if m else None


def parse_repos(text: str, *, base_dir: Path) -> tuple[RepoSpec, ...]:
    """One git URL or local path per line; blank lines and `#` comments are skipped. Names are unique."""
    specs: list[tuple[str, str, tuple[str, str] | None]] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        gh = github_repo(line)
        if gh is not None:
            specs.append((line, gh[1], gh))
        elif re.match(r"^[a-z][a-z0-9+.-]*://", line) or re.match(r"^[^/]+@[^/:]+:", line):
            specs.append((line, line.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1], None))
        else:
            path = (base_dir / line).resolve()
            specs.append((str(path), path.name, None))
    names = [_NAME_RE.sub("-", n.removesuffix(".git")).strip("-.") or "repo" for _, n, _ in specs]
    owners = [gh[0] if gh else None for _, _, gh in specs]
    result: list[RepoSpec] = []
    used: set[str] = set()
    for (source, _, gh), name, owner in zip(specs, names, owners, strict=True):
        if names.count(name) > 1 and owner:
            name = f"{owner}-{name}"
        unique, n = name, 2
        while unique in used:
            unique, n = f"{name}-{n}", n + 1
        used.add(unique)
        result.append(RepoSpec(source=source, name=unique, github=gh))
    return tuple(result)


def load_repos(path: Path) -> tuple[RepoSpec, ...]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RepoError(f"{path}: cannot read: {exc.strerror or exc}") from None
    specs = parse_repos(text, base_dir=path.parent.resolve())
    if not specs:
        raise RepoError(f"{path}: no repositories listed (one git URL or local path per line)")
    return specs


# -- git ----------------------------------------------------------------------------------------------------


def _git_env(spec: RepoSpec, token: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_TERMINAL_PROMPT="0", GIT_LFS_SKIP_SMUDGE="1", GIT_ASKPASS="true", GCM_INTERACTIVE="never")
    config = {"protocol.ext.allow": "never", "core.hooksPath": os.devnull, "advice.detachedHead": "false"}
    if token and spec.github and spec.source.startswith("https://"):
        # Sent as a header from the environment: never on a command line (visible in `ps`) or in .git/config.
        basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
        config["http.https://github.com/.extraHeader"] = f"Authorization: Basic {basic}"
    env["GIT_CONFIG_COUNT"] = str(len(config))
    for i, (key, value) in enumerate(config.items()):
        env[f"GIT_CONFIG_KEY_{i}"], env[f"GIT_CONFIG_VALUE_{i}"] = key, value
    return env


def _git(args: Sequence[str], *, cwd: Path | None, env: Mapping[str, str]) -> str:
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=cwd,
            env=dict(env),
            capture_output=True,
            text=True,
            errors="replace",
            timeout=GIT_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise RepoError(f"git {_verb(args)} timed out after {GIT_TIMEOUT_S:g} s") from None
    except FileNotFoundError:
        raise RepoError("git is not installed") from None
    if done.returncode != 0:
        lines = [ln for ln in done.stderr.splitlines() if ln.strip() and not ln.startswith("warning:")]
        raise RepoError(f"git {_verb(args)} failed: {(lines or ['exit ' + str(done.returncode)])[-1].strip()}")
    return done.stdout


def _verb(args: Sequence[str]) -> str:
    """The git subcommand among the arguments (after -c/--git-dir/--work-tree options)."""
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in ("-c", "--git-dir", "--work-tree", "-C"):
            skip = True
        elif not arg.startswith("-"):
            return arg
    return "command"


def _is_local(spec: RepoSpec) -> bool:
    return spec.source.startswith("/")


def default_branch(spec: RepoSpec, env: Mapping[str, str]) -> str:
    out = _git(["ls-remote", "--symref", spec.source, "HEAD"], cwd=None, env=env)
    m = re.search(r"^ref:\s*refs/heads/(\S+)\s+HEAD", out, re.MULTILINE)
    if not m:
        if _no_commits(spec, env):
            raise RepoError(NO_COMMITS)
        raise RepoError(f"{spec.source}: cannot tell its default branch; pass --ref")
    return m.group(1)


def _fetch(spec: RepoSpec, gitdir: Path, what: str, env: Mapping[str, str], *, depth: int | None) -> str:
    """Fetch `what` (a ref name or a commit) into a fresh bare repository; return the commit fetched."""
    _git(["init", "--quiet", "--bare", str(gitdir)], cwd=None, env=env)
    args = ["--git-dir", str(gitdir), "fetch", "--quiet", "--no-tags", "--no-recurse-submodules"]
    if depth:
        args.append(f"--depth={depth}")
    elif not _is_local(spec):
        args.append("--filter=blob:none")  # history without file contents: enough to pick a commit by date
    if _is_local(spec):
        # A local "remote" must be told it may serve a commit by id (GitHub allows reachable ids already).
        args.append("--upload-pack=git -c uploadpack.allowAnySHA1InWant=true upload-pack")
    try:
        _git([*args, spec.source, what], cwd=None, env=env)
    except RepoError:
        if _no_commits(spec, env):
            raise RepoError(NO_COMMITS) from None
        raise
    return _git(["--git-dir", str(gitdir), "rev-parse", "FETCH_HEAD^{commit}"], cwd=None, env=env).strip()


NO_COMMITS = "nothing was pushed: the repository has no commits"


def _no_commits(spec: RepoSpec, env: Mapping[str, str]) -> bool:
    """The repository answers but has no refs at all (accepted an assignment, never pushed)."""
    try:
        return not _git(["ls-remote", spec.source], cwd=None, env=env).strip()
    except RepoError:
        return False  # unreachable or refused: let the original error speak


def _export(gitdir: Path, commit: str, files: Path, env: Mapping[str, str]) -> None:
    """Write the commit's files (no .git folder) into `files`, symlinks kept as links for staging to judge.

    Paths are absolute: git resolves a relative GIT_INDEX_FILE against the work tree, not the current
    folder, so a relative one reads no index and `checkout-index --all` writes nothing (exit 0). An export
    that writes nothing from a commit that lists files is therefore an error, never an empty submission.
    """
    gitdir, files = gitdir.resolve(), files.resolve()
    index_env = {**env, "GIT_INDEX_FILE": str(gitdir / "grader-index")}
    files.mkdir(parents=True)
    tree = ["-c", "core.bare=false", "--git-dir", str(gitdir), "--work-tree", str(files)]
    _git([*tree, "read-tree", commit], cwd=None, env=index_env)
    _git([*tree, "checkout-index", "--all"], cwd=None, env=index_env)
    listed = _git(["--git-dir", str(gitdir), "ls-tree", "-r", "--name-only", "-z", commit], cwd=None, env=env)
    expected = [name for name in listed.split("\0") if name]
    if expected and not any(files.iterdir()):
        raise RepoError(f"exporting {commit[:12]} wrote none of its {len(expected)} file(s)")


def fetch_submission(
    spec: RepoSpec,
    dest: Path,
    *,
    ref: str | None,
    deadline: datetime | None,
    api: PushRecord | None,
) -> Checkout:
    """Fetch one repository into `dest` (created; must not exist) and tell which commit and time count."""
    dest = dest.resolve()  # git runs with other working folders: a relative path would point elsewhere
    if dest.exists():
        raise RepoError(f"{dest} already exists")
    env = _git_env(spec, api.token if api else None)
    gitdir, files = dest / "git", dest / "files"

    def take(what: str, *, depth: int | None = 1) -> str:
        return _fetch(spec, gitdir, what, env, depth=depth)

    def done(commit: str, submitted: SubmissionTime | None, note: str = "") -> Checkout:
        _export(gitdir, commit, files, env)
        return Checkout(files, commit, submitted, note)

    use_github = spec.github is not None and api is not None
    branch = ref
    if use_github or deadline is not None:
        branch = ref or default_branch(spec, env)
    if use_github:
        assert spec.github is not None and api is not None and branch is not None
        # here, not at the top: githubkit is slow to import and only GitHub repositories need it
        from grader.github.activity import ActivityError, first_push_of, last_push_before

        owner, repo = spec.github
        if _SHA_RE.match(branch):
            return done(take(branch), None, "graded a commit by id: no push time looked up")
        try:
            pushes = api.pushes(owner, repo, ref=f"refs/heads/{branch}")
        except ActivityError as exc:
            raise RepoError(str(exc)) from None
        if deadline is not None:
            push = last_push_before(pushes, deadline)
            if push is None:
                raise RepoError(f"nothing was pushed to {branch} before {format_time(deadline)}")
            return done(take(push.after), SubmissionTime(push.at, "github-push"))
        commit = take(branch)
        push = first_push_of(pushes, commit)
        if push is None:
            return done(commit, None, f"GitHub lists no push of {commit[:12]} to {branch}")
        return done(commit, SubmissionTime(push.at, "github-push"))
    if deadline is not None:
        assert branch is not None
        take(branch, depth=None)
        args = [
            "--git-dir",
            str(gitdir),
            "rev-list",
            "-1",
            "--first-parent",
            f"--before={deadline.isoformat()}",
        ]
        commit = _git([*args, "FETCH_HEAD"], cwd=None, env=env).strip()
        if not commit:
            raise RepoError(f"no commit on {branch} dated before {format_time(deadline)}")
        return done(commit, None, "chosen by commit date, which students can set")
    return done(take(ref or "HEAD"), None)


def fetch_files(spec: RepoSpec, dest: Path, *, ref: str | None, token: str | None) -> Checkout:
    """The files of `ref` (default: the default branch) without asking GitHub for push times: for a
    repository that is not a submission, such as the assignment's template."""
    dest = dest.resolve()
    if dest.exists():
        raise RepoError(f"{dest} already exists")
    env = _git_env(spec, token)
    commit = _fetch(spec, dest / "git", ref or "HEAD", env, depth=1)
    _export(dest / "git", commit, dest / "files", env)
    return Checkout(dest / "files", commit, None)
