"""Issue 3, item 7: no host environment variable, token or run key ever reaches the container or
the report, whatever the submission reads and prints."""

from __future__ import annotations

import json

import pytest

from grader.reporters.report_json import to_json
from tests.adversarial.conftest import assert_honest_calc

pytestmark = pytest.mark.docker

SECRETS = {
    "GITHUB_TOKEN": "ghs_adversarialtoken0123456789",
    "ACTIONS_RUNTIME_TOKEN": "runtime-token-abcdef",
    "GRADER_ADVERSARIAL_SECRET": "host-only-secret-42",
}


def test_no_host_secret_or_run_key_in_the_container_or_the_report(grade_case, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import grader.sandbox.container as container

    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    keys: list[bytes] = []
    real = container.secrets.token_bytes

    def remembered(n: int) -> bytes:
        keys.append(real(n))
        return keys[-1]

    monkeypatch.setattr(container.secrets, "token_bytes", remembered)
    graded = grade_case("secrets")
    assert_honest_calc(graded)
    assert keys, "the run key was not made with secrets.token_bytes any more: update this test"
    text = json.dumps(to_json(graded.report))
    assert "HOSTNAME" in text or "PATH" in text, "the submission's loot should be in the report (as evidence)"
    for value in SECRETS.values():
        assert value not in text
    for name in SECRETS:
        assert name not in text
    assert keys[0].hex() not in text
