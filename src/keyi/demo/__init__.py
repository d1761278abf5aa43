"""Demo data: a believable Chinese/English sales company, deterministic per seed.

`keyi demo --accounts N` calls :func:`ensure_demo`; the benchmark harness (``bench/``) uses the
same generator for its data, and integration tests use it as a fixture.
"""

from keyi.demo.generator import FULL, DemoGenerator, Mix, Owners, credit_code, is_valid_credit_code
from keyi.demo.seed import (
    DEMO_PASSWORD,
    DEMO_TENANT,
    DemoError,
    SeedReport,
    admin_email,
    email_domain,
    ensure_demo,
)

__all__ = [
    "DEMO_PASSWORD",
    "DEMO_TENANT",
    "FULL",
    "DemoError",
    "DemoGenerator",
    "Mix",
    "Owners",
    "SeedReport",
    "admin_email",
    "credit_code",
    "email_domain",
    "ensure_demo",
    "is_valid_credit_code",
]
