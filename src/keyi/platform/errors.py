"""Domain errors with stable codes. They become HTTP responses in one place (keyi.api.errors).

Validation collects every field error before failing, so a form shows all problems at once.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FieldError:
    """One problem with one input field; params fill the localised message."""

    field: str
    code: str
    params: dict[str, Any] = dataclasses.field(default_factory=dict)


class KeyiError(Exception):
    """Base of all expected errors; status is the HTTP status it maps to."""

    status = 400
    code = "invalid_request"

    def __init__(self, code: str | None = None, **params: Any) -> None:
        self.code = code or type(self).code
        self.params = params
        super().__init__(f"{self.code} {params}" if params else self.code)


class ValidationFailed(KeyiError):
    """Input is invalid; carries every field error found."""

    status = 422
    code = "invalid_request"

    def __init__(self, errors: list[FieldError], code: str | None = None, **params: Any) -> None:
        super().__init__(code, **params)
        self.errors = errors

    def __str__(self) -> str:
        return "; ".join(f"{e.field}: {e.code} {e.params or ''}".strip() for e in self.errors)


class NotFound(KeyiError):
    status = 404
    code = "not_found"


class Forbidden(KeyiError):
    status = 403
    code = "forbidden"


class Unauthenticated(KeyiError):
    status = 401
    code = "unauthenticated"


class Conflict(KeyiError):
    status = 409
    code = "conflict"


class RetryLater(KeyiError):
    """The database gave up on the transaction (deadlock, serialization failure, lock wait):
    nothing was written and the same request can simply be sent again after `retry_after`."""

    status = 409
    code = "conflict_retry"
    retry_after = 1


class TooManyAttempts(KeyiError):
    status = 429
    code = "rate_limited"


class StaleVersion(KeyiError):
    """Optimistic concurrency: the caller edited an older version than the stored one."""

    status = 412
    code = "stale_version"


class FieldErrors:
    """Accumulates field errors during a validation pass."""

    def __init__(self) -> None:
        self.items: list[FieldError] = []

    def add(self, field_name: str, code: str, **params: Any) -> None:
        self.items.append(FieldError(field_name, code, params))

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise ValidationFailed(list(self.items))
