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


@pytest.fixture
def run_keys(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The run keys the host makes (secrets.token_bytes in grader.sandbox.container), as they are made."""
    import grader.sandbox.container as container

    keys: list[bytes] = []
    real = container.secrets.token_bytes

    def remembered(n: int) -> bytes:
        keys.append(real(n))
        return keys[-1]

    monkeypatch.setattr(container.secrets, "token_bytes", remembered)
    return keys


def test_no_host_secret_or_run_key_in_the_container_or_the_report(grade_case, monkeypatch, run_keys) -> None:  # type: ignore[no-untyped-def]
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    graded = grade_case("secrets")
    assert_honest_calc(graded)
    assert run_keys, "the run key was not made with secrets.token_bytes any more: update this test"
    text = json.dumps(to_json(graded.report))
    assert "HOSTNAME" in text or "PATH" in text, "the submission's loot should be in the report (as evidence)"
    for value in SECRETS.values():
        assert value not in text
    for name in SECRETS:
        assert name not in text
    assert run_keys[0].hex() not in text


def test_the_forked_test_process_inherits_no_run_key(grade_case, run_keys) -> None:  # type: ignore[no-untyped-def]
    """The first test process is a fork of the supervisor (child_io.fork_child), made before the supervisor
    reads its settings: nothing it inherited (stdin, the frames above pytest, module globals) holds the
    run's key. The `fork_late` mutant forks after the settings are read and fails this test."""
    graded = grade_case("inherited_memory")
    assert_honest_calc(graded)
    assert run_keys, "the run key was not made with secrets.token_bytes any more: update this test"
    text = json.dumps(to_json(graded.report))
    assert "candidate keys: " in text, "the attack did not run: it proves nothing"
    # the attack saw its own channel's key (it belongs to the test process): it found what was there
    assert len(text.split("candidate keys: ", 1)[1].split("\\n", 1)[0].split()) >= 1
    assert run_keys[0].hex() not in text


def test_the_forked_and_the_fresh_test_process_load_the_same_modules(grade_case) -> None:  # type: ignore[no-untyped-def]
    """The submission's module sees the same `sys.modules` whether the test process was forked from the
    supervisor (the first) or started fresh (after `add` crashed it): no module the supervisor imported is
    left behind for a submission file of the same name to be shadowed by. Both have raised their OOM
    score (it used to stay 0: a non-dumpable process cannot write its oom_score_adj)."""
    graded = grade_case("fork_vs_fresh")
    lines = [line.split(": ", 1)[1] for line in graded.report.output.splitlines()
             if line.startswith("modules at import: ")]  # fmt: skip
    assert len(lines) == 2, graded.report.output[-2000:]
    forked, fresh = (set(line.split(",")) for line in lines)
    assert forked == fresh, (sorted(forked - fresh), sorted(fresh - forked))
    assert "pytest" in forked and "protocol" not in forked and "session" not in forked
    # Both raised their own OOM score (child.raise_oom_score, before they became non-dumpable)
    scores = [line.split(": ", 1)[1] for line in graded.report.output.splitlines()
              if line.startswith("oom_score_adj at import: ")]  # fmt: skip
    assert scores == ["1000", "1000"], scores
    # `add` crashed the first process (an error); `sub` and `mul` ran in the fresh one
    assert graded.statuses == {"test_add": "error", "test_sub": "failed", "test_mul": "failed"}
