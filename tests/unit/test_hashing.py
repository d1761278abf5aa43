"""The shared password hasher: production parameters unless a test suite opts out, and no
server or worker ever runs with the cheap ones."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from keyi.cli import main
from keyi.platform import hashing


def test_production_parameters_unless_the_fast_profile_is_asked_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(hashing.FAST_ENV, raising=False)
    strong = hashing._hasher()
    assert (strong.time_cost, strong.memory_cost, strong.parallelism) == (3, 65536, 4)
    monkeypatch.setenv(hashing.FAST_ENV, "fast")
    cheap = hashing._hasher()
    assert (cheap.time_cost, cheap.memory_cost, cheap.parallelism) == (1, 1024, 1)
    # Still argon2id: a strong hash verifies with the cheap hasher and asks to be rehashed.
    stored = strong.hash("correct-horse-battery")
    assert stored.startswith("$argon2id$") and cheap.verify(stored, "correct-horse-battery")
    assert cheap.check_needs_rehash(stored)


@pytest.mark.parametrize("command", [["serve"], ["worker", "--once"]])
def test_server_and_worker_refuse_the_fast_profile(
    command: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.setenv(hashing.FAST_ENV, "fast")
    monkeypatch.setenv("KEYI_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(main, command)
    assert result.exit_code != 0
    assert "KEYI_PASSWORD_HASHING=fast is for test suites only" in result.output
