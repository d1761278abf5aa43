"""Idempotency keys: a retried create answers with the first response instead of a second record.

The key is claimed *before* the work, in the same transaction, with an insert that ignores a
conflict. Two concurrent requests with one key therefore meet on the key's primary key: on
PostgreSQL the second insert waits until the first transaction ends, then either finds the
committed answer (and replays it) or, if the first rolled back, claims the key itself; on SQLite
writers are serialised (BEGIN IMMEDIATE) and the second simply finds the answer. Never two
records, never a unique-violation 500.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from keyi.platform.context import Context
from keyi.platform.errors import Conflict, FieldError, ValidationFailed
from keyi.platform.schema import idempotency_table

KEY_LENGTH = 255
PENDING = 0
"""Status of a claimed key whose answer is not stored yet; only ever visible to the claiming
transaction itself, as the claim and the answer commit together."""


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: dict[str, Any]


def request_hash(operation: str, body: Any) -> str:
    """Fingerprint of a request: the same key with another request is refused."""
    return hashlib.sha256(
        json.dumps([operation, body], sort_keys=True, default=str).encode()
    ).hexdigest()


class IdempotencyService:
    """Claims keys and stores answers, per actor, in the tenant's transaction."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.conn = ctx.conn

    def claim(self, key: str, operation: str, body: Any) -> StoredResponse | None:
        """None when this request owns the key (do the work, then `complete`); otherwise the
        stored answer to replay. A different request under the same key is a 422."""
        t = idempotency_table
        key = key[:KEY_LENGTH]
        fingerprint = request_hash(operation, body)
        insert = pg_insert if self.ctx.dialect == "postgresql" else sqlite_insert
        claimed = self.conn.execute(
            insert(t)
            .values(
                key=key,
                actor_id=self.ctx.actor.id,
                request_hash=fingerprint,
                status=PENDING,
                response={},
                created_at=self.ctx.now(),
            )
            .on_conflict_do_nothing()
            .returning(t.c.key)
        ).first()
        if claimed is not None:
            return None
        # The JSON as stored, parsed here so decimals keep every digit on replay.
        row = self.conn.execute(
            sa.select(t.c.request_hash, t.c.status, sa.cast(t.c.response, sa.Text)).where(
                t.c.key == key, t.c.actor_id == self.ctx.actor.id
            )
        ).first()
        if row is None:
            # Claimed and released between our insert and this read: the client may resend.
            raise Conflict("idempotency_in_progress")
        if row[0] != fingerprint:
            raise ValidationFailed([FieldError("Idempotency-Key", "idempotency_conflict")])
        if row[1] == PENDING:
            raise Conflict("idempotency_in_progress")
        return StoredResponse(status=int(row[1]), body=json.loads(row[2], parse_float=Decimal))

    def complete(self, key: str, status: int, body: dict[str, Any]) -> None:
        """Store the answer of the request that claimed `key`."""
        t = idempotency_table
        self.conn.execute(
            sa.update(t)
            .where(t.c.key == key[:KEY_LENGTH], t.c.actor_id == self.ctx.actor.id)
            .values(status=status, response=body)
        )
