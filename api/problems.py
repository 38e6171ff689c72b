"""Every error the API returns is an RFC 9457 problem (`application/problem+json`), one shape for all.

- `HTTPException` (raised by routes, by auth with its `WWW-Authenticate`, by Starlette for unknown
  paths and methods): its status, its detail, its headers kept.
- Request validation (422): `errors` lists each field at fault (`loc`, `msg`, `type`); the input
  itself is never echoed back (it may be a password).
- Anything unexpected (500): logged with a request id and its traceback; the body carries only the
  request id, so an operator can find the log line, and nothing of the internals.

`install(app)` registers the handlers and the catch-all, and documents the shape in the OpenAPI
schema: every operation gets its 500, every operation with parameters or a body its 422 (replacing
FastAPI's own `HTTPValidationError`), every operation with a body its 400 (not JSON at all), every
guarded operation (one with `security`) its 401 and 403; a route names its other problems with
`problem_responses(404)`.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("anjing.api")

PROBLEM_JSON = "application/problem+json"
VALIDATION_TYPE = "urn:anjing:problem:validation"
_REF = "#/components/schemas/Problem"
REQUEST_ID_HEADER = "x-request-id"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

# Chinese first; the English is the HTTP reason phrase.
TITLES_ZH: dict[int, str] = {
    400: "请求有误",
    401: "需要登录",
    403: "无权操作",
    404: "未找到",
    405: "方法不允许",
    406: "无法提供所需格式",
    409: "状态冲突",
    413: "请求过大",
    415: "不支持的内容类型",
    422: "请求无效",
    423: "已锁定",
    429: "请求过多",
    500: "服务器内部错误",
    502: "上游错误",
    503: "服务暂不可用",
    504: "上游超时",
}


def _phrase(status: int) -> str | None:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return None


def title(status: int) -> str:
    """`未找到 / Not Found`: the status's title, Chinese first."""
    zh = TITLES_ZH.get(status, "请求失败" if status < 500 else "服务器错误")
    return f"{zh} / {_phrase(status) or f'HTTP {status}'}"


class FieldIssue(BaseModel):
    """One field of the request that failed validation."""

    loc: list[str | int] = Field(description="where: `query`, `path`, `body`, … then the field's path")
    msg: str
    type: str = Field(description="pydantic's error type, e.g. `missing`, `int_parsing`")

    model_config = {
        "json_schema_extra": {
            "examples": [
                {"loc": ["query", "limit"], "msg": "Input should be a valid integer", "type": "int_parsing"}
            ]
        }
    }


class Problem(BaseModel):
    """An error, as RFC 9457 problem details (`application/problem+json`)."""

    type: str = Field(default="about:blank", description="a URI naming the kind of problem")
    title: str = Field(description="short, Chinese first, then English")
    status: int = Field(ge=100, le=599)
    detail: str | None = Field(default=None, description="what went wrong in this occurrence")
    instance: str | None = Field(default=None, description="the request path of this occurrence")
    errors: list[FieldIssue] | None = Field(default=None, description="validation problems only")
    request_id: str | None = Field(
        default=None, description="unexpected errors only: the id in the server's log line"
    )

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "type": "about:blank",
                    "title": "未找到 / Not Found",
                    "status": 404,
                    "detail": "未知传感器 / unknown sensor(s): aq-x.co2 — see /api/v1/sensors",
                    "instance": "/api/v1/readings",
                },
                {
                    "type": VALIDATION_TYPE,
                    "title": "请求无效 / Unprocessable Content",
                    "status": 422,
                    "detail": "请求参数无效 / the request has invalid fields",
                    "instance": "/api/v1/readings",
                    "errors": [{"loc": ["query", "sensor"], "msg": "Field required", "type": "missing"}],
                },
            ]
        }
    }


def problem_response(problem: Problem, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        problem.model_dump(exclude_none=True),
        status_code=problem.status,
        headers=dict(headers) if headers else None,
        media_type=PROBLEM_JSON,
    )


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for a route or router: each status answers a `Problem`."""
    return {status: _documented(status) for status in statuses}


def _documented(status: int) -> dict[str, Any]:
    return {"description": title(status), "content": {PROBLEM_JSON: {"schema": {"$ref": _REF}}}}


async def _http_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code in (204, 304) or exc.status_code < 200:
        return Response(status_code=exc.status_code, headers=exc.headers)
    detail = None if exc.detail == _phrase(exc.status_code) else str(exc.detail)  # Starlette's default
    problem = Problem(
        title=title(exc.status_code), status=exc.status_code, detail=detail, instance=request.url.path
    )
    return problem_response(problem, exc.headers)


async def _validation_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    issues = [
        FieldIssue(loc=list(e.get("loc", ())), msg=str(e.get("msg", "")), type=str(e.get("type", "")))
        for e in exc.errors()
    ]
    problem = Problem(
        type=VALIDATION_TYPE,
        title=title(422),
        status=422,
        detail="请求参数无效 / the request has invalid fields",
        instance=request.url.path,
        errors=issues,
    )
    return problem_response(problem)


class CatchAll:
    """ASGI middleware: an unexpected exception becomes a logged 500 problem, not a traceback.

    It sits inside the security-header middleware, so the 500 carries the headers too (Starlette's
    own ServerErrorMiddleware sits outside every user middleware).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception:
            request_id = _request_id(scope)
            path = scope.get("path", "")
            log.exception(
                "请求出错 / unexpected error in %s %s [request %s]",
                scope.get("method"),
                path,
                request_id,
                extra={"request_id": request_id},
            )
            if started:
                raise  # the answer is half sent: only the server can end the connection
            problem = Problem(
                title=title(500),
                status=500,
                detail=f"意外错误，已记录 / unexpected error, logged as request {request_id}",
                instance=path,
                request_id=request_id,
            )
            await problem_response(problem)(scope, receive, send)


def _request_id(scope: Scope) -> str:
    """The proxy's `X-Request-ID` when it looks like one, else a fresh id."""
    for name, value in scope.get("headers", ()):
        if name == REQUEST_ID_HEADER.encode():
            text: str = value.decode("latin-1")
            if _REQUEST_ID.match(text):
                return text
    return uuid.uuid4().hex


def install(app: FastAPI) -> None:
    """Problem details for every error `app` returns, and in its OpenAPI schema."""
    app.add_exception_handler(HTTPException, _http_problem)
    app.add_exception_handler(RequestValidationError, _validation_problem)
    app.add_middleware(CatchAll)
    app.openapi = _documenting(app.openapi)  # type: ignore[method-assign]


def _documenting(generate: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
    """Wrap FastAPI's schema generator: the Problem model, a 500 everywhere, 422 as a Problem."""

    def openapi() -> dict[str, Any]:
        schema = generate()  # FastAPI caches it: patched once
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        if "Problem" in schemas:
            return schema
        definitions = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(definitions.pop("$defs", {}))
        schemas["Problem"] = definitions
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                if "HTTPValidationError" in str(responses.get("422", "")):
                    responses["422"] = _documented(422)
                if "requestBody" in operation:  # a body that is not JSON at all
                    responses.setdefault("400", _documented(400))
                if operation.get("security"):  # api.deps.require: nobody signed in, or not allowed
                    responses.setdefault("401", _documented(401))
                    responses.setdefault("403", _documented(403))
                responses.setdefault("500", _documented(500))
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        return schema

    return openapi
