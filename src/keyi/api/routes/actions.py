"""One typed route per registered action (keyi.platform.actions), plus the action menus.

Routes are built when the app is created, from the registry the packages filled while they
loaded, so every action has its own path and the OpenAPI document shows its input and output
models. The app includes this router before the generic records routes: a literal path such as
``/records/lead/{record_id}/convert`` then wins over ``/records/{object}/{id}/...``.
"""

from __future__ import annotations

import inspect
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from keyi.api.context import request_context
from keyi.api.exactjson import ExactJSONResponse, ExactNumbersRoute
from keyi.api.params import uuid_param
from keyi.platform.actions import ActionDef, ActionRegistry, FileResult

PREFIX = "/api/v1/records"


class ActionMenu(BaseModel):
    """`GET .../actions`: what the web app's action menu lists."""

    items: list[dict[str, Any]]


def content_disposition(filename: str) -> str:
    """An attachment header any browser reads: an ASCII fallback plus the UTF-8 name
    (RFC 6266 / RFC 5987), so 报价单-BJ-2027-0001.pdf keeps its Chinese name."""
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in filename
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def answer(action: ActionDef, result: Any) -> Response:
    """The action's return value as an HTTP response."""
    if isinstance(result, Response):
        return result
    if isinstance(result, FileResult):
        return Response(
            result.content,
            media_type=result.media_type or action.media_type or "application/octet-stream",
            headers={"Content-Disposition": content_disposition(result.filename)},
        )
    if isinstance(result, BaseModel):
        return ExactJSONResponse(result.model_dump(mode="python"))
    if result is None:
        return ExactJSONResponse({})
    return ExactJSONResponse(result)


def endpoint_for(action: ActionDef, actions: ActionRegistry) -> Any:
    """The route function of one action, with a signature FastAPI reads: the record id as a
    path parameter and the action's input model (if any) as the JSON body."""
    write = action.method != "GET"

    def run(request: Request, record_id: str | None = None, body: Any = None) -> Response:
        with request_context(request, write=write) as ctx:
            if action.kind == "record":
                rid = uuid_param(record_id or "", "record_not_found")
                result = actions.run_record(ctx, action.object_name, action.name, rid, body)
            else:
                result = actions.run_object(ctx, action.object_name, action.name, body)
            return answer(action, result)

    parameters = [inspect.Parameter("request", inspect.Parameter.KEYWORD_ONLY, annotation=Request)]
    if action.kind == "record":
        parameters.append(
            inspect.Parameter("record_id", inspect.Parameter.KEYWORD_ONLY, annotation=str)
        )
    if action.input is not None:
        parameters.append(
            inspect.Parameter("body", inspect.Parameter.KEYWORD_ONLY, annotation=action.input)
        )

    def endpoint(**kwargs: Any) -> Response:
        return run(kwargs["request"], kwargs.get("record_id"), kwargs.get("body"))

    endpoint.__signature__ = inspect.Signature(parameters, return_annotation=Response)  # type: ignore[attr-defined]
    endpoint.__name__ = f"action_{action.object_name}_{action.name}"
    endpoint.__doc__ = action.description
    return endpoint


def file_responses(action: ActionDef) -> dict[int | str, dict[str, Any]]:
    if action.media_type is None:
        return {}
    return {200: {"description": "The file", "content": {action.media_type: {}}}}


def build_router(actions: ActionRegistry) -> APIRouter:
    """The routes of every registered action, and the menus."""
    router = APIRouter(prefix=PREFIX, tags=["actions"], route_class=ExactNumbersRoute)
    for action in actions.all():
        endpoint = endpoint_for(action, actions)
        router.add_api_route(
            action.path,
            endpoint,
            methods=[action.method],
            response_model=action.output if action.media_type is None else None,
            response_class=Response if action.media_type else ExactJSONResponse,
            responses=file_responses(action),
            summary=action.labels.get("en") or action.name,
            description=action.description or "",
            operation_id=f"action_{action.kind}_{action.object_name}_{action.name}",
            tags=[f"actions: {action.object_name}"],
        )

    @router.get("/{object_name}/actions", response_model=ActionMenu)
    def object_actions(object_name: str, request: Request) -> Response:
        """The object's list actions the caller sees."""
        with request_context(request) as ctx:
            return ExactJSONResponse({"items": actions.menu(ctx, object_name, None)})

    @router.get("/{object_name}/{record_id}/actions", response_model=ActionMenu)
    def record_actions(object_name: str, record_id: str, request: Request) -> Response:
        """The record's actions, each with `available` for the caller and the record's state."""
        with request_context(request) as ctx:
            rid = uuid_param(record_id, "record_not_found")
            return ExactJSONResponse({"items": actions.menu(ctx, object_name, rid)})

    return router
