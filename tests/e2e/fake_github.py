"""A stand-in for the GitHub REST API on 127.0.0.1, strict about what it accepts.

Every request is recorded and checked against GitHub's published OpenAPI description of the matched
operation (``github_openapi_subset.json``, extracted from npm ``@octokit/openapi`` by
``tools/extract_github_openapi.py``): path, query parameters and JSON body (jsonschema). On top of
the schema it checks the limits GitHub documents in prose only (annotation title/message sizes,
characters above U+FFFF in check runs, status description length, comment length). Each problem is
kept in ``FakeGitHubAPI.problems``; tests assert that list is empty, whatever else they expect.

State is just enough to behave like GitHub for the grader: check runs (annotations appended by
PATCH), commit statuses, pull requests, issue comments, the push activity of repositories, and GitHub
Classroom's grades and accepted assignments (`classroom_closed` answers them 410 Gone, as GitHub does
since Classroom's retirement on 2026-08-28). For operations the grader reads, the fake's own answers are
checked against GitHub's response schema too. Faults can be injected per operation (`inject`): a 502,
a read-only 403, a secondary rate limit with retry-after.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import threading
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jsonschema

SUBSET_PATH = Path(__file__).with_name("github_openapi_subset.json")
API_VERSION = "2022-11-28"
ANNOTATION_TITLE_MAX = 255
ANNOTATION_TEXT_MAX_BYTES = 64 * 1024
STATUS_DESCRIPTION_MAX = 140
COMMENT_MAX = 65536
_ASTRAL = re.compile(r"[\U00010000-\U0010ffff]")


def _openapi_to_jsonschema(schema: Any) -> Any:
    """OpenAPI 3.0 schema objects are JSON Schema plus `nullable`; turn that into a type union."""
    if isinstance(schema, list):
        return [_openapi_to_jsonschema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key in ("properties", "patternProperties"):
            out[key] = {name: _openapi_to_jsonschema(sub) for name, sub in value.items()}
        else:
            out[key] = _openapi_to_jsonschema(value)
    if out.pop("nullable", False):
        kind = out.get("type")
        if isinstance(kind, str):
            out["type"] = [kind, "null"]
        if "enum" in out and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
    return out


def _short(text: str, keep: int = 120) -> str:
    return text if len(text) <= 2 * keep else f"{text[:keep]} … {text[-keep:]}"


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    template: str
    pattern: re.Pattern[str]
    parameters: tuple[dict[str, Any], ...]
    body_schema: dict[str, Any] | None
    body_required: bool
    success_status: int
    example: Any
    response_schema: dict[str, Any] | None = None

    def validate_response(self, body: Any) -> list[str]:
        if self.response_schema is None:
            return []
        validator = jsonschema.Draft7Validator(self.response_schema)
        return [
            f"{self.operation_id}: the fake's answer{''.join(f'[{p!r}]' for p in err.absolute_path)}: "
            f"{_short(err.message)}"
            for err in validator.iter_errors(body)
        ]

    def validate_body(self, body: Any) -> list[str]:
        if self.body_schema is None:
            return [] if body is None else [f"{self.operation_id}: takes no request body"]
        if body is None:
            return [f"{self.operation_id}: request body required"] if self.body_required else []
        validator = jsonschema.Draft7Validator(self.body_schema)
        return [
            f"{self.operation_id}: body{''.join(f'[{p!r}]' for p in err.absolute_path)}: {_short(err.message)}"
            for err in validator.iter_errors(body)
        ]

    def validate_query(self, query: dict[str, list[str]]) -> list[str]:
        problems = []
        known = {p["name"]: p for p in self.parameters if p["in"] == "query"}
        for name, values in query.items():
            param = known.get(name)
            if param is None:
                problems.append(f"{self.operation_id}: unknown query parameter {name!r}")
                continue
            schema = _openapi_to_jsonschema(param["schema"])
            for raw in values:
                value: Any = raw
                if schema.get("type") == "integer":
                    try:
                        value = int(raw)
                    except ValueError:
                        problems.append(f"{self.operation_id}: query {name}={raw!r} is not an integer")
                        continue
                for err in jsonschema.Draft7Validator(schema).iter_errors(value):
                    problems.append(f"{self.operation_id}: query {name}={raw!r}: {err.message}")
        return problems


def load_operations(path: Path = SUBSET_PATH) -> tuple[Operation, ...]:
    subset = json.loads(path.read_text(encoding="utf-8"))
    operations = []
    for op in subset["operations"]:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(op["path"]))
        body = op["requestBody"]
        operations.append(
            Operation(
                operation_id=op["operationId"],
                method=op["method"],
                template=op["path"],
                pattern=re.compile(f"^{regex}$"),
                parameters=tuple(op["parameters"]),
                body_schema=None if body is None else _openapi_to_jsonschema(body["schema"]),
                body_required=bool(body and body["required"]),
                success_status=op["successStatus"],
                example=op["responseExample"],
                response_schema=_openapi_to_jsonschema(op["responseSchema"]) if op.get("responseSchema") else None,
            )
        )
    return tuple(operations)


@dataclass
class Recorded:
    """One request as the fake received it, and what it answered."""

    method: str
    path: str  # without the API prefix
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: Any
    operation_id: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    status: int = 0
    problems: list[str] = field(default_factory=list)


@dataclass
class Fault:
    operation_id: str
    status: int
    times: int
    message: str
    headers: dict[str, str]


@dataclass
class Response:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


class FakeGitHubAPI:
    """The behaviour, independent of HTTP (so it can also sit behind an httpx.MockTransport)."""

    def __init__(self, *, prefix: str = "", token: str | None = None, read_only: bool = False) -> None:
        self.prefix = prefix.rstrip("/")
        self.token = token
        self.read_only = read_only
        self.operations = load_operations()
        self.requests: list[Recorded] = []
        self.check_runs: dict[int, dict[str, Any]] = {}
        self.statuses: list[dict[str, Any]] = []
        self.comments: dict[int, dict[str, Any]] = {}
        self.pulls: list[dict[str, Any]] = []
        self.faults: list[Fault] = []
        self.activity: dict[str, list[dict[str, Any]]] = {}  # "owner/repo" -> pushes, oldest first
        self.grades: dict[int, list[dict[str, Any]]] = {}  # Classroom assignment id -> grade rows
        self.accepted: dict[int, list[dict[str, Any]]] = {}  # Classroom assignment id -> accepted assignments
        self.classroom_closed = False
        self._ids = itertools.count(1001)
        self._lock = threading.Lock()

    # -- set-up -------------------------------------------------------------------------------

    def inject(
        self,
        operation_id: str,
        status: int,
        *,
        times: int = 1,
        message: str = "Server Error",
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer the next `times` requests for `operation_id` with `status`."""
        self.faults.append(Fault(operation_id, status, times, message, dict(headers or {})))

    def add_pull(self, number: int, *, title: str, user: str, state: str = "open") -> None:
        pull = copy.deepcopy(self._operation("pulls/list").example[0])
        pull.update(number=number, title=title, state=state)
        pull["user"] = {**pull["user"], "login": user, "type": "Bot" if user.endswith("[bot]") else "User"}
        self.pulls.append(pull)

    def add_comment(self, issue_number: int, body: str, *, user: str = "someone") -> int:
        comment_id = next(self._ids)
        self.comments[comment_id] = self._comment(comment_id, issue_number, body, user)
        return comment_id

    def add_push(self, repository: str, *, before: str, after: str, at: str, ref: str = "refs/heads/main") -> None:
        """One push to `repository`, as GitHub's repository activity lists it."""
        owner = repository.split("/")[0]
        self.activity.setdefault(repository, []).append(
            {
                "id": next(self._ids), "node_id": "RA_kwDOfake", "before": before, "after": after, "ref": ref,
                "timestamp": at, "activity_type": "push",
                "actor": {
                    "login": owner, "id": 1, "node_id": "U_fake", "avatar_url": "https://github.com/a.png",
                    "gravatar_id": "", "url": f"https://api.github.com/users/{owner}",
                    "html_url": f"https://github.com/{owner}",
                    "followers_url": f"https://api.github.com/users/{owner}/followers",
                    "following_url": f"https://api.github.com/users/{owner}/following{{/other_user}}",
                    "gists_url": f"https://api.github.com/users/{owner}/gists{{/gist_id}}",
                    "starred_url": f"https://api.github.com/users/{owner}/starred{{/owner}}{{/repo}}",
                    "subscriptions_url": f"https://api.github.com/users/{owner}/subscriptions",
                    "organizations_url": f"https://api.github.com/users/{owner}/orgs",
                    "repos_url": f"https://api.github.com/users/{owner}/repos",
                    "events_url": f"https://api.github.com/users/{owner}/events{{/privacy}}",
                    "received_events_url": f"https://api.github.com/users/{owner}/received_events",
                    "type": "User", "site_admin": False,
                },
            }
        )  # fmt: skip

    def add_classroom_assignment(
        self, assignment_id: int, grades: list[dict[str, Any]], accepted: list[dict[str, Any]]
    ) -> None:
        """Classroom's answers for one assignment: grade rows (the grades CSV's columns) and accepted
        assignments (`accepted_assignment` builds one)."""
        self.grades[assignment_id] = grades
        self.accepted[assignment_id] = accepted

    @staticmethod
    def accepted_assignment(
        assignment_id: int, repository: str, students: list[str], *, commit_count: int, grade: str
    ) -> dict[str, Any]:
        owner = repository.split("/")[0]
        return {
            "id": assignment_id * 1000 + zlib.crc32(repository.encode()) % 1000, "submitted": commit_count > 0,
            "passing": False, "commit_count": commit_count, "grade": grade,
            "students": [
                {"id": i + 1, "login": login, "avatar_url": f"https://github.com/{login}.png",
                 "html_url": f"https://github.com/{login}"}
                for i, login in enumerate(students)
            ],
            "repository": {
                "id": zlib.crc32(repository.encode()) % 10**6, "full_name": repository,
                "html_url": f"https://github.com/{repository}", "node_id": "R_fake", "private": True,
                "default_branch": "main",
            },
            "assignment": {
                "id": assignment_id, "public_repo": False, "title": "hw1", "type": "individual",
                "invite_link": "https://classroom.github.com/a/fake", "invitations_enabled": True, "slug": "hw1",
                "students_are_repo_admins": False, "feedback_pull_requests_enabled": True, "max_teams": 0,
                "max_members": 0, "editor": "codespaces", "accepted": 1, "submitted": 1, "passing": 0,
                "language": "python", "deadline": "2026-12-01T22:59:00Z",
                "classroom": {"id": 7, "name": owner, "archived": False,
                              "url": f"https://classroom.github.com/classrooms/7-{owner}"},
            },
        }  # fmt: skip

    # -- inspection ---------------------------------------------------------------------------

    @property
    def problems(self) -> list[str]:
        return [f"{r.method} {r.path}: {p}" for r in self.requests for p in r.problems]

    def calls(self, operation_id: str) -> list[Recorded]:
        return [r for r in self.requests if r.operation_id == operation_id]

    def served(self, operation_id: str) -> list[Recorded]:
        """Requests for `operation_id` that succeeded."""
        return [r for r in self.calls(operation_id) if 200 <= r.status < 300]

    # -- handling -----------------------------------------------------------------------------

    def _operation(self, operation_id: str) -> Operation:
        return next(op for op in self.operations if op.operation_id == operation_id)

    def handle(self, method: str, target: str, headers: dict[str, str], raw_body: bytes) -> Response:
        headers = {k.lower(): v for k, v in headers.items()}
        split = urlsplit(target)
        path = split.path
        record = Recorded(method, path, parse_qs(split.query, keep_blank_values=True), headers, None)
        with self._lock:
            self.requests.append(record)
            response = self._handle(record, raw_body)
            record.status = response.status
        response.headers.setdefault("content-type", "application/json; charset=utf-8")
        response.headers.setdefault("x-ratelimit-limit", "5000")
        response.headers.setdefault("x-ratelimit-remaining", "4999")
        response.headers.setdefault("x-github-api-version-selected", API_VERSION)
        return response

    def _handle(self, record: Recorded, raw_body: bytes) -> Response:
        if self.prefix:
            if not record.path.startswith(self.prefix + "/"):
                record.problems.append(f"outside the API prefix {self.prefix}")
                return Response(404, {"message": "Not Found"})
            record.path = record.path[len(self.prefix) :]
        for op in self.operations:
            match = op.pattern.match(record.path)
            if match and op.method == record.method:
                record.operation_id = op.operation_id
                record.params = match.groupdict()
                break
        else:
            record.problems.append("no operation in the OpenAPI subset matches this method and path")
            return Response(404, {"message": "Not Found"})
        op = self._operation(record.operation_id)
        if raw_body:
            if "application/json" not in record.headers.get("content-type", ""):
                record.problems.append(f"body sent as {record.headers.get('content-type')!r}, not JSON")
            try:
                record.body = json.loads(raw_body)
            except ValueError as exc:
                record.problems.append(f"body is not JSON: {exc}")
                return Response(400, {"message": "Problems parsing JSON"})
        record.problems += op.validate_query(record.query)
        record.problems += op.validate_body(record.body)
        record.problems += self._documented_limits(op.operation_id, record.body)
        if record.headers.get("x-github-api-version") != API_VERSION:
            record.problems.append(f"X-GitHub-Api-Version is {record.headers.get('x-github-api-version')!r}")
        auth = record.headers.get("authorization", "")
        if self.token is not None and auth not in (f"token {self.token}", f"Bearer {self.token}"):
            return Response(401, {"message": "Bad credentials"})
        for fault in self.faults:
            if fault.operation_id == op.operation_id and fault.times > 0:
                fault.times -= 1
                return Response(fault.status, {"message": fault.message}, dict(fault.headers))
        if record.problems:
            return Response(422, {"message": "Validation Failed", "errors": record.problems})
        if self.read_only and record.method != "GET":
            return Response(403, {"message": "Resource not accessible by integration"})
        if self.classroom_closed and op.operation_id.startswith("classroom/"):
            return Response(410, {"message": "GitHub Classroom has been retired", "status": "410",
                                  "documentation_url": "https://gh.io/classroom-sunset"})  # fmt: skip
        response = getattr(self, "_op_" + op.operation_id.replace("/", "_").replace("-", "_"))(op, record)
        if response.status == op.success_status:
            record.problems += op.validate_response(response.body)
        return response

    def _documented_limits(self, operation_id: str, body: Any) -> list[str]:
        if not isinstance(body, dict):
            return []
        problems = []
        if operation_id.startswith("checks/") and _ASTRAL.search(json.dumps(body, ensure_ascii=False)):
            problems.append("check run body has characters above U+FFFF (GitHub refuses them)")
        for i, note in enumerate((body.get("output") or {}).get("annotations") or []):
            if len(note.get("title", "")) > ANNOTATION_TITLE_MAX:
                problems.append(f"annotation {i}: title longer than {ANNOTATION_TITLE_MAX} characters")
            for key in ("message", "raw_details"):
                if len(str(note.get(key, "")).encode("utf-8", "surrogatepass")) > ANNOTATION_TEXT_MAX_BYTES:
                    problems.append(f"annotation {i}: {key} larger than 64 KB")
            start, end = note.get("start_line", 1), note.get("end_line", 1)
            if not (isinstance(start, int) and isinstance(end, int) and 1 <= start <= end):
                problems.append(f"annotation {i}: lines {start}-{end} (they start at 1, end >= start)")
        if operation_id == "repos/create-commit-status" and len(body.get("description") or "") > 140:
            problems.append("status description longer than 140 characters")
        if operation_id.startswith("issues/") and len(str(body.get("body", ""))) > COMMENT_MAX:
            problems.append(f"comment longer than {COMMENT_MAX} characters")
        return problems

    # -- operations ---------------------------------------------------------------------------

    def _op_checks_create(self, op: Operation, r: Recorded) -> Response:
        run_id = next(self._ids)
        body = r.body
        output = dict(body.get("output") or {})
        annotations = list(output.pop("annotations", []) or [])
        run = copy.deepcopy(op.example)
        run.update(
            id=run_id,
            name=body["name"],
            head_sha=body["head_sha"],
            status=body.get("status", "queued"),
            conclusion=body.get("conclusion"),
            url=f"https://api.github.com/repos/{r.params['owner']}/{r.params['repo']}/check-runs/{run_id}",
            html_url=f"https://github.com/{r.params['owner']}/{r.params['repo']}/runs/{run_id}",
        )
        run["output"] = {**run["output"], **output, "annotations_count": len(annotations)}
        self.check_runs[run_id] = {"run": run, "annotations": annotations, "repository": _repo(r)}
        return Response(op.success_status, run)

    def _op_checks_update(self, op: Operation, r: Recorded) -> Response:
        stored = self.check_runs.get(int(r.params["check_run_id"]))
        if stored is None or stored["repository"] != _repo(r):
            return Response(404, {"message": "Not Found"})
        body = dict(r.body)
        output = dict(body.pop("output", None) or {})
        stored["annotations"] += output.pop("annotations", []) or []
        run = stored["run"]
        run.update(body)
        run["output"] = {**run["output"], **output, "annotations_count": len(stored["annotations"])}
        return Response(op.success_status, run)

    def _op_repos_create_commit_status(self, op: Operation, r: Recorded) -> Response:
        status = copy.deepcopy(op.example)
        status.update(
            id=next(self._ids),
            state=r.body["state"],
            description=r.body.get("description"),
            context=r.body.get("context", "default"),
            target_url=r.body.get("target_url"),
        )
        self.statuses.append({"sha": r.params["sha"], "repository": _repo(r), **status})
        return Response(op.success_status, status)

    def _op_pulls_list(self, op: Operation, r: Recorded) -> Response:
        state = r.query.get("state", ["open"])[0]
        pulls = [p for p in self.pulls if state == "all" or p["state"] == state]
        return self._paged(op, r, pulls)

    def _op_issues_list_comments(self, op: Operation, r: Recorded) -> Response:
        number = int(r.params["issue_number"])
        comments = [c for c in self.comments.values() if c["issue_number"] == number]
        return self._paged(op, r, [_public(c) for c in comments])

    def _op_issues_create_comment(self, op: Operation, r: Recorded) -> Response:
        comment_id = next(self._ids)
        comment = self._comment(comment_id, int(r.params["issue_number"]), r.body["body"], "github-actions[bot]")
        self.comments[comment_id] = comment
        return Response(op.success_status, _public(comment))

    def _op_issues_update_comment(self, op: Operation, r: Recorded) -> Response:
        comment = self.comments.get(int(r.params["comment_id"]))
        if comment is None:
            return Response(404, {"message": "Not Found"})
        comment["body"] = r.body["body"]
        return Response(op.success_status, _public(comment))

    def _op_repos_list_activities(self, op: Operation, r: Recorded) -> Response:
        pushes = self.activity.get(_repo(r), [])
        ref = r.query.get("ref", [None])[0]
        if ref is not None:
            pushes = [p for p in pushes if p["ref"] in (ref, f"refs/heads/{ref}")]
        if r.query.get("direction", ["desc"])[0] == "desc":
            pushes = pushes[::-1]
        return self._paged(op, r, pushes)

    def _op_classroom_get_assignment_grades(self, op: Operation, r: Recorded) -> Response:
        grades = self.grades.get(int(r.params["assignment_id"]))
        return Response(404, {"message": "Not Found"}) if grades is None else Response(op.success_status, grades)

    def _op_classroom_list_accepted_assignments_for_an_assignment(self, op: Operation, r: Recorded) -> Response:
        accepted = self.accepted.get(int(r.params["assignment_id"]))
        if accepted is None:
            return Response(404, {"message": "Not Found"})
        return self._paged(op, r, accepted)

    def _paged(self, op: Operation, r: Recorded, items: list[Any]) -> Response:
        """One page of `items`, with GitHub's `Link: <...>; rel="next"` header when more follow: clients
        (githubkit's `rest.paginate`) follow that header, not the count of items."""
        per_page = int(r.query.get("per_page", ["30"])[0])
        page = int(r.query.get("page", ["1"])[0])
        headers: dict[str, str] = {}
        if page * per_page < len(items):
            query = {**r.query, "page": [str(page + 1)], "per_page": [str(per_page)]}
            host = r.headers.get("host", "127.0.0.1")
            url = f"http://{host}{self.prefix}{r.path}?{urlencode(query, doseq=True)}"
            headers["link"] = f'<{url}>; rel="next"'
        return Response(op.success_status, items[(page - 1) * per_page : page * per_page], headers)

    def _comment(self, comment_id: int, issue_number: int, body: str, user: str) -> dict[str, Any]:
        comment = copy.deepcopy(self._operation("issues/create-comment").example)
        comment.update(id=comment_id, body=body, issue_number=issue_number)
        comment["html_url"] = f"https://github.com/o/r/issues/{issue_number}#issuecomment-{comment_id}"
        comment["user"] = {
            **comment["user"],
            "login": user,
            "type": "Bot" if user.endswith("[bot]") else "User",
        }
        return comment


def _repo(r: Recorded) -> str:
    return f"{r.params['owner']}/{r.params['repo']}"


def _public(comment: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in comment.items() if k != "issue_number"}




class FakeGitHubServer:
    """`FakeGitHubAPI` served over HTTP on 127.0.0.1 (a free port), in a background thread."""

    def __init__(self, api: FakeGitHubAPI) -> None:
        self.api = api
        fake = api

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                response = fake.handle(self.command, self.path, dict(self.headers.items()), raw)
                data = b"" if response.body is None else json.dumps(response.body).encode()
                self.send_response(response.status)
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-github", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}{self.api.prefix}"

    def __enter__(self) -> FakeGitHubServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)
