"""Pooled PostgreSQL connections are checked before use only after sitting idle
(keyi.platform.database.ping_when_idle): a dead idle connection is replaced without the
request noticing, and a busy pool pays no ping round trip per request."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from keyi.platform.database import ping_when_idle
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL only (SQLite has no pool)")


@pytest.fixture
def engines() -> Iterator[tuple[sa.Engine, sa.Engine]]:
    assert POSTGRES_URL
    pooled = sa.create_engine(POSTGRES_URL, pool_size=1, max_overflow=0)
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    yield pooled, admin
    pooled.dispose()
    admin.dispose()


def _backend_pid(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())


def _terminate(admin: sa.Engine, pid: int) -> None:
    with admin.connect() as conn:
        assert conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
        # Wait until the server has really let it go.
        for _ in range(100):
            alive = conn.execute(
                sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
            ).scalar_one()
            if not alive:
                return
            conn.exec_driver_sql("SELECT pg_sleep(0.01)")
    raise AssertionError("backend still alive")


def _killed_in_pool(engines: tuple[sa.Engine, sa.Engine], idle_seconds: float) -> int:
    """The backend id of the pool's one connection, terminated by the server while pooled."""
    pooled, admin = engines
    ping_when_idle(pooled, idle_seconds=idle_seconds)
    first = _backend_pid(pooled)
    _terminate(admin, first)
    return first


def test_a_connection_that_died_while_idle_is_replaced_before_use(
    engines: tuple[sa.Engine, sa.Engine],
) -> None:
    pooled = engines[0]
    first = _killed_in_pool(engines, idle_seconds=0.0)
    # The pooled connection is dead; the checkout's ping notices and the pool reconnects.
    assert _backend_pid(pooled) != first


def test_a_connection_back_from_use_moments_ago_is_not_pinged(
    engines: tuple[sa.Engine, sa.Engine],
) -> None:
    pooled = engines[0]
    first = _killed_in_pool(engines, idle_seconds=3600.0)
    # No ping: the dead connection is handed out and its statement fails (the request answers
    # 503, see test_http_edge); SQLAlchemy then drops it and the next checkout reconnects.
    with pytest.raises(sa.exc.OperationalError), pooled.connect() as conn:
        conn.exec_driver_sql("SELECT 1")
    assert _backend_pid(pooled) != first
