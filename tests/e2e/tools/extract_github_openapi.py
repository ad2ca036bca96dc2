"""Regenerate ``tests/e2e/github_openapi_subset.json`` from GitHub's published OpenAPI description.

The fake GitHub API used by the post and end-to-end tests validates every request it receives against the
operations listed in ``OPERATIONS``, as GitHub describes them in the npm package ``@octokit/openapi``
(``generated/api.github.com.deref.json``, all ``$ref``s already resolved).  The subset is checked in so the
tests run offline; this script is how it was made:

    python tests/e2e/tools/extract_github_openapi.py            # npm pack @octokit/openapi@VERSION
    python tests/e2e/tools/extract_github_openapi.py SPEC.json  # or an already downloaded deref.json

Descriptions are dropped (they are prose); everything that constrains a request is kept verbatim.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

PACKAGE = "@octokit/openapi"
VERSION = "23.0.2"
MEMBER = "package/generated/api.github.com.deref.json"
OUT = Path(__file__).resolve().parents[1] / "github_openapi_subset.json"

# (method, path template) of every operation the grader may call.
OPERATIONS: tuple[tuple[str, str], ...] = (
    ("post", "/repos/{owner}/{repo}/check-runs"),
    ("patch", "/repos/{owner}/{repo}/check-runs/{check_run_id}"),
    ("post", "/repos/{owner}/{repo}/statuses/{sha}"),
    ("get", "/repos/{owner}/{repo}/pulls"),
    ("get", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ("post", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ("patch", "/repos/{owner}/{repo}/issues/comments/{comment_id}"),
    ("get", "/repos/{owner}/{repo}/activity"),  # push times for `grader batch --repos`
    ("get", "/assignments/{assignment_id}/grades"),  # GitHub Classroom (closed by GitHub on 2026-08-28)
    ("get", "/assignments/{assignment_id}/accepted_assignments"),
)
# Operations whose answers the grader reads: their 2xx response schema is kept too, so the fake's answers
# are checked against GitHub's description (the shapes the grader parses are GitHub's, not the fake's).
RESPONSE_SCHEMAS = {
    "/repos/{owner}/{repo}/activity",
    "/assignments/{assignment_id}/grades",
    "/assignments/{assignment_id}/accepted_assignments",
}

_PROSE = {"description", "summary", "example", "examples", "externalDocs", "title"}


def strip_prose(schema: Any) -> Any:
    """Drop prose keywords from a JSON schema, keeping property *names* that happen to be prose words."""
    if isinstance(schema, list):
        return [strip_prose(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in ("properties", "patternProperties"):
            out[key] = {name: strip_prose(sub) for name, sub in value.items()}
        elif key not in _PROSE:
            out[key] = strip_prose(value)
    return out


def success_example(operation: dict[str, Any]) -> tuple[int, Any]:
    for code, response in sorted(operation["responses"].items()):
        if not code.startswith("2"):
            continue
        media = response.get("content", {}).get("application/json", {})
        examples = media.get("examples") or {}
        for example in examples.values():
            if "value" in example:
                return int(code), example["value"]
        return int(code), media.get("example")
    raise KeyError(f"no 2xx response in {operation['operationId']}")


def extract(spec: dict[str, Any]) -> dict[str, Any]:
    operations = []
    for method, path in OPERATIONS:
        op = spec["paths"][path][method]
        body = op.get("requestBody")
        status, example = success_example(op)
        operations.append(
            {
                "operationId": op["operationId"],
                "method": method.upper(),
                "path": path,
                "parameters": [
                    {
                        "name": p["name"],
                        "in": p["in"],
                        "required": bool(p.get("required")),
                        "schema": strip_prose(p.get("schema", {})),
                    }
                    for p in op.get("parameters", [])
                ],
                "requestBody": None
                if body is None
                else {
                    "required": bool(body.get("required")),
                    "schema": strip_prose(body["content"]["application/json"]["schema"]),
                },
                "successStatus": status,
                "responseExample": example,
                "responseSchema": strip_prose(op["responses"][str(status)]["content"]["application/json"]["schema"])
                if path in RESPONSE_SCHEMAS
                else None,
                "deprecated": bool(op.get("deprecated")),
            }
        )
    return {
        "openapi": spec["openapi"],
        "info": {"version": spec["info"]["version"]},
        "operations": operations,
    }


def load_spec(argv: list[str]) -> tuple[dict[str, Any], str]:
    if argv:
        raw = Path(argv[0]).read_bytes()
        return json.loads(raw), f"{argv[0]} sha256:{hashlib.sha256(raw).hexdigest()}"
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", f"{PACKAGE}@{VERSION}", "--silent"], cwd=tmp, check=True)
        (tarball,) = Path(tmp).glob("*.tgz")
        with tarfile.open(tarball) as tar:
            member = tar.extractfile(MEMBER)
            assert member is not None
            raw = member.read()
    return json.loads(raw), f"npm {PACKAGE}@{VERSION} {MEMBER} sha256:{hashlib.sha256(raw).hexdigest()}"


def main(argv: list[str]) -> int:
    spec, source = load_spec(argv)
    subset = {"source": source, **extract(spec)}
    OUT.write_text(json.dumps(subset, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes) from {source}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
