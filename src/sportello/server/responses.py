"""JSON answers and the one error shape of the HTTP API: {"error": {"code", "message"}}."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from sportello.domain.text_repair import repair_tree
from sportello.server.logs import fields
from sportello.server.wire_json import NotJson, dumps, loads_strict

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}


class ApiError(Exception):
    """Raised by handlers; the middleware turns it into the error answer."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def json_response(value: Any, status: int = 200) -> web.Response:
    return web.json_response(value, status=status, dumps=dumps)


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> web.Response:
    return web.json_response(
        {"error": {"code": code, "message": message}},
        status=status,
        dumps=dumps,
        headers=headers,
    )


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every failure becomes the JSON error shape; bad input never becomes a 500."""
    try:
        return await handler(request)
    except ApiError as exc:
        return error_response(exc.status, exc.code, exc.message, exc.headers)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        if exc.status == 413:
            return error_response(413, "body_too_large", "request body exceeds 1 MiB")
        code = _CODES.get(exc.status, "http_error")
        return error_response(exc.status, code, exc.reason or code.replace("_", " "))
    except OperationalError as exc:
        log.error("database unavailable", extra=fields(path=request.path, error=_first(exc)))
        return error_response(503, "database_unavailable", "the database is not reachable")
    except SQLAlchemyError as exc:
        log.exception("database error", extra=fields(path=request.path, error=_first(exc)))
        return error_response(500, "internal_error", "internal error, see the server log")


def _first(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    return text.splitlines()[0] if text else type(exc).__name__


async def read_body(request: web.Request) -> bytes:
    """The raw body, refused with 413 past 1 MiB whether announced or chunked."""
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise ApiError(413, "body_too_large", "request body exceeds 1 MiB")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise ApiError(413, "body_too_large", "request body exceeds 1 MiB")
        chunks.append(chunk)
    return b"".join(chunks)


def decode_json(raw: bytes) -> Any:
    """JSON value of a body, or a 400 that says why (NaN, Infinity and non-UTF-8 too)."""
    if not raw.strip():
        raise ApiError(400, "invalid_json", "empty body: expected a JSON document")
    try:
        return loads_strict(raw)
    except NotJson as exc:
        raise ApiError(400, "invalid_json", str(exc)) from None


async def read_json(request: web.Request) -> Any:
    """The JSON body of a REST request, its text made storable (see domain/text_repair)."""
    return repair_tree(decode_json(await read_body(request)))[0]
