"""Domain errors → RFC 9457 problem+json, in one place, localised by Accept-Language."""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy.exc as sa_exc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from keyi.api.bodies import field_error
from keyi.api.edge import RequestTooLarge, current_request_id
from keyi.api.unavailable import RETRY_AFTER_SECONDS, is_unavailable
from keyi.platform.errors import KeyiError, RetryLater, ValidationFailed
from keyi.platform.i18n import message, negotiate

log = logging.getLogger("keyi.api")
PROBLEM = "application/problem+json"
# Parameters that are safe and useful to echo to clients in the problem body.
# (`reports` and `dashboards`: how many a folder still holds, for `folder_not_empty`.)
PUBLIC_PARAMS = ("tenants", "current", "candidates", "reports", "dashboards", "diff")
# Framework errors (unknown route, wrong method, body too large) by status.
HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}


def problem(
    status: int,
    code: str,
    locale: str,
    *,
    detail: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """The one way an error is answered; it carries the request id so a user's report can be
    matched with the server log (the Edge adds the same id as a header)."""
    body: dict[str, Any] = {
        "type": f"https://keyi.dev/problems/{code}",
        "title": message(code, locale, **(extra or {})),
        "status": status,
        "code": code,
    }
    if detail:
        body["detail"] = detail
    if errors is not None:
        body["errors"] = errors
    for key in PUBLIC_PARAMS:
        if extra and key in extra:
            body[key] = extra[key]
    request_id = current_request_id()
    if request_id:
        body["request_id"] = request_id
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def field_errors(exc: ValidationFailed, locale: str) -> list[dict[str, Any]]:
    return [
        {"field": e.field, "code": e.code, "message": message(e.code, locale, **e.params)}
        for e in exc.errors
    ]


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(KeyiError)
    async def keyi_error(request: Request, exc: KeyiError) -> JSONResponse:
        locale = negotiate(request.headers.get("accept-language"))
        if isinstance(exc, ValidationFailed):
            errors = field_errors(exc, locale)
            detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
            return problem(exc.status, exc.code, locale, detail=detail, errors=errors)
        response = problem(
            exc.status,
            exc.code,
            locale,
            detail=message(exc.code, locale, **exc.params),
            extra=exc.params,
        )
        if isinstance(exc, RetryLater):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(RequestValidationError)
    async def request_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        locale = negotiate(request.headers.get("accept-language"))
        # The same field errors as the platform's own validation (keyi.api.bodies).
        errors = []
        for error in exc.errors():
            field, code, params = field_error(error)
            text = message(code, locale, **params) if code != "invalid_request" else None
            errors.append(
                {"field": field, "code": code, "message": text or str(error.get("msg", ""))}
            )
        return problem(422, "invalid_request", locale, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        locale = negotiate(request.headers.get("accept-language"))
        code = HTTP_CODES.get(exc.status_code, "invalid_request")
        if exc.status_code == 400 and isinstance(exc.__cause__, RecursionError):
            # FastAPI's body parser hit Python's recursion limit: JSON nested past any use.
            errors = [{"field": "body", "code": "too_deep", "message": message("too_deep", locale)}]
            return problem(422, "invalid_request", locale, errors=errors)
        if isinstance(exc, RequestTooLarge):
            limit = {"limit": exc.limit}
            return problem(413, code, locale, detail=message(code, locale, **limit), extra=limit)
        return problem(
            exc.status_code,
            code,
            locale,
            detail=str(exc.detail) if exc.detail else None,
            headers=dict(exc.headers or {}),  # e.g. Allow on a 405
        )

    @app.exception_handler(sa_exc.OperationalError)
    @app.exception_handler(sa_exc.TimeoutError)
    async def database_error(request: Request, exc: Exception) -> JSONResponse:
        # The database is down, restarting, out of connections or (SQLite) locked by another
        # writer past the busy timeout: a temporary condition the client should retry.
        locale = negotiate(request.headers.get("accept-language"))
        if is_unavailable(exc):
            log.warning("database unavailable: %s", type(exc).__name__)
            return problem(
                503,
                "database_unavailable",
                locale,
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        log.exception("database error", extra={"path": request.url.path})
        return problem(500, "internal_error", locale)

    @app.exception_handler(sa_exc.DataError)
    async def data_error(request: Request, exc: sa_exc.DataError) -> JSONResponse:
        # PostgreSQL text cannot hold NUL bytes; wherever one slips through (a query parameter,
        # a name), the caller sent invalid text: a 422, not a server error.
        locale = negotiate(request.headers.get("accept-language"))
        if "NUL (0x00)" in str(exc.orig):
            errors = [
                {
                    "field": "request",
                    "code": "invalid_text",
                    "message": message("invalid_text", locale),
                }
            ]
            return problem(422, "invalid_request", locale, errors=errors)
        log.exception("database rejected a value", extra={"path": request.url.path})
        return problem(500, "internal_error", locale)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", extra={"path": request.url.path})
        locale = negotiate(request.headers.get("accept-language"))
        return problem(500, "internal_error", locale)
