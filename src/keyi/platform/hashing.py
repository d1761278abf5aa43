"""The one argon2id hasher behind every password: internal sign-in, portal users, accounts.

Production uses argon2-cffi's defaults (RFC 9106's second recommended profile: 3 passes over
64 MiB, 4 lanes) — deliberately ~0.1 s per hash, so a stolen hash table is expensive to attack.

A test suite hashes thousands of throw-away passwords (one administrator per test tenant, a
sign-in per API client); at that cost the hashing alone was minutes of CI. A suite may set
``KEYI_PASSWORD_HASHING=fast`` in the environment before Keyi is imported: one pass over 1 MiB,
still real argon2id (hashes verify, rehash rules apply). `keyi serve` and `keyi worker` refuse
to start with it, so it can never protect real passwords.
"""

from __future__ import annotations

import os

from argon2 import PasswordHasher

FAST_ENV = "KEYI_PASSWORD_HASHING"


def fast_hashing() -> bool:
    """Whether the cheap test-suite profile is on (see the module docstring)."""
    return os.environ.get(FAST_ENV, "").strip().lower() == "fast"


def _hasher() -> PasswordHasher:
    if fast_hashing():
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return PasswordHasher()


PASSWORD_HASHER = _hasher()
# Verified against when no account matches, so a wrong address costs as long as a wrong
# password (no user enumeration by timing).
DUMMY_PASSWORD_HASH = PASSWORD_HASHER.hash("keyi-timing-equaliser")
