"""GET /api/messages/{id}/media: the stored file of a media message, for any signed-in operator.

Reading a conversation is every operator's work (`domain/permissions.py` lists no action
for it), so the bearer check is the whole of it. The bytes are sent as they were
received, as an attachment that no browser may sniff into a page: the content type is
the customer's claim, not ours.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import quote

from aiohttp import web

from sportello.server.access import caller
from sportello.server.context import CONTEXT
from sportello.server.responses import ApiError
from sportello.store.media import StoredMedia, chunk_count, read_chunk, stored_media

_MIME = re.compile(r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*")


async def message_media(request: web.Request) -> web.StreamResponse:
    await caller(request)
    ctx = request.app[CONTEXT]
    raw_id = request.match_info["message_id"]
    if not raw_id.isdigit() or len(raw_id) > 18:
        raise ApiError(404, "not_found", f"no message with id {raw_id!r:.40}")
    message_id = int(raw_id)

    def find() -> StoredMedia | None:
        with ctx.db.read_session() as session:
            return stored_media(session, ctx.media, message_id)

    found = await ctx.executor.read(find)
    if found is None:
        raise ApiError(404, "not_found", f"message {message_id} has no stored media")
    headers = _headers(found)
    if found.path is not None:
        if not found.path.is_file():
            raise ApiError(404, "media_missing", f"the file of message {message_id} is missing")
        return web.FileResponse(found.path, headers=headers)
    return await _send_chunks(request, found, headers)


async def _send_chunks(
    request: web.Request, found: StoredMedia, headers: dict[str, str]
) -> web.StreamResponse:
    ctx = request.app[CONTEXT]

    def count() -> int:
        with ctx.db.read_session() as session:
            return chunk_count(session, found.blob_id)

    def piece(seq: int) -> Callable[[], bytes]:
        def read() -> bytes:
            with ctx.db.read_session() as session:
                return read_chunk(session, found.blob_id, seq)

        return read

    pieces = await ctx.executor.read(count)
    response = web.StreamResponse(headers={**headers, "Content-Length": str(found.size)})
    await response.prepare(request)
    for seq in range(pieces):  # one piece in memory at a time
        await response.write(await ctx.executor.read(piece(seq)))
    await response.write_eof()
    return response


def _headers(found: StoredMedia) -> dict[str, str]:
    mime = (found.mime or "").split(";")[0].strip()
    headers = {
        "Content-Type": mime if _MIME.fullmatch(mime) else "application/octet-stream",
        "Content-Disposition": "attachment",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, max-age=86400, immutable",
        "X-Sportello-Media-Sha256": found.sha256,
        "X-Sportello-Media-Complete": "true" if found.complete else "false",
    }
    if found.filename:
        headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(found.filename)}"
    return headers


def add_media_routes(app: web.Application) -> None:
    app.router.add_get(r"/api/messages/{message_id}/media", message_media)
