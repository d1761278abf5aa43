"""Exact numbers at the HTTP edge: request bodies parsed with decimals kept, responses written
with decimals verbatim (keyi.platform.jsoncodec).

Routers that carry record values use `ExactNumbersRoute`; their handlers return
`ExactJSONResponse` (a dict returned instead would go through FastAPI's encoder, which turns
Decimal into float or text).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from keyi.platform.jsoncodec import dumps, loads_exact


class ExactJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return dumps(content)


class ExactNumbersRequest(Request):
    """`json()` keeps every digit: 1234567890123456.78 arrives as that Decimal, not a float."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = loads_exact(await self.body())
        return self._json


class ExactNumbersRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def exact_numbers(request: Request) -> Response:
            return await handler(ExactNumbersRequest(request.scope, request.receive))

        return exact_numbers
